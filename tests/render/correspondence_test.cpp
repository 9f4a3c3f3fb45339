// Ground-truth correspondences checked against exact ray casting; XVFB.
#include <QtTest/QtTest>

#include <opencv2/core.hpp>

#include <chrono>
#include <cmath>
#include <map>

#include "core/render/correspondence.h"
#include "core/render/renderer.h"
#include "core/render/view_sampling.h"
#include "core/util/error.h"
#include "tests/common/sample_data.h"
#include "tests/render/ray_cast.h"

using namespace corrlens::render;

namespace {

const std::string kModels = corrlens::test::AssimpModel("");

// A mesh and eight Fibonacci views of it.
struct Scene {
  Mesh mesh;
  std::vector<RenderedView> views;
};

ViewGeometry Geometry(const RenderedView& view, const Intrinsics& k) { return {view.depth, k, view.obj_to_cam}; }

}  // namespace

class CorrespondenceTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    CORRLENS_REQUIRE_ASSIMP_MODEL("OBJ/spider.obj");
    auto renderer = Renderer::Create({});
    ViewSetOptions options;
    options.count = 8;
    for (const char* name : {"OBJ/spider.obj", "Collada/duck.dae"}) {
      Scene& scene = scenes_[name];
      scene.mesh = LoadMesh(kModels + name);
      renderer->SetMesh(scene.mesh);
      for (const Pose& pose : SampleViews(options, k_, scene.mesh.radius)) {
        scene.views.push_back(renderer->Render(pose));
      }
    }
    spider_ = &scenes_["OBJ/spider.obj"];
    mesh_ = spider_->mesh;
    views_ = spider_->views;
  }

  // For sampled foreground pixels of view i: the exact surface point (ray
  // cast), moved into view j by the poses, must be where Correspond puts it;
  // the visibility flag must agree with a ray cast from camera j.
  // Thin legs (1-2 px wide) make depth-map visibility uncertain on the
  // spider; the duck is smooth and nearly every flag must agree.
  void MatchesRayCasting_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<int>("i");
    QTest::addColumn<int>("j");
    QTest::addColumn<double>("agreement");
    QTest::newRow("spider 0->1") << "OBJ/spider.obj" << 0 << 1 << 0.92;
    QTest::newRow("spider 3->6") << "OBJ/spider.obj" << 3 << 6 << 0.92;
    QTest::newRow("spider 7->4") << "OBJ/spider.obj" << 7 << 4 << 0.92;
    QTest::newRow("duck 0->1") << "Collada/duck.dae" << 0 << 1 << 0.98;
    QTest::newRow("duck 3->6") << "Collada/duck.dae" << 3 << 6 << 0.98;
    QTest::newRow("duck 5->2") << "Collada/duck.dae" << 5 << 2 << 0.98;
  }
  void MatchesRayCasting() {
    QFETCH(QString, model);
    QFETCH(int, i);
    QFETCH(int, j);
    QFETCH(double, agreement);
    const Scene& scene = scenes_[model.toStdString()];
    const RenderedView& a = scene.views[i];
    const RenderedView& b = scene.views[j];
    std::vector<cv::Point2f> pixels;
    for (int y = 0; y < k_.height; y += 5)
      for (int x = (y / 5) % 5; x < k_.width; x += 5)
        if (a.mask.at<uint8_t>(y, x)) pixels.emplace_back(float(x), float(y));
    QVERIFY(pixels.size() > 300);
    const auto result = Correspond(pixels, Geometry(a, k_), Geometry(b, k_));
    const testing::RayCaster from_a(scene.mesh, a.obj_to_cam), from_b(scene.mesh, b.obj_to_cam);
    const Pose b_from_a = b.obj_to_cam * InvertRigid(a.obj_to_cam);
    int both_visible = 0, within_1px = 0, agree = 0, compared = 0;
    double worst = 0.0;
    for (size_t p = 0; p < pixels.size(); ++p) {
      QVERIFY(result[p].valid);
      cv::Vec3d hit;
      if (!from_a.Hit(k_, pixels[p].x, pixels[p].y, &hit)) continue;
      const cv::Vec3d in_b = Transform(b_from_a, hit);
      double u = 0, v = 0;
      QVERIFY(Project(k_, in_b, &u, &v));
      const bool inside = u > 0 && v > 0 && u < k_.width - 1 && v < k_.height - 1;
      const double distance = cv::norm(in_b);
      const cv::Vec3d ray = in_b * (1.0 / distance);
      cv::Vec3d normal;
      const bool truly_visible = inside && from_b.Cast(ray, &normal) > distance - 2e-3;
      // Surfaces seen at grazing angles (within ~10 degrees) collapse into a
      // sliver of pixels where a depth map cannot decide; skip them.
      if (truly_visible && std::abs(normal.dot(ray)) < 0.17) continue;
      ++compared;
      agree += truly_visible == result[p].visible ? 1 : 0;
      if (!truly_visible || !result[p].visible) continue;
      ++both_visible;
      const double error = std::hypot(result[p].target.x - u, result[p].target.y - v);
      worst = std::max(worst, error);
      within_1px += error < 1.0 ? 1 : 0;
    }
    qInfo("%d points: %d visible in both, %d within 1 px (worst %.3f px), visibility agrees for %.1f%%", compared,
          both_visible, within_1px, worst, 100.0 * agree / compared);
    QVERIFY(both_visible > 30);
    QCOMPARE(within_1px, both_visible);
    QVERIFY(agree >= agreement * compared);
  }

  // Identity pair: every foreground pixel maps onto itself and is visible.
  void SameViewIsIdentity() {
    const auto dense = DenseCorrespondences(Geometry(views_[2], k_), Geometry(views_[2], k_));
    QCOMPARE(dense.foreground, cv::countNonZero(views_[2].mask));
    QCOMPARE(dense.visible_count, dense.foreground);
    for (int y = 0; y < k_.height; y += 7) {
      for (int x = 0; x < k_.width; x += 7) {
        if (!dense.visible.at<uint8_t>(y, x)) continue;
        const cv::Vec2f t = dense.target.at<cv::Vec2f>(y, x);
        QVERIFY(std::abs(t[0] - x) < 1e-3 && std::abs(t[1] - y) < 1e-3);
      }
    }
  }

  // The far side of the object is hidden: views from nearly opposite
  // directions (Fibonacci points 0 and 7: the poles) share fewer visible
  // points than close ones (0 and 1).
  void OcclusionIsDetected() {
    const Scene& duck = scenes_["Collada/duck.dae"];
    const auto near = DenseCorrespondences(Geometry(duck.views[0], k_), Geometry(duck.views[1], k_));
    const auto far = DenseCorrespondences(Geometry(duck.views[0], k_), Geometry(duck.views[7], k_));
    const double near_share = double(near.visible_count) / near.foreground;
    const double far_share = double(far.visible_count) / far.foreground;
    qInfo("visible share: neighbours %.2f, opposite poles %.2f", near_share, far_share);
    QVERIFY(near_share > far_share + 0.1);
  }

  void BadInputs() {
    ViewGeometry wrong = Geometry(views_[0], k_);
    wrong.depth = cv::Mat::zeros(10, 10, CV_32FC1);
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, DenseCorrespondences(wrong, Geometry(views_[1], k_)));
    CorrespondenceOptions options;
    options.depth_tolerance = -1;
    QVERIFY_THROWS_EXCEPTION(corrlens::Error,
                             Correspond({}, Geometry(views_[0], k_), Geometry(views_[1], k_), options));
    // Background and out-of-image pixels are simply not valid.
    const auto result = Correspond({{0.f, 0.f}, {-5.f, 3.f}}, Geometry(views_[0], k_), Geometry(views_[1], k_));
    QVERIFY(!result[0].valid && !result[1].valid);
  }

  void Benchmark() {
    const auto start = std::chrono::steady_clock::now();
    const auto dense = DenseCorrespondences(Geometry(views_[3], k_), Geometry(views_[4], k_));
    const double ms = 1000.0 * std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    qInfo("dense correspondences of one 512x512 pair: %.2f ms (%d foreground, %d visible)", ms, dense.foreground,
          dense.visible_count);
  }

 private:
  std::map<std::string, Scene> scenes_;
  const Scene* spider_ = nullptr;
  Mesh mesh_;
  Intrinsics k_;
  std::vector<RenderedView> views_;
};

QTEST_APPLESS_MAIN(CorrespondenceTest)
#include "correspondence_test.moc"
