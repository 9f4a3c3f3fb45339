// LatestResult: the newest request's result reaches the GUI thread; stale
// results (older than one delivered, or from before Discard) never do.
#include <QtTest>

#include <QThread>
#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "ui/latest_result.h"

using corrlens::CancelToken;
using corrlens::ui::LatestResult;

namespace {

// Records what reached the GUI thread, and on which thread.
struct Recorder {
  QObject context;
  std::vector<int> values;
  std::vector<quint64> generations;
  QStringList errors;
  bool on_gui_thread = true;
  LatestResult<int> result{&context,
                           [this](quint64 generation, const int& value) {
                             on_gui_thread &= QThread::currentThread() == context.thread();
                             generations.push_back(generation);
                             values.push_back(value);
                           },
                           [this](quint64, const QString& error) { errors << error; }};
};

// A computation that takes ~200 ms unless cancelled.
LatestResult<int>::Compute Slow(int value, std::atomic<int>* cancelled) {
  return [value, cancelled](const CancelToken& cancel) {
    for (int i = 0; i < 200; ++i) {
      if (cancel.IsCancelled()) {
        ++*cancelled;
        cancel.ThrowIfCancelled();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return value;
  };
}

}  // namespace

class LatestResultTest : public QObject {
  Q_OBJECT
 private slots:
  void theLatestRequestIsDeliveredOnTheGuiThread() {
    Recorder r;
    std::atomic<int> cancelled{0};
    QCOMPARE(r.result.Submit(Slow(1, &cancelled)), quint64(1));
    QTest::qWait(20);
    for (int v = 2; v <= 10; ++v) r.result.Submit(Slow(v, &cancelled));
    QVERIFY(!r.result.IsCurrent());
    QVERIFY(QTest::qWaitFor([&] { return r.result.IsCurrent(); }, 5000));
    QCOMPARE(r.result.Generation(), quint64(10));
    QCOMPARE(r.values.back(), 10);
    QCOMPARE(r.generations.back(), quint64(10));
    QVERIFY(cancelled.load() >= 1);  // the first was running when 2 came
    QVERIFY(r.values.size() <= 2);   // replaced requests never ran
    QVERIFY(r.on_gui_thread);
  }

  void resultsArriveInOrderAndNewerOnesAreShown() {
    Recorder r;
    r.result.Submit([](const CancelToken&) { return 1; });
    r.result.WaitIdle();  // finished and queued, not delivered yet
    r.result.Submit([](const CancelToken&) { return 2; });
    r.result.WaitIdle();
    QVERIFY(r.values.empty());  // delivery needs the event loop
    QVERIFY(QTest::qWaitFor([&] { return r.result.IsCurrent(); }, 2000));
    // 1 was newer than anything shown when it arrived: shown, then 2.
    QCOMPARE(r.values, (std::vector<int>{1, 2}));
  }

  void discardDropsResultsInFlight() {
    Recorder r;
    r.result.Submit([](const CancelToken&) { return 1; });
    r.result.WaitIdle();  // its result waits in the event queue
    r.result.Discard();
    QVERIFY(r.result.IsCurrent());
    QCoreApplication::processEvents();
    QVERIFY(r.values.empty());
    r.result.Submit([](const CancelToken&) { return 3; });
    QVERIFY(QTest::qWaitFor([&] { return r.result.IsCurrent(); }, 2000));
    QCOMPARE(r.values, std::vector<int>{3});
  }

  void failuresAreReportedAndCountAsDone() {
    Recorder r;
    r.result.Submit([](const CancelToken&) -> int { throw std::runtime_error("no maps"); });
    QVERIFY(QTest::qWaitFor([&] { return r.result.IsCurrent(); }, 2000));
    QCOMPARE(r.errors, QStringList{"no maps"});
    QVERIFY(r.values.empty());
  }

  void destructionDropsQueuedResults() {
    QObject context;
    std::vector<int> values;
    {
      LatestResult<int> result(&context, [&](quint64, const int& v) { values.push_back(v); });
      result.Submit([](const CancelToken&) { return 1; });
      result.WaitIdle();
    }
    QCoreApplication::processEvents();  // the queued delivery finds no receiver
    QVERIFY(values.empty());
  }
};

QTEST_GUILESS_MAIN(LatestResultTest)
#include "latest_result_test.moc"
