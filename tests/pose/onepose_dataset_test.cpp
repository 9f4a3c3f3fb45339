// The OnePose-LowTexture reader on a tiny dataset written in the real formats
// (onepose_fixture.h): objects, sequences, 2D-3D annotations consistent with
// the poses, the paper/full frame selection, and one clear error naming the
// file for every kind of bad input.
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>

#include "core/pose/onepose_dataset.h"
#include "core/pose/pnp.h"
#include "tests/common/test_helpers.h"
#include "tests/pose/onepose_fixture.h"

using namespace corrlens;
using namespace corrlens::pose;
namespace stdfs = std::filesystem;

namespace {

// The message of the Error ReadOnePoseReference / ReadOnePoseTestFrames throw.
std::string ReadError(const OnePoseLayout& layout) {
  return test::ErrorOf([&] {
    ReadOnePoseReference(layout);
    ReadOnePoseTestFrames(layout, FramePreset::kFull);
  });
}

bool Names(const std::string& error, const std::string& file, const std::string& words) {
  const bool ok = error.find(file) != std::string::npos && error.find(words) != std::string::npos &&
                  error.find('\n') == std::string::npos;
  if (!ok) qWarning("%s", error.c_str());
  return ok;
}

}  // namespace

class OnePoseDatasetTest : public QObject {
  Q_OBJECT

 private slots:
  void init() {
    dir_ = std::make_unique<QTemporaryDir>();
    root_ = dir_->path().toStdString();
    layout_ = {root_, test::OnePoseFixture::Write(root_)};
  }

  void ListsSortedObjects() {
    test::OnePoseFixture::Write(root_, "anotherbox");  // "0801-anotherbox-box" sorts first
    stdfs::create_directories(root_ + "/lowtexture_test_data/0000-stray-file");
    std::ofstream(root_ + "/lowtexture_test_data/notes.txt") << "not an object";
    const std::vector<std::string> objects = ListOnePoseObjects(root_);
    QCOMPARE(objects, (std::vector<std::string>{"0000-stray-file", "0801-anotherbox-box", "0801-texbox-box"}));
    QCOMPARE(OnePoseSequenceName("0700-toyrobot-others", 1), std::string("toyrobot-1"));
    QCOMPARE(OnePoseSequenceName("0706-teabox-box", 2), std::string("teabox-2"));
    QVERIFY(Names(test::ErrorOf([] { OnePoseSequenceName("mesh", 1); }), "mesh", "no '-'"));
    QVERIFY(Names(test::ErrorOf([&] { ListOnePoseObjects(root_ + "/nothing"); }), "lowtexture_test_data",
                  "no lowtexture_test_data folder"));
  }

  void ReadsTheReferenceAsTheBenchmarkDoes() {
    const ReferenceSet set = ReadOnePoseReference(layout_);
    QCOMPARE(set.name, layout_.object);
    QCOMPARE(set.views.size(), size_t(test::OnePoseFixture::kReferenceViews));
    QCOMPARE(set.views[2].name, std::string("2"));  // numeric order
    QCOMPARE(set.box.size(), size_t(8));
    QVERIFY(set.KeypointCount() > 500);
    for (const ReferenceView& v : set.views) {
      QVERIFY(v.cam_from_object.has_value());
      QCOMPARE(v.keypoints.size(), v.points.size());
      QVERIFY(!v.keypoints.empty());
      for (size_t k = 0; k < v.keypoints.size();
           ++k) {  // keypoints2d[assign[0]] is the projection of keypoints3d[assign[1]]
        cv::Point2d p;
        QVERIFY(ProjectPoint(v.intrinsics, *v.cam_from_object, v.points[k], &p));
        QVERIFY(cv::norm(p - v.keypoints[k]) < 1e-6);
      }
    }
    // The same folder found from the object folder itself (the `pose --reference` form).
    const OnePoseLayout again = OnePoseLayoutOfObjectFolder(layout_.ObjectDir() + "/");
    QCOMPARE(again.object, layout_.object);
    QCOMPARE(stdfs::canonical(again.root), stdfs::canonical(root_));
    QVERIFY(Names(test::ErrorOf([&] { OnePoseLayoutOfObjectFolder(root_); }), root_, "not inside"));
  }

  void BoundingBoxFallsBackToThePoints() {
    ReferenceSet set = ReadOnePoseReference(layout_);
    const auto box = set.BoundingBox();
    set.box.clear();
    const auto fallback = set.BoundingBox();
    QCOMPARE(fallback.size(), size_t(8));
    for (size_t i = 0; i < 8; ++i) QVERIFY(cv::norm(fallback[i] - box[i]) < 0.01);  // grid points reach near the edges
  }

