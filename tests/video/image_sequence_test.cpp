// Image folders as videos: lexicographic order, accepted extensions, and one
// clear error for a missing or empty folder and frames of different sizes.
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

#include "core/io/image.h"
#include "core/util/error.h"
#include "core/video/video_source.h"
#include "tests/common/test_helpers.h"

using namespace corrlens;
using namespace corrlens::video;

namespace {

void Write(const QTemporaryDir& dir, const QString& name, int value, int w = 8, int h = 6) {
  io::WriteImage(dir.filePath(name).toStdString(), cv::Mat(h, w, CV_8UC3, cv::Scalar(value, value, value)));
}

bool OneLine(const std::string& e, const std::string& needle) {
  return e.find(needle) != std::string::npos && e.find('\n') == std::string::npos;
}

}  // namespace

class ImageSequenceTest : public QObject {
  Q_OBJECT

 private slots:
  void SortedLikePython() {
    QTemporaryDir dir;
    Write(dir, "10.png", 10);
    Write(dir, "2.png", 2);
    Write(dir, "00001.PNG", 1);  // extension case does not matter
    Write(dir, "b.bmp", 30);
    std::ofstream(dir.filePath("notes.txt").toStdString()) << "not a frame";
    const auto video = OpenImageSequence(dir.path().toStdString());
    QCOMPARE(video->FrameCount(), 4);
    QCOMPARE(video->Info().width, 8);
    QCOMPARE(video->Info().height, 6);
    // "00001.PNG" < "10.png" < "2.png" < "b.bmp" (byte order, as sorted() in Python)
    const int expected[] = {1, 10, 2, 30};
    for (int i = 0; i < 4; ++i) QCOMPARE(int(video->Frame(i).at<cv::Vec3b>(0, 0)[0]), expected[i]);
    VideoOptions jpg;
    jpg.extensions = {".jpg"};
    QVERIFY(OneLine(test::ErrorOf([&] { OpenImageSequence(dir.path().toStdString(), jpg); }), "no frames (*.jpg)"));
  }

  void BadFolders() {
    QTemporaryDir dir;
    QVERIFY(OneLine(test::ErrorOf([&] { OpenImageSequence(dir.filePath("video").toStdString()); }),
                    "frames folder not found"));
    QVERIFY(OneLine(test::ErrorOf([&] { OpenImageSequence(dir.path().toStdString()); }), "no frames"));
    Write(dir, "00000.jpg", 5);
    Write(dir, "00001.jpg", 5, 9, 6);
    const std::string e = test::ErrorOf([&] { OpenImageSequence(dir.path().toStdString()); });
    QVERIFY2(OneLine(e, "00001.jpg: frame is 9x6, the first frame (00000.jpg) is 8x6"), e.c_str());
  }

  void CorruptAndHugeFrames() {
    QTemporaryDir dir;
    Write(dir, "00000.png", 5);
    std::ofstream(dir.filePath("00001.png").toStdString()) << "garbage";
    const auto video = OpenImageSequence(dir.path().toStdString());
    QCOMPARE(video->FrameCount(), 2);
    QVERIFY(OneLine(test::ErrorOf([&] { video->Frame(1); }), "00001.png"));
    VideoOptions small;
    small.max_pixels = 20;
    QVERIFY(OneLine(test::ErrorOf([&] { OpenImageSequence(dir.path().toStdString(), small); }), "limit"));
  }
};

QTEST_APPLESS_MAIN(ImageSequenceTest)
#include "image_sequence_test.moc"
