// Benchmark tables: models x task metrics (percentages, the paper's value on
// a second line with its table, best per column in bold) and the selected
// model's items, sortable by error, double-click to open.
#include <QtTest>

#include <QSignalSpy>
#include <QTableView>

#include "core/bench/paper_results.h"
#include "ui/benchmark_charts.h"
#include "ui/benchmark_table.h"

using corrlens::bench::Metric;
using corrlens::bench::Report;
using corrlens::bench::ReportRow;
using corrlens::bench::Unit;
using namespace corrlens::ui;

namespace {

ReportRow Row(const std::string& model, double pck, double error) {
  ReportRow row;
  row.model = model;
  row.method = "argmax";
  row.metrics.Set("points", 100, Unit::kCount);
  row.metrics.Set("pck@5px", pck);
  row.metrics.Set("mean_error_px", error, Unit::kPixels);
  for (int i = 0; i < 3; ++i) {
    corrlens::bench::ReportItem item{"pair " + std::to_string(i), {}, {{"source", "s.png"}, {"target", "t.png"}}};
    item.metrics.Set("mean_error_px", error + 10 * ((i + 1) % 3), Unit::kPixels);
    row.items.push_back(item);
  }
  return row;
}

Report Homography() {
  Report report;
  report.task = "homography";
  report.rows = {Row("dense_sift", 0.1169, 211.27), Row("dense_rootsift", 0.1612, 186.48)};
  return report;
}

Report Transfer() {
  Report report;
  report.task = "transfer";
  ReportRow row;
  row.model = "dinov2_vitb14";
  row.metrics.Set("pck_0.10", 0.5);
  report.rows = {row};
  return report;
}

}  // namespace

class BenchmarkTableTest : public QObject {
  Q_OBJECT
 private slots:
  void formatsByUnit() {
    QCOMPARE(FormatMetric({"pck@5px", 0.11694, Unit::kFraction}), QString("11.69%"));
    QCOMPARE(FormatMetric({"mean_error_px", 211.273, Unit::kPixels}), QString("211.27 px"));
    QCOMPARE(FormatMetric({"points", 1874, Unit::kCount}), QString("1874"));
    QVERIFY(LowerIsBetter({"ape", 0.1, Unit::kFraction}));
    QVERIFY(!LowerIsBetter({"pcdp@0.05", 0.1, Unit::kFraction}));
  }

