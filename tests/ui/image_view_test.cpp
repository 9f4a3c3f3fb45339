#include <QtTest>

#include <QSignalSpy>

#include "ui/image_view.h"

using corrlens::ui::ImageView;

class ImageViewTest : public QObject {
  Q_OBJECT
 private slots:
  void clickReportsImageCoordinates() {
    ImageView view;
    view.resize(400, 300);
    QImage image(200, 150, QImage::Format_RGB888);
    image.fill(Qt::gray);
    view.SetImage(image);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.SetView(2.0, QPointF(100, 75));
    QSignalSpy clicked(&view, &ImageView::pointClicked);
    const QPoint at = view.mapFromScene(QPointF(50, 40));
    QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, at);
    QCOMPARE(clicked.count(), 1);
    const QPointF p = clicked.first().first().toPointF();
    QVERIFY(std::abs(p.x() - 50) < 1.0 && std::abs(p.y() - 40) < 1.0);
  }

  void dragPansInsteadOfClicking() {
    ImageView view;
    view.resize(400, 300);
    QImage image(800, 600, QImage::Format_RGB888);
    image.fill(Qt::gray);
    view.SetImage(image);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.SetView(2.0, QPointF(400, 300));
    QSignalSpy clicked(&view, &ImageView::pointClicked);
    QSignalSpy changed(&view, &ImageView::viewChanged);
    const QPointF before = view.Center();
    QTest::mousePress(view.viewport(), Qt::LeftButton, {}, QPoint(200, 150));
    QMouseEvent move(QEvent::MouseMove, QPointF(150, 120), view.viewport()->mapToGlobal(QPointF(150, 120)),
                     Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(view.viewport(), &move);
    QTest::mouseRelease(view.viewport(), Qt::LeftButton, {}, QPoint(150, 120));
    QCOMPARE(clicked.count(), 0);
    QVERIFY(changed.count() > 0);
    QVERIFY(view.Center() != before);
  }

  void setViewRoundTrips() {
    ImageView view;
    view.resize(300, 300);
    QImage image(600, 600, QImage::Format_RGB888);
    view.SetImage(image);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.SetView(1.5, QPointF(200, 250));
    QCOMPARE(view.Zoom(), 1.5);
    QVERIFY((view.Center() - QPointF(200, 250)).manhattanLength() < 2.0);
  }

  void baseImageReplacesPixelsAndKeepsTheView() {
    ImageView view;
    view.resize(300, 300);
    QImage image(600, 600, QImage::Format_RGB888);
    image.fill(Qt::gray);
    view.SetImage(image);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.SetView(1.5, QPointF(200, 250));
    QImage pca(600, 600, QImage::Format_RGB888);
    pca.fill(Qt::red);
    view.SetBaseImage(pca);
    QCOMPARE(view.BaseImage().pixelColor(0, 0), QColor(Qt::red));
    QCOMPARE(view.Image().pixelColor(0, 0), QColor(Qt::gray));  // the photo is kept
    QCOMPARE(view.Zoom(), 1.5);
    view.SetBaseImage(image);
    QCOMPARE(view.BaseImage().pixelColor(0, 0), QColor(Qt::gray));
  }
};

QTEST_MAIN(ImageViewTest)
#include "image_view_test.moc"
