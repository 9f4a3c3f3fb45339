// VideoWorkspace as a Workspace on opencv-doc's vtest.avi and on frame
// folders the test writes: what it opens, frames through the timeline and
// the player, clicks that add and remove query points, tracks drawn as they
// arrive, one clear line for broken files and frames, and its section of
// session files. With CORRLENS_VIDEO_SCREENSHOT=PNG set, `screenshot` saves
// the README's picture of the whole window.
#include <QComboBox>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "core/video/video_source.h"
#include "tests/common/sample_data.h"
#include "tests/track/tapvid_fixture.h"
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
#include "ui/video_truth.h"
#include "ui/video_workspace.h"

using namespace corrlens;
using namespace corrlens::ui;

namespace {

const QString kVtest = test::OpenCvDataQ("vtest.avi");

bool WaitFrame(const VideoWorkspace& w, int index) {
  return QTest::qWaitFor([&] { return w.Player()->ShownFrame() == index && w.Player()->IsIdle(); }, 10000);
}

// Waits for the asynchronous open to end.
bool WaitLoaded(const VideoWorkspace& w) {
  return QTest::qWaitFor([&] { return !w.Document()->IsLoading(); }, 10000);
}

// Frames of 64x48 filled with 10 * index that take `decode_ms` each.
class SlowVideo : public video::VideoSource {
 public:
  SlowVideo(const QString& path, int decode_ms) : VideoSource(4), decode_ms_(decode_ms) {
    info_.source = path.toStdString();
    info_.kind = "memory";
    info_.frame_count = 10;
    info_.width = 64;
    info_.height = 48;
  }

 protected:
  cv::Mat Decode(int index) override {
    QThread::msleep(decode_ms_);
    return cv::Mat(48, 64, CV_8UC3, cv::Scalar::all(10 * index));
  }

