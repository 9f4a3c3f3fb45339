// Tests of point sampling, similarity maps and upsampling (core/corr/similarity).
#include <QtTest>

#include <torch/torch.h>

#include "core/corr/similarity.h"
#include "core/util/error.h"
#include "tests/corr/synthetic_maps.h"

using namespace corrlens;

namespace {

// Independent bilinear sampling at continuous grid coords, clamped (border).
std::vector<float> ManualSample(const at::Tensor& f, double gx, double gy) {
  const int64_t c = f.size(0), h = f.size(1), w = f.size(2);
  gx = std::clamp(gx, 0.0, double(w - 1));
  gy = std::clamp(gy, 0.0, double(h - 1));
  const int64_t x0 = static_cast<int64_t>(std::floor(gx)), y0 = static_cast<int64_t>(std::floor(gy));
  const int64_t x1 = std::min(x0 + 1, w - 1), y1 = std::min(y0 + 1, h - 1);
  const double fx = gx - x0, fy = gy - y0;
  auto a = f.accessor<float, 3>();
  std::vector<float> out(static_cast<size_t>(c));
  for (int64_t k = 0; k < c; ++k) {
    out[k] = static_cast<float>((1 - fx) * (1 - fy) * a[k][y0][x0] + fx * (1 - fy) * a[k][y0][x1] +
                                (1 - fx) * fy * a[k][y1][x0] + fx * fy * a[k][y1][x1]);
  }
  return out;
}

}  // namespace

class SimilarityTest : public QObject {
  Q_OBJECT

 private slots:
  void SamplesTokenCentresExactly() {
    torch::manual_seed(1);
    FeatureMap map = test::MakeMap(torch::randn({5, 6, 8}), 14, 14, 56, 42);  // input 112x84
    std::vector<cv::Point2d> points;
    for (int j = 0; j < 6; ++j)
      for (int i = 0; i < 8; ++i) {
        auto [x, y] = test::TokenCentre(map.geometry, i, j);
        points.emplace_back(x, y);
      }
    const at::Tensor raw = SampleDescriptors(map, points, /*normalize=*/false);
    QCOMPARE(raw.size(0), int64_t{48});
    QCOMPARE(raw.size(1), int64_t{5});
    const at::Tensor expected = map.features.reshape({5, -1}).t();
    QVERIFY(torch::allclose(raw, expected, 1e-5, 1e-5));
    const at::Tensor unit = SampleDescriptors(map, points);
    QVERIFY(torch::allclose(unit.norm(2, 1), torch::ones({48}), 1e-5, 1e-5));
  }

  void MatchesManualBilinearWithBorder() {
    torch::manual_seed(2);
    FeatureMap map = test::MakeMap(torch::randn({3, 7, 9}), 14, 14);
    map.geometry.input_width = 130;  // not exactly covered: last token centre at 119
    map.geometry.image_width = 65;   // scale 2 in x
    const std::vector<cv::Point2d> points = {{0, 0}, {3.3, 17.25}, {40.1, 50.7}, {64, 97}, {-20, 200}};
    const at::Tensor got = SampleDescriptors(map, points, false);
    for (size_t p = 0; p < points.size(); ++p) {
      double gx, gy;
      map.geometry.GridFromImage(points[p].x, points[p].y, &gx, &gy);
      const std::vector<float> want = ManualSample(map.features, gx, gy);
      for (int k = 0; k < 3; ++k) QVERIFY2(std::abs(got[p][k].item<float>() - want[k]) < 1e-4, "bilinear mismatch");
    }
  }

  void SimilarityPeaksAtItsOwnToken() {
    torch::manual_seed(3);
    FeatureMap map = test::MakeMap(torch::randn({16, 5, 7}));
    const at::Tensor query = map.features.index({torch::indexing::Slice(), 2, 4});
    const at::Tensor sims = SimilarityGrid(query, map);
    QCOMPARE(sims.sizes(), (at::IntArrayRef{1, 5, 7}));
    QCOMPARE(sims.flatten().argmax().item<int64_t>(), int64_t{2 * 7 + 4});
    QVERIFY(std::abs(sims[0][2][4].item<float>() - 1.f) < 1e-5);
    QVERIFY(sims.max().item<float>() <= 1.f + 1e-5 && sims.min().item<float>() >= -1.f - 1e-5);
  }

