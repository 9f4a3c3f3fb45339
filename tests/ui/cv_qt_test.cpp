// OpenCV <-> QImage conversions keep RGB order, size and pixel values.
#include <QtTest>

#include "ui/cv_qt.h"

using namespace corrlens::ui;

class CvQtTest : public QObject {
  Q_OBJECT
 private slots:
  void roundTripKeepsPixels() {
    cv::Mat rgb(7, 13, CV_8UC3);  // odd width: QImage rows are padded
    for (int y = 0; y < rgb.rows; ++y)
      for (int x = 0; x < rgb.cols; ++x) rgb.at<cv::Vec3b>(y, x) = cv::Vec3b(x * 10, y * 20, 200);
    const QImage image = QImageFromMat(rgb);
    QCOMPARE(image.width(), 13);
    QCOMPARE(image.height(), 7);
    QCOMPARE(image.pixelColor(3, 2), QColor(30, 40, 200));  // R stays R
    const cv::Mat back = MatFromQImage(image);
    QCOMPARE(back.type(), CV_8UC3);
    QCOMPARE(cv::norm(back, rgb, cv::NORM_INF), 0.0);
  }

  void otherFormatsAreConverted() {
    QImage argb(4, 3, QImage::Format_ARGB32);
    argb.fill(QColor(1, 2, 3));
    const cv::Mat m = MatFromQImage(argb);
    QCOMPARE(m.cols, 4);
    QCOMPARE(m.at<cv::Vec3b>(2, 3), cv::Vec3b(1, 2, 3));
    QVERIFY(MatFromQImage(QImage()).empty());
  }

  void copiesDoNotAlias() {
    cv::Mat rgb(2, 2, CV_8UC3, cv::Scalar(5, 5, 5));
    const QImage image = QImageFromMat(rgb);
    rgb.setTo(cv::Scalar(9, 9, 9));
    QCOMPARE(image.pixelColor(0, 0), QColor(5, 5, 5));
  }

  void sharingViewKeepsTheMatrixAlive() {
    QImage image;
    const uchar* data = nullptr;
    {
      cv::Mat rgb(5, 7, CV_8UC3, cv::Scalar(10, 20, 30));
      data = rgb.data;
      image = QImageSharingMat(rgb);
      QCOMPARE(QImageSharingMat(rgb).constBits(), image.constBits());  // same pixels: same buffer
    }
    QCOMPARE(image.constBits(), data);  // no copy, still valid after the Mat went away
    QCOMPARE(image.size(), QSize(7, 5));
    QCOMPARE(image.pixelColor(6, 4), QColor(10, 20, 30));
    QVERIFY(QImageSharingMat(cv::Mat()).isNull());
  }
};

QTEST_GUILESS_MAIN(CvQtTest)
#include "cv_qt_test.moc"
