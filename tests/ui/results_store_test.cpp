// ResultsStore: schema creation and versioning, runs with reports and
// failures, exports, and a writer killed with SIGKILL in the middle of a run
// (this executable re-runs itself as the writer).
#include <QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QThread>

#include <cstdio>
#include <cstring>

#include "ui/results_store.h"

using corrlens::bench::Report;
using corrlens::bench::ReportRow;
using corrlens::bench::Unit;
using namespace corrlens::ui;

namespace {

const char* const kChildArgument = "--write-until-killed";

// A report of `task` with one row per model, one item per row and a curve.
Report MakeReport(const std::string& task, const QStringList& models, double base = 0.5) {
  Report report;
  report.task = task;
  report.protocol = "test protocol";
  report.dataset = "test data";
  for (int m = 0; m < models.size(); ++m) {
    ReportRow row;
    row.model = models[m].toStdString();
    row.method = "argmax";
    row.metrics.Set("pck@5px", base + 0.1 * m);
    row.metrics.Set("auc@20px", base / 2 + 0.1 * m);
    row.metrics.Set("mean_error_px", 10.0 - m, Unit::kPixels);
    row.items.push_back({"a.png -> b.png", row.metrics, {{"source", "a.png"}, {"target", "b.png"}}});
    row.curves.push_back({"pck", "px", {0, 10, 20}, {0, base, 1}, base / 2 + 0.1 * m});
    report.rows.push_back(row);
  }
  return report;
}

RunSettings MakeSettings() {
  RunSettings settings;
  settings.tasks = {"homography", "stereo"};
  settings.models = {"dense_sift", "dense_rootsift"};
  settings.preset = "quick";
  settings.datasets = {{"homography", ""}, {"stereo", "/data/stereo"}};
  settings.versions = "test";
  return settings;
}

// Runs one SQL statement on `path` through a separate connection; the first
// column of its first row.
QVariant RawQuery(const QString& path, const QString& sql) {
  QVariant value;
  {
    QSqlDatabase db = QSqlDatabase::addDatabase("QSQLITE", "raw");
    db.setDatabaseName(path);
    if (db.open()) {
      QSqlQuery query(db);
      if (query.exec(sql) && query.next()) value = query.value(0);
    }
    db.close();
  }
  QSqlDatabase::removeDatabase("raw");
  return value;
}

// The writer: one finished task, "ready", then reports forever until killed.
int WriteUntilKilled(const QString& path) {
  ResultsStore store;
  QString error;
  if (!store.Open(path, &error)) {
    std::fprintf(stderr, "%s\n", qPrintable(error));
    return 1;
  }
  const qint64 run = store.BeginRun(MakeSettings());
  store.AddReport(run, MakeReport("homography", {"dense_sift", "dense_rootsift"}));
  std::printf("ready %lld\n", static_cast<long long>(run));
  std::fflush(stdout);
  for (int i = 0;; ++i) store.AddReport(run, MakeReport("stereo", {"m1", "m2", "m3", "m4"}, 0.01 * (i % 50)));
}

}  // namespace

class ResultsStoreTest : public QObject {
  Q_OBJECT
 private slots:
  void roundTripsARunThroughTheFile() {
    QTemporaryDir dir;
    const QString path = dir.filePath("runs.sqlite");
    qint64 run = -1;
    {
      ResultsStore store;
      QString error;
      QVERIFY2(store.Open(path, &error), qPrintable(error));
      run = store.BeginRun(MakeSettings(), &error);
      QVERIFY2(run > 0, qPrintable(error));
      QVERIFY(store.AddReport(run, MakeReport("homography", {"dense_sift", "dense_rootsift"}), &error));
      QVERIFY(store.AddFailure(run, {"stereo", "dense_rootsift", "weights missing"}, &error));
      QVERIFY(store.FinishRun(run, RunStatus::kFinished, &error));
    }
    ResultsStore store;
    QVERIFY(store.Open(path));
    QCOMPARE(store.MarkedIncompleteOnOpen(), 0);
    const QVector<RunInfo> runs = store.ListRuns();
    QCOMPARE(runs.size(), 1);
    QCOMPARE(runs[0].status, RunStatus::kFinished);
    QCOMPARE(runs[0].reports, 1);
    QCOMPARE(runs[0].settings.models, MakeSettings().models);
    QCOMPARE(runs[0].settings.datasets.value("stereo"), QString("/data/stereo"));
    QVERIFY(runs[0].finished >= runs[0].started);
    const auto loaded = store.LoadRun(run);
    QVERIFY(loaded);
    QCOMPARE(loaded->reports.size(), size_t(1));
    const Report& report = loaded->reports[0];
    QCOMPARE(report.rows.size(), size_t(2));
    QCOMPARE(report.rows[1].metrics.Get("pck@5px"), 0.6);
    QCOMPARE(report.rows[1].curves[0].auc, 0.35);
    QCOMPARE(report.rows[0].items[0].attributes[0].second, std::string("a.png"));
    QCOMPARE(loaded->failures.size(), 1);
    QCOMPARE(loaded->failures[0].message, QString("weights missing"));
    store.Close();
    QCOMPARE(RawQuery(path, "PRAGMA user_version").toInt(), ResultsStore::kSchemaVersion);
    QCOMPARE(RawQuery(path, "SELECT COUNT(*) FROM metrics WHERE metric = 'pck@5px'").toInt(), 2);
  }

