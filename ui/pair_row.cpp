#include "ui/pair_row.h"

#include <QHBoxLayout>
#include <QPainter>
#include <QVBoxLayout>

#include "core/corr/heatmap.h"
#include "ui/cv_qt.h"
#include "ui/row_header.h"

namespace corrlens::ui {

PairRow::PairRow(const QString& title, QWidget* parent) : QWidget(parent) {
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  QWidget* header_widget = MakeRowHeader(title, 150, &title_, &status_);
  source_ = new ImageView;
  target_ = new ImageView;
  legend_ = new ColorLegend;
  layout->addWidget(header_widget);
  layout->addWidget(source_, 1);
  layout->addWidget(target_, 1);
  layout->addWidget(legend_);
}

void PairRow::SetTitle(const QString& title) { title_->setText(title); }

void PairRow::SetStatus(const QString& status, bool is_error) { SetRowStatus(status_, status, is_error); }

void PairRow::SetLegendRange(double min_score, double max_score) { legend_->SetRange(min_score, max_score); }

ColorLegend::ColorLegend(QWidget* parent) : QWidget(parent) { setFixedWidth(54); }

void ColorLegend::SetRange(double min_score, double max_score) {
  min_ = min_score;
  max_ = max_score;
  update();
}

void ColorLegend::paintEvent(QPaintEvent*) {
  if (min_ > max_) return;
  QPainter painter(this);
  const QRect bar(4, 16, 14, height() - 32);
  if (ramp_.isNull()) {
    // The same colour map as the heatmaps (core/corr/heatmap), high at the top.
    cv::Mat scores(256, 1, CV_32F);
    for (int i = 0; i < 256; ++i) scores.at<float>(i) = float(255 - i);
    ramp_ = QImageFromMat(ColorizeScores(scores).rgb);
  }
  painter.drawImage(bar, ramp_);
  painter.setPen(palette().color(QPalette::WindowText));
  painter.drawRect(bar);
  painter.drawText(QRect(0, 0, width(), 14), Qt::AlignLeft, QString::number(max_, 'f', 2));
  painter.drawText(QRect(0, height() - 14, width(), 14), Qt::AlignLeft, QString::number(min_, 'f', 2));
  painter.save();
  painter.translate(width() - 4, height() / 2);
  painter.rotate(-90);
  painter.drawText(QRect(-40, -14, 80, 14), Qt::AlignCenter, QStringLiteral("cosine"));
  painter.restore();
}

}  // namespace corrlens::ui
