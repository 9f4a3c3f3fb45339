// The offscreen 3D view: cameras appear in their colours where the orbit
// puts them, orbiting and resizing change the image, a render of a
// pose-sized scene takes < 50 ms, no display is one line; XVFB.
#include <QtTest/QtTest>

#include <opencv2/calib3d.hpp>
#include <opencv2/core.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>

#include "core/render/scene_view.h"
#include "core/util/error.h"

using namespace corrlens::render;

namespace {

// A camera `distance` metres from the origin along yaw (degrees, about +y),
// looking at the origin.
Pose LookingAtOrigin(double yaw_deg, double distance) {
  const double yaw = yaw_deg * CV_PI / 180.0;
  const cv::Vec3d centre(distance * std::sin(yaw), 0.0, distance * std::cos(yaw));
  const cv::Vec3d z = -centre / distance, y(0, -1, 0), x = y.cross(z);
  Pose pose = Pose::eye();
  for (int c = 0; c < 3; ++c) {
    pose(0, c) = x[c];
    pose(1, c) = y[c];
    pose(2, c) = z[c];
  }
  const cv::Vec3d t = -(pose.get_minor<3, 3>(0, 0) * centre);
  for (int r = 0; r < 3; ++r) pose(r, 3) = t[r];
  return pose;
}

SceneContent Scene(int points, int cameras) {
  SceneContent scene;
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> u(-0.08, 0.08);
  for (int i = 0; i < points; ++i) {
    scene.points.emplace_back(u(rng), u(rng), u(rng));
    scene.colors.emplace_back(180, 180, 255);
  }
  for (double x : {-0.1, 0.1})
    for (double y : {-0.1, 0.1})
      for (double z : {-0.1, 0.1}) scene.box.emplace_back(x, y, z);
  for (int i = 0; i < cameras; ++i)
    scene.cameras.push_back({LookingAtOrigin(i * 360.0 / cameras, 0.5), {128, 128, 128}});
  return scene;
}

int CountColour(const cv::Mat& rgb, const cv::Vec3b& colour) {
  int n = 0;
  for (int r = 0; r < rgb.rows; ++r)
    for (int c = 0; c < rgb.cols; ++c) n += rgb.at<cv::Vec3b>(r, c) == colour;
  return n;
}

}  // namespace

class SceneViewTest : public QObject {
  Q_OBJECT
 private slots:
  void CamerasInTheirColoursWhereTheOrbitPutsThem() {
    auto view = SceneView::Create({400, 300});
    SceneContent scene = Scene(500, 0);
    scene.cameras.push_back({LookingAtOrigin(90.0, 0.5), {255, 0, 0}, true});    // on +x
    scene.cameras.push_back({LookingAtOrigin(-90.0, 0.5), {0, 255, 0}, false});  // on -x
    view->SetContent(scene);
    const cv::Mat front = view->Render({0.0, 0.0, 1.0}, {400, 300});  // looking down -z: +x is right
    QCOMPARE(front.size(), cv::Size(400, 300));
    const cv::Mat left = front.colRange(0, 200), right = front.colRange(200, 400);
    QVERIFY2(CountColour(right, {255, 0, 0}) > 50 && CountColour(left, {255, 0, 0}) == 0,
             qPrintable(QString("%1 %2").arg(CountColour(right, {255, 0, 0})).arg(CountColour(left, {255, 0, 0}))));
    QVERIFY(CountColour(left, {0, 255, 0}) > 20 && CountColour(right, {0, 255, 0}) == 0);
    QVERIFY(CountColour(front, {180, 180, 255}) > 100);  // the points
    // Half a turn swaps the sides; a new size is honoured.
    const cv::Mat back = view->Render({180.0, 0.0, 1.0}, {320, 240});
    QCOMPARE(back.size(), cv::Size(320, 240));
    QVERIFY(CountColour(back.colRange(0, 160), {255, 0, 0}) > 30);
    QVERIFY(CountColour(back.colRange(160, 320), {255, 0, 0}) == 0);
    // Without cameras: no camera colour left.
    view->SetContent(Scene(500, 0));
    QCOMPARE(CountColour(view->Render({}, {400, 300}), {255, 0, 0}), 0);
  }

  void RendersAPoseSceneInUnder50Ms() {
    auto view = SceneView::Create({480, 480});
    view->SetContent(Scene(6000, 62));  // the scene's point cap, 60 references + truth + estimate
    view->Render({}, {480, 480});       // first render compiles shaders
    std::vector<double> ms;
    for (int i = 0; i < 20; ++i) {
      const auto start = std::chrono::steady_clock::now();
      const cv::Mat image = view->Render({35.0 + 5 * i, 25.0, 1.0}, {480, 480});
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
      QVERIFY(!image.empty());
    }
    std::sort(ms.begin(), ms.end());
    qInfo("480x480, 6000 points, 62 cameras: median %.1f ms, max %.1f ms", ms[ms.size() / 2], ms.back());
    QVERIFY2(ms[ms.size() / 2] < 50.0, qPrintable(QString::number(ms[ms.size() / 2])));
  }

  void NoDisplayIsOneLine() {
    const char* display = std::getenv("DISPLAY");
    const std::string saved = display ? display : "";
    unsetenv("DISPLAY");
    QString message;
    try {
      SceneView::Create({64, 64});
    } catch (const corrlens::Error& e) {
      message = e.what();
    }
    if (!saved.empty()) setenv("DISPLAY", saved.c_str(), 1);
    QVERIFY2(message.contains("DISPLAY") && !message.contains('\n'), qPrintable(message));
  }
};

QTEST_GUILESS_MAIN(SceneViewTest)
#include "scene_view_test.moc"
