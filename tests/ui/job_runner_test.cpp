#include <QtTest>

#include <QSignalSpy>
#include <atomic>
#include <thread>

#include "core/util/error.h"
#include "ui/job_runner.h"

using corrlens::ui::JobRunner;

class JobRunnerTest : public QObject {
  Q_OBJECT
 private slots:
  void runsOffTheGuiThreadAndReportsProgress() {
    JobRunner jobs;
    QSignalSpy progress(&jobs, &JobRunner::jobProgress);
    QSignalSpy finished(&jobs, &JobRunner::jobFinished);
    std::thread::id worker;
    bool done_on_gui = false;
    jobs.Run(
        "work",
        [&](corrlens::Progress& p, const corrlens::CancelToken&) {
          worker = std::this_thread::get_id();
          p.Report(0.5, "half");
          p.Report(1.0, "done");
        },
        [&] { done_on_gui = QThread::currentThread() == qApp->thread(); });
    QVERIFY(finished.wait(5000));
    QVERIFY(worker != std::this_thread::get_id());
    QVERIFY(done_on_gui);
    QTRY_VERIFY(progress.count() >= 2);
    QCOMPARE(progress.last().at(1).toDouble(), 1.0);
  }

  void cancelStopsAJobAndSkipsDone() {
    JobRunner jobs;
    QSignalSpy cancelled(&jobs, &JobRunner::jobCancelled);
    std::atomic<bool> started{false};
    bool done_called = false;
    const auto id = jobs.Run(
        "long",
        [&](corrlens::Progress&, const corrlens::CancelToken& cancel) {
          started = true;
          for (int i = 0; i < 1000; ++i) {
            cancel.ThrowIfCancelled();
            QThread::msleep(5);
          }
        },
        [&] { done_called = true; });
    QTRY_VERIFY(started.load());
    jobs.Cancel(id);
    QVERIFY(cancelled.wait(5000));
    QVERIFY(!done_called);
    QCOMPARE(jobs.ActiveJobs(), 0);
  }

  void errorsBecomeSignals() {
    JobRunner jobs;
    QSignalSpy failed(&jobs, &JobRunner::jobFailed);
    jobs.Run("broken", [](corrlens::Progress&, const corrlens::CancelToken&) {
      throw corrlens::Error("bad weights", {"w.pth", 12});
    });
    QVERIFY(failed.wait(5000));
    QCOMPARE(failed.first().at(1).toString(), QString("broken"));
    QVERIFY(failed.first().at(2).toString().contains("w.pth"));
  }

  void destructorCancelsAndWaits() {
    std::atomic<bool> finished{false};
    {
      JobRunner jobs;
      jobs.Run("long", [&](corrlens::Progress&, const corrlens::CancelToken& cancel) {
        while (!cancel.IsCancelled()) QThread::msleep(2);
        finished = true;
      });
      QThread::msleep(20);
    }
    QVERIFY(finished.load());
  }
};

QTEST_MAIN(JobRunnerTest)
#include "job_runner_test.moc"