  void storesEmptyTexts() {  // default settings, a row without method, an item without attributes
    ResultsStore store;
    QVERIFY(store.Open(":memory:"));
    QString error;
    const qint64 run = store.BeginRun(RunSettings(), &error);
    QVERIFY2(run > 0, qPrintable(error));
    Report report = MakeReport("transfer", {"dinov2_vitb14"});
    report.rows[0].method.clear();
    report.rows[0].items.push_back({"category:cat", {}, {}});
    QVERIFY2(store.AddReport(run, report, &error), qPrintable(error));
    QVERIFY(store.AddFailure(run, {"transfer", "", "no data"}, &error));
    QCOMPARE(store.ListRuns().size(), 1);
    QCOMPARE(store.LoadRun(run)->reports[0].rows[0].items.size(), size_t(2));
  }

  void refusesASchemaFromANewerVersion() {
    QTemporaryDir dir;
    const QString path = dir.filePath("runs.sqlite");
    {
      ResultsStore store;
      QVERIFY(store.Open(path));
    }
    RawQuery(path, "PRAGMA user_version = 99");
    ResultsStore store;
    QString error;
    QVERIFY(!store.Open(path, &error));
    QVERIFY2(error.contains(path) && error.contains("newer"), qPrintable(error));
    QVERIFY(!store.IsOpen());
  }

