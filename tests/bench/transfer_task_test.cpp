// PF-PASCAL keypoint transfer: metrics against an independent numpy
// implementation (tests/bench/transfer_reference.py) and a run end to end
// on a small dataset in the real layout (opencv-doc images with known warps).
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>
#include "tests/common/test_paths.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fstream>
#include <random>

#include "core/bench/transfer_task.h"
#include "core/corr/feature_service.h"
#include "core/io/image.h"
#include "core/util/error.h"
#include "plugins/classical/classical_plugin.h"
#include "tests/common/python.h"
#include "tests/common/sample_data.h"

using namespace corrlens;
using namespace corrlens::bench;

namespace {

struct Row {
  std::string source, target;
  int category;  // 1-based
  std::vector<cv::Point2d> a, b;
};

std::string Join(const std::vector<cv::Point2d>& points, bool y) {
  std::string out;
  for (const cv::Point2d& p : points)
    out += (out.empty() ? "" : ";") + QString::number(y ? p.y : p.x, 'g', 10).toStdString();
  return out;
}

// A PF-PASCAL-layout dataset: JPEGs of opencv-doc images (long side about
// 300 px) and their affine warps, keypoints on a grid and their images under
// the warp, one row with fewer target than source keypoints.
class MiniDataset {
 public:
  MiniDataset() {
    QDir(dir_.path()).mkpath("PF-dataset-PASCAL/JPEGImages");
    const char* names[] = {"graf1.png", "box.png", "basketball1.png", "aloeL.jpg"};
    const int categories[] = {1, 1, 2, 3};
    for (int i = 0; i < 4; ++i) {
      cv::Mat rgb = io::ReadImageRgb(test::OpenCvData(names[i]));
      const double s = 300.0 / std::max(rgb.cols, rgb.rows);
      cv::resize(rgb, rgb, {}, s, s, cv::INTER_AREA);
      const cv::Mat warp = cv::getRotationMatrix2D({rgb.cols / 2.0, rgb.rows / 2.0}, 6.0 + i, 0.92);
      cv::Mat warped;
      cv::warpAffine(rgb, warped, warp, rgb.size());
      const std::string a = Save(rgb, 2011000 + i), b = Save(warped, 2012000 + i);
      Row row{a, b, categories[i], {}, {}};
      for (double fy : {0.3, 0.5, 0.7})
        for (double fx : {0.3, 0.5, 0.7}) {
          const cv::Point2d p(fx * rgb.cols, fy * rgb.rows);
          row.a.push_back(p);
          row.b.emplace_back(warp.at<double>(0, 0) * p.x + warp.at<double>(0, 1) * p.y + warp.at<double>(0, 2),
                             warp.at<double>(1, 0) * p.x + warp.at<double>(1, 1) * p.y + warp.at<double>(1, 2));
        }
      if (i == 3) row.b.resize(5);  // a mismatched row, as in different_views
      rows_.push_back(row);
    }
    Row reverse{rows_[0].target, rows_[0].source, 3, rows_[0].b, rows_[0].a};
    rows_.push_back(reverse);
    std::string csv = "source_image,target_image,class,XA,YA,XB,YB\n";
    for (const Row& r : rows_)
      csv += r.source + "," + r.target + "," + std::to_string(r.category) + "," + Join(r.a, false) + "," +
             Join(r.a, true) + "," + Join(r.b, false) + "," + Join(r.b, true) + "\n";
    std::ofstream(Path("PF-dataset-PASCAL/test_pairs_pf_different_views.csv"), std::ios::binary) << csv;
    std::ofstream(Path("PF-dataset-PASCAL/test_pairs_pf_same_views.csv"), std::ios::binary) << csv;
  }
  std::string Root() const { return dir_.path().toStdString(); }
  std::string Path(const std::string& relative) const { return Root() + "/" + relative; }
  const std::vector<Row>& Rows() const { return rows_; }

 private:
  std::string Save(const cv::Mat& rgb, int id) {
    const std::string relative =
        "PF-dataset-PASCAL/JPEGImages/" + std::to_string(id / 1000) + "_00" + std::to_string(id % 1000 + 1000) + ".jpg";
    io::WriteImage(Path(relative), rgb);
    return relative;
  }
  QTemporaryDir dir_;
  std::vector<Row> rows_;
};

TransferTaskOptions Options(const MiniDataset& data, TransferProtocol protocol) {
  TransferTaskOptions options;
  options.dataset = data.Root();
  options.protocol = protocol;
  options.categories = 3;
  return options;
}

}  // namespace

class TransferTaskTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { CORRLENS_REQUIRE_OPENCV_DATA("graf1.png"); }

  void MetricsMatchTheNumpyReference() {
    MiniDataset data;
    std::mt19937 rng(3);
    std::normal_distribution<double> noise(0.0, 25.0);
    std::vector<TransferPrediction> predictions;
    for (size_t r = 0; r < data.Rows().size(); ++r) {
      TransferPrediction p{static_cast<int>(r), {}};
      for (size_t k = 0; k < data.Rows()[r].a.size(); ++k) {
        const cv::Point2d truth = k < data.Rows()[r].b.size() ? data.Rows()[r].b[k] : cv::Point2d(150, 150);
        p.points.push_back(truth + cv::Point2d(noise(rng), noise(rng)));
      }
      predictions.push_back(p);
    }
    QTemporaryDir dir;
    const QString json = dir.filePath("p.json");
    std::ofstream(json.toStdString()) << TransferPredictionsToJson("random", predictions);
    std::string model;
    QCOMPARE(ReadTransferPredictions(json.toStdString(), &model).size(), predictions.size());
    QCOMPARE(model, std::string("random"));
    for (TransferProtocol protocol : {TransferProtocol::kPaper, TransferProtocol::kStandard}) {
      const TransferTaskOptions options = Options(data, protocol);
      const Report ours = ScoreTransferPredictions(options, "random", predictions);
      const auto py =
          test::RunPython3({corrlens::test::SourcePath("/tests/bench/transfer_reference.py"), "--csv",
                            QString::fromStdString(options.PairsPath()), "--root", QString::fromStdString(data.Root()),
                            "--predictions", json, "--protocol", TransferProtocolName(protocol), "--categories", "3"});
      if (!py.ok && py.err.contains("No module named")) QSKIP("/usr/bin/python3 lacks numpy or PIL");
      QVERIFY2(py.ok, qPrintable(py.err));
      const QJsonObject ref = QJsonDocument::fromJson(py.out.toUtf8()).object();
      for (const char* key : {"pck_0.05", "pck_0.10", "pck_0.15"}) {
        const double a = ours.rows[0].metrics.Get(key), b = ref[key].toDouble();
        qInfo("%s %s: ours %.12f numpy %.12f", TransferProtocolName(protocol), key, a, b);
        QVERIFY(std::abs(a - b) < 1e-9);
        for (const ReportItem& item : ours.rows[0].items) {
          if (item.id.rfind("category:", 0) != 0) continue;
          const double expected =
              ref["categories"].toObject()[QString::fromStdString(item.id.substr(9))].toObject()[key].toDouble();
          QVERIFY2(std::abs(item.metrics.Get(key) - expected) < 1e-9, item.id.c_str());
        }
      }
      QVERIFY(ours.rows[0].metrics.Get("pck_0.05") < ours.rows[0].metrics.Get("pck_0.15"));  // not degenerate
    }
  }

  void DenseSiftEndToEnd() {
    MiniDataset data;
    BackendRegistry registry;
    RegisterClassicalBackends(registry);
    FeatureService service(registry, {});
    TransferTaskOptions options = Options(data, TransferProtocol::kPaper);
    options.models = {"dense_sift"};
    Progress progress;
    std::vector<std::vector<TransferPrediction>> predictions;
    const Report report = RunTransferTask(options, service, progress, CancelToken(), &predictions);
    QCOMPARE(report.task, std::string("transfer"));
    QVERIFY(report.protocol.rfind("paper", 0) == 0);
    QCOMPARE(report.notes.size(), size_t(1));  // 1 of 5 rows has fewer target keypoints
    QVERIFY(QString::fromStdString(report.notes[0]).startsWith("1 of 5 pairs"));
    const Metrics& m = report.rows[0].metrics;
    qInfo("dense_sift, 5 warped pairs, paper protocol: PCK@0.05/0.10/0.15 %.3f/%.3f/%.3f (%.0f keypoints, %.1f s)",
          m.Get("pck_0.05"), m.Get("pck_0.10"), m.Get("pck_0.15"), m.Get("keypoints"), report.rows[0].seconds);
    QCOMPARE(m.Get("keypoints"), 41.0);                    // 4 x 9 + 5
    QVERIFY(m.Get("pck_0.15") > 0.5);                      // mild warps: most keypoints land close
    QCOMPARE(report.rows[0].items.size(), size_t(3 + 5));  // categories, then pairs
    QCOMPARE(report.rows[0].curves[0].x.back(), 0.2);
    // Scoring the written predictions gives the same figures.
    const Report again = ScoreTransferPredictions(options, "dense_sift", predictions[0]);
    for (const char* key : {"pck_0.05", "pck_0.10", "pck_0.15"}) QCOMPARE(again.rows[0].metrics.Get(key), m.Get(key));
  }

  void Errors() {
    MiniDataset data;
    TransferTaskOptions options = Options(data, TransferProtocol::kPaper);
    QVERIFY_THROWS_EXCEPTION(Error, ScoreTransferPredictions(options, "m", {}));  // rows missing
    QVERIFY_THROWS_EXCEPTION(Error, ScoreTransferPredictions(options, "m", {{0, {{1, 1}}}}));
    options.dataset = "/nonexistent";
    try {
      ScoreTransferPredictions(options, "m", {});
      QFAIL("expected an error");
    } catch (const Error& e) {
      QVERIFY(QString(e.what()).contains("/nonexistent/PF-dataset-PASCAL/test_pairs_pf_different_views.csv"));
    }
    QVERIFY_THROWS_EXCEPTION(Error, TransferProtocolFromName("other"));
    QTemporaryDir dir;
    std::ofstream(dir.filePath("bad.json").toStdString()) << "{\"pairs\": [{\"row\": \"x\"}]}";
    QVERIFY_THROWS_EXCEPTION(Error, ReadTransferPredictions(dir.filePath("bad.json").toStdString()));
  }
};

QTEST_APPLESS_MAIN(TransferTaskTest)
#include "transfer_task_test.moc"
