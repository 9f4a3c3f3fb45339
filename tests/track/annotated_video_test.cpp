// core/track/annotated_video: the written file opens with VideoCapture with
// the frame count and the side-by-side size, the dots sit where the tracks
// say, and bad input (extension, short tracks, cancel) leaves no file.
#include <QTemporaryDir>
#include <QtTest>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "core/track/annotated_video.h"
#include "core/util/error.h"

using namespace corrlens;

namespace {

constexpr int kWidth = 160, kHeight = 120, kFrames = 6;

// A grey frames folder.
std::unique_ptr<video::VideoSource> GreyVideo(const QTemporaryDir& dir, int width = kWidth, int height = kHeight) {
  const QString folder = dir.filePath(QString("frames%1x%2").arg(width).arg(height));
  QDir().mkpath(folder);
  for (int t = 0; t < kFrames; ++t)
    cv::imwrite(QDir(folder).filePath(QString::asprintf("%02d.png", t)).toStdString(),
                cv::Mat(height, width, CV_8UC3, cv::Scalar::all(90)));
  return video::OpenVideo(folder.toStdString());
}

// One track moving right by 10 px a frame from (30, 60).
track::TrackSet Moving(int frames) {
  track::TrackSet s(1, frames);
  for (int t = 0; t < frames; ++t) {
    s.X(0, t) = 30 + 10 * t;
    s.Y(0, t) = 60;
  }
  return s;
}

}  // namespace

class AnnotatedVideoTest : public QObject {
  Q_OBJECT

 private slots:
  void writesSideBySide() {
    QTemporaryDir dir;
    const auto video = GreyVideo(dir);
    std::vector<track::AnnotatedPanel> panels(2);
    panels[0].tracks = Moving(kFrames);
    panels[0].colors = {cv::Scalar(0, 0, 255)};  // red
    panels[1].tracks = Moving(kFrames);
    panels[1].title = "b";
    for (const char* name : {"out.avi", "out.mp4"}) {
      const std::string path = dir.filePath(name).toStdString();
      Progress progress;
      track::WriteAnnotatedVideo(path, *video, panels, {}, progress, CancelToken());
      cv::VideoCapture capture(path);
      QVERIFY2(capture.isOpened(), name);
      QCOMPARE(int(capture.get(cv::CAP_PROP_FRAME_COUNT)), kFrames);
      cv::Mat frame;
      int read = 0;
      while (capture.read(frame)) {
        QCOMPARE(frame.cols, 2 * kWidth);
        QCOMPARE(frame.rows, kHeight);
        if (read == 3 && QString(name).endsWith(".avi")) {    // MJPG: colours stay close
          const cv::Vec3b dot = frame.at<cv::Vec3b>(60, 60);  // left panel, the dot at frame 3
          QVERIFY2(dot[2] > 150 && dot[0] < 100, qPrintable(QString("%1 %2 %3").arg(dot[0]).arg(dot[1]).arg(dot[2])));
          const cv::Vec3b grey = frame.at<cv::Vec3b>(100, 140);
          QVERIFY(std::abs(grey[0] - 90) < 20 && std::abs(grey[2] - 90) < 20);
        }
        ++read;
      }
      QCOMPARE(read, kFrames);
    }
    // Odd sides are padded to even ones (the encoders would drop them).
    const auto odd = GreyVideo(dir, 161, 121);
    Progress progress;
    track::WriteAnnotatedVideo(dir.filePath("odd.avi").toStdString(), *odd, {panels[0]}, {}, progress, CancelToken());
    cv::VideoCapture capture(dir.filePath("odd.avi").toStdString());
    QCOMPARE(int(capture.get(cv::CAP_PROP_FRAME_WIDTH)), 162);
    QCOMPARE(int(capture.get(cv::CAP_PROP_FRAME_HEIGHT)), 122);
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), (QStringList{"odd.avi", "out.avi", "out.mp4"}));
  }

  void badInputLeavesNothing() {
    QTemporaryDir dir;
    const auto video = GreyVideo(dir);
    std::vector<track::AnnotatedPanel> panels(1);
    panels[0].tracks = Moving(kFrames);
    Progress progress;
    const std::string gif = dir.filePath("out.gif").toStdString();
    try {
      track::WriteAnnotatedVideo(gif, *video, panels, {}, progress, CancelToken());
      QFAIL("a .gif was accepted");
    } catch (const Error& e) {
      QVERIFY2(QString(e.what()).contains("out.gif") && QString(e.what()).contains(".avi or .mp4"), e.what());
    }
    panels[0].tracks = Moving(3);
    const std::string avi = dir.filePath("out.avi").toStdString();
    QVERIFY_THROWS_EXCEPTION(Error, track::WriteAnnotatedVideo(avi, *video, panels, {}, progress, CancelToken()));
    panels[0].tracks = Moving(kFrames);
    CancelToken cancel;
    cancel.Cancel();
    QVERIFY_THROWS_EXCEPTION(Cancelled, track::WriteAnnotatedVideo(avi, *video, panels, {}, progress, cancel));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList());
  }
};

QTEST_MAIN(AnnotatedVideoTest)
#include "annotated_video_test.moc"
