// Frames held in memory (the videos embedded in TAP-Vid's pickle), the frame
// cache, range checks, the pixel limit, and OpenVideo's dispatch.
#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

#include "core/io/image.h"
#include "core/util/error.h"
#include "core/video/video_source.h"
#include "tests/common/test_helpers.h"

using namespace corrlens;
using namespace corrlens::video;

namespace {

// T frames of w x h whose pixels encode (frame, x, y).
io::TensorData Frames(int t, int h, int w) {
  std::vector<uint8_t> bytes;
  for (int f = 0; f < t; ++f)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) bytes.insert(bytes.end(), {uint8_t(f), uint8_t(x), uint8_t(y)});
  return io::TensorData::FromBytes(io::DType::kUInt8, {t, h, w, 3}, std::move(bytes));
}

}  // namespace

class VideoSourceTest : public QObject {
  Q_OBJECT

 private slots:
  void TensorFrames() {
    const auto video = MakeTensorVideo(Frames(5, 6, 7), "test video");
    QCOMPARE(video->FrameCount(), 5);
    QCOMPARE(video->Info().width, 7);
    QCOMPARE(video->Info().height, 6);
    QCOMPARE(video->Info().kind, std::string("memory"));
    QVERIFY(video->Info().count_exact);
    for (int f : {3, 0, 4, 3}) {
      const cv::Mat frame = video->Frame(f);
      QCOMPARE(frame.type(), CV_8UC3);
      QCOMPARE(frame.at<cv::Vec3b>(5, 6), cv::Vec3b(uint8_t(f), 6, 5));
    }
    QVERIFY(test::ErrorOf([&] { video->Frame(5); }).find("outside the video's 5 frames") != std::string::npos);
    QVERIFY_THROWS_EXCEPTION(Error, video->Frame(-1));
  }

  void CacheKeepsRecentFrames() {
    VideoOptions options;
    options.cache_frames = 2;
    const auto video = MakeTensorVideo(Frames(4, 2, 2), "v", options);
    const cv::Mat a = video->Frame(1);
    QCOMPARE(video->Frame(1).data, a.data);  // cached: the same buffer
    video->Frame(2);
    video->Frame(3);  // 1 dropped (capacity 2)
    QVERIFY(video->Frame(1).data != a.data);
  }

  void BadTensors() {
    QVERIFY(test::ErrorOf([] { MakeTensorVideo(Frames(0, 2, 2), "empty"); }).find("no frames") != std::string::npos);
    io::TensorData wrong = Frames(2, 2, 2);
    wrong.shape = {2, 4, 3};
    QVERIFY(test::ErrorOf([&] { MakeTensorVideo(wrong, "v"); }).find("expected uint8 [frames, height, width, 3]") !=
            std::string::npos);
    QVERIFY_THROWS_EXCEPTION(Error, MakeTensorVideo(Frames(2, 2, 2).ConvertTo(io::DType::kFloat32), "v"));
    VideoOptions tiny;
    tiny.max_pixels = 10;
    const std::string e = test::ErrorOf([&] { MakeTensorVideo(Frames(1, 4, 4), "big", tiny); });
    QVERIFY2(e.find("exceed the limit of 10 pixels") != std::string::npos, e.c_str());
    QVERIFY(e.find('\n') == std::string::npos);
  }

  void OpenVideoDispatches() {
    QTemporaryDir dir;
    io::WriteImage(dir.filePath("0.png").toStdString(), cv::Mat(4, 5, CV_8UC3, cv::Scalar(1, 2, 3)));
    const auto folder = OpenVideo(dir.path().toStdString());
    QCOMPARE(folder->Info().kind, std::string("images"));
    const std::string missing = test::ErrorOf([&] { OpenVideo(dir.filePath("none.avi").toStdString()); });
    QVERIFY2(missing.find("video file not found") != std::string::npos, missing.c_str());
  }
};

QTEST_APPLESS_MAIN(VideoSourceTest)
#include "video_source_test.moc"
