// Tests of nearest-neighbour matching and the soft-argmax rule (core/corr/matching).
#include <QtTest>

#include <torch/torch.h>

#include "core/corr/matching.h"
#include "core/corr/similarity.h"
#include "core/util/error.h"
#include "tests/corr/synthetic_maps.h"

using namespace corrlens;

namespace {

// The tracker rule written out with loops: ReLU, softmax over all tokens,
// weighted mean of the token centres within `radius` of the argmax.
cv::Point2d ManualSoftArgmax(const std::vector<float>& sims, const std::vector<cv::Point2d>& centres, double radius) {
  size_t peak = 0;
  for (size_t t = 1; t < sims.size(); ++t)
    if (sims[t] > sims[peak]) peak = t;
  double total = 0.0;
  for (float s : sims) total += std::exp(std::max(0.f, s));
  double wsum = 0.0, x = 0.0, y = 0.0;
  for (size_t t = 0; t < sims.size(); ++t) {
    if (cv::norm(centres[t] - centres[peak]) > radius) continue;
    const double w = std::exp(std::max(0.f, sims[t])) / total;
    wsum += w;
    x += w * centres[t].x;
    y += w * centres[t].y;
  }
  return {x / wsum, y / wsum};
}

}  // namespace

class MatchingTest : public QObject {
  Q_OBJECT

 private slots:
  void ArgmaxFindsShiftedTokens() {
    torch::manual_seed(5);
    // Target = source shifted by 2 tokens right and 1 down (distinct random tokens).
    const at::Tensor big = torch::randn({32, 12, 14});
    FeatureMap source = test::MakeMap(
        big.index({torch::indexing::Slice(), torch::indexing::Slice(1, 11), torch::indexing::Slice(2, 14)}), 14, 14, 84,
        70);
    FeatureMap target = test::MakeMap(
        big.index({torch::indexing::Slice(), torch::indexing::Slice(0, 10), torch::indexing::Slice(0, 12)}), 14, 14, 84,
        70);
    std::vector<cv::Point2d> points;
    for (auto [i, j] : std::vector<std::pair<int, int>>{{0, 0}, {3, 4}, {9, 8}}) {
      auto [x, y] = test::TokenCentre(source.geometry, i, j);
      points.emplace_back(x, y);
    }
    MatchOptions options;
    options.refine = false;
    const std::vector<PointMatch> matches = MatchPoints(source, points, target, options);
    QCOMPARE(matches.size(), size_t{3});
    const double token = 14.0 * 84 / source.geometry.input_width;  // image px per token
    for (size_t k = 0; k < 3; ++k) {
      QVERIFY(std::abs(matches[k].match.x - (points[k].x + 2 * token)) < 1e-4);
      QVERIFY(std::abs(matches[k].match.y - (points[k].y + token)) < 1e-4);
      QCOMPARE(matches[k].match, matches[k].peak);
      QVERIFY(std::abs(matches[k].score - 1.f) < 1e-5);
      QVERIFY(std::abs(matches[k].refined_score - 1.f) < 1e-5);
      QCOMPARE(matches[k].query, points[k]);
    }
  }

  void SoftArgmaxFollowsTheTrackerRule() {
    torch::manual_seed(6);
    // Stride 7 (centres 7 + 7i) with the image equal to the input, and an
    // image smaller than the input (different x and y scales).
    const at::Tensor features = torch::randn({8, 9, 11});
    for (auto [w, h] : std::vector<std::pair<int, int>>{{0, 0}, {60, 50}}) {
      FeatureMap target = test::MakeMap(features, 14, 7, w, h);
      const at::Tensor queries = torch::randn({4, 8});
      const at::Tensor sims = SimilarityGrid(queries, target).view({4, -1});
      const at::Tensor centres = TokenCentres(target);
      std::vector<cv::Point2d> centre_points;
      for (int64_t t = 0; t < centres.size(0); ++t)
        centre_points.emplace_back(centres[t][0].item<float>(), centres[t][1].item<float>());
      for (double radius : {0.0, 7.0, 14.5, 35.0, 1000.0}) {
        const at::Tensor got = SoftArgmax(sims, target.geometry, radius);
        for (int64_t q = 0; q < 4; ++q) {
          const at::Tensor row = sims[q].contiguous();
          const std::vector<float> values(row.data_ptr<float>(), row.data_ptr<float>() + row.numel());
          const cv::Point2d want = ManualSoftArgmax(values, centre_points, radius);
          QVERIFY2(
              std::abs(got[q][0].item<float>() - want.x) < 1e-3 && std::abs(got[q][1].item<float>() - want.y) < 1e-3,
              qPrintable(QString("image %1x%2 radius %3 query %4").arg(w).arg(h).arg(radius).arg(q)));
        }
      }
    }
  }

  void RefinementMovesTowardsTheSecondPeak() {
    // Two neighbouring tokens equal to the query's direction in different
    // amounts: the refined point lies between them, nearer the stronger one.
    at::Tensor f = torch::zeros({2, 3, 5});
    f.index_put_({0}, -1.0);  // everything points away...
    f.index_put_({1}, 0.0);
    f[0][1][2] = 1.0;  // ...except the peak (cos 1)
    f[0][1][3] = 0.8;  // and its right neighbour (cos 0.8 after normalising with y)
    f[1][1][3] = 0.6;
    FeatureMap target = test::MakeMap(f, 14, 14);
    MatchOptions options;
    options.radius_px = 14.0;  // peak and its 4 neighbours
    const std::vector<PointMatch> m = MatchDescriptors(torch::tensor({1.f, 0.f}), target, options);
    auto [px, py] = test::TokenCentre(target.geometry, 2, 1);
    QCOMPARE(m[0].peak, cv::Point2d(px, py));
    QVERIFY(m[0].match.x > px && m[0].match.x < px + 7.0);
    QVERIFY(std::abs(m[0].match.y - py) < 1e-4);
    QVERIFY(m[0].refined_score > 0.8f && m[0].refined_score <= 1.f);
    options.refine = false;
    QCOMPARE(MatchDescriptors(torch::tensor({1.f, 0.f}), target, options)[0].match, cv::Point2d(px, py));
  }

  void BatchesGiveTheSameAnswer() {
    torch::manual_seed(7);
    FeatureMap target = test::MakeMap(torch::randn({16, 6, 6}));
    const at::Tensor queries = torch::randn({37, 16});
    MatchOptions a, b;
    a.batch = 5;
    b.batch = 1000;
    const auto ma = MatchDescriptors(queries, target, a), mb = MatchDescriptors(queries, target, b);
    QCOMPARE(ma.size(), size_t{37});
    for (size_t i = 0; i < ma.size(); ++i) {
      QVERIFY(cv::norm(ma[i].match - mb[i].match) < 1e-4);
      QCOMPARE(ma[i].peak, mb[i].peak);
    }
  }

  void RejectsBadOptions() {
    FeatureMap target = test::MakeMap(torch::randn({4, 3, 3}));
    MatchOptions bad;
    bad.radius_px = -1;
    QVERIFY_THROWS_EXCEPTION(Error, MatchDescriptors(torch::randn({1, 4}), target, bad));
    QVERIFY_THROWS_EXCEPTION(Error, MatchDescriptors(torch::randn({1, 5}), target, MatchOptions{}));
  }
};

QTEST_APPLESS_MAIN(MatchingTest)
#include "matching_test.moc"
