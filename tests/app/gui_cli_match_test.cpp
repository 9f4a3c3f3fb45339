// The Pair workspace and `corrlens-cli match` run the same comparison: clicks
// in the GUI give the matches the CLI prints (dense SIFT on graf1/graf3).
#include <QtTest>
#include "tests/common/test_paths.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include "app/gui/registry_provider.h"
#include "tests/common/sample_data.h"
#include "ui/image_view.h"
#include "ui/job_runner.h"
#include "ui/pair_controller.h"
#include "ui/pair_document.h"
#include "ui/pair_row.h"
#include "ui/pair_workspace.h"
#include "ui/session_model.h"

namespace {
const QString kData = QString::fromStdString(corrlens::OpenCvSampleDir());
}

class GuiCliMatchTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { CORRLENS_REQUIRE_OPENCV_DATA("graf1.png"); }

  void clicksEqualCliMatches() {
    QTemporaryDir cache;
    qputenv("CORRLENS_CACHE_DIR", cache.path().toUtf8());
    corrlens::app::RegistryProvider provider;
    corrlens::ui::SessionModel session;
    corrlens::ui::JobRunner jobs;
    corrlens::ui::PairWorkspace workspace(&session, &jobs, &provider);
    workspace.resize(1200, 600);
    workspace.show();
    QVERIFY(QTest::qWaitForWindowExposed(&workspace));
    QString error;
    QVERIFY(workspace.Document()->LoadPair(kData + "/graf1.png", kData + "/graf3.png", &error));
    session.SetModels({"dense_sift"});
    auto* controller = workspace.Controller();
    QVERIFY(QTest::qWaitFor([&] { return controller->IsIdle(); }, 60000));
    // Real clicks on the source view of the model's row.
    auto* view = workspace.Rows()[0]->Source();
    const QList<QPointF> points = {{300, 300}, {500, 250}, {150, 500}};
    for (const QPointF& p : points) QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->mapFromScene(p));
    QVERIFY(QTest::qWaitFor([&] { return controller->IsIdle(); }, 30000));
    const auto gui = controller->Matches();
    QCOMPARE(gui.size(), 1);
    QCOMPARE(gui[0].matches.size(), points.size());

    QStringList point_args;
    for (const auto& m : gui[0].matches)
      point_args << QString("%1,%2").arg(m.source.x, 0, 'f', 6).arg(m.source.y, 0, 'f', 6);
    QProcess cli;
    cli.start(corrlens::test::BinaryPath("/app/corrlens-cli"),
              {"match", "--model", "dense_sift", "--source", kData + "/graf1.png", "--target", kData + "/graf3.png",
               "--points", point_args.join(';'), "--json"});
    QVERIFY(cli.waitForFinished(120000));
    QCOMPARE(cli.exitCode(), 0);
    const QJsonObject json = QJsonDocument::fromJson(cli.readAllStandardOutput()).object();
    const QJsonArray matches = json["models"].toArray()[0].toObject()["matches"].toArray();
    QCOMPARE(matches.size(), points.size());
    for (int i = 0; i < matches.size(); ++i) {
      const QJsonArray xy = matches[i].toObject()["match"].toArray();
      QVERIFY2(std::abs(xy[0].toDouble() - gui[0].matches[i].target.x) < 1e-3 &&
                   std::abs(xy[1].toDouble() - gui[0].matches[i].target.y) < 1e-3,
               qPrintable(QString("point %1: cli (%2, %3) gui (%4, %5)")
                              .arg(i)
                              .arg(xy[0].toDouble())
                              .arg(xy[1].toDouble())
                              .arg(gui[0].matches[i].target.x)
                              .arg(gui[0].matches[i].target.y)));
    }
  }
};

QTEST_MAIN(GuiCliMatchTest)
#include "gui_cli_match_test.moc"
