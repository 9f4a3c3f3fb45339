// Tests of the two-image evaluation helpers (core/corr/pair_eval).
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include <fstream>

#include "core/corr/pair_eval.h"
#include "core/util/error.h"

using namespace corrlens;

namespace {
const std::string kData = "/usr/share/doc/opencv-doc/examples/data/";
}

class PairEvalTest : public QObject {
  Q_OBJECT

 private slots:
  void HomographyGridKeepsPointsInsideTheTarget() {
    PairGridOptions grid;
    grid.step = 10;
    grid.margin = 5;
    const PairGroundTruth same = HomographyGroundTruth({100, 60}, {100, 60}, cv::Matx33d::eye(), grid);
    QCOMPARE(same.source.size(), size_t{9 * 5});  // x 5..85, y 5..45
    QCOMPARE(same.source.front(), cv::Point2d(5, 5));
    QCOMPARE(same.target.back(), same.source.back());
    const cv::Matx33d shift(1, 0, 50, 0, 1, 0, 0, 0, 1);
    const PairGroundTruth shifted = HomographyGroundTruth({100, 60}, {100, 60}, shift, grid);
    QCOMPARE(shifted.source.size(), size_t{5 * 5});  // x in {5..45} -> {55..95}
    for (size_t i = 0; i < shifted.source.size(); ++i)
      QCOMPARE(shifted.target[i], shifted.source[i] + cv::Point2d(50, 0));
  }

  void StereoUsesDisparityAndRescales() {
    cv::Mat disparity(30, 50, CV_32F, cv::Scalar(10.f));
    disparity(cv::Rect(0, 0, 50, 10)).setTo(0.f);  // unknown rows
    PairGridOptions grid;
    grid.step = 20;
    grid.margin = 0;
    // Disparity map at half the image resolution: 10 px there = 20 px here.
    const PairGroundTruth truth = StereoGroundTruth({100, 60}, {100, 60}, disparity, grid);
    QVERIFY(!truth.source.empty());
    for (size_t i = 0; i < truth.source.size(); ++i) {
      QVERIFY(truth.source[i].y >= 20);
      QCOMPARE(truth.target[i], truth.source[i] - cv::Point2d(20, 0));
      QVERIFY(truth.source[i].x >= 20);  // x - 20 must stay inside
    }
  }

  void PckAndAucAreExact() {
    const std::vector<cv::Point2d> truth(4, {10, 10});
    const std::vector<cv::Point2d> predicted = {{10, 10}, {13, 14}, {10, 25}, {50, 10}};  // errors 0, 5, 15, 40
    const PckRow row = ScorePredictions(predicted, truth, {1, 5, 20}, 20.0);
    QCOMPARE(row.points, int64_t{4});
    QCOMPARE(row.pck, (std::vector<double>{0.25, 0.25, 0.75}));  // strict "<"
    QVERIFY(std::abs(row.auc - (1.0 + 0.75 + 0.25 + 0.0) / 4) < 1e-12);
    QVERIFY(std::abs(row.mean_error - 15.0) < 1e-12);
    QVERIFY(std::abs(row.median_error - 10.0) < 1e-12);
  }

  void ReadsOpenCvHomographyAndPlainText() {
    const cv::Matx33d h = ReadHomography(kData + "H1to3p.xml");
    QVERIFY(std::abs(h(0, 0) - 7.6285898e-01) < 1e-9);
    QVERIFY(std::abs(h(1, 2) + 7.6999973e+01) < 1e-6);
    QTemporaryDir dir;
    const std::string text = dir.filePath("h.txt").toStdString();
    std::ofstream(text) << "1 0 2\n0 1 3\n0 0 1\n";
    QCOMPARE(ReadHomography(text)(1, 2), 3.0);
    const std::string bad = dir.filePath("bad.txt").toStdString();
    std::ofstream(bad) << "1 2 3";
    QVERIFY_THROWS_EXCEPTION(Error, ReadHomography(bad));
    QVERIFY_THROWS_EXCEPTION(Error, ReadHomography(dir.filePath("missing.xml").toStdString()));
  }

  void ReadsTheAloeDisparity() {
    const cv::Mat d = ReadDisparity(kData + "aloeGT.png");
    QCOMPARE(d.type(), CV_32F);
    QCOMPARE(d.cols, 1282);
    QCOMPARE(d.rows, 1110);
    double lo, hi;
    cv::minMaxLoc(d, &lo, &hi);
    QCOMPARE(lo, 0.0);
    QVERIFY(hi > 100 && hi < 256);
  }

  void ReportSerialises() {
    PairEvalReport report;
    report.task = "homography";
    PckRow row = ScorePredictions({{0, 0}}, {{3, 4}}, report.thresholds, report.auc_max);
    row.model = "dense_sift";
    row.method = "argmax";
    report.rows.push_back(row);
    const auto json = nlohmann::json::parse(report.ToJson());
    QCOMPARE(json["rows"][0]["pck"]["5"].get<double>(), 0.0);  // error 5 is not < 5
    QCOMPARE(json["rows"][0]["pck"]["10"].get<double>(), 1.0);
    QCOMPARE(json["summary"]["best_model"].get<std::string>(), std::string("dense_sift"));
    QVERIFY(QString::fromStdString(report.ToText()).contains("PCK@20"));
  }
};

QTEST_APPLESS_MAIN(PairEvalTest)
#include "pair_eval_test.moc"
