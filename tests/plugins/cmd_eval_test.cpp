// Runs `corrlens-cli eval` as a process on OpenCV's sample pairs.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>

#include "tests/common/test_helpers.h"

namespace {

using Result = corrlens::test::CliResult;
using corrlens::test::RunCli;

}  // namespace

class CmdEvalTest : public QObject {
  Q_OBJECT

 private slots:
  void HomographyOnGraf() {
    const Result r = RunCli({"eval", "--task", "homography", "--model", "dense_sift", "--json", "--grid-step", "32"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QJsonObject json = QJsonDocument::fromJson(r.out.toUtf8()).object();
    QCOMPARE(json["task"].toString(), QString("homography"));
    const QJsonArray rows = json["rows"].toArray();
    QCOMPARE(rows.size(), 2);  // argmax and soft-argmax
    for (const auto& row : rows) {
      const QJsonObject o = row.toObject();
      QVERIFY(o["points"].toInt() > 200);
      const QJsonObject pck = o["pck"].toObject();
      QCOMPARE(pck.keys().size(), 5);
      QVERIFY(pck["1"].toDouble() <= pck["20"].toDouble());
      QVERIFY(pck["20"].toDouble() > 0.15);
      QVERIFY(o["auc"].toDouble() > 0.0 && o["auc"].toDouble() < 1.0);
    }
  }

  void StereoOnAloe() {
    const Result r = RunCli({"eval", "--task", "stereo", "--model", "dense_sift", "--grid-step", "48"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(r.out.contains("task stereo") && r.out.contains("soft-argmax r=35"));
  }

  void Errors() {
    Result r = RunCli({"eval", "--task", "juggling", "--model", "dense_sift"});
    QCOMPARE(r.code, 1);
    QVERIFY(r.err.contains("unknown task"));
    r = RunCli({"eval", "--task", "homography", "--model", "dense_sift", "--homography", "/nonexistent/H.xml"});
    QCOMPARE(r.code, 1);
    QVERIFY(r.err.contains("/nonexistent/H.xml"));
  }
};

QTEST_APPLESS_MAIN(CmdEvalTest)
#include "cmd_eval_test.moc"
