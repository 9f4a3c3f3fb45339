// ComputePairResults and the matches export, on random feature maps.
#include <QtTest>

#include <torch/torch.h>
#include <QJsonArray>

#include "core/util/error.h"
#include "tests/common/random_maps.h"
#include "ui/pair_results.h"

using namespace corrlens;
using namespace corrlens::ui;

namespace {

// The same random map for both images: every point matches itself.
class SameMaps : public FeatureProvider {
 public:
  std::shared_ptr<const FeatureMap> Get(const cv::Mat& rgb, const std::string& model, const ExtractOptions&,
                                        const CancelToken&) override {
    return test::RandomGridMap(rgb.cols, rgb.rows, 16, 3, model);
  }
  BackendInfo Info(const std::string& model) override { return {model, model, 16, "", "cpu"}; }
};

struct Prepared {
  PairComparison comparison{std::make_shared<SameMaps>()};
  Prepared() {
    const cv::Mat image(96, 128, CV_8UC3, cv::Scalar(80, 90, 100));
    comparison.SetImages(image, image);
    Progress progress;
    comparison.Prepare("a", progress, CancelToken());
  }
};

}  // namespace

class PairResultsTest : public QObject {
  Q_OBJECT
 private slots:
  void computesWhatTheViewAsksFor() {
    Prepared p;
    PairRequest request;
    request.models = {"a"};
    request.points = {{44, 44}, {76, 52}};
    request.focus = request.points[1];
    request.view.show_mutual = true;
    request.view.show_pca = true;
    const PairResults results = ComputePairResults(p.comparison, request, CancelToken());
    QCOMPARE(results.size(), 1);
    const PairRowResult& row = results[0];
    QVERIFY2(row.error.isEmpty(), qPrintable(row.error));
    QCOMPARE(row.matches.size(), 2);
    QVERIFY(std::abs(row.matches[1].target.x - 76) < 2.0);
    QCOMPARE(row.heatmap.size(), QSize(128, 96));
    QVERIFY(row.min_score < row.max_score);
    QVERIFY(!row.mutual_source.isEmpty());
    QCOMPARE(row.mutual_source.size(), row.mutual_target.size());
    QCOMPARE(row.pca[0].size(), QSize(128, 96));
    // PCA pixels are the comparison's memoised ones, not copies.
    QCOMPARE(row.pca[0].constBits(), p.comparison.PcaImages("a")[0].data);

    request.view = ViewSettings();  // heatmap only
    request.focus.reset();
    const PairRowResult plain = ComputePairResults(p.comparison, request, CancelToken())[0];
    QVERIFY(plain.heatmap.isNull());
    QVERIFY(plain.min_score > plain.max_score);
    QVERIFY(plain.mutual_source.isEmpty());
    QVERIFY(plain.pca[0].isNull());
  }

  void aFailingRowKeepsItsError() {
    Prepared p;
    PairRequest request;
    request.models = {"a", "unprepared"};
    request.points = {{10, 10}};
    const PairResults results = ComputePairResults(p.comparison, request, CancelToken());
    QCOMPARE(results.size(), 2);
    QVERIFY(results[0].error.isEmpty());
    QVERIFY(!results[1].error.isEmpty());
    QVERIFY(results[1].matches.isEmpty());
  }

  void cancelledRequestsThrow() {
    Prepared p;
    PairRequest request;
    request.models = {"a"};
    CancelToken cancel;
    cancel.Cancel();
    QVERIFY_THROWS_EXCEPTION(Cancelled, ComputePairResults(p.comparison, request, cancel));
  }

  void exportsCsvAndJson() {
    ComparedMatch m;
    m.source = {1.5, 2.25};
    m.target = {3, 4};
    m.score = 0.5f;
    const QVector<ModelMatches> models = {{"dense_sift", "Dense SIFT", {m}}};
    QCOMPARE(
        MatchesCsv(models),
        QString("model,point,source_x,source_y,target_x,target_y,score\ndense_sift,1,1.50,2.25,3.00,4.00,0.5000\n"));
    const QJsonObject json = MatchesJson(models, "/a.png", "/b.png");
    QCOMPARE(json["source"].toString(), QString("/a.png"));
    const QJsonObject first = json["models"].toArray()[0].toObject();
    QCOMPARE(first["model"].toString(), QString("dense_sift"));
    QCOMPARE(first["matches"].toArray()[0].toObject()["target"].toArray()[1].toDouble(), 4.0);
  }
};

QTEST_GUILESS_MAIN(PairResultsTest)
#include "pair_results_test.moc"