 private:
  int decode_ms_;
};

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
    QSignalSpy failed(&w, &Workspace::errorOccurred);
    QVERIFY(w.Open({kVtest}, std::nullopt, &error));
    QVERIFY(WaitLoaded(w));
    // A missing file is refused at once; the others fail off the GUI thread.
    QVERIFY(!w.Open({dir.filePath("missing.mp4")}, std::nullopt, &error));
    QVERIFY2(error.startsWith(dir.filePath("missing.mp4")) && error.contains("not found"), qPrintable(error));
    for (const QString& bad : {dir.filePath("cut.avi"), dir.filePath("notes.avi"), dir.filePath("empty")}) {
      failed.clear();
      QVERIFY2(w.Open({bad}, std::nullopt, &error), qPrintable(bad));
      QVERIFY(WaitLoaded(w));
      QCOMPARE(failed.size(), 1);
      const QString line = failed[0][0].toString();
      QVERIFY2(line.startsWith(bad) && !line.contains('\n'), qPrintable(line));
      QCOMPARE(w.Document()->Path(), kVtest);  // the open video stays
    }
    const QString bugy = test::OpenCvDataQ("Megamind_bugy.avi");
    failed.clear();
    if (QFileInfo::exists(bugy) && w.Open({bugy}, std::nullopt, &error) && WaitLoaded(w) && !failed.isEmpty())
      QVERIFY2(failed[0][0].toString().startsWith(bugy) && !failed[0][0].toString().contains('\n'),
               qPrintable(failed[0][0].toString()));
  }

  void brokenFrameShowsTheOthers() {
    QTemporaryDir dir;
    test::WriteCirclingSquare(dir.filePath("frames"), 8);
    test::Truncate(dir.filePath("frames/frame_005.png"), 120);
    SessionModel session;
    VideoWorkspace w(&session);
    QString error;
    QVERIFY2(w.Open({dir.filePath("frames")}, std::nullopt, &error), qPrintable(error));
    QVERIFY(WaitLoaded(w));
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
    QVERIFY(WaitLoaded(w));
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
    QVERIFY(WaitLoaded(other));
    QCOMPARE(other.Document()->Path(), dir.filePath("frames"));
    QCOMPARE(other.Document()->Points(), w.Document()->Points());
    QCOMPARE(other.Document()->Preset(), QString("paper"));
    QCOMPARE(other.Timeline()->PresetBox()->currentData().toString(), QString("paper"));
    QCOMPARE(other.Document()->CurrentFrame(), 3);
    QCOMPARE(other.Document()->ActivePoint(), 1);
    // All or nothing: refused at once, or (points outside the video) once it is open.
    for (const QJsonObject& bad : {QJsonObject{{"video", "frames"}, {"preset", "fast"}},
                                   QJsonObject{{"video", "frames"}, {"points", QJsonArray{QJsonArray{1, 2}}}},
                                   QJsonObject{{"video", "nowhere.avi"}}}) {
      QVERIFY(!other.LoadDocument(bad, dir.path(), &error));
      QVERIFY(!error.isEmpty() && !error.contains('\n'));
      QCOMPARE(other.Document()->Points().size(), 2);
    }
    QSignalSpy failed(&other, &Workspace::errorOccurred);
    QVERIFY(other.LoadDocument(QJsonObject{{"video", "frames"}, {"points", QJsonArray{QJsonArray{7, 2, 2}}}},
                               dir.path(), &error));
    QVERIFY(WaitLoaded(other));
    QCOMPARE(failed.size(), 1);
    QVERIFY2(failed[0][0].toString().contains("outside the video"), qPrintable(failed[0][0].toString()));
    QCOMPARE(other.Document()->Points().size(), 2);
    // Through the main window's session file.
    MainWindow window({});
    auto* video = qobject_cast<VideoWorkspace*>(window.Workspaces()[1]);
    QVERIFY(video->LoadDocument(json, dir.path(), &error));
    QVERIFY(WaitLoaded(*video));
    QVERIFY2(window.SaveSession(dir.filePath("s.corrlens.json"), &error), qPrintable(error));
    MainWindow reopened({});
    QVERIFY2(reopened.LoadSession(dir.filePath("s.corrlens.json"), &error), qPrintable(error));
    auto* again = qobject_cast<VideoWorkspace*>(reopened.Workspaces()[1]);
    QVERIFY(WaitLoaded(*again));
    QCOMPARE(again->Document()->Points(), w.Document()->Points());
    QCOMPARE(again->Document()->Preset(), QString("paper"));
  }

  // Opening and seeking return at once even when opening and decoding are
  // slow; the frame arrives later, the latest seek wins, a superseded open
  // is dropped and a failed one leaves the open video.
  void openAndSeekNeverBlock() {
    QTemporaryDir dir;
    for (const char* name : {"slow", "fast", "bad"}) QDir().mkpath(dir.filePath(name));
    SessionModel session;
    VideoWorkspace w(&session);
    w.Document()->SetOpener([](const QString& path, QString* error) -> std::shared_ptr<video::VideoSource> {
      QThread::msleep(path.endsWith("slow") ? 800 : 200);
      if (path.endsWith("bad")) {
        *error = path + ": cannot open as a video";
        return nullptr;
      }
      return std::make_shared<SlowVideo>(path, 300);
    });
    QSignalSpy shown(w.Player(), &VideoPlayer::frameShown);
    QString error;
    QElapsedTimer timer;
    timer.start();
    QVERIFY(w.Open({dir.filePath("fast")}, std::nullopt, &error));
    QVERIFY2(timer.elapsed() < 150, qPrintable(QString::number(timer.elapsed())));
    QVERIFY(!w.Document()->HasVideo());
    QVERIFY2(w.Status().startsWith("Opening fast"), qPrintable(w.Status()));
    QVERIFY(WaitFrame(w, 0));
    QVERIFY(timer.elapsed() >= 450);  // the frame came later
    QCOMPARE(w.Player()->ShownImage().pixelColor(3, 3), QColor(0, 0, 0));
    // Seeks: each returns at once; the frames asked for meanwhile are skipped.
    shown.clear();
    timer.restart();
    for (int frame : {3, 7, 5, 9}) w.Timeline()->Slider()->setValue(frame);
    QVERIFY2(timer.elapsed() < 150, qPrintable(QString::number(timer.elapsed())));
    QVERIFY(WaitFrame(w, 9));
    QCOMPARE(w.Player()->ShownImage().pixelColor(3, 3), QColor(90, 90, 90));
    QVERIFY(shown.size() < 4);
    QCOMPARE(shown.last()[0].toInt(), 9);
    // A slow open superseded by a faster one is dropped.
    QVERIFY(w.Open({dir.filePath("slow")}, std::nullopt, &error));
    QVERIFY(w.OpenVideoAt(dir.filePath("fast"), 4, &error));
    QVERIFY(WaitLoaded(w));
    QCOMPARE(w.Document()->Path(), dir.filePath("fast"));
    QVERIFY(WaitFrame(w, 4));
    // A failure: one line, the open video stays.
    QSignalSpy failed(&w, &Workspace::errorOccurred);
    QVERIFY(w.Open({dir.filePath("bad")}, std::nullopt, &error));
    QVERIFY(WaitLoaded(w));
    QCOMPARE(failed.size(), 1);
    QCOMPARE(failed[0][0].toString(), dir.filePath("bad") + ": cannot open as a video");
    QCOMPARE(w.Document()->Path(), dir.filePath("fast"));
    QCOMPARE(w.Document()->CurrentFrame(), 4);
  }

  // A TAP-Vid video: its queries become the points, every row draws their
  // true tracks, and a model's row shows its errors at the frame and, once
  // every frame is tracked, the video's scores. Sessions keep the truth.
  void tapVidGroundTruth() {
    CORRLENS_REQUIRE_OPENCV_DATA("graf1.png");
    test::TinyTapVid data(1, 8);
    const QString failed = data.WritePickles();
    if (failed.contains("No module named")) QSKIP("/usr/bin/python3 lacks numpy");
    QVERIFY2(failed.isEmpty(), qPrintable(failed));
    const QString root = QString::fromStdString(data.Root());
    SessionModel session;
    JobRunner jobs;
    test::ClassicalProvider provider;
    VideoWorkspace w(&session, &jobs, &provider);
    QSignalSpy failures(&w, &Workspace::errorOccurred);
    QString error;
    QVERIFY(!w.OpenTapVid(root + "/nowhere", 0, &error));
    QVERIFY(w.OpenTapVid(root, 5, &error));  // no such video: one line, nothing opens
    QVERIFY(WaitLoaded(w));
    QCOMPARE(failures.size(), 1);
    QVERIFY2(failures[0][0].toString().contains("no video 5"), qPrintable(failures[0][0].toString()));
    QVERIFY(!w.Document()->HasVideo());
    // The benchmark's route: a frames folder of the reference layout.
    QVERIFY2(w.OpenVideoAt(root + "/tapvid-davis/0/video", 3, &error), qPrintable(error));
    QVERIFY(WaitLoaded(w));
    QVERIFY(WaitFrame(w, 3));
    const std::shared_ptr<const VideoTruth> truth = w.Document()->Truth();
    QVERIFY(truth && !truth->tracks.isEmpty());
    QCOMPARE(w.Document()->Points(), truth->Queries());
    QVERIFY2(w.Status().contains("TAP-Vid video 0"), qPrintable(w.Status()));
    QCOMPARE(w.Rows()[0]->View()->TruthCount(), int(truth->tracks.size()));
    QVERIFY2(w.Rows()[0]->TruthText().contains("ground-truth tracks"), qPrintable(w.Rows()[0]->TruthText()));
    // A model's row: errors at this frame and the video's scores.
    session.SetModels({"dense_sift", "dense_rootsift"});
    QVERIFY(QTest::qWaitFor(
        [&] {
          const VideoTracks& t = w.Controller()->Tracks();
          return w.Controller()->IsIdle() && t.size() == 2 && t[0].frames == 8 && t[0].occlusion && t[1].frames == 8 &&
                 t[1].occlusion;
        },
        60000));
    const QString text = w.Rows()[0]->TruthText();
    TruthScore score;
    QString reason;
    QVERIFY2(ScoreTracks(*truth, w.Controller()->Tracks()[0], w.Document()->Points(), &score, &reason),
             qPrintable(reason));
    QVERIFY2(text.startsWith(QString("AJ %1").arg(score.average_jaccard, 0, 'f', 3)), qPrintable(text));
    QVERIFY2(text.contains("error at this frame: #"), qPrintable(text));
    QVERIFY(score.average_jaccard > 0.0 && score.delta_avg > 0.0 && score.occlusion_accuracy > 0.0);
    QCOMPARE(w.Rows()[0]->View()->TruthCount(), int(truth->tracks.size()));
    // Hovering the row: the active point's heatmap on this frame, from the volume.
    QCOMPARE(w.Document()->ActivePoint(), 0);
    QVERIFY(w.Rows()[0]->Heatmap().isNull());
    emit w.Rows()[0]->View()->hovered(QPointF(10, 10));
    QVERIFY(QTest::qWaitFor([&] { return !w.Rows()[0]->Heatmap().isNull(); }, 10000));
    QCOMPARE(w.Rows()[0]->Heatmap().size(), QSize(test::TinyTapVid::kWidth, test::TinyTapVid::kHeight));
    emit w.Rows()[0]->View()->hoverLeft();
    QVERIFY(w.Rows()[0]->Heatmap().isNull());
    // The annotated video: every row side by side, or one row.
    QTemporaryDir out;
    QSignalSpy finished(&jobs, &JobRunner::jobFinished);
    QVERIFY(w.ExportAnnotatedVideo(out.filePath("all.avi"), {}, &error));
    QVERIFY(w.ExportAnnotatedVideo(out.filePath("one.avi"), {"dense_rootsift"}, &error));
    QVERIFY(QTest::qWaitFor([&] { return finished.size() == 2; }, 30000));
    for (const auto& [name, width] : {std::pair<QString, int>{"all.avi", 2 * test::TinyTapVid::kWidth},
                                      std::pair<QString, int>{"one.avi", test::TinyTapVid::kWidth + 1}}) {  // even
      cv::VideoCapture capture(out.filePath(name).toStdString());
      QVERIFY2(capture.isOpened(), qPrintable(name));
      QCOMPARE(int(capture.get(cv::CAP_PROP_FRAME_COUNT)), 8);
      QCOMPARE(int(capture.get(cv::CAP_PROP_FRAME_WIDTH)), width);
      QCOMPARE(int(capture.get(cv::CAP_PROP_FRAME_HEIGHT)), test::TinyTapVid::kHeight);
    }
    QVERIFY(!w.ExportAnnotatedVideo(out.filePath("none.avi"), {"nowhere"}, &error));
    QVERIFY2(error.contains("none.avi"), qPrintable(error));
    // Sessions reopen the dataset's video with its truth.
    const QJsonObject json = w.SaveDocument();
    QCOMPARE(json["tapvid"].toObject()["video"].toInt(), 0);
    SessionModel other_session;
    VideoWorkspace other(&other_session);
    QVERIFY2(other.LoadDocument(json, root, &error), qPrintable(error));
    QVERIFY(WaitLoaded(other));
    QVERIFY(other.Document()->Truth());
    QCOMPARE(other.Document()->Points(), w.Document()->Points());
    QCOMPARE(other.Document()->CurrentFrame(), 3);
    // The official pickle (videos embedded) by index.
    QVERIFY(other.OpenTapVid(root + "/tapvid_davis.pkl", 0, &error));
    QVERIFY(WaitLoaded(other));
    QVERIFY(other.Document()->Truth() && other.Document()->HasVideo());
    QVERIFY(other.Document()->Path().endsWith("tapvid_davis.pkl"));
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
