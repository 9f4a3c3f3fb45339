#include "ui/finetune_charts.h"

#include <QChart>
#include <QChartView>
#include <QHBoxLayout>
#include <QLegendMarker>
#include <QLineSeries>
#include <QScatterSeries>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace corrlens::ui {
namespace {

// A step axis from 0 to `last` (at least 1) with whole-number ticks 1, 2 or
// 5 x 10^k apart, about five of them.
void SetStepRange(QValueAxis* axis, double last) {
  const double top = std::max(1.0, last);
  double interval = 1;
  for (double scale = 1; interval * 5 < top; scale *= 10)
    for (double m : {1.0, 2.0, 5.0})
      if (interval * 5 < top) interval = m * scale;
  axis->setTickType(QValueAxis::TicksDynamic);
  axis->setTickAnchor(0);
  axis->setTickInterval(interval);
  axis->setRange(0, top);
}

QChartView* MakeView(const QString& title, QValueAxis** x, QValueAxis** y, const QString& y_title) {
  auto* chart = new QChart;
  chart->setTitle(title);
  chart->legend()->setAlignment(Qt::AlignBottom);
  *x = new QValueAxis;
  (*x)->setTitleText(QObject::tr("step"));
  (*x)->setLabelFormat("%d");
  SetStepRange(*x, 1);
  *y = new QValueAxis;
  (*y)->setTitleText(y_title);
  (*y)->setRange(0, 1);
  chart->addAxis(*x, Qt::AlignBottom);
  chart->addAxis(*y, Qt::AlignLeft);
  auto* view = new QChartView(chart);
  view->setRenderHint(QPainter::Antialiasing);
  view->setMinimumSize(280, 220);
  return view;
}

template <typename Series>
Series* AddSeries(QChartView* view, const QString& name, const QColor& color) {
  auto* series = new Series;
  series->setName(name);
  series->setColor(color);
  view->chart()->addSeries(series);
  for (QAbstractAxis* axis : view->chart()->axes()) series->attachAxis(axis);
  return series;
}

// Grows `axis` so that it shows `value` (with a little headroom).
void Include(QValueAxis* axis, double value) {
  if (value > axis->max()) axis->setMax(value * 1.1);
  if (value < axis->min()) axis->setMin(value);
}

}  // namespace

FinetuneCharts::FinetuneCharts(QWidget* parent) : QWidget(parent) {
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  loss_view_ = MakeView(tr("Training loss"), &loss_x_, &loss_y_, tr("smooth-AP loss"));
  probe_view_ = MakeView(tr("Held-out probe (3D equivariance)"), &probe_x_, &probe_y_, tr("%"));
  probe_y_->setRange(0, 100);
  loss_view_->setObjectName("finetune_loss_chart");
  probe_view_->setObjectName("finetune_probe_chart");
  loss_ = AddSeries<QLineSeries>(loss_view_, tr("loss"), QColor(31, 119, 180));
  ape_ = AddSeries<QLineSeries>(probe_view_, tr("APE % (lower is better)"), QColor(214, 39, 40));
  pcdp_ = AddSeries<QLineSeries>(probe_view_, tr("PCDP@0.1 %"), QColor(44, 160, 44));
  // Markers, so that a single probe is visible too (not in the legend).
  ape_points_ = AddSeries<QScatterSeries>(probe_view_, QString(), ape_->color());
  pcdp_points_ = AddSeries<QScatterSeries>(probe_view_, QString(), pcdp_->color());
  for (QScatterSeries* s : {ape_points_, pcdp_points_}) {
    s->setMarkerSize(7);
    for (QLegendMarker* marker : probe_view_->chart()->legend()->markers(s)) marker->setVisible(false);
  }
  layout->addWidget(loss_view_);
  layout->addWidget(probe_view_);
}

void FinetuneCharts::AddLoss(qint64 step, double loss) {
  if (!std::isfinite(loss)) return;
  loss_->append(double(step), loss);
  SetStepRange(loss_x_, double(step));
  Include(loss_y_, loss);
}

void FinetuneCharts::AddProbe(qint64 step, double ape, double pcdp) {
  SetStepRange(probe_x_, double(step));
  if (std::isfinite(ape)) {
    ape_->append(double(step), 100 * ape);
    ape_points_->append(double(step), 100 * ape);
    Include(probe_y_, 100 * ape);
  }
  if (std::isfinite(pcdp)) {
    pcdp_->append(double(step), 100 * pcdp);
    pcdp_points_->append(double(step), 100 * pcdp);
  }
}

void FinetuneCharts::Clear() {
  for (QLineSeries* s : {loss_, ape_, pcdp_}) s->clear();
  ape_points_->clear();
  pcdp_points_->clear();
  SetStepRange(loss_x_, 1);
  loss_y_->setRange(0, 1);
  SetStepRange(probe_x_, 1);
  probe_y_->setRange(0, 100);
}

int FinetuneCharts::LossPoints() const { return static_cast<int>(loss_->count()); }
int FinetuneCharts::ProbePoints() const { return static_cast<int>(std::max(ape_->count(), pcdp_->count())); }

}  // namespace corrlens::ui
