// The 3D-equivariance probe end to end: an oracle backend (object
// coordinates as features) must score perfectly, noise must not; dense SIFT
// runs through the real backend interface. XVFB.
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

#include <functional>
#include <map>

#include "core/bench/equivariance_task.h"
#include "core/corr/feature_service.h"
#include "core/render/mesh.h"
#include "core/util/error.h"
#include "plugins/classical/classical_plugin.h"
#include "tests/common/function_provider.h"
#include "tests/common/sample_data.h"

using namespace corrlens;
using namespace corrlens::bench;

namespace {

const std::string kSpider = test::AssimpModel("OBJ/spider.obj");
const std::string kDuck = test::AssimpModel("Collada/duck.dae");

// Features = (x, y, z, 0.5) of the object point seen at each pixel: after L2
// normalisation still one-to-one with the 3D point, so the nearest neighbour
// is the true correspondence. Pixel-sized grid (patch 1, stride 1).
FeatureMap OracleFeatures(const render::RenderedView& view, const CancelToken&) {
  const render::Intrinsics k;
  const int w = view.depth.cols, h = view.depth.rows;
  at::Tensor features = torch::zeros({4, h, w});
  auto acc = features.accessor<float, 3>();
  const render::Pose cam_to_obj = render::InvertRigid(view.obj_to_cam);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const float z = view.depth.at<float>(y, x);
      if (z <= 0.f) continue;
      const cv::Vec3d p = render::Transform(cam_to_obj, render::BackProject(k, x, y, z));
      for (int c = 0; c < 3; ++c) acc[c][y][x] = static_cast<float>(p[c]);
      acc[3][y][x] = 0.5f;
    }
  }
  FeatureMap map;
  map.features = features;
  map.geometry = {w, h, w, h, /*patch=*/1, /*stride=*/1, w, h};
  map.backend_id = "oracle";
  return map;
}

FeatureMap NoiseFeatures(const render::RenderedView& view, const CancelToken&) {
  FeatureMap map;
  map.features = torch::randn({16, 64, 64});
  map.geometry = {view.rgb.cols, view.rgb.rows, 512, 512, /*patch=*/8, /*stride=*/8, 64, 64};
  map.backend_id = "noise";
  return map;
}

EquivarianceOptions SmallOptions() {
  EquivarianceOptions options;
  options.models = {"oracle"};
  options.meshes = {kSpider};
  options.view_set.count = 4;
  options.points_per_view = 150;
  return options;
}

std::string Bytes(const cv::Mat& rgb) {
  return std::string(reinterpret_cast<const char*>(rgb.data), rgb.total() * rgb.elemSize());
}

// "oracle" and "noise" features for the views the task will render: the
// provider sees only RGB, so the test renders the same views first (the
// renderer is deterministic) and looks each image up by its bytes.
class OracleProvider : public FeatureProvider {
 public:
  explicit OracleProvider(const EquivarianceOptions& options) {
    auto renderer = render::Renderer::Create(options.render);
    for (const std::string& path : options.meshes) {
      const render::Mesh mesh = render::LoadMesh(path);
      renderer->SetMesh(mesh);
      for (const render::Pose& pose : render::SampleViews(options.view_set, options.render.intrinsics, mesh.radius)) {
        render::RenderedView view = renderer->Render(pose);
        views_[Bytes(view.rgb)] = view;
      }
    }
  }
  std::shared_ptr<const FeatureMap> Get(const cv::Mat& rgb, const std::string& model, const ExtractOptions&,
                                        const CancelToken& cancel) override {
    cancel.ThrowIfCancelled();
    const auto view = views_.find(Bytes(rgb));
    if (view == views_.end()) throw Error("the test did not render this view");
    return std::make_shared<FeatureMap>(model == "noise" ? NoiseFeatures(view->second, cancel)
                                                         : OracleFeatures(view->second, cancel));
  }
  BackendInfo Info(const std::string& model) override {
    if (model != "oracle" && model != "noise")
      throw Error("unknown model '" + model + "'", {"", std::nullopt, "model"});
    return {model, model, 4, "", "cpu"};
  }

 private:
  std::map<std::string, render::RenderedView> views_;
};

}  // namespace

class EquivarianceTaskTest : public QObject {
  Q_OBJECT
 private slots:
  void ScoresErrors() {
    const Metrics m = ScoreMatches({0, 10, 30, 60, 200}, 512, {0.05, 0.1, 0.2});
    QCOMPARE(m.Get("matches"), 5.0);
    QVERIFY(std::abs(m.Get("ape") - 60.0 / 512.0) < 1e-12);  // a fraction of the shorter side
    QCOMPARE(m.Get("pcdp@0.05"), 0.4);
    QCOMPARE(m.Get("pcdp@0.1"), 0.6);
    QCOMPARE(m.Get("pcdp@0.2"), 0.8);
    QCOMPARE(ScoreMatches({}, 512, {0.1}).Get("matches"), 0.0);
  }

