// VideoWorkspace as a Workspace on opencv-doc's vtest.avi and on frame
// folders the test writes: what it opens, frames through the timeline and
// the player, clicks that add and remove query points, tracks drawn as they
// arrive, one clear line for broken files and frames, and its section of
// session files. With CORRLENS_VIDEO_SCREENSHOT=PNG set, `screenshot` saves
// the README's picture of the whole window.
#include <QComboBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <opencv2/imgcodecs.hpp>

#include "core/video/video_source.h"
#include "tests/common/sample_data.h"
#include "tests/ui/benchmark_test_support.h"
#include "tests/ui/video_test_support.h"
#include "ui/job_runner.h"
#include "ui/main_window.h"
#include "ui/model_status.h"
#include "ui/session_model.h"
#include "ui/video_controller.h"
#include "ui/video_document.h"
#include "ui/video_player.h"
#include "ui/video_row.h"
#include "ui/video_timeline.h"
#include "ui/video_workspace.h"

using namespace corrlens;
using namespace corrlens::ui;

namespace {

const QString kVtest = test::OpenCvDataQ("vtest.avi");

bool WaitFrame(const VideoWorkspace& w, int index) {
  return QTest::qWaitFor([&] { return w.Player()->ShownFrame() == index && w.Player()->IsIdle(); }, 10000);
}

void Click(ImageView* view, QPointF at, Qt::MouseButton button = Qt::LeftButton) {
  QTest::mouseClick(view->viewport(), button, {}, view->mapFromScene(at));
}

// The first `frames` frames of vtest.avi as a PNG folder.
QString VtestFrames(const QTemporaryDir& dir, int frames) {
  const auto video = video::OpenVideoFile(kVtest.toStdString());
  QDir().mkpath(dir.filePath("vtest"));
  for (int t = 0; t < frames; ++t) {
    cv::Mat bgr;
    cv::cvtColor(video->Frame(t), bgr, cv::COLOR_RGB2BGR);
    cv::imwrite(dir.filePath(QString::asprintf("vtest/%04d.png", t)).toStdString(), bgr);
  }
  return dir.filePath("vtest");
}

}  // namespace

class VideoWorkspaceTest : public QObject {
  Q_OBJECT

 private slots:
  void opensVideosAndFolders() {
    CORRLENS_REQUIRE_OPENCV_DATA("vtest.avi");
    SessionModel session;
    VideoWorkspace w(&session);
    QVERIFY(w.CanOpen({kVtest}));
    QVERIFY(w.CanOpen({"/x/clip.MP4"}));
    QVERIFY(w.CanOpen({QDir::tempPath()}));
    QVERIFY(!w.CanOpen({"/x/a.png"}));
    QVERIFY(!w.CanOpen({kVtest, kVtest}));
    QVERIFY(w.Status().startsWith("Open a video"));
    QString error;
    QVERIFY2(w.Open({kVtest}, std::nullopt, &error), qPrintable(error));
    QVERIFY(WaitFrame(w, 0));
    QCOMPARE(w.Rows().size(), size_t(1));
    QCOMPARE(w.Rows()[0]->View()->Image().size(), QSize(768, 576));
    QCOMPARE(w.Timeline()->CounterText(), QString("frame 1 / 795"));
    QVERIFY2(w.Status().contains("vtest.avi: 795 frames of 768x576, preset interactive"), qPrintable(w.Status()));
    w.Player()->Step(1);
    QVERIFY(WaitFrame(w, 1));
    w.Timeline()->Slider()->setValue(40);  // scrubbing
    QVERIFY(WaitFrame(w, 40));
    QCOMPARE(w.Timeline()->CounterText(), QString("frame 41 / 795"));
    w.Player()->Play();
    QVERIFY(QTest::qWaitFor([&] { return w.Player()->ShownFrame() >= 43; }, 5000));
    w.Player()->Pause();
    QVERIFY(!w.Player()->IsPlaying());
    const QList<QAction*> view = w.Actions(WorkspaceMenu::kView);
    QCOMPARE(view.size(), 4);
    QCOMPARE(view[1]->shortcut(), QKeySequence(Qt::Key_Right));
  }

  // The benchmark's route: a frames folder at a given frame; opened again,
  // the video stays (with its points) and only the frame changes.
  void opensAVideoAtAFrame() {
    CORRLENS_REQUIRE_OPENCV_DATA("vtest.avi");
    QTemporaryDir dir;
    const QString folder = VtestFrames(dir, 6);
    SessionModel session;
    VideoWorkspace w(&session);
    QString error;
    QVERIFY2(w.OpenVideoAt(folder, 4, &error), qPrintable(error));
    QVERIFY(WaitFrame(w, 4));
    QCOMPARE(w.Document()->Path(), QFileInfo(folder).absoluteFilePath());
    QCOMPARE(w.Timeline()->CounterText(), QString("frame 5 / 6"));
    w.Document()->AddPoint({4, QPointF(100, 100)});
    QVERIFY(w.OpenVideoAt(folder + "/", 1, &error));
    QVERIFY(WaitFrame(w, 1));
    QCOMPARE(w.Document()->Points().size(), 1);
    QVERIFY(w.OpenVideoAt(folder, 99, &error));  // clamped to the last frame
    QVERIFY(WaitFrame(w, 5));
    QVERIFY(!w.OpenVideoAt(dir.filePath("missing"), 2, &error));
    QVERIFY2(error.contains("missing"), qPrintable(error));
    QCOMPARE(w.Document()->CurrentFrame(), 5);  // nothing changed
  }

