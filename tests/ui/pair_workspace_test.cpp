// PairWorkspace as a Workspace: files it opens, its actions, its document
// and status; rows shown from results.
#include <QtTest>

#include <QElapsedTimer>
#include <QSemaphore>
#include <QSignalSpy>
#include <QTemporaryDir>

#include "tests/common/sample_data.h"
#include "ui/pair_document.h"
#include "ui/pair_row.h"
#include "ui/pair_workspace.h"
#include "ui/session_model.h"

using corrlens::ComparedMatch;
using corrlens::Side;
using namespace corrlens::ui;

namespace {
const QString kData = QString::fromStdString(corrlens::OpenCvSampleDir());

bool WaitLoaded(const PairWorkspace& pair) {
  return QTest::qWaitFor([&] { return !pair.Document()->IsLoading(); }, 20000);
}
}  // namespace

class PairWorkspaceTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { CORRLENS_REQUIRE_OPENCV_DATA("graf1.png"); }

  void opensImages() {
    SessionModel session;
    PairWorkspace pair(&session);
    pair.resize(1000, 600);
    QVERIFY(pair.CanOpen({kData + "/graf1.png", kData + "/graf3.png"}));
    QVERIFY(pair.CanOpen({kData + "/graf1.PNG"}));
    QVERIFY(!pair.CanOpen({"/x/session.json"}));
    QVERIFY(!pair.CanOpen({}));
    QString error;
    QVERIFY(pair.Open({kData + "/graf3.png"}, QPoint(900, 10), &error));  // right half: target
    QVERIFY(pair.Document()->Image(Side::kSource).isNull());
    QVERIFY(pair.Open({kData + "/graf1.png"}, std::nullopt, &error));  // first empty side
    QVERIFY(WaitLoaded(pair));
    QCOMPARE(pair.Document()->ImagePath(Side::kSource), kData + "/graf1.png");
    QCOMPARE(pair.Document()->ImagePath(Side::kTarget), kData + "/graf3.png");
    QVERIFY(!pair.Open({"/nonexistent/c.png", kData + "/graf1.png"}, std::nullopt, &error));
    QVERIFY(error.startsWith("/nonexistent/c.png"));
    QVERIFY(!pair.Document()->IsLoading());
    QCOMPARE(pair.Document()->ImagePath(Side::kTarget), kData + "/graf3.png");  // unchanged
  }

  // Open returns at once while the decode runs: "Loading..." meanwhile, a
  // single image without a position goes to a side not being loaded, and a
  // decode error comes as errorOccurred naming the file.
  void opensWithoutBlockingAndShowsLoading() {
    SessionModel session;
    PairWorkspace pair(&session);
    QSemaphore gate;
    pair.Document()->SetImageReader([&gate](const QString& path, QString* error) {
      gate.acquire();
      return ReadImage(path, error);
    });
    QSignalSpy errors(&pair, &Workspace::errorOccurred);
    QString error;
    QElapsedTimer timer;
    timer.start();
    QVERIFY(pair.Open({kData + "/graf1.png"}, std::nullopt, &error));
    QVERIFY2(timer.elapsed() < 50, qPrintable(QString::number(timer.elapsed())));
    QVERIFY(pair.Open({kData + "/graf3.png"}, std::nullopt, &error));  // the source is being loaded
    QVERIFY2(pair.Status().startsWith("Loading graf1.png and graf3.png"), qPrintable(pair.Status()));
    QCOMPARE(pair.cursor().shape(), Qt::BusyCursor);
    gate.release(2);
    QVERIFY(WaitLoaded(pair));
    QCOMPARE(pair.Document()->ImagePath(Side::kSource), kData + "/graf1.png");
    QCOMPARE(pair.Document()->ImagePath(Side::kTarget), kData + "/graf3.png");
    QVERIFY2(pair.Status().startsWith("graf1.png and graf3.png"), qPrintable(pair.Status()));
    QCOMPARE(pair.Rows()[0]->Source()->Image().size(), QSize(800, 640));
    QTemporaryDir dir;
    const QString cut = dir.filePath("cut.png");
    QVERIFY(QFile::copy(kData + "/graf1.png", cut));
    QVERIFY(QFile::resize(cut, 2000));
    gate.release();
    QVERIFY(pair.Open({cut}, QPoint(10, 10), &error));
    QVERIFY(WaitLoaded(pair));
    QCOMPARE(errors.count(), 1);
    QVERIFY2(errors[0][0].toString().startsWith(cut), qPrintable(errors[0][0].toString()));
    QCOMPARE(pair.Document()->ImagePath(Side::kSource), kData + "/graf1.png");  // unchanged
  }

  void statusFollowsTheDocument() {
    SessionModel session;
    PairWorkspace pair(&session);
    QVERIFY(pair.Status().startsWith("Open two images"));
    QSignalSpy status(&pair, &Workspace::statusChanged);
    QString error;
    QVERIFY(pair.Open({kData + "/graf1.png", kData + "/graf3.png"}, std::nullopt, &error));
    QVERIFY(WaitLoaded(pair));
    pair.Document()->AddPoint({10, 10});
    QVERIFY(status.count() >= 2);
    QVERIFY2(pair.Status().contains("graf1.png") && pair.Status().contains("1 point"), qPrintable(pair.Status()));
  }

  void actionsPerMenu() {
    SessionModel session;
    PairWorkspace pair(&session);
    QCOMPARE(pair.Actions(WorkspaceMenu::kOpen).size(), 3);  // source, target, Examples submenu
    QCOMPARE(pair.Actions(WorkspaceMenu::kExport).size(), 2);
    QVERIFY(!pair.Actions(WorkspaceMenu::kExport)[1]->isEnabled());  // no models compared here
    pair.Document()->AddPoint({1, 1});
    pair.Actions(WorkspaceMenu::kEdit)[0]->trigger();  // Clear Points
    QVERIFY(pair.Document()->Points().isEmpty());
    for (QAction* action : pair.Actions(WorkspaceMenu::kView)) QVERIFY(!action->text().isEmpty());
  }

  void documentRoundTrip() {
    SessionModel session;
    PairWorkspace a(&session), b(&session);
    QString error;
    QVERIFY(a.Open({kData + "/graf1.png", kData + "/graf3.png"}, std::nullopt, &error));
    QVERIFY(WaitLoaded(a));
    a.Document()->AddPoint({3, 4});
    QVERIFY2(b.LoadDocument(a.SaveDocument(), QString(), &error), qPrintable(error));
    QVERIFY(WaitLoaded(b));
    QCOMPARE(b.Document()->Points(), a.Document()->Points());
    QCOMPARE(b.Rows()[0]->Target()->Image().size(), QSize(800, 640));
  }

  void resultsGoToTheRowsOfTheirModels() {
    SessionModel session;
    PairWorkspace pair(&session);
    QString error;
    QVERIFY(pair.Open({kData + "/graf1.png", kData + "/graf3.png"}, std::nullopt, &error));
    QVERIFY(WaitLoaded(pair));
    pair.SetRows({"a", "b"}, {"A", "B"});
    QCOMPARE(pair.Rows().size(), size_t(2));
    PairRowResult b;
    b.id = "b";
    ComparedMatch m;
    m.target = {5, 6};
    b.matches = {m};
    QImage heat(800, 640, QImage::Format_RGB888);
    heat.fill(Qt::red);
    b.heatmap = heat;
    b.min_score = 0.1;
    b.max_score = 0.9;
    pair.ApplyResults({b});
    // Row "b" shows its match marker on the target; row "a" has none.
    QVERIFY(pair.Rows()[1]->Target()->scene()->items().size() > pair.Rows()[0]->Target()->scene()->items().size());
  }
};

QTEST_MAIN(PairWorkspaceTest)
#include "pair_workspace_test.moc"
