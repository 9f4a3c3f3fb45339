// The pose benchmark task (core/bench/pose_task) end to end with dense SIFT
// on the fixture dataset in the OnePose layout: paper and full presets,
// the predictions JSON round trip, scoring given poses, the task catalog,
// and one clear error for each bad input.
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "core/bench/pose_task.h"
#include "core/bench/task_catalog.h"
#include "core/corr/feature_service.h"
#include "core/feature/backend_registry.h"
#include "core/util/fs.h"
#include "plugins/classical/classical_plugin.h"
#include "tests/common/test_helpers.h"
#include "tests/pose/onepose_fixture.h"

using namespace corrlens;
using namespace corrlens::bench;
namespace stdfs = std::filesystem;

namespace {

double RowMetric(const Report& report, const std::string& name) { return report.rows.at(0).metrics.Get(name); }

const ReportItem* Item(const ReportRow& row, const std::string& id) {
  for (const ReportItem& item : row.items)
    if (item.id == id) return &item;
  return nullptr;
}

}  // namespace

class PoseTaskTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    RegisterClassicalBackends(registry_);
    service_ = std::make_unique<FeatureService>(registry_, FeatureServiceOptions{});
    root_ = dir_.path().toStdString();
    object_ = test::OnePoseFixture::Write(root_);
  }

  void PaperPresetEndToEnd() {
    PoseTaskOptions options = Options();
    std::vector<PosePredictions> predictions;
    Progress progress;
    const Report report = RunPoseTask(options, *service_, progress, {}, &predictions);
    QCOMPARE(report.task, std::string("pose"));
    QVERIFY(report.protocol.rfind("paper: every 10th test frame", 0) == 0);
    QCOMPARE(report.rows.size(), size_t(1));
    const ReportRow& row = report.rows[0];
    qInfo("dense_sift, paper preset (2 frames): 1/3/5: %.3f %.3f %.3f, AUC@10 %.3f (%.1f s)",
          RowMetric(report, "pose_1cm_1deg"), RowMetric(report, "pose_3cm_3deg"), RowMetric(report, "pose_5cm_5deg"),
          row.curves.at(0).auc, row.seconds);
    QCOMPARE(row.curves.at(0).y.at(5), RowMetric(report, "pose_5cm_5deg"));
    QCOMPARE(RowMetric(report, "frames"), 2.0);
    QCOMPARE(RowMetric(report, "objects"), 1.0);
    QCOMPARE(RowMetric(report, "pose_5cm_5deg"), 1.0);
    QVERIFY(RowMetric(report, "pose_1cm_1deg") <= RowMetric(report, "pose_3cm_3deg"));
    const ReportItem* object = Item(row, "object:" + object_);
    QVERIFY(object);
    QCOMPARE(object->metrics.Get("pose_5cm_5deg"), 1.0);
    const ReportItem* frame = Item(row, "frame:" + object_ + "/8");
    QVERIFY(frame);
    QVERIFY(frame->metrics.Get("rotation_error_deg") < 5.0);
    QVERIFY(frame->metrics.Get("translation_error_cm") < 5.0);
    QVERIFY(frame->metrics.Get("inliers") > 5);
    // The report survives its own JSON.
    const Report again = Report::FromJson(report.ToJson());
    QCOMPARE(again.rows[0].metrics.Get("pose_3cm_3deg"), RowMetric(report, "pose_3cm_3deg"));
    // Predictions: the JSON, read back and scored to the same numbers.
    QCOMPARE(predictions.size(), size_t(1));
    const std::string path = root_ + "/predictions.json";
    fs::WriteFileAtomic(path, PosePredictionsToJson(predictions[0]));
    const auto json = nlohmann::json::parse(std::ifstream(path));
    QCOMPARE(json.size(), size_t(1));
    QCOMPARE(json["objects"][0]["object"].get<std::string>(), object_);
    QCOMPARE(json["objects"][0]["frames"][1]["frame"].get<std::string>(), std::string("8"));
    QCOMPARE(json["objects"][0]["frames"][1]["pose"].size(), size_t(4));
    QCOMPARE(json["objects"][0]["frames"][1]["pose"][3], nlohmann::json::parse("[0.0, 0.0, 0.0, 1.0]"));
    const Report scored = ScorePosePredictions(options, "dense_sift", ReadPosePredictions(path));
    for (const char* name : {"pose_1cm_1deg", "pose_3cm_3deg", "pose_5cm_5deg"})
      QCOMPARE(RowMetric(scored, name), RowMetric(report, name));
    QCOMPARE(Item(scored.rows[0], "frame:" + object_ + "/8")->metrics.Get("rotation_error_deg"),
             frame->metrics.Get("rotation_error_deg"));
  }

  void FullPresetEvaluatesEveryFrame() {
    PoseTaskOptions options = Options();
    options.preset = pose::FramePreset::kFull;
    Progress progress;
    const Report report = RunPoseTask(options, *service_, progress, {});
    qInfo("dense_sift, full preset (12 frames): 1/3/5: %.3f %.3f %.3f, %g identity fallbacks (%.1f s)",
          RowMetric(report, "pose_1cm_1deg"), RowMetric(report, "pose_3cm_3deg"), RowMetric(report, "pose_5cm_5deg"),
          RowMetric(report, "identity_fallbacks"), report.rows[0].seconds);
    QCOMPARE(RowMetric(report, "frames"), 12.0);
    QVERIFY(RowMetric(report, "pose_5cm_5deg") >= 11.0 / 12.0);
    QVERIFY(std::any_of(report.notes.begin(), report.notes.end(),
                        [](const std::string& n) { return n.find("full preset") != std::string::npos; }));
  }

  void ScoresGivenPoses() {
    PoseTaskOptions options = Options();
    const auto frames = pose::ReadOnePoseTestFrames({root_, object_}, options.preset);
    PosePredictions truth{{object_, {}}}, identity{{object_, {}}};
    for (const pose::QueryFrame& f : frames) {
      truth[0].frames.push_back({f.name, f.cam_from_object});
      identity[0].frames.push_back({f.name, cv::Matx44d::eye()});
    }
    QCOMPARE(RowMetric(ScorePosePredictions(options, "truth", truth), "pose_1cm_1deg"), 1.0);
    QCOMPARE(RowMetric(ScorePosePredictions(options, "identity", identity), "pose_5cm_5deg"), 0.0);
    // A scaled "rotation" (trace < -1) is a failure, not an error.
    cv::Matx44d& scaled = truth[0].frames[0].cam_from_object;  // -2 R: trace(R_pred R_gt^T) = -6
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) scaled(r, c) *= -2.0;
    const Report nan = ScorePosePredictions(options, "nan", truth);
    QCOMPARE(RowMetric(nan, "pose_5cm_5deg"), 0.5);
    QVERIFY(!Item(nan.rows[0], "frame:" + object_ + "/0")->metrics.Has("rotation_error_deg"));
    QCOMPARE(nan.rows[0].curves.at(0).y.back(), 0.5);  // never passes, even at 10 cm / 10 deg
  }

  // The accuracy vs k cm / k deg curve on two frames with errors set by hand:
  // frame 0 off by 2.5 cm (exact rotation), frame 8 turned by 6.5 deg (exact
  // translation), so max(cm, deg) = 2.5 and 6.5.
  void CurveOfGivenErrors() {
    PoseTaskOptions options = Options();
    const auto frames = pose::ReadOnePoseTestFrames({root_, object_}, options.preset);
    QCOMPARE(frames.size(), size_t(2));
    PosePredictions given{{object_, {}}};
    cv::Matx44d shifted = frames[0].cam_from_object;
    shifted(0, 3) += 0.025;
    const double a = 6.5 * M_PI / 180.0;
    const cv::Matx44d turn(std::cos(a), -std::sin(a), 0, 0, std::sin(a), std::cos(a), 0, 0, 0, 0, 1, 0, 0, 0, 0, 1);
    cv::Matx44d turned = turn * frames[1].cam_from_object;
    for (int r = 0; r < 3; ++r) turned(r, 3) = frames[1].cam_from_object(r, 3);
    given[0].frames = {{frames[0].name, shifted}, {frames[1].name, turned}};
    const Report report = ScorePosePredictions(options, "given", given);
    const Curve& curve = report.rows.at(0).curves.at(0);
    QCOMPARE(curve.name, std::string("pose"));
    QCOMPARE(curve.x, (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
    const std::vector<double> expected = {0, 0, 0, 0.5, 0.5, 0.5, 0.5, 1, 1, 1, 1};
    for (size_t k = 0; k < expected.size(); ++k) QVERIFY2(curve.y[k] == expected[k], qPrintable(QString::number(k)));
    // Exact area of the step curve over [0, 10]: mean of (1 - 2.5 / 10, 1 - 6.5 / 10).
    QVERIFY(std::abs(curve.auc - 0.55) < 1e-9);
    // The curve meets the summary metrics at k = 1, 3, 5.
    QCOMPARE(curve.y[1], RowMetric(report, "pose_1cm_1deg"));
    QCOMPARE(curve.y[3], RowMetric(report, "pose_3cm_3deg"));
    QCOMPARE(curve.y[5], RowMetric(report, "pose_5cm_5deg"));
    // Frame items say where the object folder is (the GUI opens them there).
    const ReportItem* frame = Item(report.rows[0], "frame:" + object_ + "/8");
    QVERIFY(std::find(frame->attributes.begin(), frame->attributes.end(),
                      std::pair<std::string, std::string>("folder", pose::OnePoseLayout{root_, object_}.ObjectDir())) !=
            frame->attributes.end());
  }

  void BadPredictions() {
    const PoseTaskOptions options = Options();
    const std::string path = root_ + "/bad.json";
    std::ofstream(path) << "{\"objects\": [{\"object\": \"" + object_ +
                               "\", \"frames\": [{\"frame\": \"0\", \"pose\": [[1]]}]}]}";
    QVERIFY(OneLine(test::ErrorOf([&] { ReadPosePredictions(path); }), path, "is not a 4x4 list"));
    std::ofstream(path) << "{\"things\": []}";
    QVERIFY(OneLine(test::ErrorOf([&] { ReadPosePredictions(path); }), path, "not a pose predictions file"));
    const PosePredictions other{{"0999-other-box", {}}};
    QVERIFY(OneLine(test::ErrorOf([&] { ScorePosePredictions(options, "m", other); }), "0999-other-box",
                    "not in the dataset"));
    const PosePredictions partial{{object_, {{"0", cv::Matx44d::eye()}}}};
    QVERIFY(OneLine(test::ErrorOf([&] { ScorePosePredictions(options, "m", partial); }), "frame 8", "no prediction"));
  }

  void UnreadableQueryImage() {
    QTemporaryDir dir;
    const std::string root = dir.path().toStdString();
    const std::string object = test::OnePoseFixture::Write(root);
    const std::string image = root + "/lowtexture_test_data/" + object + "/texbox-2/color/8.png";
    std::ofstream(image) << "not a png";
    PoseTaskOptions options = Options();
    options.dataset = root;
    Progress progress;
    QVERIFY(OneLine(test::ErrorOf([&] { RunPoseTask(options, *service_, progress, {}); }), image, ""));
  }

  void InTheTaskCatalog() {
    const auto names = TaskNames();
    QVERIFY(std::find(names.begin(), names.end(), "pose") != names.end());
    QVERIFY(!TaskDescription("pose").empty());
    QCOMPARE(DefaultDataset("pose"), std::string("data"));
    TaskSpec spec;
    spec.task = "pose";
    spec.dataset = root_ + "/nothing";
    QVERIFY(ValidateDataset(spec).find("lowtexture_test_data is missing") != std::string::npos);
    spec.dataset = root_;
    QCOMPARE(ValidateDataset(spec), std::string());
    spec.models = {"dense_sift"};
    spec.preset = "quick";
    Progress progress;
    const Report report = RunTask(spec, *service_, progress, {});
    QCOMPARE(report.rows[0].metrics.Get("objects"), 1.0);
  }

 private:
  PoseTaskOptions Options() const {
    PoseTaskOptions options;
    options.models = {"dense_sift"};
    options.dataset = root_;
    return options;
  }

  static bool OneLine(const std::string& error, const std::string& file, const std::string& words) {
    const bool ok = error.find(file) != std::string::npos && error.find(words) != std::string::npos &&
                    error.find('\n') == std::string::npos && error != "no error";
    if (!ok) qWarning("%s", error.c_str());
    return ok;
  }

  QTemporaryDir dir_;
  std::string root_, object_;
  BackendRegistry registry_;
  std::unique_ptr<FeatureService> service_;
};

int RunPoseTaskTest(int argc, char** argv) {
  PoseTaskTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "pose_task_test.moc"
