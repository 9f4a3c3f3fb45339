// Qt Charts of benchmark reports: per task the accuracy-vs-threshold curve of
// every model (the AUC in the legend) with the paper's published numbers as
// star markers labelled with their table, and a bar chart of the AUCs per
// model and task. Charts export as PNG or SVG.
#pragma once

#include <QChart>
#include <QChartView>
#include <QColor>
#include <QMap>
#include <QString>
#include <QWidget>

#include <vector>

#include "core/bench/report.h"

class QGridLayout;

namespace corrlens::bench {
class PaperResults;
}

namespace corrlens::ui {

// The paper's numbers (resources/data/paper/paper_results.csv), read once;
// nullptr when the file cannot be read.
const bench::PaperResults* DefaultPaperResults();

// How one report's curves are added to a chart.
struct CurveStyle {
  QString suffix;  // appended to legend names, e.g. " (run 12)"
  Qt::PenStyle pen = Qt::SolidLine;
  QString protocol;                            // the run's protocol of this task ("" = default)
  const bench::PaperResults* paper = nullptr;  // draws the paper's values when set
};

// A distinct colour for the `index`-th row of a report (the same in every chart).
QColor SeriesColor(int index);
// "dense_sift · argmax"; the model alone when the row has no method.
QString RowLabel(const bench::ReportRow& row);
// The legend text of a row's curve: "dense_sift · argmax (AUC 18.69%)".
QString CurveLegend(const bench::ReportRow& row, const bench::Curve& curve);

// A chart of `report`'s first curve per row with axes (threshold, accuracy %).
QChart* CreateCurveChart(const bench::Report& report, const CurveStyle& style = {});
// Adds `report`'s curves (and paper points) to a chart made by CreateCurveChart.
void AddCurves(QChart* chart, const bench::Report& report, const CurveStyle& style);
// Bars: one set per model, one category per task, the model's best AUC (%).
QChart* CreateAucChart(const std::vector<bench::Report>& reports);

// The legend of `chart` as rich text, one entry a line (wrapped at spaces): a line,
// star or square in the series' colour, then its name.
QString LegendHtml(QChart* chart);
// Writes the view (with its legend when it has one) as PNG or SVG (by
// suffix); false with `error`.
bool ExportChart(QChartView* view, const QString& path, QString* error);

// The charts of one run in a grid: a curve chart per task, then the AUC bars.
class BenchmarkCharts : public QWidget {
  Q_OBJECT
 public:
  explicit BenchmarkCharts(QWidget* parent = nullptr);

  // Shows `reports`; `protocols` gives each task's protocol (transfer).
  void SetReports(const std::vector<bench::Report>& reports, const QMap<QString, QString>& protocols = {});
  // Overlays a second run (dashed) for comparison; `label_a`/`label_b` name the runs.
  void SetComparison(const std::vector<bench::Report>& a, const std::vector<bench::Report>& b, const QString& label_a,
                     const QString& label_b);
  void Clear();

  // The chart views in display order, each named by its chart ("homography", "auc").
  const QList<QChartView*>& Views() const { return views_; }
  // Saves every chart as `<stem>-<name>.<suffix>` next to `path` (.png or .svg);
  // false with `error`.
  bool ExportAll(const QString& path, QString* error) const;

 private:
  QChartView* AddView(QChart* chart, const QString& name);
  // Places the views in as many columns as the width allows (1 to 3).
  void Relayout();

 protected:
  void resizeEvent(QResizeEvent* event) override;
  // Follows the width of a scroll area's viewport it watches (installEventFilter).
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  QGridLayout* grid_;
  QList<QChartView*> views_;
  QList<QWidget*> cards_;  // each view with its legend
  int columns_ = 0;
  int available_width_ = 0;  // of the watched viewport; 0 = own width
};

}  // namespace corrlens::ui
