// EPnP RANSAC (core/pose/pnp): exact synthetic 2D-3D matches recover the
// pose to < 0.01 cm / 0.01 deg, also with 50% outliers; the reference's
// identity fallback below 4 matches or with <= 5 inliers.
#include <QtTest>

#include <opencv2/calib3d.hpp>

#include <random>

#include "core/pose/pnp.h"
#include "core/pose/pose_metric.h"
#include "core/util/error.h"

using namespace corrlens::pose;

namespace {

const cv::Matx33d kK(520, 0, 250, 0, 515, 245, 0, 0, 1);

cv::Matx44d Pose(const cv::Vec3d& rvec, const cv::Vec3d& t) {
  cv::Matx33d r;
  cv::Rodrigues(rvec, r);
  cv::Matx44d pose = cv::Matx44d::eye();
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) pose(i, j) = r(i, j);
    pose(i, 3) = t[i];
  }
  return pose;
}

struct Matches {
  std::vector<cv::Point3d> object;
  std::vector<cv::Point2d> image;
};

// `inliers` exact projections of points in a 12 cm box plus `outliers`
// random pixels paired with random points.
Matches Synthetic(const cv::Matx44d& pose, int inliers, int outliers, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> box(-0.06, 0.06), pixel(0, 500);
  Matches m;
  for (int i = 0; i < inliers + outliers; ++i) {
    const cv::Point3d p(box(rng), box(rng), box(rng));
    cv::Point2d q;
    ProjectPoint(kK, pose, p, &q);  // always in front: the box is >= 0.29 m away
    if (i >= inliers) q = {pixel(rng), pixel(rng)};
    m.object.push_back(p);
    m.image.push_back(q);
  }
  // Interleave outliers with inliers so the order carries no information.
  std::vector<size_t> order(m.object.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  Matches shuffled;
  for (size_t i : order) shuffled.object.push_back(m.object[i]), shuffled.image.push_back(m.image[i]);
  return shuffled;
}

}  // namespace

class PnpTest : public QObject {
  Q_OBJECT

 private slots:
  void RecoversExactPoses() {
    for (int trial = 0; trial < 5; ++trial) {
      const cv::Matx44d truth =
          Pose({0.3 * trial - 0.5, 0.8, -0.2 * trial}, {0.01 * trial, -0.02, 0.35 + 0.05 * trial});
      const Matches m = Synthetic(truth, 200, 0, 100 + trial);
      const PnpResult r = SolvePnpRansac(m.object, m.image, kK);
      QVERIFY(r.solved);
      QCOMPARE(r.inliers.size(), size_t(200));
      const PoseError e = QueryPoseError(r.cam_from_object, truth);
      QVERIFY2(e.rotation_deg < 0.01 && e.translation_cm < 0.01,
               qPrintable(QString("trial %1: %2 deg, %3 cm").arg(trial).arg(e.rotation_deg).arg(e.translation_cm)));
    }
  }

  void RansacIgnoresHalfOutliers() {
    for (int trial = 0; trial < 3; ++trial) {
      const cv::Matx44d truth = Pose({-0.4, 0.2 * trial, 1.1}, {-0.03, 0.01 * trial, 0.4});
      const Matches m = Synthetic(truth, 150, 150, 200 + trial);
      const PnpResult r = SolvePnpRansac(m.object, m.image, kK);
      QVERIFY(r.solved);
      QVERIFY2(r.inliers.size() >= 150 && r.inliers.size() < 170, qPrintable(QString::number(r.inliers.size())));
      const PoseError e = QueryPoseError(r.cam_from_object, truth);
      QVERIFY2(e.rotation_deg < 0.01 && e.translation_cm < 0.01,
               qPrintable(QString("trial %1: %2 deg, %3 cm").arg(trial).arg(e.rotation_deg).arg(e.translation_cm)));
    }
  }

  void IdentityFallback() {
    const cv::Matx44d truth = Pose({0.1, 0.2, 0.3}, {0, 0, 0.4});
    const Matches three = Synthetic(truth, 3, 0, 1);
    PnpResult r = SolvePnpRansac(three.object, three.image, kK);
    QVERIFY(!r.solved);
    QCOMPARE(r.cam_from_object, cv::Matx44d::eye());
    const Matches five = Synthetic(truth, 5, 0, 2);  // 5 inliers: not more than 5
    r = SolvePnpRansac(five.object, five.image, kK);
    QVERIFY(!r.solved);
    QCOMPARE(r.cam_from_object, cv::Matx44d::eye());
    const Matches six = Synthetic(truth, 6, 0, 3);
    r = SolvePnpRansac(six.object, six.image, kK);
    QVERIFY(r.solved);
    QVERIFY(QueryPoseError(r.cam_from_object, truth).rotation_deg < 0.1);
  }

  void RejectsMismatchedInput() {
    bool thrown = false;
    try {
      SolvePnpRansac({{0, 0, 1}}, {}, kK);
    } catch (const corrlens::Error&) {
      thrown = true;
    }
    QVERIFY(thrown);
  }
};

int RunPnpTest(int argc, char** argv) {
  PnpTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "pnp_test.moc"
