// The Pose workspace on a tiny OnePose-layout object exported from an
// assimp-testmodels mesh (so XVFB): rows per model with a pose and the mesh
// outlines, stepping through test frames, the 3D view's cameras, meshes
// opened through the cache, bad input, and session sections. With CORRLENS_POSE_SCREENSHOT=PNG
// set, `screenshot` saves the README screenshot.
#include <QJsonObject>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "core/pose/onepose_export.h"
#include "tests/common/sample_data.h"
#include "tests/ui/benchmark_test_support.h"
#include "ui/image_view.h"
#include "ui/job_runner.h"
#include "ui/main_window.h"
#include "ui/pose_controller.h"
#include "ui/pose_scene.h"
#include "ui/pose_workspace.h"
#include "ui/session_model.h"

using namespace corrlens;
using namespace corrlens::ui;

namespace {

const std::string kSpider = test::AssimpModel("OBJ/spider.obj");

// ROOT/lowtexture_test_data/0900-spider-others with `test_views` test frames.
QString ExportSpider(const QTemporaryDir& dir, int test_views) {
  pose::OnePoseExportOptions options;
  options.mesh_path = kSpider;
  options.root = dir.path().toStdString();
  options.reference_views = 30;
  options.test_views = test_views;
  Progress progress;
  CancelToken cancel;
  return QString::fromStdString(pose::ExportOnePoseObject(options, progress, cancel).object_dir);
}

// Share of the outline's points drawn in a silhouette colour in `overlay`
// (green truth or yellow estimate: the later one covers close outlines).
double OutlineDrawn(const QImage& overlay, const std::vector<std::vector<cv::Point>>& outline) {
  int drawn = 0, total = 0;
  for (const auto& contour : outline) {
    for (const cv::Point& p : contour) {
      ++total;
      const QColor v = overlay.pixelColor(p.x, p.y);
      for (const QColor c : {QColor(40, 220, 40), QColor(255, 220, 0)}) {
        if (std::abs(v.red() - c.red()) < 60 && std::abs(v.green() - c.green()) < 60 &&
            std::abs(v.blue() - c.blue()) < 60) {
          ++drawn;
          break;
        }
      }
    }
  }
  return total > 0 ? double(drawn) / total : 0.0;
}

struct Fixture {
  Fixture() {
    provider.with_test_models = false;
    session.SetModels({"dense_sift", "dense_rootsift"});
  }
  bool WaitResults(PoseWorkspace& w, const QString& frame) {
    return QTest::qWaitFor(
        [&] {
          return !w.Controller()->Busy() && w.Controller()->Query().name == frame &&
                 w.Controller()->Result("dense_sift") && w.Controller()->Result("dense_rootsift");
        },
        120000);
  }
  test::ClassicalProvider provider;
  SessionModel session;
  JobRunner jobs;
};

}  // namespace

class PoseWorkspaceTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { CORRLENS_REQUIRE_ASSIMP_MODEL("OBJ/spider.obj"); }

  void rowsShowEachModelsPose() {
    QTemporaryDir dir;
    const QString object = ExportSpider(dir, 3);
    Fixture f;
    PoseWorkspace w(&f.session, &f.jobs, &f.provider);
    w.resize(1200, 800);
    QVERIFY(w.CanOpen({object}));
    QString error;
    QVERIFY2(w.Open({object}, std::nullopt, &error), qPrintable(error));
    QVERIFY(f.WaitResults(w, "0"));
    QCOMPARE(w.RowIds(), (QStringList{"dense_sift", "dense_rootsift"}));
    QCOMPARE(int(w.Controller()->Frames().size()), 3);
    QVERIFY(w.Controller()->Reference()->views.size() == 6);  // every 5th of 30
    for (const QString id : {"dense_sift", "dense_rootsift"}) {
      const PoseRowResult* r = w.Controller()->Result(id);
      QVERIFY(r->estimate.matches.size() > 20);
      QVERIFY2(r->estimate.solved, qPrintable(id + ": " + r->summary));
      QVERIFY(r->error.has_value());  // the test frame has ground truth
      qInfo("%s frame 0: %s", qPrintable(id), qPrintable(r->summary));
      QVERIFY2(w.RowStatus(id).contains("inliers"), qPrintable(w.RowStatus(id)));
      QCOMPARE(w.RowView(id)->Image().size(), QSize(512, 512));
      // The mesh's outline at the truth (green) and at the estimate (yellow).
      QVERIFY(!r->truth_silhouette.empty() && !r->estimate_silhouette.empty());
      QVERIFY2(OutlineDrawn(r->overlay, r->truth_silhouette) > 0.8, qPrintable(id));
      QVERIFY2(OutlineDrawn(r->overlay, r->estimate_silhouette) > 0.8, qPrintable(id));
    }
    QVERIFY(w.Controller()->HasSilhouettes());
    // A click on a matched query pixel names the reference view it matched.
    const pose::PoseMatch& m = w.Controller()->Result("dense_sift")->estimate.matches.front();
    emit w.RowView("dense_sift")->pointClicked(QPointF(m.query.x + 1, m.query.y));
    QVERIFY2(w.RowMatchText("dense_sift").contains("matched reference view"), qPrintable(w.RowMatchText("dense_sift")));
    // 3D view: 6 reference cameras, the true camera and one per solved model.
    QCOMPARE(w.Scene()->Cameras().size(), 6 + 1 + 2);
    QCOMPARE(w.Scene()->Cameras().back().color, PoseWorkspace::RowColor(1));
    // Right arrow: the next test frame, recomputed with the cached templates.
    w.Controller()->Step(1);
    QVERIFY(f.WaitResults(w, "1"));
    QCOMPARE(w.Controller()->Frame(), 1);
    w.Controller()->Step(5);  // clamped to the last frame
    QVERIFY(f.WaitResults(w, "2"));
    QVERIFY(w.Status().contains("0900-spider-others"));
    // The session section names the object and the frame.
    const QJsonObject json = w.SaveDocument();
    QCOMPARE(json["frame"].toInt(), 2);
    QCOMPARE(json["object"].toString(), object);
    PoseWorkspace reopened(&f.session, &f.jobs, &f.provider);
    QString load_error;
    QVERIFY2(reopened.LoadDocument(json, dir.path(), &load_error), qPrintable(load_error));
    QVERIFY(f.WaitResults(reopened, "2"));
    QCOMPARE(reopened.Controller()->Frame(), 2);
  }

  // The benchmark's route: an object folder at a named test frame; the same
  // object again only changes the frame; an unknown frame is one clear line.
  void opensAnObjectAtANamedFrame() {
    QTemporaryDir dir;
    const QString object = ExportSpider(dir, 3);
    SessionModel session;  // no model: only the query is shown
    JobRunner jobs;
    PoseWorkspace w(&session, &jobs);
    const auto shows = [&w](const QString& frame) {
      return QTest::qWaitFor([&] { return !w.Controller()->Busy() && w.Controller()->Query().name == frame; }, 30000);
    };
    QString error;
    QVERIFY2(w.OpenObjectFrame(object, "2", &error), qPrintable(error));
    QVERIFY(shows("2"));
    QCOMPARE(w.Controller()->Frame(), 2);
    QCOMPARE(w.Controller()->ReferenceSource(), object);
    const pose::ReferenceSet* reference = w.Controller()->Reference();
    QVERIFY(w.OpenObjectFrame(object, "1", &error));
    QCOMPARE(w.Controller()->Frame(), 1);  // at once: the object is shown already
    QCOMPARE(w.Controller()->Reference(), reference);
    QVERIFY(!w.OpenObjectFrame(object, "9", &error));
    QVERIFY2(error.contains("no test frame 9"), qPrintable(error));
    QCOMPARE(w.Controller()->Frame(), 1);
    // A frame the loaded object lacks: its first frame, and the error.
    PoseWorkspace other(&session, &jobs);
    QSignalSpy errors(&other, &Workspace::errorOccurred);
    QVERIFY(other.OpenObjectFrame(object + "/", "7", &error));
    QVERIFY(errors.wait(30000));
    QVERIFY2(errors[0][0].toString().contains("no test frame 7"), qPrintable(errors[0][0].toString()));
    QVERIFY(QTest::qWaitFor([&] { return other.Controller()->Query().name == "0"; }, 30000));
    QVERIFY(!w.OpenObjectFrame(dir.filePath("nothing"), "1", &error));
    QVERIFY(error.contains("not a mesh or a OnePose object folder"));
  }

  void opensAMeshThroughTheCache() {
    Fixture f;
    f.session.SetModels({"dense_sift"});
    PoseWorkspace w(&f.session, &f.jobs, &f.provider);
    const QString mesh = QString::fromStdString(kSpider);
    QVERIFY(w.CanOpen({mesh}));
    QString error;
    QVERIFY2(w.Open({mesh}, std::nullopt, &error), qPrintable(error));
    QVERIFY(QTest::qWaitFor([&] { return !w.Controller()->Busy() && w.Controller()->Result("dense_sift"); }, 120000));
    QCOMPARE(int(w.Controller()->Frames().size()), 20);
    QVERIFY(w.Controller()->Reference()->KeypointCount() > 500);
    QCOMPARE(w.SaveDocument()["mesh"].toString(), mesh);
  }

  void refusesBadInput() {
    Fixture f;
    PoseWorkspace w(&f.session, &f.jobs, &f.provider);
    QTemporaryDir dir;
    QString error;
    QVERIFY(!w.CanOpen({dir.path()}));  // not a OnePose folder
    QVERIFY(!w.Open({dir.filePath("a.png")}, std::nullopt, &error));
    QVERIFY(error.contains("a.png"));
    QVERIFY(!w.Controller()->OpenQueryImage(dir.filePath("q.png"), &error));
    QVERIFY2(error.contains("open a reference"), qPrintable(error));
    // An object folder without its npz: the load job fails with the file's name.
    const QString root = dir.filePath("root/lowtexture_test_data/0901-box-others");
    QVERIFY(QDir().mkpath(root + "/box-1/anno_loftr"));
    QSignalSpy errors(&w, &Workspace::errorOccurred);
    QVERIFY(w.Open({root}, std::nullopt, &error));
    QVERIFY(errors.wait(20000));
    QVERIFY2(errors[0][0].toString().contains("anno_3d_average.npz"), qPrintable(errors[0][0].toString()));
    QVERIFY(!w.Controller()->Reference());
    QVERIFY(w.LoadDocument(QJsonObject{}, dir.path(), &error));  // nothing to restore
    QVERIFY(!w.LoadDocument(QJsonObject{{"object", "missing"}}, dir.path(), &error));
    QVERIFY(error.contains("missing"));
  }

  void screenshot() {
    const QString out = qEnvironmentVariable("CORRLENS_POSE_SCREENSHOT");
    if (out.isEmpty()) QSKIP("set CORRLENS_POSE_SCREENSHOT=PNG to save the README screenshot");
    QTemporaryDir dir;
    const QString object = ExportSpider(dir, 20);
    test::ClassicalProvider provider;
    provider.with_test_models = false;
    MainWindow window({}, MainWindowServices{&provider, {}, {}});
    window.resize(1500, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.Session()->SetModels({"dense_sift", "dense_rootsift"});
    auto* w = qobject_cast<PoseWorkspace*>(window.Workspaces()[2]);
    QVERIFY(w);
    window.findChild<QTabWidget*>()->setCurrentWidget(w);  // the Video tab takes other folders first
    QVERIFY(window.OpenFiles({object}));
    QVERIFY(QTest::qWaitFor([&] { return !w->Controller()->Busy() && w->Controller()->Result("dense_sift"); }, 120000));
    w->Controller()->SetFrame(4);
    QVERIFY(QTest::qWaitFor(
        [&] {
          return !w->Controller()->Busy() && w->Controller()->Result("dense_rootsift") && w->Controller()->Frame() == 4;
        },
        120000));
    QTest::qWait(300);
    QVERIFY(window.grab().save(out));
  }
};

QTEST_MAIN(PoseWorkspaceTest)
#include "pose_workspace_test.moc"