  void refusesAFileThatIsNotADatabase() {
    QTemporaryDir dir;
    const QString path = dir.filePath("notes.sqlite");
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray(4096, 'x'));
    file.close();
    ResultsStore store;
    QString error;
    QVERIFY(!store.Open(path, &error));
    QVERIFY2(error.startsWith(path), qPrintable(error));
  }

  void marksRunsLeftRunningIncomplete() {
    QTemporaryDir dir;
    const QString path = dir.filePath("runs.sqlite");
    {
      ResultsStore store;
      QVERIFY(store.Open(path));
      store.FinishRun(store.BeginRun(MakeSettings()), RunStatus::kCancelled);
      store.BeginRun(MakeSettings());  // never finished
    }
    ResultsStore store;
    QVERIFY(store.Open(path));
    QCOMPARE(store.MarkedIncompleteOnOpen(), 1);
    const QVector<RunInfo> runs = store.ListRuns();
    QCOMPARE(runs.size(), 2);
    QCOMPARE(runs[0].status, RunStatus::kIncomplete);  // newest first
    QCOMPARE(runs[1].status, RunStatus::kCancelled);
  }

  void aKilledWriterLosesAtMostTheRunningTask() {
    QTemporaryDir dir;
    const QString path = dir.filePath("runs.sqlite");
    qint64 earlier = -1;
    {
      ResultsStore store;
      QVERIFY(store.Open(path));
      earlier = store.BeginRun(MakeSettings());
      store.AddReport(earlier, MakeReport("homography", {"a", "b"}));
      store.FinishRun(earlier, RunStatus::kFinished);
    }
    QProcess child;
    child.start(QCoreApplication::applicationFilePath(), {kChildArgument, path});
    QVERIFY(child.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(child.canReadLine() || child.state() != QProcess::Running, 20000);
    const QByteArray line = child.readLine();
    QVERIFY2(line.startsWith("ready"), line.constData());
    QThread::msleep(400);  // it is writing report after report
    child.kill();          // SIGKILL
    QVERIFY(child.waitForFinished());

    ResultsStore store;
    QString error;
    QVERIFY2(store.Open(path, &error), qPrintable(error));
    QCOMPARE(store.MarkedIncompleteOnOpen(), 1);
    const QVector<RunInfo> runs = store.ListRuns();
    QCOMPARE(runs.size(), 2);
    QCOMPARE(runs[1].id, earlier);
    QCOMPARE(runs[1].status, RunStatus::kFinished);
    const auto earlier_run = store.LoadRun(earlier);
    QCOMPARE(earlier_run->reports.size(), size_t(1));
    QCOMPARE(runs[0].status, RunStatus::kIncomplete);
    const auto interrupted = store.LoadRun(runs[0].id, &error);
    QVERIFY2(interrupted, qPrintable(error));
    QVERIFY(interrupted->reports.size() >= 1);
    QCOMPARE(interrupted->reports[0].task, std::string("homography"));
    size_t metrics = 0;  // every stored report has all its metric rows: no half-written task
    for (const Report& r : earlier_run->reports) metrics += r.rows.size() * 3;
    for (const Report& r : interrupted->reports) metrics += r.rows.size() * 3;
    store.Close();
    QCOMPARE(RawQuery(path, "SELECT COUNT(*) FROM metrics").toULongLong(), qulonglong(metrics));
    QCOMPARE(RawQuery(path, "PRAGMA integrity_check").toString(), QString("ok"));
  }

  void exportsJsonAndCsv() {
    QTemporaryDir dir;
    ResultsStore store;
    QVERIFY(store.Open(":memory:"));
    const qint64 run = store.BeginRun(MakeSettings());
    store.AddReport(run, MakeReport("homography", {"dense_sift"}));
    store.FinishRun(run, RunStatus::kFinished);
    QString error;
    QVERIFY2(store.ExportRunJson(run, dir.filePath("run.json"), &error), qPrintable(error));
    QFile json_file(dir.filePath("run.json"));
    QVERIFY(json_file.open(QIODevice::ReadOnly));
    const QJsonObject json = QJsonDocument::fromJson(json_file.readAll()).object();
    QCOMPARE(json["run"].toObject()["status"].toString(), QString("finished"));
    QCOMPARE(json["reports"].toArray()[0].toObject()["task"].toString(), QString("homography"));
    QVERIFY(store.ExportRunCsv(run, dir.filePath("run.csv"), &error));
    QFile csv_file(dir.filePath("run.csv"));
    QVERIFY(csv_file.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(csv_file.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines[0], QString("run,task,model,method,item,metric,value,unit"));
    QVERIFY(lines.contains(QString("%1,homography,dense_sift,argmax,,pck@5px,0.5,fraction").arg(run)));
    QVERIFY(lines.contains(QString("%1,homography,dense_sift,argmax,a.png -> b.png,mean_error_px,10,px").arg(run)));
    QCOMPARE(lines.size(), 1 + 3 + 3);
    QVERIFY(!store.ExportRunCsv(run + 1, dir.filePath("none.csv"), &error));
    QVERIFY(error.contains("no run"));
  }

  void deletingARunRemovesItsRows() {
    QTemporaryDir dir;
    const QString path = dir.filePath("runs.sqlite");
    {
      ResultsStore store;
      QVERIFY(store.Open(path));
      const qint64 run = store.BeginRun(MakeSettings());
      store.AddReport(run, MakeReport("homography", {"a"}));
      store.AddFailure(run, {"stereo", "", "no data"});
      QVERIFY(store.DeleteRun(run));
      QVERIFY(store.ListRuns().isEmpty());
    }
    QCOMPARE(RawQuery(path, "SELECT COUNT(*) FROM metrics").toInt(), 0);
    QCOMPARE(RawQuery(path, "SELECT COUNT(*) FROM failures").toInt(), 0);
  }
};

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  if (argc == 3 && std::strcmp(argv[1], kChildArgument) == 0) return WriteUntilKilled(QString::fromLocal8Bit(argv[2]));
  ResultsStoreTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "results_store_test.moc"
