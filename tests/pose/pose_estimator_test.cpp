// Template database and pose estimation (core/pose/pose_estimator) with dense
// SIFT on the fixture's textured box: the reference's input size, a seeded
// subset of templates, matches that point at the right 3D points, poses
// within a few mm / tenths of a degree, and errors for bad input.
#include <QTemporaryDir>
#include <QtTest>

#include <torch/torch.h>
#include <opencv2/imgproc.hpp>

#include "core/corr/feature_service.h"
#include "core/feature/backend_registry.h"
#include "core/io/image.h"
#include "core/pose/pose_estimator.h"
#include "core/pose/pose_metric.h"
#include "plugins/classical/classical_plugin.h"
#include "tests/common/function_provider.h"
#include "tests/common/test_helpers.h"
#include "tests/pose/onepose_fixture.h"

using namespace corrlens;
using namespace corrlens::pose;

class PoseEstimatorTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    RegisterClassicalBackends(registry_);
    service_ = std::make_unique<FeatureService>(registry_, FeatureServiceOptions{});
    root_ = dir_.path().toStdString();
    layout_ = {root_, test::OnePoseFixture::Write(root_)};
    reference_ = ReadOnePoseReference(layout_);
    frames_ = ReadOnePoseTestFrames(layout_, FramePreset::kFull);
  }

  void UsesTheReferenceInputSize() {
    ExtractOptions base;
    const ExtractOptions e = PoseExtractOptions(base, 512, 512);
    QCOMPARE(e.input_width, 896);  // 512 / 8 * 14
    QCOMPARE(e.input_height, 896);
    QCOMPARE(PoseExtractOptions(base, 250, 100).input_width, 31 * 14);
    QVERIFY(test::ErrorOf([&] { PoseExtractOptions(base, 4, 100); }).find("too small") != std::string::npos);
  }

  void SubsetIsSeeded() {
    TemplateOptions options;
    Progress progress;
    const TemplateDatabase all = BuildTemplateDatabase(reference_, *service_, "dense_sift", options, progress, {});
    QCOMPARE(all.Size(), reference_.KeypointCount());
    QVERIFY(!all.Subsampled());
    options.max_templates = 300;
    options.seed = 5;
    const TemplateDatabase a = BuildTemplateDatabase(reference_, *service_, "dense_sift", options, progress, {});
    const TemplateDatabase b = BuildTemplateDatabase(reference_, *service_, "dense_sift", options, progress, {});
    options.seed = 6;
    const TemplateDatabase c = BuildTemplateDatabase(reference_, *service_, "dense_sift", options, progress, {});
    QCOMPARE(a.Size(), size_t(300));
    QVERIFY(a.Subsampled());
    QCOMPARE(a.available, reference_.KeypointCount());
    QCOMPARE(a.seed, uint64_t(5));
    QCOMPARE(a.keypoint, b.keypoint);
    QCOMPARE(a.view, b.view);
    QVERIFY(a.keypoint != c.keypoint || a.view != c.view);
    for (size_t i = 0; i < a.Size(); ++i) {  // templates keep their 3D point and origin
      const ReferenceView& v = reference_.views[static_cast<size_t>(a.view[i])];
      QCOMPARE(a.points[i], v.points[static_cast<size_t>(a.keypoint[i])]);
    }
  }

  void EstimatesPosesWithDenseSift() {
    Progress progress;
    const TemplateDatabase db = BuildTemplateDatabase(reference_, *service_, "dense_sift", {}, progress, {});
    PoseEstimateOptions options;
    int good = 0, tried = 0;
    for (size_t i = 0; i < frames_.size(); i += 3, ++tried) {  // the task test runs every frame
      const QueryFrame& f = frames_[i];
      const cv::Mat rgb = io::ReadImageRgb(f.image);
      const PoseEstimate e = EstimatePose(db, rgb, f.intrinsics, *service_, options, {});
      const PoseError error = QueryPoseError(e.cam_from_object, f.cam_from_object);
      int flagged = 0, near = 0;
      for (const PoseMatch& m : e.matches) {
        flagged += m.inlier;
        QVERIFY(static_cast<int>(m.query.x) % 4 == 0 && static_cast<int>(m.query.y) % 4 == 0);  // the 4-px grid
        cv::Point2d truth;
        if (m.inlier && ProjectPoint(f.intrinsics, f.cam_from_object, m.point, &truth))
          near += cv::norm(truth - m.query) < 8.0;
      }
      QCOMPARE(flagged, e.inliers);
      qInfo("frame %s: %zu matches, %d inliers (%d within 8 px of the truth), %.3f deg, %.3f cm, %.2f s",
            f.name.c_str(), e.matches.size(), e.inliers, near, error.rotation_deg, error.translation_cm, e.seconds);
      QVERIFY(e.solved);
      QVERIFY(near > 0.9 * e.inliers);
      good += PosePasses(error, 1.0);
    }
    QVERIFY2(good >= tried - 1, qPrintable(QString::number(good)));
  }

  void RandomFeaturesFindNoPose() {
    // A broken descriptor (noise) gives wrong matches: no frame passes 5 cm / 5 deg.
    auto provider =
        test::MakeProvider([](const cv::Mat& rgb, const std::string&, const ExtractOptions& o, const CancelToken&) {
          auto map = std::make_shared<FeatureMap>();
          map->geometry = {rgb.cols, rgb.rows, o.input_width,      o.input_height,
                           14,       14,       o.input_width / 14, o.input_height / 14};
          map->features = torch::randn({16, o.input_height / 14, o.input_width / 14});
          return std::shared_ptr<const FeatureMap>(map);
        });
    torch::manual_seed(3);
    Progress progress;
    const TemplateDatabase db = BuildTemplateDatabase(reference_, *provider, "noise", {}, progress, {});
    int passed = 0;
    for (size_t i = 0; i < frames_.size(); i += 3) {
      const PoseEstimate e =
          EstimatePose(db, io::ReadImageRgb(frames_[i].image), frames_[i].intrinsics, *provider, {}, {});
      passed += PosePasses(QueryPoseError(e.cam_from_object, frames_[i].cam_from_object), 5.0);
    }
    QCOMPARE(passed, 0);
  }

  void BadInput() {
    Progress progress;
    ReferenceSet empty = reference_;
    for (ReferenceView& v : empty.views) v.keypoints.clear(), v.points.clear();
    QVERIFY(test::ErrorOf([&] {
              BuildTemplateDatabase(empty, *service_, "dense_sift", {}, progress, {});
            }).find("empty reference set") != std::string::npos);
    const TemplateDatabase none;
    const cv::Mat rgb = io::ReadImageRgb(frames_[0].image);
    QVERIFY(test::ErrorOf([&] {
              EstimatePose(none, rgb, frames_[0].intrinsics, *service_, {}, {});
            }).find("empty reference set") != std::string::npos);
    const TemplateDatabase db = BuildTemplateDatabase(reference_, *service_, "dense_sift", {}, progress, {});
    const std::string singular =
        test::ErrorOf([&] { EstimatePose(db, rgb, cv::Matx33d(0, 0, 1, 0, 0, 1, 0, 0, 1), *service_, {}, {}); });
    QVERIFY2(singular.find("singular intrinsics") != std::string::npos, singular.c_str());
    ReferenceSet unreadable = reference_;
    unreadable.views[1].image = root_ + "/missing.png";
    const std::string missing =
        test::ErrorOf([&] { BuildTemplateDatabase(unreadable, *service_, "dense_sift", {}, progress, {}); });
    QVERIFY2(missing.find("missing.png") != std::string::npos, missing.c_str());
  }

 private:
  QTemporaryDir dir_;
  std::string root_;
  BackendRegistry registry_;
  std::unique_ptr<FeatureService> service_;
  OnePoseLayout layout_;
  ReferenceSet reference_;
  std::vector<QueryFrame> frames_;
};

int RunPoseEstimatorTest(int argc, char** argv) {
  PoseEstimatorTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "pose_estimator_test.moc"
