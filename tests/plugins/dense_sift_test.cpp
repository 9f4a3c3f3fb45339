// Tests of the dense SIFT backend on real images (plugins/classical).
#include <QtTest>

#include <torch/torch.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>

#include "core/bench/pair_task.h"
#include "core/corr/matching.h"
#include "core/util/error.h"
#include "plugins/classical/dense_sift.h"
#include "tests/common/sample_data.h"

using namespace corrlens;
using namespace corrlens::bench;

namespace {

using corrlens::test::OpenCvData;

cv::Mat ReadRgb(const std::string& name) {
  cv::Mat bgr = cv::imread(OpenCvData(name), cv::IMREAD_COLOR), rgb;
  if (bgr.empty()) return bgr;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

// PCK at `thresholds` and the median error of matches against the truth.
struct Scores {
  size_t points = 0;
  std::vector<double> pck;
  double median_error = 0.0;
};
Scores Score(const std::vector<PointMatch>& matches, const std::vector<cv::Point2d>& truth,
             const std::vector<double>& thresholds) {
  std::vector<double> errors;
  for (size_t i = 0; i < matches.size(); ++i) errors.push_back(cv::norm(matches[i].match - truth[i]));
  const bench::PckSummary summary = bench::ScoreErrors(errors, thresholds, "pck", "px", 20.0);
  Scores s;
  s.points = errors.size();
  for (size_t k = 0; k < thresholds.size(); ++k) s.pck.push_back(summary.metrics.values[k].value);
  std::sort(errors.begin(), errors.end());
  s.median_error = errors.empty() ? 0.0 : errors[errors.size() / 2];
  return s;
}

}  // namespace

class DenseSiftTest : public QObject {
  Q_OBJECT

 private slots:
  void GrafShapesAndGeometry() {
    const cv::Mat graf1 = ReadRgb("graf1.png");
    QVERIFY(!graf1.empty());  // 800 x 640
    auto backend = DenseSiftBackend::Create();
    QCOMPARE(backend->Info().id, std::string("dense_sift"));
    QCOMPARE(backend->Info().dim, 128);
    const FeatureMap map = backend->Extract(graf1, ExtractOptions{}, CancelToken());
    QVERIFY(map.Valid());
    const GridGeometry& g = map.geometry;
    QCOMPARE(g.image_width, 800);
    QCOMPARE(g.input_width, 640);  // long side -> 640
    QCOMPARE(g.input_height, 512);
    QCOMPARE(g.patch, 32);       // 4 bins of 8 px
    QCOMPARE(g.stride, 8);       // the ViTs' token spacing at 640 px
    QCOMPARE(g.grid_width, 77);  // 1 + (640 - 32) / 8
    QCOMPARE(g.grid_height, 61);
    QCOMPARE(map.features.sizes(), (at::IntArrayRef{128, 61, 77}));
    QVERIFY(map.features.min().item<float>() >= 0.f);
    QVERIFY(torch::isfinite(map.features).all().item<bool>());
    // Textured image: almost every descriptor is non-zero.
    QVERIFY(map.features.sum(0).gt(0).to(torch::kFloat32).mean().item<float>() > 0.95f);
  }

  void RootSiftAndOptions() {
    const cv::Mat graf1 = ReadRgb("graf1.png");
    DenseSiftOptions options;
    options.root_sift = true;
    options.bin_size = 4;
    auto backend = DenseSiftBackend::Create(options);
    ExtractOptions extract;
    extract.resolution = 320;
    extract.stride = 4;
    const FeatureMap map = backend->Extract(graf1, extract, CancelToken());
    QCOMPARE(map.geometry.patch, 16);
    QCOMPARE(map.geometry.grid_width, 1 + (320 - 16) / 4);
    // RootSIFT rows: L1-normalised then sqrt -> unit L2 norm.
    const at::Tensor norms = map.features.reshape({128, -1}).norm(2, 0);
    const at::Tensor nonzero = norms.gt(0);
    QVERIFY(torch::allclose(norms.masked_select(nonzero), torch::ones({nonzero.sum().item<int64_t>()}), 1e-4, 1e-4));
    QVERIFY(backend->Info().weights_hash != DenseSiftBackend::Create()->Info().weights_hash);
  }

