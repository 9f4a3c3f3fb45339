// Mesh -> OnePose-LowTexture export: layout and 2D-3D consistency checked by
// an independent numpy script, overwrite rules, bad meshes, cancel; XVFB.
#include <QtTest/QtTest>
#include "tests/common/test_paths.h"

#include <QTemporaryDir>

#include <filesystem>
#include <fstream>

#include "core/pose/onepose_export.h"
#include "core/util/error.h"
#include "tests/common/python.h"
#include "tests/common/render_job.h"
#include "tests/common/sample_data.h"

using namespace corrlens::pose;
namespace stdfs = std::filesystem;

namespace {

const std::string kSpider = corrlens::test::AssimpModel("OBJ/spider.obj");

OnePoseExportOptions Small(const std::string& root) {
  OnePoseExportOptions options;
  options.mesh_path = kSpider;
  options.root = root;
  options.reference_views = 11;  // annotated: 0, 5, 10 (natural order), "10" sorts before "5"
  options.test_views = 3;
  return options;
}

OnePoseExportResult Export(const OnePoseExportOptions& options) {
  return corrlens::test::RunJob(ExportOnePoseObject, options);
}
QString ErrorOf(const OnePoseExportOptions& options) { return corrlens::test::JobError(ExportOnePoseObject, options); }

}  // namespace

class OnePoseExportTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { CORRLENS_REQUIRE_ASSIMP_MODEL("OBJ/spider.obj"); }

  void WritesTheLayoutTheReferenceReads() {
    QTemporaryDir dir;
    const std::string root = dir.path().toStdString();
    double last = 0.0;
    corrlens::Progress progress([&last](double fraction, const std::string&) { last = fraction; });
    corrlens::CancelToken cancel;
    const OnePoseExportResult result = ExportOnePoseObject(Small(root), progress, cancel);
    QCOMPARE(QString::fromStdString(result.object), QStringLiteral("0900-spider-others"));
    QCOMPARE(result.annotated_frames, 3);
    QCOMPARE(last, 1.0);
    QVERIFY(result.points3d > 100);
    QVERIFY(result.correspondences > result.points3d);  // points are shared across views
    QVERIFY(stdfs::exists(result.object_dir + "/corrlens_export.json"));
    QVERIFY(!stdfs::exists(result.object_dir + "/spider-2/anno_loftr"));
    const corrlens::test::PythonResult py =
        corrlens::test::RunPython3({corrlens::test::SourcePath("/tests/pose/check_onepose_export.py"), dir.path(),
                                    QString::fromStdString(result.object)});
    QVERIFY2(py.ok, qPrintable(py.out + py.err));
    qInfo("%s", qPrintable(py.out.trimmed()));
  }

  void KeepsAnEarlierExportUnlessForced() {
    QTemporaryDir dir;
    OnePoseExportOptions options = Small(dir.path().toStdString());
    options.reference_views = 2;
    options.test_views = 1;
    const OnePoseExportResult first = Export(options);
    const std::string user_file = first.object_dir + "/notes.txt";
    std::ofstream(user_file) << "mine";
    options.reference_views = 1;
    const QString error = ErrorOf(options);
    QVERIFY2(error.contains("already exists") && error.contains("--force"), qPrintable(error));
    QVERIFY(stdfs::exists(first.object_dir + "/spider-1/color/1.png"));  // untouched
    options.force = true;
    const OnePoseExportResult second = Export(options);
    QCOMPARE(second.object, first.object);                                // same name reuses its id
    QVERIFY(!stdfs::exists(first.object_dir + "/spider-1/color/1.png"));  // stale frame removed
    QVERIFY(stdfs::exists(user_file));                                    // the user's file stays
    options.force = false;
    options.name = "other";
    QCOMPARE(QString::fromStdString(Export(options).object), QStringLiteral("0901-other-others"));
  }

  void RejectsBadInput() {
    QTemporaryDir dir;
    const std::string bad = dir.filePath("broken.obj").toStdString();
    std::ofstream(bad) << "this is not a mesh\n";
    OnePoseExportOptions options = Small(dir.filePath("root").toStdString());
    options.mesh_path = bad;
    const QString error = ErrorOf(options);
    QVERIFY2(error.contains("broken.obj"), qPrintable(error));
    QVERIFY(!stdfs::exists(options.root));  // nothing written
    options.mesh_path = kSpider;
    options.name = "toy-robot";  // '-' would break the reference's name parsing
    QVERIFY(ErrorOf(options).contains("invalid OnePose export options"));
    QVERIFY(!stdfs::exists(options.root));
  }

  void Cancels() {
    QTemporaryDir dir;
    corrlens::Progress progress;
    corrlens::CancelToken cancel;
    cancel.Cancel();
    QVERIFY_THROWS_EXCEPTION(corrlens::Cancelled,
                             ExportOnePoseObject(Small(dir.path().toStdString()), progress, cancel));
  }

  void NamesFromMeshFiles() {
    QCOMPARE(QString::fromStdString(OnePoseNameFromMesh("/x/Toy-Robot_v2.glb")), QStringLiteral("toyrobotv2"));
    QCOMPARE(QString::fromStdString(OnePoseNameFromMesh("/x/---.obj")), QStringLiteral("mesh"));
  }
};

QTEST_GUILESS_MAIN(OnePoseExportTest)
#include "onepose_export_test.moc"
