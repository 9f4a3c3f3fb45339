// Benchmark charts: one curve per row with its AUC in the legend, the
// paper's values as labelled star markers, AUC bars, overlays, PNG/SVG export.
#include <QtTest>

#include <QBarSeries>
#include <QBarSet>
#include <QLabel>
#include <QLegendMarker>
#include <QLineSeries>
#include <QScatterSeries>
#include <QTemporaryDir>

#include "core/bench/paper_results.h"
#include "ui/benchmark_charts.h"

using corrlens::bench::Curve;
using corrlens::bench::Report;
using corrlens::bench::ReportRow;
using namespace corrlens::ui;

namespace {

ReportRow Row(const std::string& model, const std::string& method, double auc) {
  ReportRow row;
  row.model = model;
  row.method = method;
  row.curves.push_back({"pck", "px", {0, 10, 20}, {0, auc, 1}, auc});
  row.metrics.Set("pck@5px", auc);
  return row;
}

Report PairReport(const std::string& task) {
  Report report;
  report.task = task;
  report.rows = {Row("dense_sift", "argmax", 0.1869), Row("dense_sift", "soft-argmax r=35", 0.1853),
                 Row("dense_rootsift", "argmax", 0.2581)};
  return report;
}

// A transfer report of the paper's baseline backbone (Table 10 has it).
Report TransferReport() {
  Report report;
  report.task = "transfer";
  ReportRow row;
  row.model = "dinov2_vitb14";
  row.metrics.Set("pck_0.05", 0.4);
  row.metrics.Set("pck_0.10", 0.55);
  row.metrics.Set("pck_0.15", 0.62);
  row.curves.push_back({"pck", "alpha", {0, 0.05, 0.1, 0.15, 0.2}, {0, 0.4, 0.55, 0.62, 0.7}, 0.45});
  report.rows = {row};
  return report;
}

QStringList SeriesNames(QChart* chart) {
  QStringList names;
  for (QAbstractSeries* s : chart->series()) names << s->name();
  return names;
}

}  // namespace

class BenchmarkChartsTest : public QObject {
  Q_OBJECT
 private slots:
  void curveChartHasOneLinePerRowWithItsAuc() {
    std::unique_ptr<QChart> chart(CreateCurveChart(PairReport("homography")));
    QCOMPARE(chart->series().size(), 3);
    QCOMPARE(chart->series()[0]->type(), QAbstractSeries::SeriesTypeLine);
    QCOMPARE(SeriesNames(chart.get())[0], QString("dense_sift · argmax (AUC 18.69%)"));
    QCOMPARE(SeriesNames(chart.get())[2], QString("dense_rootsift · argmax (AUC 25.81%)"));
    auto* line = static_cast<QLineSeries*>(chart->series()[2]);
    QCOMPARE(line->at(1), QPointF(10, 25.81));  // percent
    QCOMPARE(chart->axes(Qt::Horizontal)[0]->titleText(), QString("threshold (px)"));
    QCOMPARE(chart->legend()->markers().size(), 3);
    const QString legend = LegendHtml(chart.get());
    QVERIFY2(legend.contains("dense_rootsift · argmax (AUC 25.81%)"), qPrintable(legend));
    QVERIFY(legend.contains(SeriesColor(2).name()));
  }