  void clicksAddQueriesAndTracksArrive() {
    CORRLENS_REQUIRE_OPENCV_DATA("vtest.avi");
    SessionModel session;
    JobRunner jobs;
    test::ClassicalProvider provider;
    VideoWorkspace w(&session, &jobs, &provider);
    w.resize(1000, 700);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QString error;
    QVERIFY(w.Open({kVtest}, std::nullopt, &error));
    QVERIFY(WaitFrame(w, 0));
    session.SetModels({"dense_sift"});
    QCOMPARE(w.Rows().size(), size_t(1));
    QVERIFY(QTest::qWaitFor([&] { return w.Rows()[0]->View()->isVisible(); }, 5000));
    QTest::qWait(50);  // the new row is laid out and its frame fitted
    Click(w.Rows()[0]->View(), QPointF(380, 300));
    Click(w.Rows()[0]->View(), QPointF(500, 200));
    QCOMPARE(w.Document()->Points().size(), 2);
    QCOMPARE(w.Document()->Points()[0].frame, 0);
    QVERIFY((w.Document()->Points()[0].position - QPointF(380, 300)).manhattanLength() < 3.0);
    // Tracks of the first frames arrive while the others are extracted.
    QVERIFY(QTest::qWaitFor([&] { return w.Controller()->ReadyFrames("dense_sift") >= 3; }, 30000));
    QVERIFY(QTest::qWaitFor(
        [&] {
          const VideoTracks& t = w.Controller()->Tracks();
          return !t.isEmpty() && t[0].frames >= 3 && !t[0].points[1].IsEmpty();
        },
        10000));
    QVERIFY(w.Rows()[0]->StatusText().startsWith("computing"));
    w.Player()->Step(2);
    QVERIFY(WaitFrame(w, 2));
    const QPointF tracked = w.Controller()->Tracks()[0].points[1].positions[2];
    Click(w.Rows()[0]->View(), tracked, Qt::RightButton);  // removes point 2 at its prediction
    QCOMPARE(w.Document()->Points().size(), 1);
    jobs.CancelAll();
    QVERIFY(QTest::qWaitFor([&] { return w.Rows()[0]->StatusText() == "cancelled"; }, 10000));
    QString reason;
    QVERIFY(!w.ExportTracks(QDir::temp().filePath("never.csv"), &reason));
    QVERIFY2(reason.contains("of 795 frames"), qPrintable(reason));
  }

  void brokenFilesGiveOneLine() {
    CORRLENS_REQUIRE_OPENCV_DATA("vtest.avi");
    QTemporaryDir dir;
    QFile::copy(kVtest, dir.filePath("cut.avi"));
    test::Truncate(dir.filePath("cut.avi"), 3000);
    QFile text(dir.filePath("notes.avi"));
    QVERIFY(text.open(QIODevice::WriteOnly));
    text.write("not a video\n");
    text.close();
    QDir().mkpath(dir.filePath("empty"));
    SessionModel session;
    VideoWorkspace w(&session);
    QString error;
    QVERIFY(w.Open({kVtest}, std::nullopt, &error));
    for (const QString& bad :
         {dir.filePath("cut.avi"), dir.filePath("notes.avi"), dir.filePath("empty"), dir.filePath("missing.mp4")}) {
      error.clear();
      QVERIFY2(!w.Open({bad}, std::nullopt, &error), qPrintable(bad));
      QVERIFY2(error.startsWith(bad) && !error.contains('\n'), qPrintable(error));
      QCOMPARE(w.Document()->Path(), kVtest);  // the open video stays
    }
    QVERIFY2(error.contains("not found"), qPrintable(error));
    const QString bugy = test::OpenCvDataQ("Megamind_bugy.avi");
    if (QFileInfo::exists(bugy) && !w.Open({bugy}, std::nullopt, &error))
      QVERIFY2(error.startsWith(bugy) && !error.contains('\n'), qPrintable(error));
  }

  void brokenFrameShowsTheOthers() {
    QTemporaryDir dir;
    test::WriteCirclingSquare(dir.filePath("frames"), 8);
    test::Truncate(dir.filePath("frames/frame_005.png"), 120);
    SessionModel session;
    VideoWorkspace w(&session);
    QString error;
    QVERIFY2(w.Open({dir.filePath("frames")}, std::nullopt, &error), qPrintable(error));
    w.Document()->SetCurrentFrame(5);
    QVERIFY(QTest::qWaitFor([&] { return w.Status().contains("frame_005.png"); }, 5000));
    QVERIFY(!w.Status().contains('\n'));
    w.Document()->SetCurrentFrame(6);
    QVERIFY(WaitFrame(w, 6));
    QVERIFY2(w.Status().contains("8 frames of 630x476"), qPrintable(w.Status()));
  }

