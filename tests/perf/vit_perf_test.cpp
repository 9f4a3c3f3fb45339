// core/perf/vit_perf: the timing options reach the extractor (stride, layer)
// and the reported figures are consistent.
#include <QtTest>

#include "core/perf/vit_perf.h"

using namespace corrlens;

class VitPerfTest : public QObject {
  Q_OBJECT
 private slots:
  void strideChangesTheGrid() {
    perf::TimingOptions options;
    options.arch = "dinov2_vits14";
    options.width = 112, options.height = 84;
    options.runs = 1, options.warmup = 0;
    const perf::ExtractionTiming plain = perf::TimeExtraction(options);
    QCOMPARE(plain.tokens, int64_t(8 * 6));
    options.stride = 7, options.prenorm = true;
    const perf::ExtractionTiming strided = perf::TimeExtraction(options);
    QCOMPARE(strided.tokens, int64_t((1 + (112 - 14) / 7) * (1 + (84 - 14) / 7)));
    QVERIFY(strided.gflop > plain.gflop);
    QVERIFY(strided.ms_median > 0 && strided.ms_min <= strided.ms_median);
    QVERIFY(strided.peak_rss_mb > 0 && strided.threads >= 1);
  }
};

QTEST_GUILESS_MAIN(VitPerfTest)
#include "vit_perf_test.moc"