  void OracleIsPerfectNoiseIsNot() {
    CORRLENS_REQUIRE_ASSIMP_MODEL("OBJ/spider.obj");
    torch::manual_seed(0);
    EquivarianceOptions options = SmallOptions();
    options.meshes = {kSpider, kDuck};
    options.models = {"oracle", "noise"};
    OracleProvider provider(options);
    Progress progress;
    const Report report = RunEquivarianceTask(options, provider, progress, CancelToken());
    QCOMPARE(report.task, std::string("equivariance"));
    QCOMPARE(int(report.rows.size()), 2);
    QCOMPARE(progress.Fraction(), 1.0);
    for (const ReportRow& row : report.rows) {
      QCOMPARE(int(row.items.size()), 2);  // one per mesh
      QCOMPARE(row.metrics.Get("meshes"), 2.0);
      for (const ReportItem& item : row.items) {
        const Metrics& m = item.metrics;
        qInfo("%s on %s: %.0f pairs, %.0f matches, APE %.4f, PCDP %.3f/%.3f/%.3f", row.model.c_str(), item.id.c_str(),
              m.Get("pairs"), m.Get("matches"), m.Get("ape"), m.Get("pcdp@0.05"), m.Get("pcdp@0.1"), m.Get("pcdp@0.2"));
        QVERIFY(m.Get("matches") > 100);
        QVERIFY(m.Get("pcdp@0.05") <= m.Get("pcdp@0.1") && m.Get("pcdp@0.1") <= m.Get("pcdp@0.2"));
        if (row.model == "oracle") {
          // Token centres sit half a pixel off the pixel centres, so at the
          // spider's 1-2 px legs sampling blends neighbouring surfaces: a few
          // outliers remain, the bulk is exact.
          QVERIFY2(m.Get("ape") < 0.006 && m.Get("pcdp@0.05") > 0.97, qPrintable(QString::number(m.Get("ape"))));
        } else {
          QVERIFY2(m.Get("ape") > 0.08 && m.Get("pcdp@0.05") < 0.5, qPrintable(QString::number(m.Get("ape"))));
        }
      }
      // The row is the mean of its meshes.
      const double mean = 0.5 * (row.items[0].metrics.Get("ape") + row.items[1].metrics.Get("ape"));
      QVERIFY(std::abs(row.metrics.Get("ape") - mean) < 1e-12);
      QCOMPARE(row.metrics.Get("matches"), row.items[0].metrics.Get("matches") + row.items[1].metrics.Get("matches"));
      QCOMPARE(row.curves.front().name, std::string("pcdp"));
      QCOMPARE(row.curves.front().x.back(), 0.2);
    }
    const auto json = nlohmann::json::parse(report.ToJson());
    QCOMPARE(json["rows"].size(), size_t(2));
    QVERIFY(json["rows"][0]["metrics"].contains("pcdp@0.05"));
    QCOMPARE(json["units"]["ape"].get<std::string>(), std::string("fraction"));
  }

  void DenseSiftThroughTheFeatureService() {
    CORRLENS_REQUIRE_ASSIMP_MODEL("OBJ/spider.obj");
    BackendRegistry registry;
    RegisterClassicalBackends(registry);
    FeatureService service(registry, {});
    EquivarianceOptions options = SmallOptions();
    options.models = {"dense_sift"};
    Progress progress;
    const Report report = RunEquivarianceTask(options, service, progress, CancelToken());
    QCOMPARE(int(report.rows.size()), 1);
    const Metrics& m = report.rows[0].metrics;
    qInfo("dense_sift on spider, 4 views: %.0f pairs, %.0f matches, APE %.4f, PCDP %.3f/%.3f/%.3f in %.1f s",
          m.Get("pairs"), m.Get("matches"), m.Get("ape"), m.Get("pcdp@0.05"), m.Get("pcdp@0.1"), m.Get("pcdp@0.2"),
          report.rows[0].seconds);
    QCOMPARE(m.Get("pairs"), 12.0);
    QVERIFY(m.Get("ape") > 0.0 && m.Get("ape") < 0.6);
  }

  void Errors() {
    CORRLENS_REQUIRE_ASSIMP_MODEL("OBJ/spider.obj");
    Progress progress;
    OracleProvider provider(SmallOptions());
    EquivarianceOptions none = SmallOptions();
    none.meshes.clear();
    QVERIFY_THROWS_EXCEPTION(Error, RunEquivarianceTask(none, provider, progress, CancelToken()));
    EquivarianceOptions no_model = SmallOptions();
    no_model.models.clear();
    QVERIFY_THROWS_EXCEPTION(Error, RunEquivarianceTask(no_model, provider, progress, CancelToken()));
    EquivarianceOptions unknown = SmallOptions();
    unknown.models = {"nope"};
    QVERIFY_THROWS_EXCEPTION(Error, RunEquivarianceTask(unknown, provider, progress, CancelToken()));
    EquivarianceOptions missing = SmallOptions();
    missing.meshes = {"/nonexistent/mesh.obj"};
    try {
      RunEquivarianceTask(missing, provider, progress, CancelToken());
      QFAIL("expected an error");
    } catch (const Error& e) {
      QVERIFY(QString(e.what()).contains("/nonexistent/mesh.obj"));
    }
    CancelToken cancel;
    cancel.Cancel();
    QVERIFY_THROWS_EXCEPTION(Cancelled, RunEquivarianceTask(SmallOptions(), provider, progress, cancel));
  }
};

QTEST_APPLESS_MAIN(EquivarianceTaskTest)
#include "equivariance_task_test.moc"
