// corrlens-cli pose and eval --task pose as processes, with dense SIFT on the
// fixture dataset in the OnePose layout: poses and errors as JSON and text,
// overlays, a mesh as the reference (rendered into the layout first; XVFB),
// the benchmark with predictions out and scored back, and one
// "corrlens-cli: error:" line for each bad input.
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>

#include "tests/common/sample_data.h"
#include "tests/common/test_helpers.h"
#include "tests/pose/onepose_fixture.h"

using namespace corrlens;

namespace {

QString Q(const std::string& s) { return QString::fromStdString(s); }

using test::FailsWith;

}  // namespace

class CmdPoseTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    root_ = dir_.path().toStdString();
    object_ = test::OnePoseFixture::Write(root_);
    object_dir_ = root_ + "/lowtexture_test_data/" + object_;
    query_ = object_dir_ + "/texbox-2/color/4.png";
  }

  void PosePrintsPosesAndErrors() {
    const QString overlays = dir_.filePath("overlays");
    const auto r = test::RunCli({"pose", "--reference", Q(object_dir_), "--query", Q(query_), "--model", "dense_sift",
                                 "--json", "--overlay-out", overlays});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QJsonObject json = QJsonDocument::fromJson(r.out.toUtf8()).object();
    QCOMPARE(json["views"].toInt(), test::OnePoseFixture::kReferenceViews);
    QCOMPARE(json["truth"].toArray().size(), 4);
    const QJsonObject model = json["models"].toArray()[0].toObject();
    QCOMPARE(model["model"].toString(), QStringLiteral("dense_sift"));
    QVERIFY(model["solved"].toBool());
    QVERIFY(model["inliers"].toInt() > 5);
    QCOMPARE(model["pose"].toArray()[3].toArray()[3].toDouble(), 1.0);
    qInfo("pose of frame 4: %d inliers of %d matches, %.3f deg, %.3f cm", model["inliers"].toInt(),
          model["matches"].toInt(), model["rotation_error_deg"].toDouble(), model["translation_error_cm"].toDouble());
    QVERIFY(model["rotation_error_deg"].toDouble() < 3.0);
    QVERIFY(model["translation_error_cm"].toDouble() < 3.0);
    QVERIFY(QFile::exists(overlays + "/4.dense_sift.png"));
    // Text output, intrinsics given explicitly for a copy outside the layout (no ground truth there).
    const std::string copy = root_ + "/query.png";
    std::filesystem::copy_file(query_, copy, std::filesystem::copy_options::overwrite_existing);
    const std::string k = object_dir_ + "/texbox-2/intrin_ba/4.txt";
    const auto text = test::RunCli(
        {"pose", "--reference", Q(object_dir_), "--query", Q(copy), "--intrinsics", Q(k), "--model", "dense_sift"});
    QVERIFY2(text.code == 0, qPrintable(text.err));
    QVERIFY2(text.out.contains("dense_sift: pose found"), qPrintable(text.out));
    QVERIFY(!text.out.contains("error: rotation"));
  }

  void MeshReference() {
#ifndef CORRLENS_TEST_HAVE_RENDER
    QSKIP("built without the renderer");
#else
    CORRLENS_REQUIRE_ASSIMP_MODEL("OBJ/spider.obj");
    const QString mesh = Q(test::AssimpModel("OBJ/spider.obj")), out = dir_.filePath("spider");
    const auto rendered =
        test::RunCli({"render", "--format", "onepose", "--mesh", mesh, "--out", out, "--test-views", "2"});
    QVERIFY2(rendered.code == 0, qPrintable(rendered.err));
    const QString object = out + "/lowtexture_test_data/0900-spider-others";
    const QString query = object + "/spider-2/color/1.png";
    const auto from_mesh =
        test::RunCli({"pose", "--reference", mesh, "--query", query, "--model", "dense_sift", "--json"});
    QVERIFY2(from_mesh.code == 0, qPrintable(from_mesh.err));
    const auto from_folder =
        test::RunCli({"pose", "--reference", object, "--query", query, "--model", "dense_sift", "--json"});
    QVERIFY2(from_folder.code == 0, qPrintable(from_folder.err));
    const QJsonObject a = QJsonDocument::fromJson(from_mesh.out.toUtf8()).object();
    const QJsonObject b = QJsonDocument::fromJson(from_folder.out.toUtf8()).object();
    QCOMPARE(a["views"].toInt(), 12);  // 60 reference frames, every 5th annotated
    const QJsonObject ma = a["models"].toArray()[0].toObject(), mb = b["models"].toArray()[0].toObject();
    qInfo("spider frame 1 from the mesh: %d inliers, %.2f deg, %.2f cm", ma["inliers"].toInt(),
          ma["rotation_error_deg"].toDouble(), ma["translation_error_cm"].toDouble());
    QVERIFY(ma["solved"].toBool());
    QCOMPARE(ma["pose"], mb["pose"]);  // the same views, whichever way they came
#endif
  }

  void EvalRunsAndScoresPredictions() {
    const QString predictions = dir_.filePath("pose_predictions.json");
    const auto r = test::RunCli({"eval", "--task", "pose", "--dataset", Q(root_), "--model", "dense_sift", "--json",
                                 "--predictions-out", predictions});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QJsonObject report = QJsonDocument::fromJson(r.out.toUtf8()).object();
    QCOMPARE(report["task"].toString(), QStringLiteral("pose"));
    const QJsonObject metrics = report["rows"].toArray()[0].toObject()["metrics"].toObject();
    QCOMPARE(metrics["frames"].toDouble(), 2.0);
    QCOMPARE(metrics["pose_5cm_5deg"].toDouble(), 1.0);
    QVERIFY(QFile::exists(predictions));
    const auto scored =
        test::RunCli({"eval", "--task", "pose", "--dataset", Q(root_), "--predictions", predictions, "--json"});
    QVERIFY2(scored.code == 0, qPrintable(scored.err));
    const QJsonObject again = QJsonDocument::fromJson(scored.out.toUtf8()).object();
    const QJsonObject row = again["rows"].toArray()[0].toObject();
    QCOMPARE(row["model"].toString(), QStringLiteral("pose_predictions"));
    for (const char* name : {"pose_1cm_1deg", "pose_3cm_3deg", "pose_5cm_5deg"})
      QCOMPARE(row["metrics"].toObject()[name].toDouble(), metrics[name].toDouble());
    const auto full = test::RunCli(
        {"eval", "--task", "pose", "--dataset", Q(root_), "--predictions", predictions, "--preset", "full"});
    QVERIFY(FailsWith(full, "no prediction for frame 1"));
  }

  void BadInputGivesOneLine() {
    const std::string copy = root_ + "/outside.png";
    std::filesystem::copy_file(query_, copy, std::filesystem::copy_options::overwrite_existing);
    const std::string singular = root_ + "/K0.txt", garbage = root_ + "/garbage.png";
    std::ofstream(singular) << "0 0 0\n0 0 0\n0 0 1\n";
    std::ofstream(garbage) << "not an image";
    const QStringList pose = {"pose", "--reference", Q(object_dir_), "--model", "dense_sift", "--query"};
    QVERIFY(FailsWith(test::RunCli(pose + QStringList{Q(copy)}), "--intrinsics"));
    QVERIFY(FailsWith(test::RunCli(pose + QStringList{Q(copy), "--intrinsics", Q(singular)}), "singular intrinsics"));
    QVERIFY(FailsWith(test::RunCli(pose + QStringList{Q(garbage), "--intrinsics", Q(singular)}), "garbage.png"));
    QVERIFY(FailsWith(test::RunCli({"pose", "--reference", Q(root_), "--query", Q(query_), "--model", "dense_sift"}),
                      "not inside a lowtexture_test_data folder"));
    QVERIFY(
        FailsWith(test::RunCli({"eval", "--task", "pose", "--dataset", Q(root_ + "/nothing"), "--model", "dense_sift"}),
                  "no lowtexture_test_data folder"));
    QVERIFY(FailsWith(test::RunCli({"eval", "--task", "pose", "--dataset", Q(root_)}), "no model given"));
    QVERIFY(FailsWith(test::RunCli({"eval", "--task", "pose", "--model", "dense_sift"}), "no dataset given"));
    QVERIFY(FailsWith(
        test::RunCli({"eval", "--task", "pose", "--dataset", Q(root_), "--model", "dense_sift", "--preset", "quick"}),
        "unknown preset"));
  }

 private:
  QTemporaryDir dir_;
  std::string root_, object_, object_dir_, query_;
};

QTEST_GUILESS_MAIN(CmdPoseTest)
#include "cmd_pose_test.moc"
