#include <QtTest>

#include "tests/common/test_helpers.h"

#include <QTemporaryDir>

#include <opencv2/imgcodecs.hpp>

#include "core/io/image.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "tests/common/sample_data.h"

using namespace corrlens::io;

namespace {

const std::string kData = corrlens::test::OpenCvData("");

using corrlens::test::ErrorOf;

cv::Mat Pattern() {
  cv::Mat rgb(4, 5, CV_8UC3);
  for (int y = 0; y < rgb.rows; ++y)
    for (int x = 0; x < rgb.cols; ++x) rgb.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(40 * x), uchar(60 * y), 7);
  rgb.at<cv::Vec3b>(0, 0) = cv::Vec3b(255, 0, 0);  // pure red in RGB
  return rgb;
}

}  // namespace

class ImageTest : public QObject {
  Q_OBJECT
 private slots:
  void readsRealImagesAsRgb() {
    CORRLENS_REQUIRE_OPENCV_DATA("graf1.png");
    const cv::Mat rgb = ReadImageRgb(kData + "graf1.png");
    QCOMPARE(rgb.type(), CV_8UC3);
    const cv::Mat bgr = cv::imread(kData + "graf1.png", cv::IMREAD_COLOR);
    QCOMPARE(rgb.size(), bgr.size());
    QCOMPARE(rgb.at<cv::Vec3b>(10, 20)[0], bgr.at<cv::Vec3b>(10, 20)[2]);
    const auto size = SniffImageSize(corrlens::fs::ReadFile(kData + "aloeL.jpg"));
    QVERIFY(size);
    const cv::Mat aloe = ReadImageRgb(kData + "aloeL.jpg");
    QCOMPARE(size->first, int64_t(aloe.cols));
    QCOMPARE(size->second, int64_t(aloe.rows));
  }

  void writeThenReadKeepsRgbOrder() {
    QTemporaryDir dir;
    for (const char* ext : {".png", ".bmp", ".tiff"}) {
      const std::string path = dir.filePath(QString("p%1").arg(ext)).toStdString();
      WriteImage(path, Pattern());
      const cv::Mat back = ReadImageRgb(path);
      QCOMPARE(cv::norm(back, Pattern(), cv::NORM_INF), 0.0);
      QCOMPARE(cv::imread(path).at<cv::Vec3b>(0, 0), cv::Vec3b(0, 0, 255));  // stored as BGR on disk
    }
  }

  void greyAndSixteenBitBecomeEightBitRgb() {
    QTemporaryDir dir;
    const std::string grey = dir.filePath("g.png").toStdString();
    cv::imwrite(grey, cv::Mat(3, 3, CV_8UC1, cv::Scalar(9)));
    QCOMPARE(ReadImageRgb(grey).at<cv::Vec3b>(1, 1), cv::Vec3b(9, 9, 9));
    const std::string deep = dir.filePath("d.png").toStdString();
    cv::imwrite(deep, cv::Mat(2, 2, CV_16UC3, cv::Scalar(65535, 0, 257 * 10)));
    const cv::Mat eight = ReadImageRgb(deep);
    QCOMPARE(eight.type(), CV_8UC3);
    QCOMPARE(eight.at<cv::Vec3b>(0, 0), cv::Vec3b(10, 0, 255));
  }

  void sniffsHeadersOfCommonFormats() {
    for (const char* ext : {".png", ".jpg", ".bmp", ".webp"}) {
      std::vector<uint8_t> bytes;
      cv::imencode(ext, cv::Mat(37, 53, CV_8UC3, cv::Scalar(1, 2, 3)), bytes);
      const auto size = SniffImageSize(bytes);
      QVERIFY2(size, ext);
      QCOMPARE(*size, (std::pair<int64_t, int64_t>(53, 37)));
    }
    QVERIFY(!SniffImageSize({'x', 'y'}));
  }

  void refusesMissingCorruptAndHugeImages() {
    QTemporaryDir dir;
    QVERIFY(ErrorOf([] { ReadImageRgb("/nonexistent/a.png"); }).find("file not found") != std::string::npos);
    const std::string text = dir.filePath("notes.jpg").toStdString();
    corrlens::fs::WriteFileAtomic(text, std::string("definitely not an image"));
    const std::string error = ErrorOf([&] { ReadImageRgb(text); });
    QVERIFY2(error.find("notes.jpg") != std::string::npos && error.find("not an image") != std::string::npos,
             error.c_str());
    const std::string empty = dir.filePath("empty.png").toStdString();
    corrlens::fs::WriteFileAtomic(empty, std::string());
    QVERIFY(ErrorOf([&] { ReadImageRgb(empty); }).find("empty") != std::string::npos);
    std::vector<uint8_t> png;
    cv::imencode(".png", Pattern(), png);
    const std::string truncated = dir.filePath("cut.png").toStdString();
    corrlens::fs::WriteFileAtomic(truncated, png.data(), png.size() / 2);
    QVERIFY(ErrorOf([&] { ReadImageRgb(truncated); }).find("cut.png") != std::string::npos);
    png[16] = 0x00, png[17] = 0x01, png[18] = 0x00, png[19] = 0x00;  // width 65536
    png[20] = 0x00, png[21] = 0x01, png[22] = 0x00, png[23] = 0x00;  // height 65536
    const std::string huge = dir.filePath("huge.png").toStdString();
    corrlens::fs::WriteFileAtomic(huge, png.data(), png.size());
    const std::string too_large = ErrorOf([&] { ReadImageRgb(huge); });
    QVERIFY2(
        too_large.find("65536 x 65536") != std::string::npos && too_large.find("100 megapixels") != std::string::npos,
        too_large.c_str());
    ImageReadOptions small;
    small.max_pixels = 10;
    const std::string pattern = dir.filePath("p.png").toStdString();
    WriteImage(pattern, Pattern());
    QVERIFY(ErrorOf([&] { ReadImageRgb(pattern, small); }).find("above the limit") != std::string::npos);
  }

  void writeRefusesBadInput() {
    QTemporaryDir dir;
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, WriteImage(dir.filePath("a.xyz").toStdString(), Pattern()));
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, WriteImage(dir.filePath("noext").toStdString(), Pattern()));
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, WriteImage(dir.filePath("f.png").toStdString(), cv::Mat(2, 2, CV_32FC3)));
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, WriteImage(dir.filePath("e.png").toStdString(), cv::Mat()));
  }
};

QTEST_APPLESS_MAIN(ImageTest)
#include "image_test.moc"
