// MainWindow: workspaces in tabs, files and drops, and session files.
#include <QtTest>
#include "tests/common/test_paths.h"

#include <QJsonDocument>
#include <QMenuBar>
#include <QMimeData>
#include <QTemporaryDir>

#include "tests/common/sample_data.h"
#include "ui/main_window.h"
#include "ui/pair_document.h"
#include "ui/pair_row.h"
#include "ui/pair_workspace.h"
#include "ui/session_model.h"
#include "ui/video_document.h"
#include "ui/video_workspace.h"

using corrlens::Side;
using corrlens::ui::MainWindow;

namespace {
const QString kData = QString::fromStdString(corrlens::OpenCvSampleDir());
const QString kV1 = corrlens::test::TestDataPath("/sessions/pair_session_v1.json");

QStringList MenuTexts(MainWindow& window, const QString& title) {
  QStringList texts;
  for (QAction* menu : window.menuBar()->actions()) {
    if (menu->text() != title) continue;
    for (QAction* action : menu->menu()->actions()) {
      if (action->isVisible() && !action->isSeparator()) texts << action->text();
    }
  }
  return texts;
}

}  // namespace

// The pair's images are decoded off the GUI thread.
bool WaitLoaded(const MainWindow& window) {
  return QTest::qWaitFor([&] { return !window.Pair()->Document()->IsLoading(); }, 20000);
}

class MainWindowTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { CORRLENS_REQUIRE_OPENCV_DATA("graf1.png"); }

  void opensThePairSideBySide() {
    MainWindow window({});
    window.show();
    QVERIFY(window.OpenPair(kData + "/graf1.png", kData + "/graf3.png"));
    QVERIFY(WaitLoaded(window));
    QCOMPARE(window.Pair()->Rows().size(), size_t(1));
    const auto* row = window.Pair()->Rows()[0];
    QCOMPARE(row->Source()->Image().size(), QSize(800, 640));
    QCOMPARE(row->Target()->Image().size(), QSize(800, 640));
    QCOMPARE(window.State().recent_files.size(), 2);
  }

  void workspacesAreTabsWithTheirMenus() {
    MainWindow window({});
    QCOMPARE(window.Workspaces().size(), 3);  // Pair, Video and Pose; the Benchmark tab needs backends
    QCOMPARE(window.CurrentWorkspace(), window.Pair());
    QCOMPARE(window.Pair()->Id(), QString("pair"));
    QCOMPARE(window.Workspaces()[1]->Id(), QString("video"));
    QCOMPARE(window.Workspaces()[2]->Id(), QString("pose"));
    const QStringList file = MenuTexts(window, "&File");
    QVERIFY(file.contains("Open &Source Image..."));
    QVERIFY(file.contains("Export Comparison as &PNG..."));
    QVERIFY(MenuTexts(window, "&Edit").contains("&Clear Points"));
    QVERIFY(MenuTexts(window, "&View").contains("Heatmap"));
  }

  void clickOnSourceAddsAPoint() {
    MainWindow window({});
    window.resize(1200, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(window.OpenPair(kData + "/graf1.png", kData + "/graf3.png"));
    QVERIFY(WaitLoaded(window));
    auto* view = window.Pair()->Rows()[0]->Source();
    const QPoint at = view->mapFromScene(QPointF(300, 200));
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, at);
    QCOMPARE(window.Pair()->Document()->Points().size(), 1);
    QVERIFY((window.Pair()->Document()->Points()[0] - QPointF(300, 200)).manhattanLength() < 3.0);
  }

  void dropOnTheRightHalfSetsTheTarget() {
    MainWindow window({});
    window.resize(1200, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(kData + "/graf3.png")});
    const QPoint right = window.Pair()->mapTo(&window, QPoint(window.Pair()->width() * 3 / 4, 100));
    // Qt delivers a drop only to the widget that accepted the drag's entry.
    QDragEnterEvent enter(right, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(right, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &drop);
    QVERIFY(WaitLoaded(window));
    QVERIFY(window.Pair()->Document()->Image(Side::kSource).isNull());
    QCOMPARE(window.Pair()->Document()->ImagePath(Side::kTarget), kData + "/graf3.png");
    // Without a position (recent files) a single image fills the first empty side.
    QVERIFY(window.OpenFiles({kData + "/graf1.png"}));
    QVERIFY(WaitLoaded(window));
    QCOMPARE(window.Pair()->Document()->ImagePath(Side::kSource), kData + "/graf1.png");
  }

  void missingImageIsAnErrorNotACrash() {
    MainWindow window({});
    QVERIFY(!window.OpenPair("/nonexistent/a.png", kData + "/graf3.png"));
    QVERIFY(window.Pair()->Document()->Image(Side::kSource).isNull());
    QVERIFY(!window.OpenFiles({"/nonexistent/notes.txt"}));
  }

  // A session saved by the version-1 SessionModel opens with the same
  // images, points, models and view.
  void opensVersion1Sessions() {
    MainWindow window({});
    QString error;
    QVERIFY2(window.LoadSession(kV1, &error), qPrintable(error));
    QVERIFY(WaitLoaded(window));
    const auto* doc = window.Pair()->Document();
    QCOMPARE(doc->ImagePath(Side::kSource), kData + "/graf1.png");
    QCOMPARE(doc->ImagePath(Side::kTarget), kData + "/graf3.png");
    QCOMPARE(doc->Image(Side::kTarget).size(), QSize(800, 640));
    QCOMPARE(doc->Points(), (QVector<QPointF>{{123.5, 77.25}, {400, 300}, {612.75, 480.5}}));
    QCOMPARE(doc->ActivePoint(), 1);
    QCOMPARE(window.Session()->Models(),
             (QStringList{"dense_sift", "dinov2_vitb14", "custom:dinov2_vits14:my_vits14.pth"}));
    const corrlens::ui::ViewSettings& view = window.Session()->View();
    QCOMPARE(view.heatmap_opacity, 0.3);
    QVERIFY(!view.show_heatmap);
    QVERIFY(view.show_mutual);
    QVERIFY(view.show_pca);
    QVERIFY(!view.hover_preview);
  }

  void saveAndOpenRoundTrip() {
    QTemporaryDir dir;
    MainWindow a({});
    QVERIFY(a.OpenPair(kData + "/graf1.png", kData + "/graf3.png"));
    QVERIFY(WaitLoaded(a));
    a.Pair()->Document()->AddPoint({123.5, 77.25});
    a.Pair()->Document()->AddPoint({400, 300});
    a.Session()->SetModels({"dense_sift", "dinov2_vitb14"});
    corrlens::ui::ViewSettings view;
    view.heatmap_opacity = 0.3;
    view.show_mutual = true;
    a.Session()->SetView(view);
    const QString path = dir.filePath("s.corrlens.json");
    QString error;
    QVERIFY2(a.SaveSession(path, &error), qPrintable(error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonObject json = QJsonDocument::fromJson(file.readAll()).object();
    QCOMPARE(json["version"].toInt(), 2);
    QCOMPARE(json["workspaces"].toObject()["pair"].toObject()["points"].toArray().size(), 2);
    MainWindow b({});
    QVERIFY(b.OpenSession(path));
    QVERIFY(WaitLoaded(b));
    QCOMPARE(b.Pair()->Document()->Points(), a.Pair()->Document()->Points());
    QCOMPARE(b.Pair()->Document()->ActivePoint(), 1);
    QCOMPARE(b.Session()->Models(), a.Session()->Models());
    QCOMPARE(b.Pair()->Document()->ImagePath(Side::kTarget), kData + "/graf3.png");
    QCOMPARE(b.Session()->View().heatmap_opacity, 0.3);
    QVERIFY(b.Session()->View().show_mutual);
    QVERIFY(b.State().recent_files.contains(path));
  }

  void recentFilesAndSessionsWaitForAsyncOpens() {
    QTemporaryDir dir;
    const QString broken = dir.filePath("broken.avi");
    QFile file(broken);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray(4096, 'x'));
    file.close();
    MainWindow window({});
    auto* video = window.findChild<corrlens::ui::VideoWorkspace*>();
    QVERIFY(video);
    QVERIFY(window.OpenFiles({broken}));  // started; it fails on the pool
    QVERIFY(QTest::qWaitFor([&] { return !video->Document()->IsLoading(); }, 20000));
    QVERIFY(!video->Document()->HasVideo());
    QVERIFY(!window.State().recent_files.contains(broken));
    // A slow open that succeeds: the session cannot be saved meanwhile (it
    // would hold the previous video), the recent files get it once open.
    video->Document()->SetOpener([](const QString& path, QString* error) {
      QThread::msleep(300);
      return corrlens::ui::VideoDocument::OpenReader(path, error);
    });
    const QString good = kData + "/vtest.avi";
    QVERIFY(window.OpenFiles({good}));
    QVERIFY(!window.State().recent_files.contains(good));
    const QString session = dir.filePath("s.corrlens.json");
    QString error;
    QVERIFY(!window.SaveSession(session, &error));
    QVERIFY2(error.contains("vtest.avi is still opening"), qPrintable(error));
    QVERIFY(!QFileInfo::exists(session));
    QVERIFY(QTest::qWaitFor([&] { return !video->Document()->IsLoading(); }, 20000));
    QVERIFY(video->Document()->HasVideo());
    QVERIFY(window.State().recent_files.contains(QFileInfo(good).absoluteFilePath()));
    QVERIFY2(window.SaveSession(session, &error), qPrintable(error));
  }

  void refusesBadSessionsAndKeepsTheState() {
    QTemporaryDir dir;
    MainWindow window({});
    QVERIFY(window.OpenPair(kData + "/graf1.png", kData + "/graf3.png"));
    QVERIFY(WaitLoaded(window));
    window.Pair()->Document()->AddPoint({1, 2});
    window.Session()->SetModels({"dense_sift"});
    auto write = [&](const QString& name, const QByteArray& text) {
      QFile f(dir.filePath(name));
      f.open(QIODevice::WriteOnly);
      f.write(text);
      return dir.filePath(name);
    };
    QString error;
    const QString truncated = write("bad.json", "{\"points\": [");
    QVERIFY(!window.LoadSession(truncated, &error));
    QVERIFY(error.startsWith(truncated));
    // A missing image or a malformed shared part: refused before anything changes.
    const QString missing = write("missing.json",
                                  "{\"format\": \"corrlens-session\", \"version\": 2, \"models\": [\"x\"], "
                                  "\"workspaces\": {\"pair\": {\"source\": \"/nonexistent/s.png\"}}}");
    QVERIFY(!window.LoadSession(missing, &error));
    QVERIFY2(error.startsWith(missing) && error.contains("/nonexistent/s.png"), qPrintable(error));
    const QString models = write("models.json",
                                 "{\"format\": \"corrlens-session\", \"version\": 2, \"models\": 5, "
                                 "\"workspaces\": {\"pair\": {\"points\": []}}}");
    QVERIFY(!window.LoadSession(models, &error));
    QVERIFY2(error.startsWith(models) && error.contains("\"models\""), qPrintable(error));
    QVERIFY(!window.OpenSession(dir.filePath("gone.json")));
    QCOMPARE(window.Pair()->Document()->Points().size(), 1);  // untouched
    QCOMPARE(window.Pair()->Document()->ImagePath(Side::kSource), kData + "/graf1.png");
    QCOMPARE(window.Session()->Models(), QStringList{"dense_sift"});
  }
};

QTEST_MAIN(MainWindowTest)
#include "main_window_test.moc"
