// The Pose workspace's 3D view: rendered by VTK under a display (Xvfb here),
// by QPainter otherwise; both show the same scene (an emphasised camera in
// its colour, the points) and follow the orbit.
#include <QImage>
#include <QtTest>

#include <cmath>
#include <cstdlib>

#include "ui/pose_scene.h"

using corrlens::ui::PoseScene;

namespace {

// A camera 0.5 m in front of the object looking at it (object-to-camera).
cv::Matx44d CameraAt(double yaw_deg) {
  const double a = yaw_deg * M_PI / 180.0;
  const cv::Matx33d r(std::cos(a), 0, -std::sin(a), 0, 1, 0, std::sin(a), 0, std::cos(a));
  return {r(0, 0), r(0, 1), r(0, 2), 0, r(1, 0), r(1, 1), r(1, 2), 0, r(2, 0), r(2, 1), r(2, 2), 0.5, 0, 0, 0, 1};
}

void Fill(PoseScene& scene) {
  std::vector<cv::Point3d> points;
  std::vector<QColor> colors;
  for (int i = 0; i < 400; ++i) {
    points.emplace_back(0.05 * std::cos(i * 0.1), 0.05 * std::sin(i * 0.37), 0.05 * std::sin(i * 0.1));
    colors.emplace_back(255, 255, 255);
  }
  scene.SetPoints(points, colors);
  scene.SetCameras({{CameraAt(0), QColor(255, 0, 255), "est", true}, {CameraAt(200), QColor(0, 255, 0), "", false}});
  scene.resize(320, 320);
}

// Pixels within 60 grey levels per channel of `rgb` (QPainter antialiases).
int CountColour(const QImage& image, QRgb rgb) {
  int n = 0;
  for (int y = 0; y < image.height(); ++y)
    for (int x = 0; x < image.width(); ++x) {
      const QRgb p = image.pixel(x, y);
      n += std::abs(qRed(p) - qRed(rgb)) < 60 && std::abs(qGreen(p) - qGreen(rgb)) < 60 &&
           std::abs(qBlue(p) - qBlue(rgb)) < 60;
    }
  return n;
}

}  // namespace

class PoseSceneTest : public QObject {
  Q_OBJECT
 private slots:
  void vtkAndPainterShowTheScene() {
    for (auto backend : {PoseScene::Backend::kAuto, PoseScene::Backend::kPainter}) {
      PoseScene scene(nullptr, backend);
      Fill(scene);
      const QImage image = scene.grab().toImage();
      if (backend == PoseScene::Backend::kPainter) QVERIFY(!scene.RenderedByVtk());
      if (backend == PoseScene::Backend::kAuto && qEnvironmentVariableIsEmpty("DISPLAY")) {
        QVERIFY(!scene.RenderedByVtk());  // no display: falls back, nothing aborts
        continue;
      }
      if (backend == PoseScene::Backend::kAuto) QVERIFY(scene.RenderedByVtk());
      QVERIFY2(CountColour(image, qRgb(255, 0, 255)) > 20, "the emphasised camera is drawn in its colour");
      QVERIFY2(CountColour(image, qRgb(0, 255, 0)) > 5, "the other camera is drawn in its colour");
      QVERIFY2(CountColour(image, qRgb(255, 255, 255)) > 50, "the points are drawn");
    }
  }

  void orbitChangesTheVtkImage() {
    if (qEnvironmentVariableIsEmpty("DISPLAY")) QSKIP("needs a display (run under xvfb-run)");
    PoseScene scene;
    Fill(scene);
    const QImage before = scene.grab().toImage();
    QVERIFY(scene.RenderedByVtk());
    QCOMPARE(scene.grab().toImage(), before);  // the same orbit renders the same image
    scene.SetOrbit(125.0, 10.0);
    QVERIFY(scene.grab().toImage() != before);
  }
};

QTEST_MAIN(PoseSceneTest)
#include "pose_scene_test.moc"
