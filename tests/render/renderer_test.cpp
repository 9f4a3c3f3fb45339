// Rendering tests; registered with XVFB (they need an X display).
#include <QtTest/QtTest>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cstdlib>
#include <string>

#include "core/render/renderer.h"
#include "core/render/view_sampling.h"
#include "core/util/error.h"
#include "tests/common/sample_data.h"
#include "tests/render/ray_cast.h"

using namespace corrlens::render;

namespace {

const std::string kModels = corrlens::test::AssimpModel("");

// Restores an environment variable when it leaves scope.
class EnvGuard {
 public:
  explicit EnvGuard(const char* name) : name_(name) {
    const char* value = std::getenv(name);
    had_ = value != nullptr;
    if (had_) value_ = value;
  }
  ~EnvGuard() {
    if (had_)
      setenv(name_, value_.c_str(), 1);
    else
      unsetenv(name_);
  }

 private:
  const char* name_;
  bool had_ = false;
  std::string value_;
};

Pose Translation(double x, double y, double z) {
  Pose pose = Pose::eye();
  pose(0, 3) = x;
  pose(1, 3) = y;
  pose(2, 3) = z;
  return pose;
}

// Number of distinct colours (4 bits per channel) inside the mask.
int DistinctColours(const RenderedView& view) {
  std::vector<bool> seen(4096, false);
  int count = 0;
  for (int y = 0; y < view.rgb.rows; ++y) {
    for (int x = 0; x < view.rgb.cols; ++x) {
      if (view.mask.at<uint8_t>(y, x) == 0) continue;
      const cv::Vec3b c = view.rgb.at<cv::Vec3b>(y, x);
      const int key = (c[0] >> 4) << 8 | (c[1] >> 4) << 4 | (c[2] >> 4);
      if (!seen[key]) ++count;
      seen[key] = true;
    }
  }
  return count;
}

RenderedView RenderOnce(const Mesh& mesh, const Pose& pose, const RenderOptions& options = {}) {
  auto renderer = Renderer::Create(options);
  renderer->SetMesh(mesh);
  return renderer->Render(pose);
}

}  // namespace

class RendererTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { CORRLENS_REQUIRE_ASSIMP_MODEL("OBJ/spider.obj"); }

  void NoDisplayIsAClearError() {
    {
      EnvGuard guard("DISPLAY");
      unsetenv("DISPLAY");
      std::string why;
      QVERIFY(!RenderingAvailable(&why));
      QVERIFY(why.find("DISPLAY") != std::string::npos);
      try {
        Renderer::Create({});
        QFAIL("expected an error");
      } catch (const corrlens::Error& e) {
        const QString message = e.what();
        QVERIFY2(message.contains("DISPLAY is not set") && !message.contains('\n'), qPrintable(message));
      }
      setenv("DISPLAY", ":4711", 1);  // no server there
      QVERIFY(!RenderingAvailable(&why));
      QVERIFY2(why.find("cannot open X display ':4711'") != std::string::npos, why.c_str());
    }
    QVERIFY2(RenderingAvailable(), "tests need a display (run through ctest: xvfb-run)");
  }

  void InvalidOptionsAndNoMesh() {
    RenderOptions options;
    options.intrinsics.width = 0;
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, Renderer::Create(options));
    auto renderer = Renderer::Create({});
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, renderer->Render(Translation(0, 0, 2)));
  }

  // A unit cube straight ahead: only its front face (z = 2) is visible, so the
  // mask is exactly the pixels whose centres fall inside the projected square
  // and every depth is 2 m. Off-centre principal point and fx != fy.
  void IntrinsicsAreExact() {
    RenderOptions options;
    options.intrinsics.width = 400;
    options.intrinsics.height = 300;
    options.intrinsics.fx = 500.0;
    options.intrinsics.fy = 450.0;
    options.intrinsics.cx = 180.3;
    options.intrinsics.cy = 170.2;
    const RenderedView view = RenderOnce(LoadMesh(kModels + "OBJ/box.obj"), Translation(0, 0, 2.5), options);
    QCOMPARE(view.rgb.size(), cv::Size(400, 300));
    const cv::Rect box = cv::boundingRect(view.mask);
    // u in [180.3 - 125, 180.3 + 125] -> columns 56..305; v in [170.2 - 112.5, 170.2 + 112.5] -> rows 58..282.
    QCOMPARE(box.x, 56);
    QCOMPARE(box.x + box.width - 1, 305);
    QCOMPARE(box.y, 58);
    QCOMPARE(box.y + box.height - 1, 282);
    QCOMPARE(cv::countNonZero(view.mask), 250 * 225);
    double lo = 0, hi = 0;
    cv::minMaxLoc(view.depth, &lo, &hi, nullptr, nullptr, view.mask);
    QVERIFY2(std::abs(lo - 2.0) < 2e-5 && std::abs(hi - 2.0) < 2e-5, qPrintable(QString("%1 %2").arg(lo).arg(hi)));
  }

  // Depth, mask and RGB agree; depth matches exact ray casting; back-projected
  // points lie inside the normalised bounding box.
  void DepthIsMetric() {
    const Mesh mesh = LoadMesh(kModels + "OBJ/spider.obj");
    auto renderer = Renderer::Create({});
    renderer->SetMesh(mesh);
    const Intrinsics k;
    ViewSetOptions views;
    views.count = 4;
    double worst_box = 0.0;
    int checked = 0, close = 0;
    for (const Pose& pose : SampleViews(views, k, mesh.radius)) {
      const RenderedView view = renderer->Render(pose);
      QVERIFY(cv::countNonZero(view.mask) > 2000);
      QCOMPARE(cv::countNonZero(view.depth > 0), cv::countNonZero(view.mask));
      cv::Mat rgb_outside;
      cv::cvtColor(view.rgb, rgb_outside, cv::COLOR_RGB2GRAY);
      QCOMPARE(cv::countNonZero(rgb_outside & ~view.mask), 0);
      const Pose cam_to_obj = InvertRigid(pose);
      const testing::RayCaster caster(mesh, pose);
      for (int y = 0; y < k.height; y += 3) {
        for (int x = 0; x < k.width; x += 3) {
          const float z = view.depth.at<float>(y, x);
          if (z <= 0.f) continue;
          const cv::Vec3d p = Transform(cam_to_obj, BackProject(k, x, y, z));
          for (int a = 0; a < 3; ++a) worst_box = std::max(worst_box, std::abs(p[a]) - mesh.extent[a] / 2);
          if (checked < 300 && (x + y) % 7 == 0) {
            cv::Vec3d hit;
            if (!caster.Hit(k, x, y, &hit)) continue;
            ++checked;
            close += std::abs(hit[2] - z) < 1e-3 ? 1 : 0;
          }
        }
      }
    }
    QVERIFY2(worst_box < 0.005, qPrintable(QString::number(worst_box)));
    QVERIFY(checked > 200);
    // Silhouette pixels may hit a neighbouring triangle; nearly all agree.
    QVERIFY2(close >= checked * 0.97, qPrintable(QString("%1 of %2").arg(close).arg(checked)));
  }

  void TexturesShow_data() {
    QTest::addColumn<QString>("path");
    QTest::newRow("obj") << "OBJ/spider.obj";
    QTest::newRow("gltf") << "glTF/CesiumMilkTruck/CesiumMilkTruck.gltf";
    QTest::newRow("glb") << "glTF2/BoxTextured-glTF-Binary/BoxTextured.glb";
    QTest::newRow("collada tga") << "Collada/duck.dae";
  }
  void TexturesShow() {
    QFETCH(QString, path);
    const std::string file = kModels + path.toStdString();
    MeshLoadOptions plain;
    plain.load_textures = false;
    const Pose pose = LookAtOrigin(cv::Vec3d(0.3, 0.5, 1.0), 2.2);
    RenderOptions flat;
    flat.lighting = false;  // colour differences come from the texture alone
    const RenderedView textured = RenderOnce(LoadMesh(file), pose, flat);
    const RenderedView untextured = RenderOnce(LoadMesh(file, plain), pose, flat);
    QCOMPARE(cv::countNonZero(textured.mask), cv::countNonZero(untextured.mask));
    // Unlit and untextured, each material is one flat colour.
    const int colours = DistinctColours(textured), plain_colours = DistinctColours(untextured);
    QVERIFY2(colours >= 20 && plain_colours <= 8, qPrintable(QString("%1 vs %2").arg(colours).arg(plain_colours)));
  }

  void VertexColoursShow() {
    const Mesh mesh = LoadMesh(kModels + "OBJ/cube_with_vertexcolors.obj");
    RenderOptions flat;
    flat.lighting = false;
    const RenderedView view = RenderOnce(mesh, LookAtOrigin(cv::Vec3d(1, 1, 1), 2.5), flat);
    cv::Mat channels[3];
    cv::split(view.rgb, channels);
    cv::Mat red_minus_blue;
    cv::absdiff(channels[0], channels[2], red_minus_blue);
    QVERIFY(cv::mean(red_minus_blue, view.mask)[0] > 20.0);
  }

  void Benchmark() {
    const Mesh mesh = LoadMesh(kModels + "OBJ/spider.obj");
    auto renderer = Renderer::Create({});
    renderer->SetMesh(mesh);
    ViewSetOptions views;
    views.count = 20;
    const auto poses = SampleViews(views, Intrinsics(), mesh.radius);
    renderer->Render(poses[0]);  // warm-up (shader compilation)
    const auto start = std::chrono::steady_clock::now();
    for (const Pose& pose : poses) renderer->Render(pose);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    qInfo("render 512x512 spider.obj (%zu triangles): %.1f renders/s (%.1f ms each)", mesh.TriangleCount(),
          poses.size() / seconds, 1000.0 * seconds / poses.size());
  }
};

QTEST_APPLESS_MAIN(RendererTest)
#include "renderer_test.moc"
