// PairDocument: images, points and the active point, and their JSON.
#include <QtTest>

#include <QElapsedTimer>
#include <QJsonArray>
#include <QSemaphore>
#include <QSignalSpy>
#include <QTemporaryDir>

#include "tests/common/sample_data.h"
#include "ui/pair_document.h"

using corrlens::Side;
using corrlens::ui::PairDocument;
using corrlens::ui::PairLoadRequest;

namespace {
const QString kData = QString::fromStdString(corrlens::OpenCvSampleDir());

PairLoadRequest Request(const QString& source, const QString& target = {}) {
  PairLoadRequest request;
  request.paths[0] = source;
  request.paths[1] = target;
  return request;
}

// A reader that holds the decode of `slow` (any path containing it) until
// released: the GUI thread goes on meanwhile.
struct GatedReader {
  QString slow;
  QSemaphore gate;
  QImage operator()(const QString& path, QString* error) {
    if (path.contains(slow)) gate.acquire();
    return corrlens::ui::ReadImage(path, error);
  }
};

bool WaitLoaded(const PairDocument& doc) {
  return QTest::qWaitFor([&] { return !doc.IsLoading(); }, 20000);
}
}  // namespace

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

  // Opening returns at once while a large image decodes off the GUI thread.
  void startLoadDoesNotBlockOnALargeImage() {
    QTemporaryDir dir;
    const QString large = dir.filePath("large.jpg");
    QImage image(6000, 4000, QImage::Format_RGB888);
    for (int y = 0; y < image.height(); ++y) {
      uchar* row = image.scanLine(y);
      for (int x = 0; x < image.width() * 3; ++x) row[x] = uchar((x * 7 + y * 3 + (x * y) % 251) & 0xff);
    }
    QVERIFY(image.save(large, "JPG", 95));
    PairDocument doc;
    QSignalSpy images(&doc, &PairDocument::imagesChanged);
    QSignalSpy loading(&doc, &PairDocument::loadingChanged);
    QString error;
    QElapsedTimer timer;
    timer.start();
    QVERIFY2(doc.StartLoad(Request(large, kData + "/graf3.png"), &error), qPrintable(error));
    const double open_ms = timer.nsecsElapsed() / 1e6;
    QVERIFY(doc.IsLoading() && doc.IsLoading(Side::kSource));
    QVERIFY(doc.Image(Side::kSource).isNull());
    QCOMPARE(doc.LoadingFiles(), (QStringList{"large.jpg", "graf3.png"}));
    QVERIFY(WaitLoaded(doc));
    const double load_ms = timer.nsecsElapsed() / 1e6;
    qInfo("StartLoad returned after %.1f ms, the 6000 x 4000 JPEG was in after %.1f ms", open_ms, load_ms);
    QVERIFY2(open_ms < 50, qPrintable(QString::number(open_ms)));
    QCOMPARE(doc.Image(Side::kSource).size(), QSize(6000, 4000));
    QCOMPARE(doc.ImagePath(Side::kTarget), kData + "/graf3.png");
    QCOMPARE(images.count(), 1);
    QCOMPARE(loading.count(), 2);  // true, then false
  }

  // While a decode is held, events are processed: the GUI thread is free.
  void guiThreadRunsWhileADecodeIsHeld() {
    PairDocument doc;
    auto reader = std::make_shared<GatedReader>();
    reader->slow = "graf1";
    doc.SetImageReader([reader](const QString& p, QString* e) { return (*reader)(p, e); });
    QString error;
    QVERIFY(doc.StartLoad(Request(kData + "/graf1.png"), &error));
    bool timer_fired = false;
    QTimer::singleShot(10, &doc, [&] { timer_fired = true; });
    QTest::qWait(100);
    QVERIFY(timer_fired);
    QVERIFY(doc.IsLoading());
    reader->gate.release();
    QVERIFY(WaitLoaded(doc));
    QCOMPARE(doc.Image(Side::kSource).size(), QSize(800, 640));
  }

  // A newer load of a side supersedes an older one still decoding: the older
  // result (or its error) never shows, even when it arrives last.
  void supersededLoadNeverWins() {
    QTemporaryDir dir;
    const QString slow = dir.filePath("slow.png"), corrupt = dir.filePath("slow-corrupt.png");
    QVERIFY(QFile::copy(kData + "/graf1.png", slow));
    QFile f(corrupt);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("\x89PNG\r\n\x1a\n garbage that is not a png");
    f.close();
    PairDocument doc;
    auto reader = std::make_shared<GatedReader>();
    reader->slow = "slow";
    doc.SetImageReader([reader](const QString& p, QString* e) { return (*reader)(p, e); });
    QSignalSpy images(&doc, &PairDocument::imagesChanged);
    QSignalSpy failed(&doc, &PairDocument::loadFailed);
    QString error;
    PairLoadRequest pair = Request(slow, kData + "/graf1.png");
    pair.points = QVector<QPointF>{{1, 1}};
    QVERIFY(doc.StartLoad(pair, &error));                               // held
    QVERIFY(doc.StartLoad(Request({}, corrupt), &error));               // held; would fail
    QVERIFY(doc.StartLoad(Request(kData + "/graf3.png"), &error));      // newer source
    QVERIFY(doc.StartLoad(Request({}, kData + "/graf3.png"), &error));  // newer target
    QTRY_COMPARE(images.count(), 2);
    QVERIFY(doc.IsLoading());
    reader->gate.release(2);
    QVERIFY(WaitLoaded(doc));
    QCOMPARE(images.count(), 2);  // the older pair and the corrupt target were dropped
    QCOMPARE(failed.count(), 0);
    QCOMPARE(doc.ImagePath(Side::kSource), kData + "/graf3.png");
    QCOMPARE(doc.ImagePath(Side::kTarget), kData + "/graf3.png");
    QVERIFY(doc.Points().isEmpty());
    // A load that only partly lost applies its other side, without its points.
    QVERIFY(doc.StartLoad(pair, &error));
    QVERIFY(doc.StartLoad(Request(kData + "/graf3.png"), &error));
    reader->gate.release();
    QVERIFY(WaitLoaded(doc));
    QCOMPARE(doc.ImagePath(Side::kSource), kData + "/graf3.png");
    QCOMPARE(doc.ImagePath(Side::kTarget), kData + "/graf1.png");
    QVERIFY(doc.Points().isEmpty());
    // A synchronous load supersedes one in flight too.
    QVERIFY(doc.StartLoad(Request(slow), &error));
    QVERIFY(doc.LoadImage(Side::kSource, kData + "/graf1.png", &error));
    reader->gate.release();
    QVERIFY(WaitLoaded(doc));
    QCOMPARE(doc.ImagePath(Side::kSource), kData + "/graf1.png");
  }

  void startLoadErrorsNameTheFile() {
    PairDocument doc;
    QString error;
    QVERIFY(!doc.StartLoad(Request(kData + "/graf1.png", "/nonexistent/b.png"), &error));  // checked at once
    QVERIFY(error.startsWith("/nonexistent/b.png") && error.contains("not found"));
    QVERIFY(!doc.IsLoading());
    QTemporaryDir dir;
    const QString text = dir.filePath("notes.png");
    QFile f(text);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("just text");
    f.close();
    QVERIFY(!doc.StartLoad(Request(text), &error));  // no image by its header
    QVERIFY2(error.startsWith(text) && !error.contains('\n'), qPrintable(error));
    const QString cut = dir.filePath("cut.png");
    QFile::copy(kData + "/graf1.png", cut);
    QVERIFY(QFile::resize(cut, 2000));
    QSignalSpy failed(&doc, &PairDocument::loadFailed);
    QVERIFY(doc.StartLoad(Request(kData + "/graf1.png", cut), &error));  // the header reads
    QVERIFY(WaitLoaded(doc));
    QCOMPARE(failed.count(), 1);
    QVERIFY2(failed[0][0].toString().startsWith(cut), qPrintable(failed[0][0].toString()));
    QVERIFY(!doc.HasImages() && doc.Image(Side::kSource).isNull());  // all or nothing
  }

  void startFromJsonAppliesThePointsWithTheImages() {
    PairDocument a;
    QString error;
    QVERIFY(a.LoadPair(kData + "/graf1.png", kData + "/graf3.png", &error));
    a.AddPoint({123.5, 77.25});
    a.AddPoint({400, 300});
    a.SetActivePoint(0);
    PairDocument b;
    b.AddPoint({1, 1});
    QVERIFY2(b.StartFromJson(a.ToJson(), kData, &error), qPrintable(error));
    QCOMPARE(b.Points().size(), 1);  // not yet
    QVERIFY(WaitLoaded(b));
    QCOMPARE(b.Points(), a.Points());
    QCOMPARE(b.ActivePoint(), 0);
    QCOMPARE(b.Image(Side::kTarget).size(), QSize(800, 640));
    QVERIFY(!b.StartFromJson(QJsonObject{{"points", 3}}, kData, &error));
    QVERIFY(b.StartFromJson(QJsonObject{{"points", QJsonArray{QJsonArray{5, 6}}}}, kData, &error));  // no image
    QCOMPARE(b.Points(), QVector<QPointF>{QPointF(5, 6)});
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
