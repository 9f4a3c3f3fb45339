// PairDocument: images, points and the active point, and their JSON.
#include <QtTest>

#include <QJsonArray>
#include <QSignalSpy>
#include <QTemporaryDir>

#include "tests/common/sample_data.h"
#include "ui/pair_document.h"

using corrlens::Side;
using corrlens::ui::PairDocument;

namespace {
const QString kData = QString::fromStdString(corrlens::OpenCvSampleDir());
}

class PairDocumentTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { CORRLENS_REQUIRE_OPENCV_DATA("graf1.png"); }

  void loadsImagesAndReportsErrors() {
    PairDocument doc;
    QString error;
    QVERIFY(doc.LoadImage(Side::kSource, kData + "/graf1.png", &error));
    QCOMPARE(doc.Image(Side::kSource).size(), QSize(800, 640));
    QCOMPARE(doc.ImagePath(Side::kSource), kData + "/graf1.png");
    QVERIFY(!doc.LoadImage(Side::kTarget, "/nonexistent/x.png", &error));
    QVERIFY(error.contains("/nonexistent/x.png"));
    QVERIFY(error.contains("not found"));
    QTemporaryDir dir;
    const QString corrupt = dir.filePath("corrupt.png");
    QFile f(corrupt);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("\x89PNG\r\n\x1a\n garbage that is not a png");
    f.close();
    QVERIFY(!doc.LoadImage(Side::kTarget, corrupt, &error));
    QVERIFY(error.startsWith(corrupt));
    QVERIFY(doc.Image(Side::kTarget).isNull());  // the failed load changed nothing
    QVERIFY(!doc.HasImages());
  }

  void loadPairIsAllOrNothing() {
    PairDocument doc;
    QString error;
    QVERIFY(!doc.LoadPair(kData + "/graf1.png", "/nonexistent/b.png", &error));
    QVERIFY(error.contains("/nonexistent/b.png"));
    QVERIFY(doc.Image(Side::kSource).isNull());
    QSignalSpy images(&doc, &PairDocument::imagesChanged);
    QVERIFY(doc.LoadPair(kData + "/graf1.png", kData + "/graf3.png", &error));
    QVERIFY(doc.HasImages());
    QCOMPARE(images.count(), 1);
  }

  void pointsAddRemoveAndActive() {
    PairDocument doc;
    QSignalSpy spy(&doc, &PairDocument::pointsChanged);
    doc.AddPoint({10, 10});
    doc.AddPoint({100, 50});
    QCOMPARE(doc.ActivePoint(), 1);
    QVERIFY(!doc.RemovePointNear({300, 300}, 5));
    QVERIFY(doc.RemovePointNear({11, 9}, 5));
    QCOMPARE(doc.Points().size(), 1);
    QCOMPARE(doc.Points()[0], QPointF(100, 50));
    QCOMPARE(doc.ActivePoint(), 0);
    QCOMPARE(spy.count(), 3);
  }

  void newSourceClearsThePoints() {
    PairDocument doc;
    QString error;
    QVERIFY(doc.LoadPair(kData + "/graf1.png", kData + "/graf3.png", &error));
    doc.AddPoint({10, 10});
    QVERIFY(doc.LoadImage(Side::kTarget, kData + "/graf1.png", &error));
    QCOMPARE(doc.Points().size(), 1);  // a new target keeps them
    QVERIFY(doc.LoadImage(Side::kSource, kData + "/graf3.png", &error));
    QVERIFY(doc.Points().isEmpty());
    QCOMPARE(doc.ActivePoint(), -1);
  }

  void jsonRoundTripWithRelativePaths() {
    PairDocument a;
    QString error;
    QVERIFY(a.LoadPair(kData + "/graf1.png", kData + "/graf3.png", &error));
    a.AddPoint({123.5, 77.25});
    a.AddPoint({400, 300});
    a.SetActivePoint(0);
    QJsonObject json = a.ToJson();
    QCOMPARE(json["source"].toString(), kData + "/graf1.png");
    json["target"] = "graf3.png";  // relative: resolved against the base folder
    PairDocument b;
    QVERIFY2(b.FromJson(json, kData, &error), qPrintable(error));
    QCOMPARE(b.Points(), a.Points());
    QCOMPARE(b.ActivePoint(), 0);
    QCOMPARE(b.ImagePath(Side::kTarget), kData + "/graf3.png");
    QCOMPARE(b.Image(Side::kSource).size(), QSize(800, 640));
  }

  void fromJsonIsAllOrNothing() {
    PairDocument doc;
    QString error;
    QVERIFY(doc.LoadPair(kData + "/graf1.png", kData + "/graf3.png", &error));
    doc.AddPoint({5, 5});
    const QJsonObject missing{
        {"source", kData + "/graf3.png"}, {"target", "/nonexistent/t.png"}, {"points", QJsonArray{QJsonArray{1, 2}}}};
    QVERIFY(!doc.FromJson(missing, kData, &error));
    QVERIFY(error.contains("/nonexistent/t.png"));
    const QJsonObject bad_points{{"points", QJsonArray{QJsonArray{1}}}};
    QVERIFY(!doc.FromJson(bad_points, kData, &error));
    QVERIFY(error.contains("\"points\""));
    QCOMPARE(doc.ImagePath(Side::kSource), kData + "/graf1.png");  // untouched
    QCOMPARE(doc.Points(), QVector<QPointF>{QPointF(5, 5)});
    // An out-of-range active point is clamped.
    QVERIFY(doc.FromJson(QJsonObject{{"points", QJsonArray{QJsonArray{1, 2}}}, {"active_point", 9}}, kData, &error));
    QCOMPARE(doc.ActivePoint(), 0);
  }
};

QTEST_GUILESS_MAIN(PairDocumentTest)
#include "pair_document_test.moc"
