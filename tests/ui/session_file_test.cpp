// Session files: the current layout round-trips, version 1 pair sessions
// (tests/data/sessions/pair_session_v1.json, written by the version-1
// SessionModel::Save) read as version 2, and bad files are refused with
// their name and the reason.
#include <QtTest>
#include "tests/common/test_paths.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>

#include "ui/session_file.h"

using namespace corrlens::ui;

namespace {

const QString kV1 = corrlens::test::TestDataPath("/sessions/pair_session_v1.json");

QString WriteText(const QTemporaryDir& dir, const QString& name, const QByteArray& text) {
  const QString path = dir.filePath(name);
  QFile f(path);
  f.open(QIODevice::WriteOnly);
  f.write(text);
  return path;
}

}  // namespace

class SessionFileTest : public QObject {
  Q_OBJECT
 private slots:
  void readsVersion1PairSessions() {
    SessionContents contents;
    QString error;
    QVERIFY2(ReadSessionFile(kV1, &contents, &error), qPrintable(error));
    QCOMPARE(contents.shared["models"].toArray().size(), 3);
    QCOMPARE(contents.shared["view"].toObject()["heatmap_opacity"].toDouble(), 0.3);
    QVERIFY(!contents.shared.contains("corrlens_session"));
    QCOMPARE(contents.workspaces.keys(), QStringList{"pair"});
    const QJsonObject pair = contents.workspaces["pair"];
    QCOMPARE(pair["source"].toString(), QString("/usr/share/doc/opencv-doc/examples/data/graf1.png"));
    QCOMPARE(pair["target"].toString(), QString("/usr/share/doc/opencv-doc/examples/data/graf3.png"));
    QCOMPARE(pair["points"].toArray().size(), 3);
    QCOMPARE(pair["active_point"].toInt(), 1);
  }

  void currentLayoutRoundTrips() {
    QTemporaryDir dir;
    SessionContents a;
    a.shared = QJsonObject{{"models", QJsonArray{"dense_sift"}}, {"view", QJsonObject{{"show_pca", true}}}};
    a.workspaces["pair"] = QJsonObject{{"source", "a.png"}, {"points", QJsonArray{QJsonArray{1, 2}}}};
    a.workspaces["video"] = QJsonObject{{"frame", 12}};
    const QString path = dir.filePath("s.corrlens.json");
    QString error;
    QVERIFY2(WriteSessionFile(path, a, &error), qPrintable(error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonObject json = QJsonDocument::fromJson(file.readAll()).object();
    QCOMPARE(json["format"].toString(), QString("corrlens-session"));
    QCOMPARE(json["version"].toInt(), kSessionVersion);
    QVERIFY(json["workspaces"].toObject().contains("pair"));
    SessionContents b;
    QVERIFY2(ReadSessionFile(path, &b, &error), qPrintable(error));
    QCOMPARE(b.shared, a.shared);
    QCOMPARE(b.workspaces, a.workspaces);
  }

  void refusesBadFilesWithNameAndReason() {
    QTemporaryDir dir;
    SessionContents contents;
    contents.shared["models"] = QJsonArray{"kept"};
    QString error;
    const QString truncated = WriteText(dir, "bad.json", "{\"points\": [");
    QVERIFY(!ReadSessionFile(truncated, &contents, &error));
    QVERIFY(error.startsWith(truncated));
    QVERIFY(error.contains("not a session file"));
    const QString other = WriteText(dir, "other.json", "{\"name\": \"package.json\"}");
    QVERIFY(!ReadSessionFile(other, &contents, &error));
    QVERIFY2(error.startsWith(other) && error.contains("not a CorrLens session"), qPrintable(error));
    const QString newer = WriteText(dir, "newer.json", "{\"format\": \"corrlens-session\", \"version\": 99}");
    QVERIFY(!ReadSessionFile(newer, &contents, &error));
    QVERIFY2(error.contains("99"), qPrintable(error));
    const QString sections =
        WriteText(dir, "sections.json", "{\"format\": \"corrlens-session\", \"version\": 2, \"workspaces\": []}");
    QVERIFY(!ReadSessionFile(sections, &contents, &error));
    QVERIFY2(error.contains("\"workspaces\""), qPrintable(error));
    QVERIFY(!ReadSessionFile(dir.filePath("missing.json"), &contents, &error));
    QVERIFY(error.contains("missing.json"));
    QCOMPARE(contents.shared["models"].toArray()[0].toString(), QString("kept"));  // untouched
  }

  void unwritablePathIsAnError() {
    QTemporaryDir dir;
    QString error;
    QVERIFY(!WriteSessionFile(dir.filePath("no/such/folder/s.json"), {}, &error));
    QVERIFY(error.contains("no/such/folder/s.json"));
  }
};

QTEST_GUILESS_MAIN(SessionFileTest)
#include "session_file_test.moc"
