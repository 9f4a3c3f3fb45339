// Pose overlays: the projected box lands on the box corners' projections, the
// ground truth is drawn in its own colour, no box for the identity fallback,
// inlier matches are marked, mesh outlines in the estimate's / truth's colour.
#include <QtTest>

#include <opencv2/core.hpp>

#include "core/pose/onepose_dataset.h"
#include "core/pose/pnp.h"
#include "core/pose/pose_overlay.h"

using namespace corrlens::pose;

namespace {

const cv::Matx33d kK(300, 0, 160, 0, 300, 120, 0, 0, 1);

cv::Matx44d Ahead() {
  cv::Matx44d pose = cv::Matx44d::eye();
  pose(2, 3) = 0.5;
  return pose;
}

std::vector<cv::Point3d> Box() {
  ReferenceSet set;
  set.views.resize(1);
  set.views[0].points = {{-0.1, -0.08, -0.05}, {0.1, 0.08, 0.05}};
  return set.BoundingBox();
}

// A pixel within 2 px of `p` whose colour is within 40 of `rgb` per channel.
bool Near(const cv::Mat& image, cv::Point2d p, const cv::Vec3b& rgb) {
  for (int dy = -2; dy <= 2; ++dy)
    for (int dx = -2; dx <= 2; ++dx) {
      const cv::Point q(cvRound(p.x) + dx, cvRound(p.y) + dy);
      if (!q.inside(cv::Rect(0, 0, image.cols, image.rows))) continue;
      const cv::Vec3b v = image.at<cv::Vec3b>(q);
      if (std::abs(v[0] - rgb[0]) < 40 && std::abs(v[1] - rgb[1]) < 40 && std::abs(v[2] - rgb[2]) < 40) return true;
    }
  return false;
}

}  // namespace

class PoseOverlayTest : public QObject {
  Q_OBJECT

 private slots:
  void DrawsTheProjectedBox() {
    const cv::Mat black(240, 320, CV_8UC3, cv::Scalar::all(0));
    PoseOverlayInput input;
    input.intrinsics = kK;
    input.box = Box();
    input.estimate = Ahead();
    cv::Matx44d truth = Ahead();
    truth(0, 3) = 0.03;
    input.truth = truth;
    input.match_pixels = {{20, 200}, {40, 200}};
    input.inlier = {true, false};
    const cv::Mat out = DrawPoseOverlay(black, input);
    QCOMPARE(cv::countNonZero(black.reshape(1)), 0);  // the input is untouched
    // Every estimated corner is drawn in yellow (the estimate) where no axis passes.
    for (int c : {4, 5, 6, 7}) {
      cv::Point2d corner;
      QVERIFY(ProjectPoint(kK, Ahead(), input.box[static_cast<size_t>(c)], &corner));
      QVERIFY2(Near(out, corner, {255, 220, 0}), qPrintable(QString("corner %1").arg(c)));
    }
    cv::Point2d shifted;
    QVERIFY(ProjectPoint(kK, truth, input.box[6], &shifted));
    QVERIFY(Near(out, shifted, {40, 220, 40}));     // ground truth in green
    QVERIFY(Near(out, {20, 200}, {0, 200, 255}));   // inlier
    QVERIFY(!Near(out, {40, 200}, {230, 40, 40}));  // outliers hidden by default
  }

  void NoBoxWithoutAPose() {
    const cv::Mat black(240, 320, CV_8UC3, cv::Scalar::all(0));
    PoseOverlayInput input;
    input.intrinsics = kK;
    input.box = Box();
    input.estimate = Ahead();
    input.solved = false;
    const cv::Mat out = DrawPoseOverlay(black, input);
    cv::Point2d corner;
    QVERIFY(ProjectPoint(kK, Ahead(), input.box[6], &corner));
    QVERIFY(!Near(out, corner, {255, 220, 0}));
    QVERIFY(cv::countNonZero(out.reshape(1)) > 0);  // the "no pose" label
  }

  void DrawsSilhouettesInTheirColours() {
    const cv::Mat black(240, 320, CV_8UC3, cv::Scalar::all(0));
    PoseOverlayInput input;
    input.intrinsics = kK;
    input.estimate_silhouette = {{{50, 50}, {100, 50}, {100, 100}, {50, 100}}};
    input.truth_silhouette = {{{200, 60}, {260, 60}, {260, 120}}};
    const cv::Mat out = DrawPoseOverlay(black, input);
    QVERIFY(Near(out, {75, 50}, {255, 220, 0}));   // estimate outline, yellow
    QVERIFY(Near(out, {230, 60}, {40, 220, 40}));  // truth outline, green
    QVERIFY(!Near(out, {75, 75}, {255, 220, 0}));  // an outline, not filled
    input.solved = false;                          // no estimate: only the truth
    const cv::Mat none = DrawPoseOverlay(black, input);
    QVERIFY(!Near(none, {75, 50}, {255, 220, 0}));
    QVERIFY(Near(none, {230, 60}, {40, 220, 40}));
  }
};

int RunPoseOverlayTest(int argc, char** argv) {
  PoseOverlayTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "pose_overlay_test.moc"
