// LatestWorker: only the newest request runs to completion.
#include <QtTest>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "ui/latest_worker.h"

using corrlens::CancelToken;
using corrlens::ui::LatestWorker;

class LatestWorkerTest : public QObject {
  Q_OBJECT
 private slots:
  void newerRequestsCancelOlderOnes() {
    LatestWorker worker;
    std::atomic<int> started{0}, cancelled{0}, finished{0}, finished_value{-1};
    auto task = [&](int value) {
      return [&, value](const CancelToken& cancel) {
        ++started;
        for (int i = 0; i < 200; ++i) {  // ~200 ms unless cancelled
          if (cancel.IsCancelled()) {
            ++cancelled;
            return;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        ++finished;
        finished_value = value;
      };
    };
    worker.Submit(task(1));
    QVERIFY(QTest::qWaitFor([&] { return started.load() == 1; }, 2000));
    for (int v = 2; v <= 10; ++v) worker.Submit(task(v));  // 2..9 replaced while pending
    worker.WaitIdle();
    QCOMPARE(finished_value.load(), 10);  // the newest request always runs to the end
    QVERIFY(cancelled.load() >= 1);       // at least the first, which was running
    // Every request that started was either cancelled or finished; replaced
    // pending ones never started (usually only 1 and 10 run at all).
    QCOMPARE(started.load(), cancelled.load() + finished.load());
  }

  void exceptionsDoNotKillTheWorker() {
    LatestWorker worker;
    std::atomic<bool> ran{false};
    worker.Submit([](const CancelToken&) { throw std::runtime_error("boom"); });
    worker.WaitIdle();
    worker.Submit([&](const CancelToken&) { ran = true; });
    worker.WaitIdle();
    QVERIFY(ran.load());
  }

  void cancelDropsThePendingTaskAndStopsTheRunningOne() {
    LatestWorker worker;
    std::atomic<bool> started{false}, release{false}, saw_cancel{false}, pending_ran{false};
    worker.Submit([&](const CancelToken& cancel) {
      started = true;
      while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));  // holds the worker
      saw_cancel = cancel.IsCancelled();
    });
    QVERIFY(QTest::qWaitFor([&] { return started.load(); }, 2000));
    worker.Submit([&](const CancelToken&) { pending_ran = true; });  // pending: the worker is busy
    worker.Cancel();
    release = true;
    worker.WaitIdle();
    QVERIFY(saw_cancel.load());
    QVERIFY(!pending_ran.load());
  }

  void destructorCancelsTheRunningTask() {
    std::atomic<bool> saw_cancel{false};
    {
      LatestWorker worker;
      std::atomic<bool> started{false};
      worker.Submit([&](const CancelToken& cancel) {
        started = true;
        while (!cancel.IsCancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        saw_cancel = true;
      });
      QVERIFY(QTest::qWaitFor([&] { return started.load(); }, 2000));
    }
    QVERIFY(saw_cancel.load());
  }
};

QTEST_GUILESS_MAIN(LatestWorkerTest)
#include "latest_worker_test.moc"