  void UpsampleAgreesWithGridAtCentres() {
    torch::manual_seed(4);
    FeatureMap map = test::MakeMap(torch::randn({4, 4, 6}), 16, 8);  // centres at 8 + 8i (input = image)
    const at::Tensor grid = torch::rand({2, 4, 6});
    const at::Tensor full = UpsampleToImage(grid, map.geometry);
    QCOMPARE(full.sizes(), (at::IntArrayRef{2, map.geometry.image_height, map.geometry.image_width}));
    for (int j = 0; j < 4; ++j)
      for (int i = 0; i < 6; ++i)
        QVERIFY(std::abs(full[1][8 + 8 * j][8 + 8 * i].item<float>() - grid[1][j][i].item<float>()) < 1e-5);
    // Border padding: pixels before the first centre copy it.
    QVERIFY(std::abs(full[0][0][0].item<float>() - grid[0][0][0].item<float>()) < 1e-6);
    // Halfway between two centres is the mean.
    const float mid = full[0][8][12].item<float>();
    QVERIFY(std::abs(mid - 0.5f * (grid[0][0][0].item<float>() + grid[0][0][1].item<float>())) < 1e-5);
  }

  void SeparableUpsampleEqualsGridSample() {
    torch::manual_seed(5);
    // Image 3x smaller than the input, non-square tokens (patch 14, stride 7).
    FeatureMap map = test::MakeMap(torch::randn({4, 9, 13}), 14, 7, 35, 25);
    const at::Tensor scores = torch::rand({3, 9, 13});
    const at::Tensor fast = UpsampleToImage(scores, map.geometry);
    // Reference: grid_sample at every pixel's normalised coordinate.
    const GridGeometry& g = map.geometry;
    std::vector<float> coords;
    for (int y = 0; y < g.image_height; ++y) {
      for (int x = 0; x < g.image_width; ++x) {
        double nx, ny;
        g.NormalizedFromInput(x * g.ScaleX(), y * g.ScaleY(), &nx, &ny);
        coords.push_back(static_cast<float>(nx));
        coords.push_back(static_cast<float>(ny));
      }
    }
    const at::Tensor grid = torch::from_blob(coords.data(), {1, g.image_height, g.image_width, 2}).clone();
    const at::Tensor slow = at::grid_sampler(scores.unsqueeze(0), grid, 0, 1, true).squeeze(0);
    QCOMPARE(fast.sizes(), slow.sizes());
    QVERIFY2((fast - slow).abs().max().item<float>() < 1e-5,
             qPrintable(QString::number((fast - slow).abs().max().item<float>())));
  }

  void TokenCentresAndHelpers() {
    FeatureMap map = test::MakeMap(torch::zeros({2, 3, 4}), 14, 14, 28, 21);  // input 56x42, scale 2
    const at::Tensor centres = TokenCentres(map);
    QCOMPARE(centres.size(0), int64_t{12});
    QVERIFY(std::abs(centres[5][0].item<float>() - 10.5f) < 1e-6);  // token (1, 1): (7 + 14) / 2
    QVERIFY(std::abs(centres[5][1].item<float>() - 10.5f) < 1e-6);
    QVERIFY(InsideImage({0, 0}, 28, 21));
    QVERIFY(InsideImage({27, 20}, 28, 21));
    QVERIFY(!InsideImage({27.5, 3}, 28, 21));
    QVERIFY(!InsideImage({-0.1, 3}, 28, 21));
    const cv::Mat mat = ScoresToMat(torch::arange(6, torch::kFloat32).view({2, 3}));
    QCOMPARE(mat.at<float>(1, 2), 5.f);
  }

  void RejectsBadInput() {
    FeatureMap map = test::MakeMap(torch::zeros({2, 3, 4}));
    map.geometry.grid_width = 5;  // inconsistent with the tensor
    QVERIFY_THROWS_EXCEPTION(Error, SampleDescriptors(map, {{1, 1}}));
    FeatureMap good = test::MakeMap(torch::zeros({2, 3, 4}));
    QVERIFY_THROWS_EXCEPTION(Error, SimilarityGrid(torch::zeros({1, 3}), good));
  }
};

QTEST_APPLESS_MAIN(SimilarityTest)
#include "similarity_test.moc"
