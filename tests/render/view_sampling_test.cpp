#include <QtTest/QtTest>

#include <cmath>

#include "core/render/view_sampling.h"
#include "core/util/error.h"

using namespace corrlens::render;

class ViewSamplingTest : public QObject {
  Q_OBJECT
 private slots:
  void FibonacciIsUniform() {
    const auto dirs = FibonacciSphere(42);
    QCOMPARE(int(dirs.size()), 42);
    cv::Vec3d mean(0, 0, 0);
    double min_gap = 10.0;
    for (size_t i = 0; i < dirs.size(); ++i) {
      QVERIFY(std::abs(cv::norm(dirs[i]) - 1.0) < 1e-12);
      mean += dirs[i];
      for (size_t j = 0; j < i; ++j) min_gap = std::min(min_gap, cv::norm(dirs[i] - dirs[j]));
    }
    QVERIFY(cv::norm(mean) / 42 < 0.02);  // balanced around the centre
    // Evenly spread: the closest pair is not much closer than the average
    // spacing sqrt(4 pi / n) (about 0.55 for 42 points).
    QVERIFY2(min_gap > 0.4, qPrintable(QString::number(min_gap)));
  }

  void LookAtCentresTheObject() {
    for (const cv::Vec3d& dir : FibonacciSphere(20)) {
      const Pose pose = LookAtOrigin(dir, 2.5);
      const cv::Vec3d origin = Transform(pose, cv::Vec3d(0, 0, 0));
      QVERIFY(std::abs(origin[0]) < 1e-12 && std::abs(origin[1]) < 1e-12);
      QVERIFY(std::abs(origin[2] - 2.5) < 1e-12);
      // A proper rotation: det = +1.
      cv::Matx33d r;
      for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b) r(a, b) = pose(a, b);
      QVERIFY(std::abs(cv::determinant(r) - 1.0) < 1e-9);
      // The camera sits at `dir`: camera centre = -R^T t.
      const cv::Vec3d centre = Transform(InvertRigid(pose), cv::Vec3d(0, 0, 0));
      QVERIFY(cv::norm(centre - dir * 2.5) < 1e-9);
    }
    // The object's +y points up in the image (negative camera y) when seen from the side.
    const Pose side = LookAtOrigin(cv::Vec3d(0, 0, 1), 2.0);
    QVERIFY(Transform(side, cv::Vec3d(0, 1, 0))[1] < 0.0);
    // Straight from above is still a valid frame.
    const Pose top = LookAtOrigin(cv::Vec3d(0, 1, 0), 2.0);
    QVERIFY(std::abs(Transform(top, cv::Vec3d(0, 0, 0))[2] - 2.0) < 1e-12);
  }

  void FitDistanceKeepsSphereInside() {
    const Intrinsics k;
    const double radius = std::sqrt(3.0) / 2;  // unit cube
    const double d = FitDistance(k, radius);
    // Tangent ray to the sphere makes the half field-of-view angle.
    QVERIFY(std::abs(radius / d - std::sin(std::atan((512 - 0.5 - 256.0) / 560.0))) < 1e-12);
    QVERIFY(d > 1.9 && d < 2.2);
  }

  void RandomViewsAreSeeded() {
    ViewSetOptions options;
    options.sampling = ViewSampling::kRandom;
    options.count = 8;
    options.seed = 7;
    const Intrinsics k;
    const auto a = SampleViews(options, k, 0.8);
    const auto b = SampleViews(options, k, 0.8);
    options.seed = 8;
    const auto c = SampleViews(options, k, 0.8);
    QCOMPARE(int(a.size()), 8);
    double diff_same = 0, diff_other = 0;
    for (int i = 0; i < 8; ++i) {
      diff_same += cv::norm(a[i] - b[i]);
      diff_other += cv::norm(a[i] - c[i]);
      QVERIFY(a[i](2, 3) > 0.8);  // object in front of the camera
    }
    QCOMPARE(diff_same, 0.0);
    QVERIFY(diff_other > 1.0);
    options.count = 0;
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, SampleViews(options, k, 0.8));
  }
};

QTEST_APPLESS_MAIN(ViewSamplingTest)
#include "view_sampling_test.moc"
