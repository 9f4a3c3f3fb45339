// ModelStatus: per-model job states from JobRunner, reported only on change.
#include <QtTest>

#include <QSignalSpy>
#include <atomic>
#include <stdexcept>

#include "ui/job_runner.h"
#include "ui/model_status.h"

using corrlens::CancelToken;
using corrlens::Progress;
using corrlens::ui::JobRunner;
using corrlens::ui::ModelStatus;
using Phase = corrlens::ui::ModelStatus::Phase;

class ModelStatusTest : public QObject {
  Q_OBJECT
 private slots:
  void followsAJobToPrepared() {
    JobRunner jobs;
    ModelStatus status(&jobs);
    status.SetModels({"a"});
    QSignalSpy changed(&status, &ModelStatus::changed);
    QSignalSpy prepared(&status, &ModelStatus::prepared);
    std::atomic<bool> go{false};
    const quint64 job = jobs.Run("a", [&](Progress& progress, const CancelToken&) {
      progress.Report(0.4);
      while (!go) QThread::msleep(1);
    });
    status.Track("a", job);
    QCOMPARE(status.PhaseOf("a"), Phase::kComputing);
    QVERIFY(status.Busy());
    QCOMPARE(status.Text("a"), QString("computing features..."));
    QTRY_COMPARE(status.Text("a"), QString("computing 40%"));
    go = true;
    QVERIFY(prepared.wait(5000));
    QCOMPARE(prepared.first()[0].toString(), QString("a"));
    QCOMPARE(status.PhaseOf("a"), Phase::kPrepared);
    QVERIFY(!status.Busy());
    status.Show("a", "ready");
    status.Show("a", "ready");     // unchanged: not reported again
    QCOMPARE(changed.count(), 3);  // computing features..., computing 40%, ready
    QCOMPARE(changed.last()[1].toString(), QString("ready"));
  }

  void failuresAndCancellations() {
    JobRunner jobs;
    ModelStatus status(&jobs);
    status.SetModels({"bad", "slow"});
    status.Track("bad", jobs.Run("bad", [](Progress&, const CancelToken&) { throw std::runtime_error("no weights"); }));
    status.Track("slow", jobs.Run("slow", [](Progress&, const CancelToken& cancel) {
      for (;;) {
        cancel.ThrowIfCancelled();
        QThread::msleep(1);
      }
    }));
    QTRY_COMPARE(status.PhaseOf("bad"), Phase::kFailed);
    QCOMPARE(status.Text("bad"), QString("no weights"));
    QVERIFY(status.IsError("bad"));
    status.Reset("slow");  // cancels its job; the late "cancelled" is not its state
    QCOMPARE(status.PhaseOf("slow"), Phase::kIdle);
    QTRY_COMPARE(jobs.ActiveJobs(), 0);
    QCOMPARE(status.PhaseOf("slow"), Phase::kIdle);
  }

  void cancelledJobSaysSo() {
    JobRunner jobs;
    ModelStatus status(&jobs);
    status.SetModels({"slow"});
    status.Track("slow", jobs.Run("slow", [](Progress&, const CancelToken& cancel) {
      for (;;) {
        cancel.ThrowIfCancelled();
        QThread::msleep(1);
      }
    }));
    jobs.CancelAll();
    QTRY_COMPARE(status.PhaseOf("slow"), Phase::kCancelled);
    QCOMPARE(status.Text("slow"), QString("cancelled"));
    QVERIFY(!status.IsError("slow"));
  }

  void newModelListKeepsPhasesAndForgetsTexts() {
    JobRunner jobs;
    ModelStatus status(&jobs);
    status.SetModels({"a", "b"});
    status.Track("a", jobs.Run("a", [](Progress&, const CancelToken&) {}));
    QTRY_COMPARE(status.PhaseOf("a"), Phase::kPrepared);
    status.Show("a", "ready");
    QSignalSpy changed(&status, &ModelStatus::changed);
    status.SetModels({"a"});
    QCOMPARE(status.PhaseOf("a"), Phase::kPrepared);
    QCOMPARE(status.Text("a"), QString());
    status.Show("a", "ready");  // new rows: reported again
    QCOMPARE(changed.count(), 1);
    status.Show("b", "ready");  // no longer tracked: ignored
    QCOMPARE(changed.count(), 1);
  }
};

QTEST_GUILESS_MAIN(ModelStatusTest)
#include "model_status_test.moc"