  void SelectsTestFramesLikeThePresets() {
    const auto paper = ReadOnePoseTestFrames(layout_, FramePreset::kPaper);
    QCOMPARE(paper.size(), size_t(2));  // 0, 1, 10, 11, 2, ..., 9: positions 0 and 10
    QCOMPARE(paper[0].name, std::string("0"));
    QCOMPARE(paper[1].name, std::string("8"));
    const auto full = ReadOnePoseTestFrames(layout_, FramePreset::kFull);
    QCOMPARE(full.size(), size_t(test::OnePoseFixture::kTestViews));
    for (size_t i = 0; i < full.size(); ++i) QCOMPARE(full[i].name, std::to_string(i));
    QVERIFY(cv::norm(full[5].cam_from_object - test::OnePoseFixture::TestPose(5)) < 1e-12);
    QCOMPARE(SelectFrameFiles({"1.png", "10.png", "9.png", "100.png"}, FramePreset::kFull),
             (std::vector<std::string>{"1.png", "9.png", "10.png", "100.png"}));
    std::vector<std::string> many;
    for (int i = 0; i < 25; ++i) many.push_back(std::to_string(i) + ".png");
    QCOMPARE(SelectFrameFiles(many, FramePreset::kPaper),
             (std::vector<std::string>{"0.png", "18.png", "5.png"}));  // sorted as strings, every 10th
    QCOMPARE(FramePresetFromName("full"), FramePreset::kFull);
    QVERIFY(Names(test::ErrorOf([] { FramePresetFromName("quick"); }), "preset", "unknown preset"));
  }

  void MissingNpzOrJson() {
    stdfs::remove(layout_.PointsFile());
    QVERIFY(Names(ReadError(layout_), "anno_3d_average.npz", "3D points file is missing"));
    init();
    const std::string json = layout_.SequenceDir(1) + "/anno_loftr/3.json";
    std::ofstream(json) << "{\"keypoints2d\": [[1, 2]], \"assign";
    QVERIFY(Names(ReadError(layout_), json, "not JSON"));
    stdfs::remove_all(layout_.SequenceDir(1) + "/anno_loftr");
    QVERIFY(Names(ReadError(layout_), "anno_loftr", "no anno_loftr/*.json"));
  }

  void AssignIndicesOutOfRange() {
    const std::string json = layout_.SequenceDir(1) + "/anno_loftr/4.json";
    std::ofstream(json) << R"({"keypoints2d": [[1, 2], [3, 4]], "assign_matrix": [[0, 1], [0, 999999]]})";
    QVERIFY(Names(ReadError(layout_), json, "assign_matrix column 1 = (1, 999999) is out of range"));
    std::ofstream(json) << R"({"keypoints2d": [[1, 2]], "assign_matrix": [[0, 5], [0, 1]]})";
    QVERIFY(Names(ReadError(layout_), json, "out of range"));
    std::ofstream(json) << R"({"keypoints2d": [[1, 2]], "assign_matrix": [[0, 0]]})";
    QVERIFY(Names(ReadError(layout_), json, "not a 2 x k list"));
    // Beyond int (found by fuzz_onepose: the cast was undefined), refused before the cast.
    std::ofstream(json) << R"({"keypoints2d": [[1, 2]], "assign_matrix": [[1e20], [0]]})";
    QVERIFY(Names(ReadError(layout_), json, "assign_matrix holds the index 1e+20, out of range"));
  }

  void NonRigidPose() {
    const std::string pose = layout_.SequenceDir(2) + "/poses_ba/6.txt";
    cv::Matx44d scaled = test::OnePoseFixture::TestPose(6);
    for (int i = 0; i < 3; ++i) scaled(i, 0) *= 1.2;  // a stretched rotation
    test::OnePoseFixture::WriteMatrix(pose, scaled.val, 4, 4);
    QVERIFY(Names(ReadError(layout_), pose, "not a rigid transform"));
    std::ofstream(pose) << "1 0 0\n0 1 0\n";
    QVERIFY(Names(ReadError(layout_), pose, "expected a 4x4 matrix"));
    std::ofstream(pose) << "1 0 0 0\n0 1 0 0\n0 0 1 0.3\n0 0 0 one\n";
    QVERIFY(Names(ReadError(layout_), pose, "'one' is not a number"));
  }

  void SingularIntrinsics() {
    const std::string k = layout_.SequenceDir(1) + "/intrin_ba/5.txt";
    std::ofstream(k) << "0 0 128\n0 0 128\n0 0 1\n";
    QVERIFY(Names(ReadError(layout_), k, "singular intrinsics"));
    QVERIFY(Names(test::ErrorOf([&] { CheckIntrinsics(cv::Matx33d(400, 0, 1, 0, 400, 1, 0, 1, 1), "K.txt"); }), "K.txt",
                  "last row"));
    // OnePose's intrinsics.txt form is read too.
    std::ofstream(k) << "fx: 420\nfy: 421\ncx: 128\ncy: 127\n";
    QCOMPARE(ReadIntrinsics(k), cv::Matx33d(420, 0, 128, 0, 421, 127, 0, 0, 1));
  }

  void EmptyReferenceSet() {
    for (int i = 0; i < test::OnePoseFixture::kReferenceViews; ++i)
      std::ofstream(layout_.SequenceDir(1) + "/anno_loftr/" + std::to_string(i) + ".json")
          << R"({"keypoints2d": [[1, 2]], "assign_matrix": [[], []]})";
    QVERIFY(Names(ReadError(layout_), "anno_loftr", "empty reference set"));
  }

  void MissingImage() {
    stdfs::remove(layout_.SequenceDir(1) + "/color/7.png");
    QVERIFY(Names(ReadError(layout_), "color/7.png", "image of an annotated frame is missing"));
  }

 private:
  std::unique_ptr<QTemporaryDir> dir_;
  std::string root_;
  OnePoseLayout layout_;
};

int RunOnePoseDatasetTest(int argc, char** argv) {
  OnePoseDatasetTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "onepose_dataset_test.moc"
