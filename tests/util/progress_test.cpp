#include <QtTest>

#include <thread>
#include <vector>

#include "core/util/error.h"
#include "core/util/progress.h"

class ProgressTest : public QObject {
  Q_OBJECT
 private slots:
  void isMonotonicAndClamped() {
    std::vector<double> seen;
    corrlens::Progress progress([&](double f, const std::string&) { seen.push_back(f); });
    progress.Report(0.5, "half");
    progress.Report(0.2, "back");
    progress.Report(7.0);
    QCOMPARE(seen.size(), size_t(3));
    QCOMPARE(seen[0], 0.5);
    QCOMPARE(seen[1], 0.5);
    QCOMPARE(seen[2], 1.0);
    QCOMPARE(QString::fromStdString(progress.Message()), QString("back"));
  }
  void subRangesMapIntoParent() {
    corrlens::Progress progress;
    corrlens::Progress second = progress.Sub(0.5, 1.0);
    second.Step(1, 2);
    QCOMPARE(progress.Fraction(), 0.75);
    corrlens::Progress nested = second.Sub(0.5, 1.0);
    nested.Report(1.0);
    QCOMPARE(progress.Fraction(), 1.0);
  }
  void cancelTokenAcrossThreads() {
    corrlens::CancelToken token;
    QVERIFY(!token.IsCancelled());
    std::thread t([&] { token.Cancel(); });
    t.join();
    QVERIFY_THROWS_EXCEPTION(corrlens::Cancelled, token.ThrowIfCancelled());
    token.Reset();
    token.ThrowIfCancelled();
  }
};

QTEST_APPLESS_MAIN(ProgressTest)
#include "progress_test.moc"
