// PairComparison: the Qt-free engine behind the Pair workspace and `match`.
#include <QtTest>

#include <torch/torch.h>
#include <atomic>

#include "core/compare/pair_comparison.h"
#include "core/corr/matching.h"
#include "core/corr/similarity.h"
#include "core/util/error.h"
#include "tests/common/function_provider.h"
#include "tests/common/random_maps.h"

using namespace corrlens;

namespace {

// Feature source with a fixed random map per image size: the same image on
// both sides makes every point match its own token.
struct Source {
  std::atomic<int> calls{0};
  std::shared_ptr<FeatureProvider> Get() {
    return test::MakeProvider(
        [this](const cv::Mat& rgb, const std::string& model, const ExtractOptions&, const CancelToken& cancel) {
          cancel.ThrowIfCancelled();
          ++calls;
          if (model == "broken") throw Error("weights not found", {"/models/broken.pth"}, "not downloaded");
          return test::RandomGridMap(rgb.cols, rgb.rows, 32, rgb.cols * 131 + rgb.rows, model);
        });
  }
};

cv::Mat Image(int w, int h) { return cv::Mat(h, w, CV_8UC3, cv::Scalar(10, 20, 30)); }

}  // namespace

class PairComparisonTest : public QObject {
  Q_OBJECT
 private slots:
  void pointsMatchThemselvesOnIdenticalMaps() {
    Source source;
    PairComparisonOptions options;
    options.match.refine = false;  // argmax: the token centre itself
    PairComparison pair(source.Get(), options);
    pair.SetImages(Image(128, 96), Image(128, 96));
    Progress progress;
    pair.Prepare("m", progress, CancelToken());
    QVERIFY(pair.IsPrepared("m"));
    QCOMPARE(source.calls.load(), 2);
    const std::vector<cv::Point2d> points = {{4, 4}, {60, 44}, {124, 92}};
    const std::vector<ComparedMatch> matches = pair.Match("m", points);
    QCOMPARE(matches.size(), points.size());
    for (size_t i = 0; i < points.size(); ++i) {
      // The argmax is the point's own token (centres at 4 + 8k px).
      QVERIFY2(cv::norm(matches[i].target - points[i]) < 1.0, qPrintable(QString::number(i)));
      QVERIFY(matches[i].score > 0.99f);
    }
  }

  void cachedTokensGiveTheSameAnswersAsTheFreeFunctions() {
    Source source;
    PairComparison pair(source.Get());
    pair.SetImages(Image(128, 96), Image(96, 128));
    Progress progress;
    pair.Prepare("m", progress, CancelToken());
    const std::vector<cv::Point2d> points = {{10, 10}, {100, 50}, {64, 90}};
    auto feature = source.Get();
    const auto a = feature->Get(Image(128, 96), "m", {}, CancelToken());
    const auto b = feature->Get(Image(96, 128), "m", {}, CancelToken());
    const std::vector<PointMatch> direct = MatchPoints(*a, points, *b, pair.Options().match);
    const std::vector<ComparedMatch> via = pair.Match("m", points);
    for (size_t i = 0; i < points.size(); ++i) {
      QVERIFY(cv::norm(direct[i].match - via[i].target) < 1e-6);
      QCOMPARE(direct[i].score, via[i].score);
    }
    // The heatmap's hottest pixel lies where the match is.
    const Heatmap heat = pair.SimilarityHeatmap("m", points[1]);
    QCOMPARE(heat.rgb.cols, 96);
    QCOMPARE(heat.rgb.rows, 128);
    QVERIFY(std::abs(heat.max - direct[1].score) < 0.05f);
  }

  void errorsAreReportedNotFatal() {
    Source source;
    PairComparison pair(source.Get());
    Progress progress;
    QVERIFY_THROWS_EXCEPTION(Error, pair.Prepare("m", progress, CancelToken()));  // no images
    pair.SetImages(Image(64, 64), Image(64, 64));
    QVERIFY_THROWS_EXCEPTION(Error, pair.Match("m", {{1, 1}}));  // not prepared
    QVERIFY_THROWS_EXCEPTION(Error, pair.Prepare("broken", progress, CancelToken()));
    QVERIFY(!pair.IsPrepared("broken"));
    pair.Prepare("m", progress, CancelToken());
    QVERIFY_THROWS_EXCEPTION(Error, pair.Match("m", {{64.5, 3}}));  // outside the source
    QVERIFY_THROWS_EXCEPTION(Error, pair.SetImages(cv::Mat(), Image(8, 8)));
    CancelToken cancel;
    cancel.Cancel();
    QVERIFY_THROWS_EXCEPTION(Cancelled, pair.Prepare("other", progress, cancel));
  }

  void newImagesDropOldMaps() {
    Source source;
    PairComparison pair(source.Get());
    pair.SetImages(Image(64, 64), Image(64, 64));
    Progress progress;
    pair.Prepare("m", progress, CancelToken());
    pair.SetImages(Image(64, 48), Image(64, 48));
    QVERIFY(!pair.IsPrepared("m"));
    pair.Prepare("m", progress, CancelToken());
    const auto pca = pair.PcaImages("m");
    QCOMPARE(pca[0].cols, 64);
    QCOMPARE(pca[1].rows, 48);
    CancelToken none;
    QVERIFY(!pair.MutualMatches("m", none).empty());
  }

  void mutualMatchesAndPcaAreComputedOncePerPair() {
    Source source;
    PairComparison pair(source.Get());
    pair.SetImages(Image(64, 64), Image(64, 64));
    Progress progress;
    pair.Prepare("m", progress, CancelToken());
    const auto first = pair.PcaImages("m");
    const auto second = pair.PcaImages("m");
    QCOMPARE(first[0].data, second[0].data);  // the memoised images, not a recomputation
    const auto mutual = pair.MutualMatches("m", CancelToken());
    QCOMPARE(pair.MutualMatches("m", CancelToken()).size(), mutual.size());
    QCOMPARE(pair.Features("m", Side::kTarget)->geometry.grid_width, 8);
    // New images drop the memo with the maps.
    pair.SetImages(Image(64, 64).clone(), Image(64, 64).clone());
    pair.Prepare("m", progress, CancelToken());
    QVERIFY(pair.PcaImages("m")[0].data != first[0].data);
  }
};

QTEST_GUILESS_MAIN(PairComparisonTest)
#include "pair_comparison_test.moc"
