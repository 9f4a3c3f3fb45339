// Runs `corrlens-cli match` as a process: output, heatmaps and error paths.
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "tests/common/sample_data.h"
#include "tests/common/test_helpers.h"

#include <opencv2/imgcodecs.hpp>

namespace {

const QString kData = corrlens::test::OpenCvDataQ("");

using Result = corrlens::test::CliResult;
using corrlens::test::RunCli;

QStringList MatchArgs(const QString& source, const QString& target, const QString& points,
                      const QString& model = "dense_sift") {
  return {"match", "--model", model, "--source", source, "--target", target, "--points", points};
}

// One line on stderr, exit code 1, containing `needle`.
void ExpectOneLineError(const Result& r, const QString& needle) {
  QCOMPARE(r.code, 1);
  QCOMPARE(r.err.trimmed().count('\n'), 0);
  QVERIFY2(r.err.contains(needle), qPrintable(r.err));
}

}  // namespace

class CmdMatchTest : public QObject {
  Q_OBJECT

 private slots:
  void MatchesWithJsonAndHeatmaps() {
    CORRLENS_REQUIRE_OPENCV_DATA("graf1.png");
    QTemporaryDir dir;
    QStringList args = MatchArgs(kData + "graf1.png", kData + "graf3.png", "300,300;500,250");
    args << "--model"
         << "dense_rootsift"
         << "--json"
         << "--heatmap-out" << dir.path();
    const Result r = RunCli(args);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QJsonObject json = QJsonDocument::fromJson(r.out.toUtf8()).object();
    const QJsonArray models = json["models"].toArray();
    QCOMPARE(models.size(), 2);
    QCOMPARE(models[0].toObject()["model"].toString(), QString("dense_sift"));
    for (const auto& model : models) {
      const QJsonArray matches = model.toObject()["matches"].toArray();
      QCOMPARE(matches.size(), 2);
      for (const auto& m : matches) {
        const QJsonArray xy = m.toObject()["match"].toArray();
        QVERIFY(xy[0].toDouble() >= 0 && xy[0].toDouble() <= 799 && xy[1].toDouble() >= 0 && xy[1].toDouble() <= 639);
        const double score = m.toObject()["score"].toDouble();
        QVERIFY(score > 0.0 && score <= 1.0 + 1e-6);
        const cv::Mat heat = cv::imread(m.toObject()["heatmap"].toString().toStdString());
        QCOMPARE(heat.cols, 800);
        QCOMPARE(heat.rows, 640);
      }
    }
    QCOMPARE(QDir(dir.path()).entryList({"*.png"}).size(), 4);
    // Plain text output: one header per model, one line per point.
    const Result text = RunCli(MatchArgs(kData + "graf1.png", kData + "graf3.png", "300,300"));
    QCOMPARE(text.code, 0);
    QVERIFY(text.out.contains("dense_sift") && text.out.contains("(300, 300) ->"));
  }

  void MissingImage() {
    CORRLENS_REQUIRE_OPENCV_DATA("graf1.png");
    ExpectOneLineError(RunCli(MatchArgs("/nonexistent/a.png", kData + "graf3.png", "1,1")), "/nonexistent/a.png");
    ExpectOneLineError(RunCli(MatchArgs(kData + "graf1.png", "/nonexistent/b.png", "1,1")), "/nonexistent/b.png");
  }

  void UnknownModel() {
    CORRLENS_REQUIRE_OPENCV_DATA("graf1.png");
    const Result r = RunCli(MatchArgs(kData + "graf1.png", kData + "graf3.png", "1,1", "not_a_model"));
    ExpectOneLineError(r, "not_a_model");
    QVERIFY(r.err.contains("dense_sift"));  // lists the known names
  }

  void PointOutsideTheImage() {
    CORRLENS_REQUIRE_OPENCV_DATA("graf1.png");
    ExpectOneLineError(RunCli(MatchArgs(kData + "graf1.png", kData + "graf3.png", "10,10;800,5")), "outside");
    ExpectOneLineError(RunCli(MatchArgs(kData + "graf1.png", kData + "graf3.png", "-1,5")), "outside");
    ExpectOneLineError(RunCli(MatchArgs(kData + "graf1.png", kData + "graf3.png", "1;2")), "bad point");
  }

  void UsageErrorsExitTwo() { QCOMPARE(RunCli({"match", "--model", "dense_sift"}).code, 2); }
};

QTEST_APPLESS_MAIN(CmdMatchTest)
#include "cmd_match_test.moc"
