// Tracks as JSON (the layout of corrlens-cli track --out) and CSV: every
// value in its place, CSV quoting, and an error for tracks that do not match
// their queries.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include "core/track/track_export.h"
#include "core/util/error.h"
#include "tests/common/test_helpers.h"

using namespace corrlens;
using namespace corrlens::track;

namespace {

// Two queries through three frames; query 1 is occluded in frame 2.
TracksDocument Sample() {
  TracksDocument d;
  d.video = "clip.avi";
  d.frames = 3;
  d.width = 320;
  d.height = 240;
  d.fps = 25.0;
  d.preset = "interactive";
  d.queries = {{0, 10.5, 20.0}, {2, 100.0, 50.25}};
  TrackedModel m;
  m.model = "dense_sift";
  m.seconds = 1.5;
  m.tracks = TrackSet(2, 3);
  for (int n = 0; n < 2; ++n)
    for (int t = 0; t < 3; ++t) {
      m.tracks.X(n, t) = 10.0 * n + t + 0.125;
      m.tracks.Y(n, t) = 20.0 * n - t;
    }
  m.tracks.SetOccluded(1, 2, true);
  m.similarity = {1.0f, 0.9f, 0.8f, 0.5f, 0.75f, 1.0f};
  d.models = {m};
  return d;
}

}  // namespace

class TrackExportTest : public QObject {
  Q_OBJECT

 private slots:
  void Json() {
    const QJsonObject json = QJsonDocument::fromJson(QByteArray::fromStdString(TracksToJson(Sample()))).object();
    QCOMPARE(json["video"].toString(), QString("clip.avi"));
    QCOMPARE(json["frames"].toInt(), 3);
    QCOMPARE(json["width"].toInt(), 320);
    QCOMPARE(json["height"].toInt(), 240);
    QCOMPARE(json["fps"].toDouble(), 25.0);
    QCOMPARE(json["preset"].toString(), QString("interactive"));
    const QJsonObject model = json["models"].toArray()[0].toObject();
    QCOMPARE(model["model"].toString(), QString("dense_sift"));
    QCOMPARE(model["seconds"].toDouble(), 1.5);
    const QJsonObject track = model["tracks"].toArray()[1].toObject();
    QCOMPARE(track["query"].toArray(), (QJsonArray{2, 100.0, 50.25}));
    QCOMPARE(track["points"].toArray()[2].toArray(), (QJsonArray{12.125, 18.0}));
    QCOMPARE(track["occluded"].toArray(), (QJsonArray{false, false, true}));
    QCOMPARE(track["similarity"].toArray()[1].toDouble(), 0.75);
  }

  void Csv() {
    const QStringList lines = QString::fromStdString(TracksToCsv(Sample())).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 7);
    QCOMPARE(lines[0], QString("query,model,frame,x,y,occluded,score"));
    QCOMPARE(lines[1], QString("0,dense_sift,0,0.125,0.000,0,1.0000"));
    QCOMPARE(lines[6], QString("1,dense_sift,2,12.125,18.000,1,1.0000"));
    TracksDocument d = Sample();
    d.models[0].model = "my,\"model\"";
    QVERIFY(QString::fromStdString(TracksToCsv(d)).contains("0,\"my,\"\"model\"\"\",0,"));
  }

  void Mismatch() {
    TracksDocument d = Sample();
    d.queries.pop_back();
    QVERIFY(!d.Valid());
    const std::string e = test::ErrorOf([&] { TracksToJson(d); });
    QVERIFY2(e.find("do not match their queries") != std::string::npos, e.c_str());
    d = Sample();
    d.models[0].similarity.pop_back();
    QVERIFY(test::ErrorOf([&] { TracksToCsv(d); }) != "no error");
  }
};

QTEST_APPLESS_MAIN(TrackExportTest)
#include "track_export_test.moc"
