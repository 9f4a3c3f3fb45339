// The example gallery (ui/examples_menu.h): where the bundled pairs are
// found, their files and points, the File -> Examples submenu of the Pair
// workspace, and that choosing an example opens its pair with its points.
#include <QImageReader>
#include <QMenu>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include "tests/common/test_paths.h"

#include "ui/examples_menu.h"
#include "ui/pair_document.h"
#include "ui/pair_workspace.h"
#include "ui/session_model.h"
#include "ui/workspace.h"

using namespace corrlens::ui;
using corrlens::Side;

namespace {

const QString kBundled = corrlens::test::SourcePath("/resources/examples");

QAction* ExamplesAction(const PairWorkspace& workspace) {
  for (QAction* action : workspace.Actions(WorkspaceMenu::kOpen)) {
    if (action->menu()) return action;
  }
  return nullptr;
}

}  // namespace

class ExamplesMenuTest : public QObject {
  Q_OBJECT

 private slots:
  void init() { qunsetenv("CORRLENS_EXAMPLES"); }

  void FindsTheBundledExamples() {
    // From the build folder the source tree's resources/examples is found.
    QCOMPARE(QFileInfo(ExamplesDir()).canonicalFilePath(), QFileInfo(kBundled).canonicalFilePath());
    QTemporaryDir dir;
    QFile::copy(kBundled + "/objs_1-1.png", dir.filePath("objs_1-1.png"));
    qputenv("CORRLENS_EXAMPLES", dir.path().toUtf8());
    QCOMPARE(ExamplesDir(), QDir(dir.path()).absolutePath());
  }

  void ListsFourExamplesWithTheirFilesAndPoints() {
    const QVector<ExamplePair> examples = Examples(kBundled, QString());
    QCOMPARE(examples.size(), 4);
    const QStringList ids = {"tricycle", "bench", "cats", "graffiti"};
    const QList<QSize> sizes = {{512, 512}, {960, 540}, {200, 300}};
    for (int i = 0; i < 3; ++i) {
      const ExamplePair& e = examples[i];
      QCOMPARE(e.id, ids[i]);
      QVERIFY2(e.Available(), qPrintable(e.missing));
      QCOMPARE(QImageReader(e.source).size(), sizes[i]);
      QVERIFY(QImageReader(e.target).canRead());
      QVERIFY(e.points.size() >= 2);
      for (const QPointF& p : e.points) QVERIFY(QRectF(QPointF(0, 0), sizes[i]).contains(p));
    }
    QCOMPARE(examples[3].id, QString("graffiti"));
    QVERIFY(!examples[3].Available());  // no opencv-doc folder given
    QVERIFY2(examples[3].missing.contains("opencv-doc"), qPrintable(examples[3].missing));
    QVERIFY(FindExample(examples, "cats").has_value());
    QVERIFY(!FindExample(examples, "dogs").has_value());
  }

  void MissingBundleSaysWhere() {
    const QVector<ExamplePair> examples = Examples(QString(), QString());
    for (const ExamplePair& e : examples) QVERIFY(!e.Available());
    QVERIFY2(examples[0].missing.contains("CORRLENS_EXAMPLES"), qPrintable(examples[0].missing));
  }

  void MenuListsEveryExample() {
    QWidget parent;
    QStringList opened;
    QMenu* menu =
        CreateExamplesMenu(Examples(kBundled, QString()), &parent, [&](const ExamplePair& e) { opened << e.id; });
    QCOMPARE(menu->actions().size(), 4);
    QVERIFY(menu->actions()[0]->text().contains("Tricycle"));
    QVERIFY(menu->actions()[0]->isEnabled());
    QVERIFY(!menu->actions()[3]->isEnabled());  // graffiti without opencv-doc: disabled, tip says why
    QVERIFY(menu->actions()[3]->toolTip().contains("opencv-doc"));
    menu->actions()[1]->trigger();
    QCOMPARE(opened, QStringList{"bench"});
  }

  void GalleryOpensEachPair() {
    qputenv("CORRLENS_EXAMPLES", kBundled.toUtf8());
    SessionModel session;
    PairWorkspace workspace(&session);
    QAction* examples = ExamplesAction(workspace);
    QVERIFY(examples);
    QCOMPARE(examples->menu(), workspace.ExamplesMenu());
    QSignalSpy errors(&workspace, &Workspace::errorOccurred);
    for (const ExamplePair& e : Examples()) {
      if (!e.Available()) continue;  // graffiti needs opencv-doc
      QAction* action = workspace.ExamplesMenu()->findChild<QAction*>("example_" + e.id);
      QVERIFY2(action, qPrintable(e.id));
      action->trigger();
      QVERIFY(
          QTest::qWaitFor([&] { return !workspace.Document()->IsLoading(); }, 20000));  // decoded off the GUI thread
      QCOMPARE(errors.count(), 0);
      const PairDocument* document = workspace.Document();
      QVERIFY(document->HasImages());
      QCOMPARE(document->ImagePath(Side::kSource), QFileInfo(e.source).absoluteFilePath());
      QCOMPARE(document->ImagePath(Side::kTarget), QFileInfo(e.target).absoluteFilePath());
      QCOMPARE(document->Image(Side::kSource).size(), QImageReader(e.source).size());
      QCOMPARE(document->Points(), e.points);
      QVERIFY(workspace.Status().contains(QFileInfo(e.source).fileName()));
    }
  }

  void UnavailableExampleIsAnErrorAndChangesNothing() {
    SessionModel session;
    PairWorkspace workspace(&session);
    const ExamplePair missing = Examples(QString(), QString())[0];
    QString error;
    QVERIFY(!workspace.OpenExample(missing, &error));
    QVERIFY2(error.startsWith("Example Tricycle"), qPrintable(error));
    QVERIFY(!workspace.Document()->HasImages());
  }
};

QTEST_MAIN(ExamplesMenuTest)
#include "examples_menu_test.moc"
