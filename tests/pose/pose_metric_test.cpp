// The pose metric against an independent numpy implementation
// (pose_metric_reference.py run by /usr/bin/python3) on random poses, to
// 1e-9, including invalid rotations (NaN = failure) and exact thresholds.
#include <QTemporaryDir>
#include <QtTest>
#include "tests/common/test_paths.h"

#include <opencv2/calib3d.hpp>

#include <cmath>
#include <fstream>
#include <random>

#include "core/pose/pose_metric.h"
#include "tests/common/python.h"

using namespace corrlens::pose;

namespace {

cv::Matx44d RandomPose(std::mt19937_64& rng, double angle_scale, double translation_scale) {
  std::normal_distribution<double> normal;
  cv::Vec3d axis(normal(rng), normal(rng), normal(rng));
  axis = axis * (angle_scale / cv::norm(axis)) * std::uniform_real_distribution<double>(0, 1)(rng);
  cv::Matx33d r;
  cv::Rodrigues(axis, r);
  cv::Matx44d pose = cv::Matx44d::eye();
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) pose(i, j) = r(i, j);
    pose(i, 3) = normal(rng) * translation_scale;
  }
  return pose;
}

// `truth` moved by a small random rotation and translation.
cv::Matx44d Perturbed(const cv::Matx44d& truth, std::mt19937_64& rng, double degrees, double metres) {
  const cv::Matx44d delta = RandomPose(rng, degrees * M_PI / 180.0, metres);
  cv::Matx44d out = delta * truth;
  for (int i = 0; i < 3; ++i) out(i, 3) = truth(i, 3) + delta(i, 3);
  return out;
}

}  // namespace

class PoseMetricTest : public QObject {
  Q_OBJECT

 private slots:
  void MatchesNumpyOnRandomPoses() {
    std::mt19937_64 rng(12);
    std::vector<std::pair<cv::Matx44d, cv::Matx44d>> pairs;
    for (int i = 0; i < 200; ++i) {
      const cv::Matx44d truth = RandomPose(rng, M_PI, 0.3);
      // Around the thresholds, far away, identical, and invalid rotations.
      if (i % 5 == 0) {
        pairs.push_back({RandomPose(rng, M_PI, 0.3), truth});
      } else if (i % 5 == 1) {
        pairs.push_back({truth, truth});
      } else if (i % 5 == 2) {
        cv::Matx44d shifted = truth;
        shifted(0, 3) += 0.004 * (i % 7);  // 0 .. 2.4 cm, no rotation
        pairs.push_back({shifted, truth});
      } else {
        pairs.push_back({Perturbed(truth, rng, 6.0, 0.06), truth});
      }
    }
    cv::Matx44d invalid = cv::Matx44d::eye();
    invalid(0, 0) = invalid(1, 1) = invalid(2, 2) = -2.0;  // trace(R R_gt^T) = -6 < -1
    pairs.push_back({invalid, cv::Matx44d::eye()});
    cv::Matx44d scaled = pairs[3].second;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) scaled(i, j) *= 1.5;  // trace may exceed 3: clipped
    pairs.push_back({scaled, pairs[3].second});

    QTemporaryDir dir;
    const QString input = dir.filePath("poses.txt");
    {
      std::ofstream out(input.toStdString());
      out.precision(17);
      for (const auto& [predicted, truth] : pairs) {
        for (double v : predicted.val) out << v << ' ';
        for (double v : truth.val) out << v << ' ';
        out << '\n';
      }
    }
    const auto python =
        corrlens::test::RunPython3({corrlens::test::SourcePath("/tests/pose/pose_metric_reference.py"), input});
    if (python.err.contains("No module named")) QSKIP("/usr/bin/python3 lacks numpy");
    QVERIFY2(python.ok, qPrintable(python.err));
    const QStringList lines = python.out.trimmed().split('\n');
    QCOMPARE(lines.size(), static_cast<int>(pairs.size()) + 1);
    std::vector<PoseError> errors;
    int nans = 0;
    for (size_t i = 0; i < pairs.size(); ++i) {
      const PoseError e = QueryPoseError(pairs[i].first, pairs[i].second);
      errors.push_back(e);
      const QStringList fields = lines[static_cast<int>(i)].split(' ');
      const double rotation = fields[0] == "nan" ? NAN : fields[0].toDouble();
      const double translation = fields[1].toDouble();
      if (std::isnan(rotation)) {
        QVERIFY2(std::isnan(e.rotation_deg), qPrintable(QString("pair %1").arg(i)));
        ++nans;
      } else if (rotation < 1e-4) {
        // Same rotation: one ulp of the trace (numpy's BLAS sums in its own
        // order) moves arccos near 1 by ~1e-6 degrees.
        QVERIFY2(e.rotation_deg < 1e-5, qPrintable(QString("pair %1: %2").arg(i).arg(e.rotation_deg)));
      } else {
        QVERIFY2(
            std::abs(e.rotation_deg - rotation) < 1e-9,
            qPrintable(QString("pair %1: %2 vs %3").arg(i).arg(e.rotation_deg, 0, 'g', 17).arg(rotation, 0, 'g', 17)));
      }
      QVERIFY2(std::abs(e.translation_cm - translation) < 1e-9, qPrintable(QString("pair %1").arg(i)));
    }
    QCOMPARE(nans, 1);
    QVERIFY(!PosePasses(errors[errors.size() - 2], 1e9));  // NaN fails any threshold
    const QStringList accuracies = lines.back().split(' ');
    for (int k = 0; k < 3; ++k) {
      const double ours = PoseAccuracy(errors, PoseThresholds()[static_cast<size_t>(k)]);
      QVERIFY2(std::abs(ours - accuracies[k].toDouble()) < 1e-12, qPrintable(accuracies[k]));
      QVERIFY(ours > 0.0 && ours < 1.0);  // the mix is not degenerate
    }
  }

  void ThresholdsAreStrict() {
    QVERIFY(!PosePasses({1.0, 0.5}, 1.0));
    QVERIFY(!PosePasses({0.5, 1.0}, 1.0));
    QVERIFY(PosePasses({0.999, 0.999}, 1.0));
    QVERIFY(!PosePasses({NAN, 0.0}, 5.0));
    QCOMPARE(PoseAccuracy({}, 1.0), 0.0);
    QCOMPARE(PoseAccuracy({{0.5, 0.5}, {2.0, 0.5}, {0.5, 4.0}, {NAN, 0.1}}, 3.0), 0.5);
    QCOMPARE(std::string(PoseMetricName(1.0)), std::string("pose_1cm_1deg"));
    QCOMPARE(std::string(PoseMetricName(3.0)), std::string("pose_3cm_3deg"));
    QCOMPARE(std::string(PoseMetricName(5.0)), std::string("pose_5cm_5deg"));
  }

  void UsesOnlyTheTop3x4() {
    cv::Matx44d a = cv::Matx44d::eye(), b = cv::Matx44d::eye();
    a(3, 0) = 7.0;  // the bottom row is ignored, as with 3x4 inputs
    b(2, 3) = 0.02;
    const PoseError e = QueryPoseError(a, b);
    QCOMPARE(e.rotation_deg, 0.0);
    QVERIFY(std::abs(e.translation_cm - 2.0) < 1e-12);
  }
};

int RunPoseMetricTest(int argc, char** argv) {
  PoseMetricTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "pose_metric_test.moc"
