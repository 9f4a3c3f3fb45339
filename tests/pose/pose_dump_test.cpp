// Pose dumps (core/pose/pose_dump): nothing without CORRLENS_POSE_DUMP; with
// it, the templates once per database and per estimate the queries, grid, K,
// matches and CorrLens's answer, read back here; then
// scripts/bench/pose_reference.py (the reference's steps in python3-torch
// and OpenCV) finds the same mutual matches and pose on them.
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <cstdlib>
#include <filesystem>

#include "core/corr/feature_service.h"
#include "core/feature/backend_registry.h"
#include "core/io/image.h"
#include "core/io/tensor_file.h"
#include "core/pose/pose_dump.h"
#include "core/pose/pose_estimator.h"
#include "plugins/classical/classical_plugin.h"
#include "tests/common/python.h"
#include "tests/common/test_paths.h"
#include "tests/pose/onepose_fixture.h"

using namespace corrlens;
using namespace corrlens::pose;

class PoseDumpTest : public QObject {
  Q_OBJECT

 private slots:
  void WritesWhatTheReferenceScriptReads() {
    BackendRegistry registry;
    RegisterClassicalBackends(registry);
    FeatureService service(registry, FeatureServiceOptions{});
    QTemporaryDir dir;
    const std::string root = dir.path().toStdString();
    const OnePoseLayout layout{root, test::OnePoseFixture::Write(root)};
    const ReferenceSet reference = ReadOnePoseReference(layout);
    const std::vector<QueryFrame> frames = ReadOnePoseTestFrames(layout, FramePreset::kFull);
    Progress progress;
    const TemplateDatabase db = BuildTemplateDatabase(reference, service, "dense_sift", {}, progress, {});
    const QueryFrame& frame = frames[0];
    const cv::Mat rgb = io::ReadImageRgb(frame.image);

    unsetenv("CORRLENS_POSE_DUMP");
    QVERIFY(PoseDumpDir().empty());
    const std::string dump = root + "/dump";
    EstimatePose(db, rgb, frame.intrinsics, service, {}, {});
    QVERIFY(!std::filesystem::exists(dump));

    setenv("CORRLENS_POSE_DUMP", dump.c_str(), 1);
    const PoseEstimate a = EstimatePose(db, rgb, frame.intrinsics, service, {}, {});
    const PoseEstimate b = EstimatePose(db, io::ReadImageRgb(frames[1].image), frames[1].intrinsics, service, {}, {});
    unsetenv("CORRLENS_POSE_DUMP");
    QVERIFY(a.match_seconds > 0.0 && a.pnp_seconds >= 0.0 && a.extract_seconds > 0.0);
    QVERIFY(a.extract_seconds + a.match_seconds + a.pnp_seconds <= a.seconds);
    const auto shape = [&](const std::string& file) {
      return io::ReadTensorFile(dump + "/" + file).tensors.at(0).tensor.shape;
    };
    QCOMPARE(shape("templates_0/templates.npy"), (std::vector<int64_t>{int64_t(db.Size()), 128}));
    QCOMPARE(shape("templates_0/points3d.npy"), (std::vector<int64_t>{int64_t(db.Size()), 3}));
    QVERIFY(!std::filesystem::exists(dump + "/templates_1"));  // one database, written once
    const int64_t grid = int64_t((rgb.cols + 3) / 4) * ((rgb.rows + 3) / 4);
    QCOMPARE(shape("frame_0/queries.npy"), (std::vector<int64_t>{grid, 128}));
    QCOMPARE(shape("frame_0/grid.npy"), (std::vector<int64_t>{grid, 2}));
    QCOMPARE(shape("frame_0/K.npy"), (std::vector<int64_t>{3, 3}));
    QCOMPARE(shape("frame_0/matches.npy"), (std::vector<int64_t>{int64_t(a.matches.size()), 2}));
    QCOMPARE(shape("frame_1/matches.npy"), (std::vector<int64_t>{int64_t(b.matches.size()), 2}));
    QFile json(QString::fromStdString(dump + "/frame_0/corrlens.json"));
    QVERIFY(json.open(QIODevice::ReadOnly));
    const QJsonObject answer = QJsonDocument::fromJson(json.readAll()).object();
    QCOMPARE(answer["inliers"].toInt(), a.inliers);
    QCOMPARE(answer["templates"].toString(), QStringLiteral("templates_0"));
    QCOMPARE(answer["extract_seconds"].toDouble(), a.extract_seconds);
    const cv::Mat dumped = io::ReadImageRgb(dump + "/frame_0/query.png");  // the query, losslessly
    QVERIFY(dumped.size() == rgb.size() && cv::norm(dumped, rgb, cv::NORM_INF) == 0);

    const test::PythonResult py = test::RunPython3(
        {test::SourcePath("/scripts/bench/pose_reference.py"), QString::fromStdString(dump), "--repeat", "1"});
    if (py.err.contains("is missing")) QSKIP(qPrintable(py.err.trimmed()));
    QVERIFY2(py.ok, qPrintable(py.err));
    const QStringList lines = py.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 3);  // two frames and the summary
    for (int i = 0; i < 2; ++i) {
      const QJsonObject row = QJsonDocument::fromJson(lines[i].toUtf8()).object();
      QCOMPARE(row["common_matches"].toInt(), row["corrlens_matches"].toInt());
      QCOMPARE(row["reference_matches"].toInt(), row["corrlens_matches"].toInt());
      QCOMPARE(row["reference_inliers"].toInt(), row["corrlens_inliers"].toInt());
      QVERIFY2(row["pose_difference_cm"].toDouble() < 1e-3, qPrintable(lines[i]));
    }
    qInfo("%s", qPrintable(lines[2]));
  }
};

int RunPoseDumpTest(int argc, char** argv) {
  PoseDumpTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "pose_dump_test.moc"
