// The homography / stereo task (core/bench/pair_task): ground truth, readers
// and the task run end to end through a FeatureProvider.
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include <fstream>

#include <torch/torch.h>
#include <opencv2/imgcodecs.hpp>

#include "core/bench/pair_task.h"
#include "core/corr/feature_service.h"
#include "core/util/error.h"
#include "plugins/classical/classical_plugin.h"
#include "tests/common/sample_data.h"

using namespace corrlens;
using namespace corrlens::bench;

namespace {

using corrlens::test::OpenCvData;

// Target = source shifted by `dx`, `dy` pixels; provider features are exact
// pixel coordinates, so argmax matching is exact wherever the truth is known.
class ShiftOracle : public FeatureProvider {
 public:
  std::shared_ptr<const FeatureMap> Get(const cv::Mat& rgb, const std::string&, const ExtractOptions&,
                                        const CancelToken&) override {
    ++calls;
    const int w = rgb.cols, h = rgb.rows;
    const cv::Vec3b mark = rgb.at<cv::Vec3b>(0, 0);
    const bool target = mark[0] == 255 || mark[2] == 255;  // the test marks the target image
    const torch::Tensor x = torch::arange(w).to(torch::kFloat).view({1, 1, w}).expand({1, h, w});
    const torch::Tensor y = torch::arange(h).to(torch::kFloat).view({1, h, 1}).expand({1, h, w});
    auto map = std::make_shared<FeatureMap>();
    // Encodes (x, y) on a circle pair so cosine similarity peaks at equal positions.
    const torch::Tensor sx = target ? x + 30 : x, sy = target ? y : y;
    map->features =
        torch::cat({torch::cos(sx / 200), torch::sin(sx / 200), torch::cos(sy / 200), torch::sin(sy / 200)});
    map->geometry = {w, h, w, h, /*patch=*/1, /*stride=*/1, w, h};
    map->backend_id = "shift";
    return map;
  }
  BackendInfo Info(const std::string& model) override { return {model, model, 4, "", "cpu"}; }
  int calls = 0;
};

}  // namespace

class PairTaskTest : public QObject {
  Q_OBJECT

 private slots:
  void HomographyGridKeepsPointsInsideTheTarget() {
    PairGridOptions grid;
    grid.step = 10;
    grid.margin = 5;
    const PairGroundTruth same = HomographyGroundTruth({100, 60}, {100, 60}, cv::Matx33d::eye(), grid);
    QCOMPARE(same.source.size(), size_t{9 * 5});  // x 5..85, y 5..45
    QCOMPARE(same.source.front(), cv::Point2d(5, 5));
    QCOMPARE(same.target.back(), same.source.back());
    const cv::Matx33d shift(1, 0, 50, 0, 1, 0, 0, 0, 1);
    const PairGroundTruth shifted = HomographyGroundTruth({100, 60}, {100, 60}, shift, grid);
    QCOMPARE(shifted.source.size(), size_t{5 * 5});  // x in {5..45} -> {55..95}
    for (size_t i = 0; i < shifted.source.size(); ++i)
      QCOMPARE(shifted.target[i], shifted.source[i] + cv::Point2d(50, 0));
  }

  void StereoUsesDisparityAndRescales() {
    cv::Mat disparity(30, 50, CV_32F, cv::Scalar(10.f));
    disparity(cv::Rect(0, 0, 50, 10)).setTo(0.f);  // unknown rows
    PairGridOptions grid;
    grid.step = 20;
    grid.margin = 0;
    // Disparity map at half the image resolution: 10 px there = 20 px here.
    const PairGroundTruth truth = StereoGroundTruth({100, 60}, {100, 60}, disparity, grid);
    QVERIFY(!truth.source.empty());
    for (size_t i = 0; i < truth.source.size(); ++i) {
      QVERIFY(truth.source[i].y >= 20);
      QCOMPARE(truth.target[i], truth.source[i] - cv::Point2d(20, 0));
      QVERIFY(truth.source[i].x >= 20);  // x - 20 must stay inside
    }
  }

  void ReadsOpenCvHomographyAndPlainText() {
    CORRLENS_REQUIRE_OPENCV_DATA("H1to3p.xml");
    const cv::Matx33d h = ReadHomography(OpenCvData("H1to3p.xml"));
    QVERIFY(std::abs(h(0, 0) - 7.6285898e-01) < 1e-9);
    QVERIFY(std::abs(h(1, 2) + 7.6999973e+01) < 1e-6);
    QTemporaryDir dir;
    const std::string text = dir.filePath("h.txt").toStdString();
    std::ofstream(text) << "1 0 2\n0 1 3\n0 0 1\n";
    QCOMPARE(ReadHomography(text)(1, 2), 3.0);
    const std::string bad = dir.filePath("bad.txt").toStdString();
    std::ofstream(bad) << "1 2 3";
    QVERIFY_THROWS_EXCEPTION(Error, ReadHomography(bad));
    QVERIFY_THROWS_EXCEPTION(Error, ReadHomography(dir.filePath("missing.xml").toStdString()));
  }

