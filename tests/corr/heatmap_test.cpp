// Tests of colour-mapped score images (core/corr/heatmap).
#include <QtTest>

#include <opencv2/imgproc.hpp>

#include <cmath>

#include "core/corr/heatmap.h"
#include "core/util/error.h"

using namespace corrlens;

namespace {

cv::Vec3b TurboRgb(uchar level) {
  cv::Mat gray(1, 1, CV_8U, cv::Scalar(level)), bgr, rgb;
  cv::applyColorMap(gray, bgr, cv::COLORMAP_TURBO);
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb.at<cv::Vec3b>(0, 0);
}

}  // namespace

class HeatmapTest : public QObject {
  Q_OBJECT

 private slots:
  void AutoRangeUsesMinAndMax() {
    cv::Mat scores = (cv::Mat_<float>(2, 3) << -0.5f, 0.f, 0.25f, 0.5f, 0.75f, 1.f);
    const Heatmap heat = ColorizeScores(scores);
    QCOMPARE(heat.min, -0.5f);
    QCOMPARE(heat.max, 1.f);
    QCOMPARE(heat.rgb.type(), CV_8UC3);
    QCOMPARE(heat.rgb.size(), scores.size());
    QCOMPARE(heat.rgb.at<cv::Vec3b>(0, 0), TurboRgb(0));
    QCOMPARE(heat.rgb.at<cv::Vec3b>(1, 2), TurboRgb(255));
  }

  void FixedRangeSaturatesAndNanIsBlack() {
    cv::Mat scores = (cv::Mat_<float>(1, 4) << -2.f, 0.f, 2.f, std::nanf(""));
    HeatmapOptions options;
    options.min = -1.f;
    options.max = 1.f;
    options.colormap = Colormap::kGray;
    const Heatmap heat = ColorizeScores(scores, options);
    QCOMPARE(heat.min, -1.f);
    QCOMPARE(heat.rgb.at<cv::Vec3b>(0, 0), cv::Vec3b(0, 0, 0));
    QCOMPARE(heat.rgb.at<cv::Vec3b>(0, 1)[0], uchar(128));
    QCOMPARE(heat.rgb.at<cv::Vec3b>(0, 2), cv::Vec3b(255, 255, 255));
    QCOMPARE(heat.rgb.at<cv::Vec3b>(0, 3), cv::Vec3b(0, 0, 0));
  }

  void BlendsAndDraws() {
    cv::Mat image(20, 30, CV_8UC3, cv::Scalar(100, 100, 100));
    Heatmap heat;
    heat.rgb = cv::Mat(10, 15, CV_8UC3, cv::Scalar(200, 0, 0));
    const cv::Mat blended = BlendHeatmap(image, heat, 0.5);
    QCOMPARE(blended.size(), image.size());
    QCOMPARE(blended.at<cv::Vec3b>(5, 5), cv::Vec3b(150, 50, 50));
    DrawMarker(image, {10, 10});
    QCOMPARE(image.at<cv::Vec3b>(10, 10), cv::Vec3b(0, 0, 0));
  }

  void ParsesNamesAndRejectsBadInput() {
    QCOMPARE(ParseColormap("viridis"), Colormap::kViridis);
    QVERIFY_THROWS_EXCEPTION(Error, ParseColormap("rainbowish"));
    QVERIFY_THROWS_EXCEPTION(Error, ColorizeScores(cv::Mat(2, 2, CV_8U)));
    HeatmapOptions bad;
    bad.min = 1.f;
    bad.max = 0.f;
    QVERIFY_THROWS_EXCEPTION(Error, ColorizeScores(cv::Mat::zeros(2, 2, CV_32F), bad));
  }
};

QTEST_APPLESS_MAIN(HeatmapTest)
#include "heatmap_test.moc"
