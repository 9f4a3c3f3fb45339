// BenchmarkRunner: tasks x models through the JobRunner on real data
// (opencv-doc's homography and stereo pairs, dense SIFT / RootSIFT, quick
// preset), stored task by task; failures and cancel keep the rest.
#include <QtTest>

#include "tests/common/sample_data.h"
#include "tests/ui/benchmark_test_support.h"
#include "ui/benchmark_runner.h"
#include "ui/job_runner.h"
#include "ui/results_store.h"

using namespace corrlens;
using namespace corrlens::ui;

namespace {

RunSettings Plan(const QStringList& models) {
  RunSettings plan;
  plan.tasks = {"homography", "stereo"};
  plan.models = models;
  plan.preset = "quick";
  return plan;
}

struct Fixture {
  JobRunner jobs;
  ResultsStore store;
  test::ClassicalProvider provider;
  BenchmarkRunner runner{&jobs, &store};
  Fixture() { store.Open(":memory:"); }
  bool WaitForEnd(int ms = 120000) {
    return QTest::qWaitFor([this] { return !runner.IsRunning(); }, ms);
  }
};

}  // namespace

class BenchmarkRunnerTest : public QObject {
  Q_OBJECT
 private slots:
  void runsTwoTasksOnTwoModels() {
    CORRLENS_REQUIRE_OPENCV_DATA("aloeGT.png");
    Fixture f;
    QVector<double> fractions;
    QStringList texts;
    QObject::connect(&f.runner, &BenchmarkRunner::progressChanged, [&] {
      fractions << f.runner.LastProgress().fraction;
      texts << f.runner.LastProgress().Text();
    });
    QString error;
    QVERIFY2(f.runner.Start(Plan({"dense_sift", "dense_rootsift"}), f.provider.Features(), &error), qPrintable(error));
    QVERIFY(f.runner.IsRunning());
    QVERIFY(f.WaitForEnd());
    QCOMPARE(f.runner.Status(), RunStatus::kFinished);
    QCOMPARE(f.runner.Reports().size(), size_t(2));
    const bench::Report& homography = f.runner.Reports()[0];
    QCOMPARE(homography.task, std::string("homography"));
    QCOMPARE(homography.rows.size(), size_t(4));  // 2 models x (argmax, soft-argmax)
    QCOMPARE(homography.rows[2].model, std::string("dense_rootsift"));
    QVERIFY(!homography.rows[0].curves.empty());
    QVERIFY(std::is_sorted(fractions.begin(), fractions.end()));
    QVERIFY(texts.join('\n').contains("stereo 2/2 · dense_rootsift 2/2"));
    const auto stored = f.store.LoadRun(f.runner.RunId());
    QVERIFY(stored);
    QCOMPARE(stored->info.status, RunStatus::kFinished);
    QCOMPARE(stored->reports.size(), size_t(2));
    QCOMPARE(stored->reports[1].rows.size(), size_t(4));
    QVERIFY(stored->info.settings.versions.contains("Qt"));
  }

  void aFailingModelKeepsTheOthers() {
    CORRLENS_REQUIRE_OPENCV_DATA("aloeGT.png");
    Fixture f;
    QStringList failures;
    QObject::connect(&f.runner, &BenchmarkRunner::failureAdded, [&](const QString& m) { failures << m; });
    QVERIFY(f.runner.Start(Plan({"broken", "dense_sift"}), f.provider.Features(), nullptr));
    QVERIFY(f.WaitForEnd());
    QCOMPARE(f.runner.Status(), RunStatus::kFinished);
    QCOMPARE(f.runner.Reports().size(), size_t(2));
    QCOMPARE(f.runner.Reports()[0].rows.size(), size_t(2));  // dense_sift only
    QCOMPARE(failures.size(), 2);
    QVERIFY2(failures[0].contains("homography, broken") && failures[0].contains("weights not found"),
             qPrintable(failures[0]));
    const auto stored = f.store.LoadRun(f.runner.RunId());
    QCOMPARE(stored->failures.size(), 2);
    QCOMPARE(stored->failures[1].task, QString("stereo"));
    QVERIFY(stored->reports[0].notes.back().find("failed: broken") != std::string::npos);
  }

  void everyModelFailingFailsTheRun() {
    CORRLENS_REQUIRE_OPENCV_DATA("aloeGT.png");
    Fixture f;
    QVERIFY(f.runner.Start(Plan({"broken"}), f.provider.Features(), nullptr));
    QVERIFY(f.WaitForEnd());
    QCOMPARE(f.runner.Status(), RunStatus::kFailed);
    QCOMPARE(f.store.ListRuns()[0].status, RunStatus::kFailed);
  }

  void cancelKeepsTheFinishedTasks() {
    CORRLENS_REQUIRE_OPENCV_DATA("aloeGT.png");
    Fixture f;
    QObject::connect(&f.runner, &BenchmarkRunner::taskFinished, [&] { f.provider.features->Close(); });
    QVERIFY(f.runner.Start(Plan({"dense_sift", "gated"}), f.provider.Features(), nullptr));
    QVERIFY(QTest::qWaitFor([&] { return f.provider.features->Waiting(); }, 60000));
    QCOMPARE(f.runner.LastProgress().task, QString("stereo"));
    QCOMPARE(f.runner.LastProgress().model, QString("gated"));
    f.runner.Cancel();
    QVERIFY(f.WaitForEnd(20000));
    QCOMPARE(f.runner.Status(), RunStatus::kCancelled);
    const auto stored = f.store.LoadRun(f.runner.RunId());
    QCOMPARE(stored->info.status, RunStatus::kCancelled);
    QCOMPARE(stored->reports.size(), size_t(1));  // homography; the running stereo task is dropped
    QCOMPARE(stored->reports[0].task, std::string("homography"));
  }

  void refusesWhatCannotRun() {
    Fixture f;
    QString error;
    RunSettings plan = Plan({"dense_sift"});
    plan.tasks = {"transfer"};
    plan.datasets["transfer"] = "/nonexistent/pf";
    QVERIFY(!f.runner.Start(plan, f.provider.Features(), &error));
    QVERIFY2(error.startsWith("transfer: /nonexistent/pf/PF-dataset-PASCAL/") && error.contains("is missing"),
             qPrintable(error));
    QVERIFY(!f.runner.Start(Plan({}), f.provider.Features(), &error));
    QVERIFY(error.contains("no model selected"));
    QVERIFY(f.store.ListRuns().isEmpty());  // nothing was started
  }

  void progressTextShowsTheEta() {
    BenchmarkProgress p;
    p.task = "stereo";
    p.model = "dense_sift";
    p.task_index = 1;
    p.task_count = 2;
    p.model_count = 2;
    p.fraction = 0.5;
    p.eta_seconds = 75;
    QCOMPARE(p.Text(), QString("stereo 2/2 · dense_sift 1/2 · 50% · ETA 1:15"));
  }
};

QTEST_GUILESS_MAIN(BenchmarkRunnerTest)
#include "benchmark_runner_test.moc"
