#include "ui/benchmark_charts.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QDir>
#include <QEvent>
#include <QFileInfo>
#include <QGridLayout>
#include <QLabel>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPainter>
#include <QScatterSeries>
#include <QSvgGenerator>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <memory>

#include "core/bench/paper_results.h"

namespace corrlens::ui {
namespace {

constexpr int kMinChartWidth = 280;

QString Percent(double fraction) { return QString::number(100.0 * fraction, 'f', 2) + '%'; }

// The threshold a summary metric is taken at: "pck_0.10" -> 0.10,
// "pcdp@0.05" -> 0.05, "pck@5px" -> 5, "pose_3cm_3deg" -> 3; false for
// other metrics.
bool MetricThreshold(const std::string& metric, const std::string& curve, double* threshold) {
  if (metric.rfind(curve, 0) != 0 || metric.size() <= curve.size() + 1) return false;
  const char sep = metric[curve.size()];
  if (sep != '_' && sep != '@') return false;
  QString number = QString::fromStdString(metric.substr(curve.size() + 1));
  if (number.endsWith("px")) number.chop(2);
  if (const int cm = number.indexOf(QStringLiteral("cm_")); cm > 0) number.truncate(cm);
  bool ok = false;
  *threshold = number.toDouble(&ok);
  return ok;
}

QString AxisTitle(const bench::Curve& curve) {
  const QString unit = QString::fromStdString(curve.x_unit);
  return unit.isEmpty() ? QObject::tr("threshold") : QObject::tr("threshold (%1)").arg(unit);
}

// The paper's values of `row` on its curve as a star series, or nullptr.
QScatterSeries* PaperSeries(const bench::Report& report, const bench::ReportRow& row, const bench::Curve& curve,
                            const CurveStyle& style, QColor color) {
  auto series = std::make_unique<QScatterSeries>();
  QString table;
  for (const bench::Metric& metric : row.metrics.values) {
    double threshold = 0.0;
    if (!MetricThreshold(metric.name, curve.name, &threshold)) continue;
    const auto value = style.paper->Find(report.task, style.protocol.toStdString(), metric.name, row.model);
    if (!value) continue;
    series->append(threshold, 100.0 * value->value);
    table = QString::fromStdString(value->table);
  }
  if (series->count() == 0) return nullptr;
  series->setName(QObject::tr("paper: %1 [%2]%3").arg(QString::fromStdString(row.model), table, style.suffix));
  series->setMarkerShape(QScatterSeries::MarkerShapeStar);
  series->setMarkerSize(16);
  series->setColor(color);
  series->setBorderColor(color.darker(150));
  return series.release();
}

void AttachToAxes(QChart* chart, QAbstractSeries* series) {
  chart->addSeries(series);
  for (QAbstractAxis* axis : chart->axes()) series->attachAxis(axis);
}

}  // namespace

const bench::PaperResults* DefaultPaperResults() {
  static const std::unique_ptr<bench::PaperResults> results = []() -> std::unique_ptr<bench::PaperResults> {
    try {
      return std::make_unique<bench::PaperResults>(bench::PaperResults::Read(bench::PaperResults::DefaultPath()));
    } catch (const std::exception&) {
      return nullptr;
    }
  }();
  return results.get();
}

QColor SeriesColor(int index) {
  static const QColor kColors[] = {
      QColor(31, 119, 180), QColor(255, 127, 14),  QColor(44, 160, 44),   QColor(214, 39, 40),  QColor(148, 103, 189),
      QColor(140, 86, 75),  QColor(227, 119, 194), QColor(127, 127, 127), QColor(188, 189, 34), QColor(23, 190, 207)};
  return kColors[index % (sizeof(kColors) / sizeof(kColors[0]))];
}

QString RowLabel(const bench::ReportRow& row) {
  const QString model = QString::fromStdString(row.model);
  return row.method.empty() ? model : model + QStringLiteral(" · ") + QString::fromStdString(row.method);
}

QString CurveLegend(const bench::ReportRow& row, const bench::Curve& curve) {
  return QStringLiteral("%1 (AUC %2)").arg(RowLabel(row), Percent(curve.auc));
}

QChart* CreateCurveChart(const bench::Report& report, const CurveStyle& style) {
  auto* chart = new QChart;
  chart->setTitle(QObject::tr("%1: accuracy vs threshold").arg(QString::fromStdString(report.task)));
  auto* x = new QValueAxis;
  auto* y = new QValueAxis;
  y->setRange(0, 100);
  y->setTitleText(QObject::tr("accuracy (%)"));
  y->setLabelFormat("%.0f");
  for (const bench::ReportRow& row : report.rows) {
    if (row.curves.empty()) continue;
    const bench::Curve& curve = row.curves.front();
    x->setTitleText(AxisTitle(curve));
    if (!curve.x.empty()) x->setRange(0, curve.x.back());
    break;
  }
  chart->addAxis(x, Qt::AlignBottom);
  chart->addAxis(y, Qt::AlignLeft);
  chart->legend()->setAlignment(Qt::AlignBottom);
  AddCurves(chart, report, style);
  return chart;
}

void AddCurves(QChart* chart, const bench::Report& report, const CurveStyle& style) {
  for (size_t r = 0; r < report.rows.size(); ++r) {
    const bench::ReportRow& row = report.rows[r];
    if (row.curves.empty()) continue;
    const bench::Curve& curve = row.curves.front();  // the row's own curve (equivariance: the mean)
    auto* line = new QLineSeries;
    line->setName(CurveLegend(row, curve) + style.suffix);
    for (size_t i = 0; i < curve.x.size() && i < curve.y.size(); ++i) line->append(curve.x[i], 100.0 * curve.y[i]);
    QPen pen(SeriesColor(static_cast<int>(r)), 2.0, style.pen);
    line->setPen(pen);
    AttachToAxes(chart, line);
    if (style.paper) {
      if (QScatterSeries* paper = PaperSeries(report, row, curve, style, pen.color())) AttachToAxes(chart, paper);
    }
  }
}

QChart* CreateAucChart(const std::vector<bench::Report>& reports) {
  QStringList tasks, models;
  for (const bench::Report& report : reports) {
    tasks << QString::fromStdString(report.task);
    for (const bench::ReportRow& row : report.rows)
      if (!models.contains(QString::fromStdString(row.model))) models << QString::fromStdString(row.model);
  }
  auto* series = new QBarSeries;
  for (int m = 0; m < models.size(); ++m) {
    auto* set = new QBarSet(models[m]);
    set->setColor(SeriesColor(m));
    for (const bench::Report& report : reports) {
      double best = 0.0;
      for (const bench::ReportRow& row : report.rows)
        if (QString::fromStdString(row.model) == models[m] && !row.curves.empty())
          best = std::max(best, row.curves[0].auc);
      *set << 100.0 * best;
    }
    series->append(set);
  }
  series->setLabelsVisible(true);
  series->setLabelsFormat("@value");
  series->setLabelsPrecision(3);
  series->setLabelsPosition(QAbstractBarSeries::LabelsOutsideEnd);
  auto* chart = new QChart;
  chart->setTitle(QObject::tr("AUC per model and task"));
  chart->addSeries(series);
  auto* x = new QBarCategoryAxis;
  x->append(tasks);
  auto* y = new QValueAxis;
  y->setRange(0, 100);
  y->setLabelFormat("%.0f");
  y->setTitleText(QObject::tr("AUC, best method (%)"));
  chart->addAxis(x, Qt::AlignBottom);
  chart->addAxis(y, Qt::AlignLeft);
  series->attachAxis(x);
  series->attachAxis(y);
  chart->legend()->setAlignment(Qt::AlignBottom);
  return chart;
}

QString LegendHtml(QChart* chart) {
  QStringList entries;
  auto entry = [&entries](const QString& symbol, QColor color, const QString& name) {
    entries << QStringLiteral("<span style='color:%1'>%2</span>&nbsp;%3")
                   .arg(color.name(), symbol,
                        name.toHtmlEscaped().replace('-', QChar(0x2011)));  // breaks at spaces only
  };
  for (QAbstractSeries* series : chart->series()) {
    if (auto* line = qobject_cast<QLineSeries*>(series); line && series->type() == QAbstractSeries::SeriesTypeLine) {
      entry(line->pen().style() == Qt::SolidLine ? QStringLiteral("━━") : QStringLiteral("╍╍"), line->pen().color(),
            line->name());
    } else if (auto* scatter = qobject_cast<QScatterSeries*>(series)) {
      entry(QStringLiteral("★"), scatter->color(), scatter->name());
    } else if (auto* bars = qobject_cast<QAbstractBarSeries*>(series)) {
      for (QBarSet* set : bars->barSets()) entry(QStringLiteral("■"), set->color(), set->label());
    }
  }
  return entries.join(QStringLiteral("<br>"));  // one entry a line, wrapped at spaces when narrow
}

bool ExportChart(QChartView* view, const QString& path, QString* error) {
  // The card (chart and its legend) when the view sits in one.
  QWidget* target =
      view->parentWidget() && view->parentWidget()->objectName() == "chart_card" ? view->parentWidget() : view;
  if (path.endsWith(".svg", Qt::CaseInsensitive)) {
    QSvgGenerator generator;
    generator.setFileName(path);
    generator.setSize(target->size());
    generator.setViewBox(QRect(QPoint(0, 0), target->size()));
    generator.setTitle(view->chart()->title());
    generator.setDescription(QObject::tr("CorrLens benchmark chart"));
    QPainter painter;
    if (painter.begin(&generator)) {
      target->render(&painter);
      if (painter.end() && QFileInfo(path).size() > 0) return true;
    }
  } else if (target->grab().save(path, "PNG")) {
    return true;
  }
  if (error) *error = QObject::tr("%1: cannot write the chart").arg(path);
  return false;
}

BenchmarkCharts::BenchmarkCharts(QWidget* parent) : QWidget(parent) {
  grid_ = new QGridLayout(this);
  grid_->setContentsMargins(0, 0, 0, 0);
}

QChartView* BenchmarkCharts::AddView(QChart* chart, const QString& name) {
  // Qt Charts elides a legend that does not fit in one row: the card's own
  // legend wraps instead, so every AUC stays readable.
  chart->legend()->hide();
  auto* view = new QChartView(chart);
  view->setObjectName(name);
  view->setRenderHint(QPainter::Antialiasing);
  view->setMinimumSize(kMinChartWidth, 260);
  auto* legend = new QLabel(LegendHtml(chart));
  legend->setObjectName("chart_legend");
  legend->setWordWrap(true);
  legend->setTextInteractionFlags(Qt::TextSelectableByMouse);
  legend->setContentsMargins(8, 0, 8, 6);
  QFont small = legend->font();
  small.setPointSizeF(small.pointSizeF() * 0.9);
  legend->setFont(small);
  auto* card = new QWidget;
  card->setObjectName("chart_card");
  card->setAutoFillBackground(true);
  QPalette palette = card->palette();
  palette.setColor(QPalette::Window, Qt::white);
  palette.setColor(QPalette::WindowText, Qt::black);
  card->setPalette(palette);
  auto* layout = new QVBoxLayout(card);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->addWidget(view, 1);
  layout->addWidget(legend);
  views_.push_back(view);
  cards_.push_back(card);
  columns_ = 0;  // place it
  Relayout();
  return view;
}

void BenchmarkCharts::Relayout() {
  const int columns = std::clamp((available_width_ > 0 ? available_width_ : width()) / kMinChartWidth, 1, 3);
  if (columns == columns_) return;
  columns_ = columns;
  for (QWidget* card : cards_) grid_->removeWidget(card);
  for (int i = 0; i < cards_.size(); ++i) grid_->addWidget(cards_[i], i / columns, i % columns);
}

void BenchmarkCharts::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  Relayout();
}

