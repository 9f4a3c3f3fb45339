// corrlens-cli render --sequence as a process, end to end: a tiny rendered
// TAP-Vid sequence, then `eval --task tracking` with dense SIFT on both of
// its reference layout and `track` on its frames; bad input gives one error line.
// XVFB.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include "tests/common/sample_data.h"
#include "tests/common/test_helpers.h"

using namespace corrlens;

namespace {

const QString kSpider = QString::fromStdString(test::AssimpModel("OBJ/spider.obj"));

using test::FailsWith;

}  // namespace

class CmdRenderTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    CORRLENS_REQUIRE_ASSIMP_MODEL("OBJ/spider.obj");
    out_ = dir_.filePath("seq");
    const auto r = test::RunCli({"render", "--sequence", "--mesh", kSpider, "--out", out_, "--frames", "6", "--size",
                                 "96", "--points", "48", "--sweep", "60", "--seed", "1", "--video-out",
                                 dir_.filePath("seq.avi"), "--json"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    summary_ = QJsonDocument::fromJson(r.out.toUtf8()).object();
  }

  void SequenceSummary() {
    QCOMPARE(summary_["frames"].toInt(), 6);
    QCOMPARE(summary_["width"].toInt(), 96);
    QCOMPARE(summary_["points"].toInt(), 48);
    QVERIFY(summary_["queries"].toInt() >= 48);
    QVERIFY(summary_["visible_fraction"].toDouble() > 0.3);
    QVERIFY(QFile::exists(out_ + "/tapvid-davis/0/video/00005.jpg"));
    QVERIFY(QFile::exists(out_ + "/tapvid_davis_data_strided.pkl"));
    QVERIFY(QFile::exists(out_ + "/tapvid_davis.pkl"));
    QVERIFY(QFile::exists(out_ + "/sequence.json"));
    QVERIFY(QFile::exists(dir_.filePath("seq.avi")));
  }

  void EvalTrackingWithDenseSift() {
    // The official layout reads the same tracks (test_render_sequence); here the reference's folder.
    for (const QString& dataset : {out_}) {
      const auto r =
          test::RunCli({"eval", "--task", "tracking", "--dataset", dataset, "--model", "dense_sift", "--json"});
      QVERIFY2(r.code == 0, qPrintable(r.err));
      const QJsonObject row = QJsonDocument::fromJson(r.out.toUtf8()).object()["rows"].toArray()[0].toObject();
      const QJsonObject m = row["metrics"].toObject();
      QCOMPARE(m["videos"].toDouble(), 1.0);
      QCOMPARE(m["queries"].toDouble(), summary_["queries"].toDouble());
      const double aj = m["average_jaccard"].toDouble(), delta = m["average_pts_within_thresh"].toDouble();
      const double oa = m["occlusion_accuracy"].toDouble();
      qInfo("%s: dense_sift AJ %.4f, delta_avg %.4f, OA %.4f, pts_within_16 %.4f", qPrintable(dataset), aj, delta, oa,
            m["pts_within_16"].toDouble());
      // Dense SIFT follows a 60-degree turn of a 96 px spider poorly but far above chance.
      QVERIFY(aj > 0.02 && aj < 1.0);
      QVERIFY(delta > 0.1 && delta < 1.0);
      QVERIFY(oa > 0.3);
    }
  }

  void TrackRunsOnTheFrames() {
    const auto r = test::RunCli({"track", "--video", out_ + "/tapvid-davis/0/video", "--points", "0,48,48", "--model",
                                 "dense_sift", "--preset", "interactive", "--json"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(r.out.contains("dense_sift"));
  }

  void BadInputGivesOneLine() {
    const QString fresh = dir_.filePath("fresh");
    QVERIFY(FailsWith(test::RunCli({"render", "--sequence", "--mesh", kSpider, "--out", fresh, "--frames", "0"}),
                      "--frames"));
    QVERIFY(FailsWith(test::RunCli({"render", "--sequence", "--mesh", kSpider, "--out", out_}), "--force"));
    QVERIFY(FailsWith(test::RunCli({"render", "--sequence", "--mesh", kSpider, "--out", fresh, "--video-out",
                                    dir_.filePath("seq.avi")}),
                      "--video-out"));
    QVERIFY(!QFile::exists(fresh));
  }

 private:
  QTemporaryDir dir_;
  QString out_;
  QJsonObject summary_;
};

QTEST_GUILESS_MAIN(CmdRenderTest)
#include "cmd_render_test.moc"
