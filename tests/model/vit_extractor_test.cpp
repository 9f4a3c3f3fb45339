// Extraction pipeline: geometry, preprocessing, point sampling and parity with
// committed outputs of scripts/reference/dinov2_reference.py on tiny models
// (scripts/fixtures/make_model_fixtures.py).
#include <QtTest>

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "core/model/vit_extractor.h"
#include "core/model/weight_io.h"
#include "core/util/error.h"
#include "model_test_util.h"

namespace m = corrlens::model;
using corrlens::ExtractOptions;
using corrlens::FeatureLayer;
using corrlens::GridGeometry;
using m::test::Fixture;

namespace {

std::unique_ptr<m::VitFeatureExtractor> TinyExtractor(const std::string& name, const std::string& arch, bool adapter,
                                                      const std::string& dtype = "float32") {
  m::VisionTransformer model(m::test::Tiny(arch));
  m::LoadBackboneWeights(*model, Fixture(name + ".pth"));
  m::RefineHead refine{nullptr};
  if (adapter) {
    refine = m::RefineHead(24);
    m::ApplyAdapter(*model, *refine, m::ReadAdapter(Fixture("tiny_adapter.ckpt")));
  }
  return std::make_unique<m::VitFeatureExtractor>(model, refine, "cpu", dtype);
}

}  // namespace