  void SelfMatchIsExactAtTokenCentres() {
    const cv::Mat graf1 = ReadRgb("graf1.png");
    auto backend = DenseSiftBackend::Create();
    const FeatureMap map = backend->Extract(graf1, ExtractOptions{}, CancelToken());
    std::vector<cv::Point2d> points;
    for (int j = 5; j < 60; j += 11)
      for (int i = 5; i < 76; i += 13) {
        double x, y;
        map.geometry.ImageFromGrid(i, j, &x, &y);
        points.emplace_back(x, y);
      }
    MatchOptions options;
    options.refine = false;
    for (const PointMatch& m : MatchPoints(map, points, map, options)) QVERIFY(cv::norm(m.match - m.query) < 1e-3);
  }

  void GrafHomographyMatchesLandClose() {
    CORRLENS_REQUIRE_OPENCV_DATA("graf1.png");
    const cv::Mat graf1 = ReadRgb("graf1.png"), graf3 = ReadRgb("graf3.png");
    auto backend = DenseSiftBackend::Create();
    const FeatureMap source = backend->Extract(graf1, ExtractOptions{}, CancelToken());
    const FeatureMap target = backend->Extract(graf3, ExtractOptions{}, CancelToken());
    PairGridOptions grid;
    grid.step = 48;
    grid.margin = 40;
    const PairGroundTruth truth =
        HomographyGroundTruth(graf1.size(), graf3.size(), ReadHomography(OpenCvData("H1to3p.xml")), grid);
    QVERIFY(truth.source.size() > 100);
    const Scores row = Score(MatchPoints(source, truth.source, target), truth.target, {5, 10, 20});
    qInfo("graf1->graf3 dense SIFT: %lld points, PCK@5 %.3f PCK@10 %.3f PCK@20 %.3f, median %.1f px",
          static_cast<long long>(row.points), row.pck[0], row.pck[1], row.pck[2], row.median_error);
    // A 30-degree viewpoint change is hard for upright single-scale SIFT
    // (about 25% within 10 px); a good share must still land close.
    QVERIFY(row.pck[1] > 0.15);
    QVERIFY(row.pck[1] * static_cast<double>(row.points) >= 20);
  }

  void MildWarpMatchesWell() {
    CORRLENS_REQUIRE_OPENCV_DATA("graf1.png");
    // graf1 rotated by 10 degrees and scaled by 0.9: most matches are right.
    const cv::Mat graf1 = ReadRgb("graf1.png");
    const cv::Mat affine = cv::getRotationMatrix2D({400, 320}, 10, 0.9);
    cv::Matx33d h = cv::Matx33d::eye();
    for (int r = 0; r < 2; ++r)
      for (int c = 0; c < 3; ++c) h(r, c) = affine.at<double>(r, c);
    cv::Mat warped;
    cv::warpPerspective(graf1, warped, cv::Mat(h), graf1.size());
    auto backend = DenseSiftBackend::Create();
    const FeatureMap source = backend->Extract(graf1, ExtractOptions{}, CancelToken());
    const FeatureMap target = backend->Extract(warped, ExtractOptions{}, CancelToken());
    PairGridOptions grid;
    grid.step = 40;
    grid.margin = 40;
    const PairGroundTruth truth = HomographyGroundTruth(graf1.size(), warped.size(), h, grid);
    const Scores row = Score(MatchPoints(source, truth.source, target), truth.target, {10, 20});
    qInfo("graf1 mild warp: %lld points, PCK@10 %.3f PCK@20 %.3f, median %.1f px", static_cast<long long>(row.points),
          row.pck[0], row.pck[1], row.median_error);
    QVERIFY(row.pck[1] > 0.7);
    QVERIFY(row.median_error < 10.0);
  }

  void Errors() {
    auto backend = DenseSiftBackend::Create();
    QVERIFY_THROWS_EXCEPTION(Error, backend->Extract(cv::Mat(20, 20, CV_8UC1), ExtractOptions{}, CancelToken()));
    ExtractOptions tiny;
    tiny.resolution = 16;  // smaller than the 32 px descriptor window
    QVERIFY_THROWS_EXCEPTION(Error, backend->Extract(cv::Mat(40, 40, CV_8UC3), tiny, CancelToken()));
    CancelToken cancel;
    cancel.Cancel();
    QVERIFY_THROWS_EXCEPTION(Cancelled, backend->Extract(cv::Mat(64, 64, CV_8UC3), ExtractOptions{}, cancel));
    DenseSiftOptions bad;
    bad.device = "toaster";
    QVERIFY_THROWS_EXCEPTION(Error, DenseSiftBackend::Create(bad));
  }
};

QTEST_APPLESS_MAIN(DenseSiftTest)
#include "dense_sift_test.moc"
