// Runs `corrlens-cli eval` as a process on OpenCV's sample pairs.
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "tests/common/sample_data.h"
#include "tests/common/test_helpers.h"

namespace {

using Result = corrlens::test::CliResult;
using corrlens::test::RunCli;

}  // namespace

class CmdEvalTest : public QObject {
  Q_OBJECT

 private slots:
  void HomographyOnGraf() {
    CORRLENS_REQUIRE_OPENCV_DATA("graf1.png");
    const Result r = RunCli({"eval", "--task", "homography", "--model", "dense_sift", "--json"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QJsonObject json = QJsonDocument::fromJson(r.out.toUtf8()).object();
    QCOMPARE(json["task"].toString(), QString("homography"));
    QVERIFY(json["protocol"].toString().contains("soft-argmax r=35"));
    QVERIFY(json["dataset"].toString().contains("graf1.png"));
    QCOMPARE(json["units"].toObject()["pck@5px"].toString(), QString("fraction"));
    const QJsonArray rows = json["rows"].toArray();
    QCOMPARE(rows.size(), 2);  // argmax and soft-argmax
    QCOMPARE(rows[0].toObject()["model"].toString(), QString("dense_sift"));
    QCOMPARE(rows[0].toObject()["method"].toString(), QString("argmax"));
    for (const auto& row : rows) {
      const QJsonObject m = row.toObject()["metrics"].toObject();
      QVERIFY(m["points"].toInt() > 1000);
      QVERIFY(m["pck@1px"].toDouble() <= m["pck@20px"].toDouble());
      QVERIFY(m["auc@20px"].toDouble() > 0.0 && m["auc@20px"].toDouble() < 1.0);
      QCOMPARE(row.toObject()["items"].toArray().size(), 1);
    }
    // Dense SIFT graf1 -> graf3, argmax: the figures published in the README.
    const QJsonObject argmax = rows[0].toObject()["metrics"].toObject();
    QVERIFY2(std::abs(argmax["pck@5px"].toDouble() - 0.117) < 0.01, qPrintable(r.out.left(2000)));
    QVERIFY(std::abs(argmax["pck@10px"].toDouble() - 0.230) < 0.01);
    QVERIFY(std::abs(argmax["pck@20px"].toDouble() - 0.279) < 0.01);
    QVERIFY(std::abs(argmax["auc@20px"].toDouble() - 0.187) < 0.01);
  }

  void TextPrintsPercentagesAndCsvIsWritten() {
    CORRLENS_REQUIRE_OPENCV_DATA("graf1.png");
    QTemporaryDir dir;
    const QString csv = dir.filePath("r.csv");
    const QString db = dir.filePath("runs.sqlite");
    const Result r = RunCli(
        {"eval", "--task", "homography", "--model", "dense_sift", "--grid-step", "64", "--csv-out", csv, "--db", db});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.err.contains("stored as run 1 in"), qPrintable(r.err));
    // The same database again: a second run; a file that is not a database is refused.
    QVERIFY(RunCli({"eval", "--task", "stereo", "--model", "dense_sift", "--grid-step", "96", "--db", db})
                .err.contains("stored as run 2"));
    const Result bad = RunCli({"eval", "--task", "stereo", "--model", "dense_sift", "--grid-step", "96", "--db", csv});
    QCOMPARE(bad.code, 1);
    QVERIFY2(bad.err.contains("r.csv"), qPrintable(bad.err));
    QVERIFY(r.out.contains("pck@5px %"));
    QFile file(csv);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(file.readAll()).trimmed().split('\n');
    QCOMPARE(lines.size(), 5);  // header + 2 rows + 2 items
    QVERIFY(lines[0].startsWith("task,protocol,model,method,item,points,pck@1px"));
  }

  void AllTasksWithTheirData() {
    CORRLENS_REQUIRE_OPENCV_DATA("graf1.png");
    QTemporaryDir root;  // no PF-dataset-PASCAL in it: transfer is skipped with its reason
    const Result r = RunCli({"eval", "--task", "all", "--preset", "quick", "--dataset-root", root.path(), "--model",
                             "dense_sift", "--json"},
                            300000);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(r.err.contains("skipping transfer"));
    QVERIFY(r.err.contains("PF-dataset-PASCAL"));
    const QJsonArray reports = QJsonDocument::fromJson(r.out.toUtf8()).object()["reports"].toArray();
    QStringList tasks;
    for (const auto& report : reports) tasks << report.toObject()["task"].toString();
    QVERIFY2(tasks.contains("homography") && tasks.contains("stereo"), qPrintable(tasks.join(',')));
    for (const auto& report : reports)
      QVERIFY(report.toObject()["notes"].toArray().last().toString().contains("quick"));
  }

  void TransferErrors() {
    QTemporaryDir root;
    Result r = RunCli({"eval", "--task", "transfer", "--dataset", root.path(), "--model", "dense_sift"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("test_pairs_pf_different_views.csv") && r.err.contains("not found"), qPrintable(r.err));
    r = RunCli({"eval", "--task", "transfer", "--dataset", root.path(), "--predictions", root.filePath("none.json")});
    QCOMPARE(r.code, 1);
    QVERIFY(r.err.contains("none.json"));
    r = RunCli(
        {"eval", "--task", "transfer", "--dataset", root.path(), "--protocol", "other", "--model", "dense_sift"});
    QCOMPARE(r.code, 1);
    QVERIFY(r.err.contains("--protocol"));
  }

  void StereoOnAloe() {
    CORRLENS_REQUIRE_OPENCV_DATA("aloeL.jpg");
    const Result r = RunCli({"eval", "--task", "stereo", "--model", "dense_sift", "--grid-step", "48"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(r.out.contains("task stereo") && r.out.contains("soft-argmax r=35"));
  }

  void Errors() {
    Result r = RunCli({"eval", "--task", "juggling", "--model", "dense_sift"});
    QCOMPARE(r.code, 1);
    QVERIFY(r.err.contains("unknown task"));
    QVERIFY(r.err.contains("--task"));  // core names the thing; the CLI maps it to its flag
    r = RunCli({"eval", "--task", "homography", "--model", "no_such_model"});
    QCOMPARE(r.code, 1);
    QVERIFY(r.err.contains("key '--model'"));
    r = RunCli({"eval", "--task", "homography", "--model", "dense_sift", "--homography", "/nonexistent/H.xml"});
    QCOMPARE(r.code, 1);
    QVERIFY(r.err.contains("/nonexistent/H.xml"));
  }
};

QTEST_APPLESS_MAIN(CmdEvalTest)
#include "cmd_eval_test.moc"
