// The reference letterbox: sizes and offsets as Python computes them, the
// keypoint map, and PIL's Lanczos resize reproduced bit for bit (checked
// against python3-pil).
#include <QTemporaryDir>
#include <QtTest>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/bench/letterbox.h"
#include "core/util/error.h"
#include "tests/common/python.h"

using namespace corrlens;
using namespace corrlens::bench;

class LetterboxTest : public QObject {
  Q_OBJECT

 private slots:
  void SizesAndOffsetsFollowPython() {
    // round(840 * 199 / 301) = round(555.35) = 555; offset (840 - 555) // 2 = 142.
    const Letterbox wide = MakeLetterbox(301, 199, 840);
    QCOMPARE(wide.new_width, 840);
    QCOMPARE(wide.new_height, 555);
    QCOMPARE(wide.offset_x, 0);
    QCOMPARE(wide.offset_y, 142);
    // 840 * 1 / 16 = 52.5 rounds half to even: 52 (Python's round / np.around).
    QCOMPARE(MakeLetterbox(16, 1, 840).new_height, 52);
    QCOMPARE(MakeLetterbox(16, 3, 840).new_height, 158);  // 157.5 -> 158
    const Letterbox tall = MakeLetterbox(199, 301, 840);
    QCOMPARE(tall.new_width, 555);
    QCOMPARE(tall.offset_x, 142);
    QCOMPARE(tall.offset_y, 0);
    const Letterbox square = MakeLetterbox(300, 300, 840);
    QCOMPARE(square.offset_x + square.offset_y, 0);
    QVERIFY_THROWS_EXCEPTION(Error, MakeLetterbox(0, 10, 840));
  }

  void KeypointsMapInFloat32AndBack() {
    const Letterbox box = MakeLetterbox(301, 199, 840);
    const cv::Point2f c = box.ToCanvas({100.5, 50.25});
    const float s = static_cast<float>(840.0 / 301.0);
    QCOMPARE(c.x, 100.5f * s);
    QCOMPARE(c.y, 50.25f * s + 142.f);
    const cv::Point2d back = box.FromCanvas({c.x, c.y});
    QVERIFY(std::abs(back.x - 100.5) < 1e-4 && std::abs(back.y - 50.25) < 1e-4);
  }

  void LanczosMatchesPilExactly() {
    QTemporaryDir dir;
    cv::RNG rng(7);
    struct Case {
      int w, h, out_w, out_h;
    };
    for (const Case& c : {Case{301, 199, 840, 555}, Case{97, 203, 397, 840}, Case{1001, 333, 840, 279}}) {
      cv::Mat rgb(c.h, c.w, CV_8UC3);
      rng.fill(rgb, cv::RNG::UNIFORM, 0, 256);
      cv::GaussianBlur(rgb, rgb, {5, 5}, 1.5);  // natural-ish content, not only noise
      rgb.at<cv::Vec3b>(3, 4) = cv::Vec3b(255, 0, 255);
      const QString in = dir.filePath(QStringLiteral("in_%1.png").arg(c.w));
      const QString out = dir.filePath(QStringLiteral("out_%1.png").arg(c.w));
      cv::Mat bgr;
      cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
      QVERIFY(cv::imwrite(in.toStdString(), bgr));
      const auto py =
          test::RunPython3({"-c",
                            "import sys; from PIL import Image; Image.open(sys.argv[1]).convert('RGB')"
                            ".resize((int(sys.argv[3]), int(sys.argv[4])), Image.LANCZOS).save(sys.argv[2])",
                            in, out, QString::number(c.out_w), QString::number(c.out_h)});
      if (!py.ok && py.err.contains("No module named")) QSKIP("/usr/bin/python3 lacks PIL (python3-pil)");
      QVERIFY2(py.ok, qPrintable(py.err));
      cv::Mat expected = cv::imread(out.toStdString(), cv::IMREAD_COLOR);
      cv::cvtColor(expected, expected, cv::COLOR_BGR2RGB);
      const cv::Mat ours = ResizeLanczosPil(rgb, c.out_w, c.out_h);
      QCOMPARE(ours.size(), expected.size());
      QCOMPARE(cv::norm(ours, expected, cv::NORM_INF), 0.0);
    }
  }

  void CanvasIsBlackAroundTheImage() {
    cv::Mat rgb(199, 301, CV_8UC3, cv::Scalar(200, 100, 50));
    const Letterbox box = MakeLetterbox(301, 199, 840);
    const cv::Mat canvas = LetterboxImage(rgb, box);
    QCOMPARE(canvas.rows, 840);
    QCOMPARE(canvas.cols, 840);
    QCOMPARE(canvas.at<cv::Vec3b>(141, 400), cv::Vec3b(0, 0, 0));
    QCOMPARE(canvas.at<cv::Vec3b>(142 + 555, 400), cv::Vec3b(0, 0, 0));
    QCOMPARE(canvas.at<cv::Vec3b>(400, 400), cv::Vec3b(200, 100, 50));
  }
};

QTEST_APPLESS_MAIN(LetterboxTest)
#include "letterbox_test.moc"