  void paperValuesAreStarsLabelledWithTheirTable() {
    const corrlens::bench::PaperResults* paper = DefaultPaperResults();
    QVERIFY(paper);
    const auto expected = paper->Find("transfer", "paper", "pck_0.10", "dinov2_vitb14");
    QVERIFY(expected);
    std::unique_ptr<QChart> chart(CreateCurveChart(TransferReport(), {QString(), Qt::SolidLine, "paper", paper}));
    QCOMPARE(chart->series().size(), 2);
    auto* stars = qobject_cast<QScatterSeries*>(chart->series()[1]);
    QVERIFY(stars);
    QCOMPARE(stars->markerShape(), QScatterSeries::MarkerShapeStar);
    QCOMPARE(stars->count(), 3);  // PCK@0.05, 0.10, 0.15
    QVERIFY2(stars->name().contains(QString::fromStdString(expected->table)), qPrintable(stars->name()));
    QCOMPARE(stars->at(1), QPointF(0.1, 100.0 * expected->value));
    // Pose: accuracy vs k cm / k deg with Table 7's values at k = 1, 3, 5.
    Report pose;
    pose.task = "pose";
    ReportRow row;
    row.model = "dinov2_vitb14";
    for (const char* name : {"pose_1cm_1deg", "pose_3cm_3deg", "pose_5cm_5deg"}) row.metrics.Set(name, 0.5);
    row.curves.push_back({"pose", "k cm and k deg", {0, 5, 10}, {0, 0.5, 1}, 0.5});
    pose.rows = {row};
    std::unique_ptr<QChart> poses(CreateCurveChart(pose, {QString(), Qt::SolidLine, "", paper}));
    QCOMPARE(poses->series().size(), 2);
    auto* pose_stars = qobject_cast<QScatterSeries*>(poses->series()[1]);
    QVERIFY(pose_stars && pose_stars->count() == 3);
    QVERIFY2(pose_stars->name().contains("Table 7"), qPrintable(pose_stars->name()));
    QCOMPARE(pose_stars->at(2), QPointF(5, 67.45));  // DINOv2 baseline, 5cm-5deg
    QCOMPARE(poses->axes(Qt::Horizontal)[0]->titleText(), QString("threshold (k cm and k deg)"));
    QCOMPARE(SeriesNames(poses.get())[0], QString("dinov2_vitb14 (AUC 50.00%)"));
    // No paper numbers for models the paper did not evaluate.
    std::unique_ptr<QChart> sift(CreateCurveChart(PairReport("homography"), {QString(), Qt::SolidLine, "", paper}));
    QCOMPARE(sift->series().size(), 3);
  }

  void aucBarsPerModelAndTask() {
    std::unique_ptr<QChart> chart(CreateAucChart({PairReport("homography"), PairReport("stereo")}));
    auto* bars = qobject_cast<QBarSeries*>(chart->series()[0]);
    QVERIFY(bars);
    QCOMPARE(bars->count(), 2);  // one set per model
    QCOMPARE(bars->barSets()[0]->label(), QString("dense_sift"));
    QCOMPARE(bars->barSets()[0]->count(), 2);    // one bar per task
    QCOMPARE(bars->barSets()[0]->at(0), 18.69);  // the best method
  }

  void overlayDrawsTheSecondRunDashed() {
    BenchmarkCharts charts;
    charts.SetComparison({PairReport("homography")}, {PairReport("homography"), PairReport("stereo")}, "(run 1)",
                         "(run 2)");
    QCOMPARE(charts.Views().size(), 1);  // tasks of the first run
    QChart* chart = charts.Views()[0]->chart();
    QCOMPARE(chart->series().size(), 6);
    auto* second = static_cast<QLineSeries*>(chart->series()[3]);
    QCOMPARE(second->pen().style(), Qt::DashLine);
    QVERIFY(second->name().endsWith("(run 2)"));
  }

  void runChartsAndExport() {
    BenchmarkCharts charts;
    charts.SetReports({PairReport("homography"), PairReport("stereo")});
    QCOMPARE(charts.Views().size(), 3);
    QCOMPARE(charts.Views()[2]->objectName(), QString("auc"));
    auto* legend = charts.Views()[0]->parentWidget()->findChild<QLabel*>("chart_legend");
    QVERIFY(legend && legend->text().contains("AUC 18.69%"));
    charts.resize(1200, 400);
    QTemporaryDir dir;
    QString error;
    QVERIFY2(charts.ExportAll(dir.filePath("bench.png"), &error), qPrintable(error));
    QImage png(dir.filePath("bench-homography.png"));
    QVERIFY(!png.isNull() && png.width() > 100);
    QVERIFY(charts.ExportAll(dir.filePath("bench.svg"), &error));
    QFile svg(dir.filePath("bench-auc.svg"));
    QVERIFY(svg.open(QIODevice::ReadOnly));
    const QByteArray text = svg.readAll();
    QVERIFY(text.contains("<svg"));
    QVERIFY(text.contains("dense_rootsift"));
    QVERIFY(!ExportChart(charts.Views()[0], "/nonexistent/dir/x.png", &error));
    QVERIFY(error.startsWith("/nonexistent/dir/x.png"));
  }
};

QTEST_MAIN(BenchmarkChartsTest)
#include "benchmark_charts_test.moc"