  void sessionSection() {
    QTemporaryDir dir;
    test::WriteCirclingSquare(dir.filePath("frames"), 6);
    SessionModel session;
    VideoWorkspace w(&session);
    QString error;
    QVERIFY(w.Open({dir.filePath("frames")}, std::nullopt, &error));
    w.Document()->AddPoint({2, QPointF(100.5, 80.25)});
    w.Document()->AddPoint({4, QPointF(10, 20)});
    w.Document()->AddPoint({9, QPointF(10, 20)});  // outside the video: ignored
    w.Timeline()->PresetBox()->setCurrentIndex(1);
    QCOMPARE(w.Document()->Preset(), QString("paper"));
    w.Document()->SetCurrentFrame(3);
    QJsonObject json = w.SaveDocument();
    QCOMPARE(json["points"].toArray(), (QJsonArray{QJsonArray{2, 100.5, 80.25}, QJsonArray{4, 10, 20}}));
    json["video"] = "frames";  // relative to the session file's folder
    SessionModel other_session;
    VideoWorkspace other(&other_session);
    QVERIFY2(other.LoadDocument(json, dir.path(), &error), qPrintable(error));
    QCOMPARE(other.Document()->Path(), dir.filePath("frames"));
    QCOMPARE(other.Document()->Points(), w.Document()->Points());
    QCOMPARE(other.Document()->Preset(), QString("paper"));
    QCOMPARE(other.Timeline()->PresetBox()->currentData().toString(), QString("paper"));
    QCOMPARE(other.Document()->CurrentFrame(), 3);
    QCOMPARE(other.Document()->ActivePoint(), 1);
    // All or nothing.
    for (const QJsonObject& bad : {QJsonObject{{"video", "frames"}, {"preset", "fast"}},
                                   QJsonObject{{"video", "frames"}, {"points", QJsonArray{QJsonArray{1, 2}}}},
                                   QJsonObject{{"video", "frames"}, {"points", QJsonArray{QJsonArray{7, 2, 2}}}},
                                   QJsonObject{{"video", "nowhere.avi"}}}) {
      QVERIFY(!other.LoadDocument(bad, dir.path(), &error));
      QVERIFY(!error.isEmpty() && !error.contains('\n'));
      QCOMPARE(other.Document()->Points().size(), 2);
    }
    // Through the main window's session file.
    MainWindow window({});
    auto* video = qobject_cast<VideoWorkspace*>(window.Workspaces()[1]);
    QVERIFY(video->LoadDocument(json, dir.path(), &error));
    QVERIFY2(window.SaveSession(dir.filePath("s.corrlens.json"), &error), qPrintable(error));
    MainWindow reopened({});
    QVERIFY2(reopened.LoadSession(dir.filePath("s.corrlens.json"), &error), qPrintable(error));
    auto* again = qobject_cast<VideoWorkspace*>(reopened.Workspaces()[1]);
    QCOMPARE(again->Document()->Points(), w.Document()->Points());
    QCOMPARE(again->Document()->Preset(), QString("paper"));
  }

  void screenshot() {
    const QString out = qEnvironmentVariable("CORRLENS_VIDEO_SCREENSHOT");
    if (out.isEmpty()) QSKIP("set CORRLENS_VIDEO_SCREENSHOT=PNG to save the README screenshot");
    CORRLENS_REQUIRE_OPENCV_DATA("vtest.avi");
    QTemporaryDir dir;
    const QString frames = VtestFrames(dir, 60);
    test::ClassicalProvider provider;
    provider.with_test_models = false;
    MainWindow window({}, MainWindowServices{&provider, {}, {}});
    window.resize(1500, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(window.OpenFiles({frames}));
    auto* w = qobject_cast<VideoWorkspace*>(window.CurrentWorkspace());
    QVERIFY(w);
    window.Session()->SetModels({"dense_sift", "dense_rootsift"});
    // Query points on frame 40 (four walkers and a tripod), tracked both ways.
    for (const QPointF& p :
         {QPointF(585, 263), QPointF(620, 272), QPointF(388, 208), QPointF(449, 216), QPointF(508, 348)})
      w->Document()->AddPoint({40, p});
    QVERIFY(QTest::qWaitFor([&] { return w->Controller()->IsIdle(); }, 120000));
    w->Document()->SetCurrentFrame(52);
    QVERIFY(WaitFrame(*w, 52));
    QTest::qWait(300);
    QVERIFY(window.grab().save(out));
  }
};

QTEST_MAIN(VideoWorkspaceTest)
#include "video_workspace_test.moc"