  void modelsByMetricsWithTheBestInBold() {
    ResultsTableModel model;
    model.SetReports({Homography()});
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.columnCount(), 2);  // counts are not columns
    QCOMPARE(model.headerData(0, Qt::Horizontal).toString(), QString("homography · argmax\npck@5px"));
    QCOMPARE(model.headerData(1, Qt::Vertical).toString(), QString("dense_rootsift"));
    QCOMPARE(model.data(model.index(0, 0)).toString(), QString("11.69%"));
    QVERIFY(!model.data(model.index(0, 0), Qt::FontRole).value<QFont>().bold());
    QVERIFY(model.data(model.index(1, 0), Qt::FontRole).value<QFont>().bold());  // higher PCK
    QVERIFY(model.data(model.index(1, 1), Qt::FontRole).value<QFont>().bold());  // lower error
    QCOMPARE(model.data(model.index(1, 1), Qt::UserRole).toDouble(), 186.48);
  }

  void paperValueOnASecondLineWithItsTable() {
    const corrlens::bench::PaperResults* paper = DefaultPaperResults();
    QVERIFY(paper);
    const auto expected = paper->Find("transfer", "paper", "pck_0.10", "dinov2_vitb14");
    QVERIFY(expected);
    ResultsTableModel model;
    model.SetReports({Transfer(), Homography()}, {{"transfer", "paper"}}, paper);
    QCOMPARE(model.rowCount(), 3);
    const QString cell = model.data(model.index(0, 0)).toString();
    QCOMPARE(cell, QString("50.00%\npaper %1").arg(FormatMetric({"pck_0.10", expected->value, Unit::kFraction})));
    QVERIFY(
        model.data(model.index(0, 0), Qt::ToolTipRole).toString().startsWith(QString::fromStdString(expected->table)));
    QCOMPARE(model.data(model.index(0, 1)).toString(), QString("–"));  // no homography row for this model
    QVERIFY(model.data(model.index(1, 1), Qt::ToolTipRole).isNull());  // the paper has no SIFT numbers
  }

  void selectingAModelListsItsItemsByError() {
    BenchmarkTables tables;
    tables.SetReports({Homography()});
    QCOMPARE(tables.ItemsModel()->Items().size(), 3);  // the first model is selected
    tables.SelectModel("dense_rootsift");
    QCOMPARE(tables.ItemsModel()->Items().size(), 3);
    QCOMPARE(tables.ItemsModel()->Items()[0].error, 196.48);
    QCOMPARE(tables.ItemAt(0)->error, 206.48);  // worst first
    QCOMPARE(tables.ItemAt(2)->error, 186.48);
    tables.ItemsView()->sortByColumn(3, Qt::AscendingOrder);
    QCOMPARE(tables.ItemAt(0)->error, 186.48);
    QCOMPARE(tables.ItemAt(0)->item, QString("pair 2"));
  }

  // Pose frames sort by the k of k cm-k deg they need (the larger error),
  // tracking videos by 1 - average Jaccard.
  void poseFramesAndVideosHaveAnError() {
    Report pose;
    pose.task = "pose";
    ReportRow row;
    row.model = "dense_sift";
    row.metrics.Set("pose_5cm_5deg", 0.5);
    corrlens::bench::ReportItem a{"frame:obj/0", {}, {}}, b{"frame:obj/1", {}, {}};
    a.metrics.Set("rotation_error_deg", 2.5, Unit::kValue);
    a.metrics.Set("translation_error_cm", 7.0, Unit::kValue);
    b.metrics.Set("rotation_error_deg", 3.0, Unit::kValue);
    b.metrics.Set("translation_error_cm", 1.0, Unit::kValue);
    row.items = {a, b};
    pose.rows = {row};
    Report tracking;
    tracking.task = "tracking";
    corrlens::bench::ReportItem video{"video:0", {}, {}};
    video.metrics.Set("average_jaccard", 0.625);
    row.items = {video};
    row.metrics = {};
    row.metrics.Set("average_jaccard", 0.625);
    tracking.rows = {row};
    BenchmarkTables tables;
    tables.SetReports({pose, tracking});
    QCOMPARE(tables.ItemsModel()->Items().size(), 3);
    QCOMPARE(tables.ItemAt(0)->item, QString("frame:obj/0"));  // worst first
    QCOMPARE(tables.ItemAt(0)->error, 7.0);
    QCOMPARE(tables.ItemAt(1)->error, 3.0);
    QCOMPARE(tables.ItemAt(2)->error, 0.375);
  }

  void doubleClickActivatesTheItem() {
    BenchmarkTables tables;
    tables.resize(900, 400);
    tables.show();
    QVERIFY(QTest::qWaitForWindowExposed(&tables));
    tables.SetReports({Homography()});
    QList<ItemEntry> activated;
    connect(&tables, &BenchmarkTables::itemActivated, this, [&](const ItemEntry& item) { activated << item; });
    QTableView* view = tables.ItemsView();
    const QRect cell = view->visualRect(view->model()->index(0, 2));
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, cell.center());  // a press selects, then the double-click
    QTest::mouseDClick(view->viewport(), Qt::LeftButton, {}, cell.center());
    QCOMPARE(activated.size(), 1);
    QCOMPARE(activated[0].task, QString("homography"));
    QCOMPARE(activated[0].attributes[0].second, std::string("s.png"));
  }
};

QTEST_MAIN(BenchmarkTableTest)
#include "benchmark_table_test.moc"