  void ReadsTheAloeDisparity() {
    CORRLENS_REQUIRE_OPENCV_DATA("aloeGT.png");
    const cv::Mat d = ReadDisparity(OpenCvData("aloeGT.png"));
    QCOMPARE(d.type(), CV_32F);
    QCOMPARE(d.cols, 1282);
    QCOMPARE(d.rows, 1110);
    double lo, hi;
    cv::minMaxLoc(d, &lo, &hi);
    QCOMPARE(lo, 0.0);
    QVERIFY(hi > 100 && hi < 256);
  }

  void OracleScoresPerfectlyThroughTheTask() {
    // A 30 px shift written as a homography; the oracle's features know it.
    QTemporaryDir dir;
    cv::Mat source(120, 160, CV_8UC3, cv::Scalar(10, 20, 30)), target = source.clone();
    target.at<cv::Vec3b>(0, 0) = cv::Vec3b(255, 0, 0);
    const std::string s = dir.filePath("s.png").toStdString(), t = dir.filePath("t.png").toStdString();
    QVERIFY(cv::imwrite(s, source) && cv::imwrite(t, target));
    std::ofstream(dir.filePath("h.txt").toStdString()) << "1 0 -30\n0 1 0\n0 0 1\n";
    PairTaskOptions options;
    options.kind = PairTaskKind::kHomography;
    options.models = {"shift"};
    options.source = s;
    options.target = t;
    options.homography = dir.filePath("h.txt").toStdString();
    options.grid.step = 10;
    ShiftOracle oracle;
    Progress progress;
    const Report report = RunPairTask(options, oracle, progress, CancelToken());
    QCOMPARE(report.task, std::string("homography"));
    QCOMPARE(report.rows.size(), size_t(2));  // argmax and soft-argmax
    QCOMPARE(oracle.calls, 2);                // one source and one target map for both methods
    const Metrics& argmax = report.rows[0].metrics;
    QCOMPARE(report.rows[0].method, std::string("argmax"));
    QVERIFY(argmax.Get("points") > 100);
    // Token centres of the pixel grid sit half a pixel off the pixels, so
    // matches are exact to within one pixel.
    QCOMPARE(argmax.Get("pck@2px"), 1.0);
    QVERIFY(argmax.Get("mean_error_px") <= 1.0);
    QVERIFY(argmax.Get("auc@20px") > 0.95);
    QCOMPARE(report.rows[0].items.size(), size_t(1));
    QCOMPARE(report.rows[0].curves[0].y.back(), 1.0);
    QCOMPARE(progress.Fraction(), 1.0);
  }

  void DenseSiftOnGrafMatchesTheKnownFigures() {
    CORRLENS_REQUIRE_OPENCV_DATA("graf1.png");
    BackendRegistry registry;
    RegisterClassicalBackends(registry);
    FeatureService service(registry, {});
    PairTaskOptions options = PairTaskOptions::Sample(PairTaskKind::kHomography);
    options.models = {"dense_sift"};
    Progress progress;
    const Report report = RunPairTask(options, service, progress, CancelToken());
    const Metrics& argmax = report.rows[0].metrics;
    qInfo("dense_sift graf1->graf3 argmax: PCK@5/10/20 %.3f/%.3f/%.3f AUC %.3f", argmax.Get("pck@5px"),
          argmax.Get("pck@10px"), argmax.Get("pck@20px"), argmax.Get("auc@20px"));
    // The published figures of this build (README): 0.117 / 0.230 / 0.279, AUC 0.187.
    QVERIFY(std::abs(argmax.Get("pck@5px") - 0.117) < 0.01);
    QVERIFY(std::abs(argmax.Get("pck@10px") - 0.230) < 0.01);
    QVERIFY(std::abs(argmax.Get("pck@20px") - 0.279) < 0.01);
    QVERIFY(std::abs(argmax.Get("auc@20px") - 0.187) < 0.01);
  }

  void Errors() {
    ShiftOracle oracle;
    Progress progress;
    PairTaskOptions options = PairTaskOptions::Sample(PairTaskKind::kHomography);
    QVERIFY_THROWS_EXCEPTION(Error, RunPairTask(options, oracle, progress, CancelToken()));  // no model
    options.models = {"shift"};
    options.homography = "/nonexistent/H.xml";
    options.source = options.target = "/nonexistent/a.png";
    QVERIFY_THROWS_EXCEPTION(Error, RunPairTask(options, oracle, progress, CancelToken()));
    QVERIFY_THROWS_EXCEPTION(Error, PairTaskKindFromName("juggling"));
    QCOMPARE(PairTaskKindFromName("stereo"), PairTaskKind::kStereo);
  }
};

QTEST_APPLESS_MAIN(PairTaskTest)
#include "pair_task_test.moc"
