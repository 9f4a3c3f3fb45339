#include <QtTest>

#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>

#include "ui/session_model.h"

using corrlens::ui::SessionModel;

namespace {
const QString kData = QStringLiteral("/usr/share/doc/opencv-doc/examples/data");
}

class SessionModelTest : public QObject {
  Q_OBJECT
 private slots:
  void loadsImagesAndReportsErrors() {
    SessionModel session;
    QString error;
    QVERIFY(session.LoadImage(0, kData + "/graf1.png", &error));
    QCOMPARE(session.Image(0).size(), QSize(800, 640));
    QVERIFY(!session.LoadImage(1, "/nonexistent/x.png", &error));
    QVERIFY(error.contains("/nonexistent/x.png"));
    QVERIFY(error.contains("not found"));
    QTemporaryDir dir;
    const QString corrupt = dir.filePath("corrupt.png");
    QFile f(corrupt);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("\x89PNG\r\n\x1a\n garbage that is not a png");
    f.close();
    QVERIFY(!session.LoadImage(1, corrupt, &error));
    QVERIFY(error.startsWith(corrupt));
    QVERIFY(session.Image(1).isNull());  // the failed load changed nothing
  }

  void pointsAddRemoveAndActive() {
    SessionModel session;
    QSignalSpy spy(&session, &SessionModel::pointsChanged);
    session.AddPoint({10, 10});
    session.AddPoint({100, 50});
    QCOMPARE(session.ActivePoint(), 1);
    QVERIFY(!session.RemovePointNear({300, 300}, 5));
    QVERIFY(session.RemovePointNear({11, 9}, 5));
    QCOMPARE(session.Points().size(), 1);
    QCOMPARE(session.Points()[0], QPointF(100, 50));
    QCOMPARE(session.ActivePoint(), 0);
    QCOMPARE(spy.count(), 3);
  }

  void saveAndOpenRoundTrip() {
    QTemporaryDir dir;
    SessionModel a;
    QString error;
    QVERIFY(a.LoadImage(0, kData + "/graf1.png", &error));
    QVERIFY(a.LoadImage(1, kData + "/graf3.png", &error));
    a.AddPoint({123.5, 77.25});
    a.AddPoint({400, 300});
    a.SetModels({"dense_sift", "dinov2_vitb14"});
    corrlens::ui::ViewSettings view;
    view.heatmap_opacity = 0.3;
    view.show_mutual = true;
    a.SetView(view);
    const QString path = dir.filePath("s.corrlens.json");
    QVERIFY2(a.Save(path, &error), qPrintable(error));
    SessionModel b;
    QVERIFY2(b.Open(path, &error), qPrintable(error));
    QCOMPARE(b.Points(), a.Points());
    QCOMPARE(b.Models(), a.Models());
    QCOMPARE(b.ImagePath(1), a.ImagePath(1));
    QCOMPARE(b.View().heatmap_opacity, 0.3);
    QVERIFY(b.View().show_mutual);
    QCOMPARE(b.Image(0).size(), a.Image(0).size());
  }

  void refusesMalformedSessions() {
    QTemporaryDir dir;
    const QString path = dir.filePath("bad.json");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("{\"points\": [");
    f.close();
    SessionModel session;
    session.AddPoint({1, 2});
    QString error;
    QVERIFY(!session.Open(path, &error));
    QVERIFY(error.startsWith(path));
    QCOMPARE(session.Points().size(), 1);  // untouched
    QVERIFY(!session.Open(dir.filePath("missing.json"), &error));
    QVERIFY(error.contains("missing.json"));
  }

  void pointColorsAreDistinct() {
    QVERIFY(SessionModel::PointColor(0) != SessionModel::PointColor(1));
    QVERIFY(SessionModel::PointColor(1) != SessionModel::PointColor(2));
  }
};

QTEST_MAIN(SessionModelTest)
#include "session_model_test.moc"
