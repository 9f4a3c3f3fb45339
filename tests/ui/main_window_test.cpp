#include <QtTest>

#include "ui/main_window.h"
#include "ui/pair_row.h"
#include "ui/pair_workspace.h"
#include "ui/session_model.h"

using corrlens::ui::MainWindow;

namespace {
const QString kData = QStringLiteral("/usr/share/doc/opencv-doc/examples/data");
}

class MainWindowTest : public QObject {
  Q_OBJECT
 private slots:
  void opensThePairSideBySide() {
    MainWindow window({});
    window.show();
    QVERIFY(window.OpenPair(kData + "/graf1.png", kData + "/graf3.png"));
    QCOMPARE(window.Pair()->Rows().size(), size_t(1));
    const auto* row = window.Pair()->Rows()[0];
    QCOMPARE(row->Source()->Image().size(), QSize(800, 640));
    QCOMPARE(row->Target()->Image().size(), QSize(800, 640));
    QCOMPARE(window.State().recent_files.size(), 2);
  }

  void clickOnSourceAddsAPoint() {
    MainWindow window({});
    window.resize(1200, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(window.OpenPair(kData + "/graf1.png", kData + "/graf3.png"));
    auto* view = window.Pair()->Rows()[0]->Source();
    const QPoint at = view->mapFromScene(QPointF(300, 200));
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, at);
    QCOMPARE(window.Session()->Points().size(), 1);
    QVERIFY((window.Session()->Points()[0] - QPointF(300, 200)).manhattanLength() < 3.0);
  }

  void missingImageIsAnErrorNotACrash() {
    MainWindow window({});
    QVERIFY(!window.OpenPair("/nonexistent/a.png", kData + "/graf3.png"));
    QVERIFY(window.Session()->Image(0).isNull());
  }
};

QTEST_MAIN(MainWindowTest)
#include "main_window_test.moc"
