// History view: the stored runs, newest first; comparing two gives the
// change of every shared metric and their curves overlaid.
#include <QtTest>

#include <QLineSeries>
#include <QPushButton>
#include <QTableWidget>

#include "ui/benchmark_charts.h"
#include "ui/history_view.h"
#include "ui/results_store.h"

using corrlens::bench::Report;
using corrlens::bench::ReportRow;
using corrlens::bench::Unit;
using namespace corrlens::ui;

namespace {

Report MakeReport(double pck, double error) {
  Report report;
  report.task = "homography";
  ReportRow row;
  row.model = "dense_sift";
  row.method = "argmax";
  row.metrics.Set("points", 10, Unit::kCount);
  row.metrics.Set("pck@5px", pck);
  row.metrics.Set("mean_error_px", error, Unit::kPixels);
  row.curves.push_back({"pck", "px", {0, 20}, {0, pck}, pck / 2});
  report.rows = {row};
  return report;
}

qint64 StoreRun(ResultsStore& store, double pck, double error, RunStatus status = RunStatus::kFinished) {
  RunSettings settings;
  settings.tasks = {"homography"};
  settings.models = {"dense_sift"};
  const qint64 id = store.BeginRun(settings);
  store.AddReport(id, MakeReport(pck, error));
  store.FinishRun(id, status);
  return id;
}

}  // namespace

class HistoryViewTest : public QObject {
  Q_OBJECT
 private slots:
  void deltasFollowTheMetricsDirection() {
    const QVector<MetricDelta> deltas = CompareReports({MakeReport(0.10, 20)}, {MakeReport(0.15, 25)});
    QCOMPARE(deltas.size(), 2);  // counts are left out
    QCOMPARE(deltas[0].metric, QString("pck@5px"));
    QVERIFY(deltas[0].better);
    QCOMPARE(FormatDelta(deltas[0]), QString("+5.00 pp"));
    QVERIFY(!deltas[1].better);  // a larger error
    QCOMPARE(FormatDelta(deltas[1]), QString("+5.00 px"));
  }

  void listsRunsNewestFirst() {
    ResultsStore store;
    QVERIFY(store.Open(":memory:"));
    StoreRun(store, 0.1, 20);
    const qint64 second = StoreRun(store, 0.2, 15, RunStatus::kCancelled);
    HistoryView view(&store);
    QCOMPARE(view.RunsTable()->rowCount(), 2);
    QCOMPARE(view.RunsTable()->item(0, 0)->text(), QString::number(second));
    QCOMPARE(view.RunsTable()->item(0, 2)->text(), QString("cancelled"));
    QCOMPARE(view.RunsTable()->item(0, 6)->text(), QString("1 of 1 tasks"));
    StoreRun(store, 0.3, 10);
    view.Refresh();
    QCOMPARE(view.RunsTable()->rowCount(), 3);
  }

  void comparesTwoSelectedRuns() {
    ResultsStore store;
    QVERIFY(store.Open(":memory:"));
    const qint64 a = StoreRun(store, 0.10, 20);
    const qint64 b = StoreRun(store, 0.15, 25);
    HistoryView view(&store);
    view.RunsTable()->selectAll();
    QCOMPARE(view.SelectedRuns().size(), 2);
    QString error;
    QVERIFY2(view.Compare(a, b, &error), qPrintable(error));
    QCOMPARE(view.DeltaTable()->rowCount(), 2);
    QCOMPARE(view.DeltaTable()->item(0, 4)->text(), QString("10.00%"));
    QCOMPARE(view.DeltaTable()->item(0, 5)->text(), QString("15.00%"));
    QCOMPARE(view.DeltaTable()->item(0, 6)->text(), QString("+5.00 pp"));
    QCOMPARE(view.DeltaTable()->horizontalHeaderItem(4)->text(), QString("Run %1").arg(a));
    QCOMPARE(view.Charts()->Views().size(), 1);
    const QList<QAbstractSeries*> series = view.Charts()->Views()[0]->chart()->series();
    QCOMPARE(series.size(), 2);  // run a solid, run b dashed
    QCOMPARE(static_cast<QLineSeries*>(series[1])->pen().style(), Qt::DashLine);
    QVERIFY(!view.Compare(a, 999, &error));
    QVERIFY(error.contains("no run 999"));
  }

  void showAndDeleteFollowTheSelection() {
    ResultsStore store;
    QVERIFY(store.Open(":memory:"));
    const qint64 id = StoreRun(store, 0.1, 20);
    HistoryView view(&store);
    QList<qint64> shown;
    connect(&view, &HistoryView::showRun, this, [&](qint64 run) { shown << run; });
    view.RunsTable()->selectRow(0);
    QPushButton* show = nullptr;
    QPushButton* remove = nullptr;
    for (QPushButton* b : view.findChildren<QPushButton*>()) {
      if (b->text() == "&Show") show = b;
      if (b->text() == "&Delete") remove = b;
    }
    QVERIFY(show && show->isEnabled());
    show->click();
    QCOMPARE(shown, QList<qint64>{id});
    remove->click();  // hidden view: no confirmation
    QCOMPARE(view.RunsTable()->rowCount(), 0);
    QVERIFY(store.ListRuns().isEmpty());
  }
};

QTEST_MAIN(HistoryViewTest)
#include "history_view_test.moc"
