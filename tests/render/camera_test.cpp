#include <QtTest/QtTest>

#include "core/render/camera.h"

using namespace corrlens::render;

class CameraTest : public QObject {
  Q_OBJECT
 private slots:
  void ReferenceIntrinsics() {
    const Intrinsics k;
    QCOMPARE(k.width, 512);
    QCOMPARE(k.fx, 35.0 * 512 / 32);
    QCOMPARE(k.cx, 256.0);
    QVERIFY(k.Check());
    const Intrinsics half = Intrinsics::Square(256);
    QCOMPARE(half.fx, 280.0);
    QCOMPARE(half.cy, 128.0);
    Intrinsics bad;
    bad.fx = 0.0;
    QVERIFY(!bad.Check());
  }

  void ProjectBackProjectRoundTrip() {
    Intrinsics k;
    k.fx = 500;
    k.fy = 610;
    k.cx = 200.5;
    k.cy = 300.25;
    const cv::Vec3d p = BackProject(k, 17.25, 411.5, 2.75);
    QCOMPARE(p[2], 2.75);
    double u = 0, v = 0;
    QVERIFY(Project(k, p, &u, &v));
    QVERIFY(std::abs(u - 17.25) < 1e-9);
    QVERIFY(std::abs(v - 411.5) < 1e-9);
    QVERIFY(!Project(k, cv::Vec3d(0, 0, -1), &u, &v));
  }

  void RigidInverse() {
    const cv::Matx33d r = cv::Matx33d(0, -1, 0, 1, 0, 0, 0, 0, 1);  // 90 deg about z
    Pose pose = Pose::eye();
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) pose(a, b) = r(a, b);
    pose(0, 3) = 0.3;
    pose(1, 3) = -0.2;
    pose(2, 3) = 2.0;
    const Pose identity = pose * InvertRigid(pose);
    for (int a = 0; a < 4; ++a)
      for (int b = 0; b < 4; ++b) QVERIFY(std::abs(identity(a, b) - (a == b ? 1.0 : 0.0)) < 1e-12);
    const cv::Vec3d p = Transform(pose, cv::Vec3d(1, 0, 0));
    QVERIFY(std::abs(p[0] - 0.3) < 1e-12 && std::abs(p[1] - 0.8) < 1e-12 && std::abs(p[2] - 2.0) < 1e-12);
    QVERIFY(std::abs(RotationAngleDeg(pose, Pose::eye()) - 90.0) < 1e-9);
    QVERIFY(std::abs(RotationAngleDeg(pose, pose)) < 1e-6);
  }
};

QTEST_APPLESS_MAIN(CameraTest)
#include "camera_test.moc"