bool BenchmarkCharts::eventFilter(QObject* watched, QEvent* event) {
  if (event->type() == QEvent::Resize && watched->isWidgetType()) {
    available_width_ = static_cast<QWidget*>(watched)->width();
    Relayout();
  }
  return false;
}

void BenchmarkCharts::Clear() {
  for (QWidget* card : cards_) delete card;
  cards_.clear();
  views_.clear();
}

void BenchmarkCharts::SetReports(const std::vector<bench::Report>& reports, const QMap<QString, QString>& protocols) {
  Clear();
  for (const bench::Report& report : reports) {
    const QString task = QString::fromStdString(report.task);
    AddView(CreateCurveChart(report, {QString(), Qt::SolidLine, protocols.value(task), DefaultPaperResults()}), task);
  }
  if (!reports.empty()) AddView(CreateAucChart(reports), QStringLiteral("auc"));
}

void BenchmarkCharts::SetComparison(const std::vector<bench::Report>& a, const std::vector<bench::Report>& b,
                                    const QString& label_a, const QString& label_b) {
  Clear();
  for (const bench::Report& report : a) {
    QChart* chart = CreateCurveChart(report, {" " + label_a, Qt::SolidLine, QString(), nullptr});
    for (const bench::Report& other : b)
      if (other.task == report.task) AddCurves(chart, other, {" " + label_b, Qt::DashLine, QString(), nullptr});
    AddView(chart, QString::fromStdString(report.task));
  }
}

bool BenchmarkCharts::ExportAll(const QString& path, QString* error) const {
  const QFileInfo info(path);
  const QString suffix = info.suffix().isEmpty() ? QStringLiteral("png") : info.suffix().toLower();
  for (QChartView* view : views_) {
    const QString file = info.dir().filePath(info.completeBaseName() + '-' + view->objectName() + '.' + suffix);
    if (!ExportChart(view, file, error)) return false;
  }
  return true;
}

}  // namespace corrlens::ui