class VitExtractorTest : public QObject {
  Q_OBJECT
 private slots:
  void geometryFollowsGetFeature() {
    ExtractOptions o;
    GridGeometry g = m::VitFeatureExtractor::PlanGeometry(800, 640, o, 14);
    QCOMPARE(g.grid_height, 64);
    QCOMPARE(g.grid_width, 80);
    QCOMPARE(g.input_height, 896);
    QCOMPARE(g.input_width, 1120);
    QCOMPARE(g.stride, 14);
    g = m::VitFeatureExtractor::PlanGeometry(480, 640, o, 14);  // portrait
    QCOMPARE(g.grid_height, 80);
    QCOMPARE(g.grid_width, 60);
    g = m::VitFeatureExtractor::PlanGeometry(1000, 333, o, 14);  // int(333 * 640 / 1000) = 213 -> 26 rows
    QCOMPARE(g.grid_height, 26);
    QCOMPARE(g.input_height, 364);
    g = m::VitFeatureExtractor::PlanGeometry(800, 640, o, 16);  // timm: patch 16 inputs
    QCOMPARE(g.input_width, 1280);
    o.input_width = 854;
    o.input_height = 476;
    o.stride = 7;  // the tracking protocol
    g = m::VitFeatureExtractor::PlanGeometry(854, 476, o, 14);
    QCOMPARE(g.grid_height, 67);
    QCOMPARE(g.grid_width, 121);
    QCOMPARE(g.stride, 7);
    ExtractOptions thin;
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, m::VitFeatureExtractor::PlanGeometry(2000, 10, thin, 14));
  }

  void parityWithCommittedReferenceOutputs_data() {
    QTest::addColumn<QString>("name");
    QTest::newRow("dinov2_reg, 640-style planning at res 224, adapter") << "tiny_dinov2_reg";
    QTest::newRow("dinov2, stride 7, prenorm, adapter") << "tiny_dinov2";
    QTest::newRow("clip, exact input size, prenorm") << "tiny_clip";
    QTest::newRow("deit3, exact input size, adapter") << "tiny_deit3";
  }
  void parityWithCommittedReferenceOutputs() {
    QFETCH(QString, name);
    const std::string n = name.toStdString();
    std::ifstream in(Fixture("manifest.json"));
    const nlohmann::json c = nlohmann::json::parse(in).at(n);
    auto extractor = TinyExtractor(n, c["arch"], c["adapter"]);
    ExtractOptions options;
    options.resolution = c["res"];
    options.stride = c["stride"];
    options.layer = c["layer"] == "norm" ? FeatureLayer::kNorm : FeatureLayer::kPrenorm;
    if (!c["input_size"].is_null()) {
      const std::string size = c["input_size"];
      options.input_width = std::stoi(size.substr(0, size.find('x')));
      options.input_height = std::stoi(size.substr(size.find('x') + 1));
    }
    const cv::Mat image = m::test::LoadImageNpy(Fixture("tiny_image.npy"));
    const m::PreparedImage prepared = extractor->Prepare(image, options);
    at::Tensor cls;
    const corrlens::FeatureMap map = extractor->ExtractPrepared(prepared, options, corrlens::CancelToken(), &cls);
    QVERIFY(map.Valid());
    QCOMPARE(map.geometry.grid_height, c["grid"][0].get<int>());
    QCOMPARE(map.geometry.grid_width, c["grid"][1].get<int>());
    QCOMPARE(map.geometry.input_height, c["input"][0].get<int>());
    const at::Tensor want = m::test::LoadNpy(Fixture(n + "_map.npy"));
    const double map_error = m::test::RelativeError(map.features.permute({1, 2, 0}), want);
    QVERIFY2(map_error >= 0 && map_error < 1e-4, qPrintable(QString("map error %1").arg(map_error)));
    const auto points = m::test::PointsFromTensor(m::test::LoadNpy(Fixture("tiny_points.npy")));
    const at::Tensor desc = m::SampleReferencePoints(map, points);
    const double point_error = m::test::RelativeError(desc, m::test::LoadNpy(Fixture(n + "_points.npy")));
    QVERIFY2(point_error >= 0 && point_error < 1e-4, qPrintable(QString("point error %1").arg(point_error)));
    const double cls_error = m::test::RelativeError(cls[0], m::test::LoadNpy(Fixture(n + "_cls.npy")));
    QVERIFY2(cls_error >= 0 && cls_error < 1e-4, qPrintable(QString("cls error %1").arg(cls_error)));
  }

  void noResamplingWhenTheImageHasTheInputSize() {
    auto extractor = TinyExtractor("tiny_dinov2", "dinov2_vits14", false);
    const cv::Mat image = m::test::Pattern(56, 42);
    ExtractOptions options;
    options.input_width = 56;
    options.input_height = 42;
    const at::Tensor input = extractor->Prepare(image, options).input;
    const float r = image.at<cv::Vec3b>(5, 7)[0] / 255.0f;
    QCOMPARE(input[0][0][5][7].item<float>(), (r - 0.485f) / 0.229f);
    options.input_width = 70;  // now it is resized (bilinear, antialias)
    QCOMPARE(extractor->Prepare(image, options).input.size(3), int64_t(70));
  }

  void samplingHitsTokenCentres() {
    // Channel 0 holds the column index, channel 1 the row index.
    corrlens::FeatureMap map;
    map.geometry = m::VitFeatureExtractor::PlanGeometry(160, 120, ExtractOptions(), 14);  // 60 x 80 grid
    const auto& g = map.geometry;
    const at::Tensor cols = torch::arange(g.grid_width, torch::kFloat).view({1, -1}).expand({g.grid_height, -1});
    const at::Tensor rows = torch::arange(g.grid_height, torch::kFloat).view({-1, 1}).expand({-1, g.grid_width});
    map.features = torch::stack({cols, rows});
    // Token (i, j) centre in image pixels: (patch/2 + 14 j) / scale.
    const double sx = double(g.input_width) / g.image_width, sy = double(g.input_height) / g.image_height;
    const std::vector<std::pair<double, double>> points = {
        {7 / sx, 7 / sy}, {(7 + 14 * 10) / sx, (7 + 14 * 3) / sy}, {-50, 1e4}};
    const at::Tensor d = m::SampleReferencePoints(map, points, /*normalize=*/false);
    QVERIFY(std::abs(d[0][0].item<float>()) < 1e-4 && std::abs(d[0][1].item<float>()) < 1e-4);
    QVERIFY(std::abs(d[1][0].item<float>() - 10) < 1e-3 && std::abs(d[1][1].item<float>() - 3) < 1e-3);
    QCOMPARE(d[2][0].item<float>(), 0.f);  // border padding
    QCOMPARE(d[2][1].item<float>(), float(g.grid_height - 1));
    const at::Tensor n = m::SampleReferencePoints(map, points);
    QVERIFY(std::abs(n[1].norm().item<float>() - 1.f) < 1e-5);
  }

  void bfloat16StaysCloseToFloat32() {
    auto fp32 = TinyExtractor("tiny_dinov2_reg", "dinov2_vits14_reg", true);
    auto bf16 = TinyExtractor("tiny_dinov2_reg", "dinov2_vits14_reg", true, "bfloat16");
    const cv::Mat image = m::test::LoadImageNpy(Fixture("tiny_image.npy"));
    ExtractOptions options;
    options.resolution = 224;
    const at::Tensor a = fp32->Extract(image, options, corrlens::CancelToken()).features.flatten(1);
    const at::Tensor b = bf16->Extract(image, options, corrlens::CancelToken()).features.flatten(1);
    QCOMPARE(b.scalar_type(), at::kFloat);  // maps are float32 whatever the compute dtype
    const double cosine = torch::cosine_similarity(a, b, 0).min().item<double>();
    QVERIFY2(cosine > 0.99, qPrintable(QString::number(cosine)));
    QCOMPARE(fp32->weights_hash(), bf16->weights_hash());
  }

  void hashDependsOnTheAdapter() {
    QVERIFY(TinyExtractor("tiny_dinov2_reg", "dinov2_vits14_reg", true)->weights_hash() !=
            TinyExtractor("tiny_dinov2_reg", "dinov2_vits14_reg", false)->weights_hash());
    QCOMPARE(TinyExtractor("tiny_dinov2", "dinov2_vits14", false)->weights_hash().size(), size_t(16));
  }

  void cudaIsRefusedWithoutCuda() {
    if (torch::cuda::is_available()) QSKIP("this machine has CUDA");
    m::VisionTransformer model(m::test::Tiny("dinov2_vits14"));
    model->RandomInit(1);
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, m::VitFeatureExtractor(model, nullptr, "cuda"));
  }
};

QTEST_APPLESS_MAIN(VitExtractorTest)
#include "vit_extractor_test.moc"
