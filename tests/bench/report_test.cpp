// The Report type: metrics, JSON/CSV/text writers, JSON round trip, and the
// PCK scoring shared by the tasks.
#include <QtTest>

#include <nlohmann/json.hpp>

#include "core/bench/report.h"
#include "core/util/error.h"

using namespace corrlens;
using namespace corrlens::bench;

namespace {

Report SampleReport() {
  Report report;
  report.task = "homography";
  report.protocol = "grid step 16";
  report.dataset = "a.png -> b.png";
  report.notes = {"a caveat, with a comma"};
  ReportRow row;
  row.model = "dense_sift";
  row.method = "argmax";
  row.metrics.Set("points", 120, Unit::kCount);
  row.metrics.Set("pck@5px", 0.25);
  row.metrics.Set("mean_error_px", 12.5, Unit::kPixels);
  row.items.push_back({"a.png -> b.png", row.metrics, {{"source", "a.png"}, {"target", "b.png"}}});
  row.curves.push_back({"pck", "px", {0, 10, 20}, {0, 0.3, 0.5}, 0.31});
  row.seconds = 1.5;
  report.rows.push_back(row);
  return report;
}

}  // namespace

class ReportTest : public QObject {
  Q_OBJECT

 private slots:
  void MetricsKeepOrderAndReplace() {
    Metrics m;
    m.Set("b", 1);
    m.Set("a", 2, Unit::kPixels);
    m.Set("b", 3);
    QCOMPARE(m.values.size(), size_t(2));
    QCOMPARE(m.values[0].name, std::string("b"));
    QCOMPARE(m.Get("b"), 3.0);
    QVERIFY(!m.Has("c"));
    QVERIFY_THROWS_EXCEPTION(Error, m.Get("c"));
  }

  void JsonHasTheDocumentedShape() {
    const auto json = nlohmann::ordered_json::parse(SampleReport().ToJson());
    QCOMPARE(json["task"].get<std::string>(), std::string("homography"));
    QCOMPARE(json["protocol"].get<std::string>(), std::string("grid step 16"));
    QCOMPARE(json["dataset"].get<std::string>(), std::string("a.png -> b.png"));
    const auto& row = json["rows"][0];
    QCOMPARE(row["model"].get<std::string>(), std::string("dense_sift"));
    QCOMPARE(row["metrics"]["pck@5px"].get<double>(), 0.25);  // a fraction, not a percentage
    QCOMPARE(row["items"][0]["attributes"]["source"].get<std::string>(), std::string("a.png"));
    QCOMPARE(row["seconds"].get<double>(), 1.5);
    QCOMPARE(json["units"]["pck@5px"].get<std::string>(), std::string("fraction"));
    QCOMPARE(json["units"]["mean_error_px"].get<std::string>(), std::string("px"));
    // Metric order is kept.
    QCOMPARE(row["metrics"].begin().key(), std::string("points"));
  }

  void JsonRoundTrip() {
    const Report a = SampleReport();
    const Report b = Report::FromJson(a.ToJson());
    QCOMPARE(b.ToJson(), a.ToJson());
    QCOMPARE(b.rows[0].metrics.values[2].unit, Unit::kPixels);
    QVERIFY_THROWS_EXCEPTION(Error, Report::FromJson("{\"rows\": 3}", "x.json"));
    try {
      Report::FromJson("not json", "broken.json");
      QFAIL("expected an error");
    } catch (const Error& e) {
      QVERIFY(QString(e.what()).startsWith("broken.json: "));
    }
  }

  void CsvHasOneLinePerRowAndItem() {
    const std::string csv = SampleReport().ToCsv();
    const QStringList lines = QString::fromStdString(csv).trimmed().split('\n');
    QCOMPARE(lines.size(), 3);
    QCOMPARE(lines[0], QString("task,protocol,model,method,item,points,pck@5px,mean_error_px,seconds"));
    QVERIFY(lines[1].startsWith("homography,grid step 16,dense_sift,argmax,,120,0.25,12.5,1.5"));
    QVERIFY(lines[2].contains("a.png -> b.png"));
  }

  void TextPrintsPercentages() {
    const QString text = QString::fromStdString(SampleReport().ToText());
    QVERIFY(text.contains("pck@5px %"));
    QVERIFY(text.contains("25.00"));
    QVERIFY(text.contains("note: a caveat"));
  }

  void ScoreErrorsIsStrictAndExact() {
    const PckSummary s = ScoreErrors({0, 5, 10, 30}, {5, 10}, "pck", "px", 20.0, 4);
    QCOMPARE(s.metrics.Get("pck@5px"), 0.25);  // 5 < 5 is false
    QCOMPARE(s.metrics.Get("pck@10px"), 0.5);
    // AUC = mean of max(0, 1 - e / 20) = (1 + 0.75 + 0.5 + 0) / 4.
    QCOMPARE(s.metrics.Get("auc@20px"), 0.5625);
    QCOMPARE(s.curve.x, (std::vector<double>{0, 5, 10, 15, 20}));
    QCOMPARE(s.curve.y, (std::vector<double>{0, 0.25, 0.5, 0.75, 0.75}));
    const PckSummary empty = ScoreErrors({}, {5}, "pck", "px", 20.0);
    QCOMPARE(empty.metrics.Get("pck@5px"), 0.0);
    QVERIFY_THROWS_EXCEPTION(Error, ScoreErrors({1}, {5}, "pck", "px", 0.0));
  }
};

QTEST_APPLESS_MAIN(ReportTest)
#include "report_test.moc"
