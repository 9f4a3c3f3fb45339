// Video files through OpenCV's FFmpeg backend, on opencv-doc's AVIs: header
// facts, exact random access, a container that announces more frames than it
// holds (tree.avi), Megamind_bugy.avi, and one clear error line for files
// that are not videos.
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <opencv2/core.hpp>

#include <fstream>

#include "core/util/error.h"
#include "core/video/video_source.h"
#include "tests/common/sample_data.h"
#include "tests/common/test_helpers.h"

using namespace corrlens;
using namespace corrlens::video;

namespace {

bool OneLine(const std::string& e, const std::string& needle) {
  return e.find(needle) != std::string::npos && e.find('\n') == std::string::npos;
}

}  // namespace

class VideoFileTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { CORRLENS_REQUIRE_OPENCV_DATA("vtest.avi"); }

  void HeaderAndRandomAccess() {
    const auto video = OpenVideoFile(test::OpenCvData("vtest.avi"));
    QCOMPARE(video->FrameCount(), 795);
    QCOMPARE(video->Info().width, 768);
    QCOMPARE(video->Info().height, 576);
    QCOMPARE(video->Info().fps, 10.0);
    QVERIFY(!video->Info().count_exact);
    std::vector<cv::Mat> sequential;
    for (int i = 0; i < 12; ++i) sequential.push_back(video->Frame(i).clone());
    QVERIFY(cv::norm(sequential[3], sequential[11], cv::NORM_L1) > 0);  // frames differ
    // Far ahead, then back: the same pixels as a sequential read.
    const auto other = OpenVideoFile(test::OpenCvData("vtest.avi"));
    const cv::Mat late = other->Frame(700);
    QCOMPARE(late.type(), CV_8UC3);
    for (int i : {11, 3, 0, 7}) QCOMPARE(cv::norm(other->Frame(i), sequential[size_t(i)], cv::NORM_L1), 0.0);
  }

  void ContainerAnnouncesMoreFrames() {
    CORRLENS_REQUIRE_OPENCV_DATA("tree.avi");
    const auto video = OpenVideoFile(test::OpenCvData("tree.avi"));
    QVERIFY(video->FrameCount() > 68);
    video->Frame(67);
    const std::string e = test::ErrorOf([&] { video->Frame(video->FrameCount() - 1); });
    QVERIFY2(OneLine(e, "cannot be decoded although the container announces"), e.c_str());
  }

  void BuggyFileEitherDecodesOrSaysSo() {
    CORRLENS_REQUIRE_OPENCV_DATA("Megamind_bugy.avi");
    try {
      const auto video = OpenVideoFile(test::OpenCvData("Megamind_bugy.avi"));
      for (int i = 0; i < video->FrameCount(); i += 37) QCOMPARE(video->Frame(i).cols, video->Info().width);
    } catch (const Error& e) {
      QVERIFY2(OneLine(e.what(), "Megamind_bugy.avi"), e.what());
    }
  }

  void NotVideos() {
    QTemporaryDir dir;
    QFile::copy(test::OpenCvDataQ("vtest.avi"), dir.filePath("full.avi"));
    QFile full(dir.filePath("full.avi"));
    QVERIFY(full.open(QIODevice::ReadOnly));
    const QByteArray head = full.read(3000);
    QFile truncated(dir.filePath("truncated.avi"));
    QVERIFY(truncated.open(QIODevice::WriteOnly));
    truncated.write(head);
    truncated.close();
    std::ofstream(dir.filePath("empty.avi").toStdString());
    std::ofstream(dir.filePath("text.avi").toStdString()) << "hello, not a video\n";
    for (const char* name : {"truncated.avi", "empty.avi", "text.avi"}) {
      const std::string e = test::ErrorOf([&] { OpenVideoFile(dir.filePath(name).toStdString()); });
      QVERIFY2(OneLine(e, name) && e.find("cannot open as a video") != std::string::npos, e.c_str());
    }
    QVERIFY(OneLine(test::ErrorOf([&] { OpenVideoFile(dir.filePath("none.avi").toStdString()); }), "not found"));
    QVERIFY(OneLine(test::ErrorOf([&] { OpenVideoFile(dir.path().toStdString()); }), "is a folder"));
    VideoOptions small;
    small.max_pixels = 1000;
    QVERIFY(OneLine(test::ErrorOf([&] { OpenVideoFile(dir.filePath("full.avi").toStdString(), small); }),
                    "768x576 exceed the limit"));
  }
};

QTEST_APPLESS_MAIN(VideoFileTest)
#include "video_file_test.moc"
