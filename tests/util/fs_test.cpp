#include <QtTest>

#include <QTemporaryDir>
#include <filesystem>

#include "core/util/error.h"
#include "core/util/fs.h"

class FsTest : public QObject {
  Q_OBJECT
 private slots:
  void atomicWriteReplacesAndReadsBack() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("sub/file.bin").toStdString();
    corrlens::fs::WriteFileAtomic(path, std::string("first"));
    corrlens::fs::WriteFileAtomic(path, std::string("second"));
    auto bytes = corrlens::fs::ReadFile(path);
    QCOMPARE(std::string(bytes.begin(), bytes.end()), std::string("second"));
    int files = 0;
    for (auto& entry : std::filesystem::directory_iterator(dir.filePath("sub").toStdString())) {
      (void)entry;
      ++files;
    }
    QCOMPARE(files, 1);  // no temporary left behind
  }
  void missingFileNamesThePath() {
    try {
      corrlens::fs::ReadFile("/nonexistent/x.pth");
      QFAIL("no throw");
    } catch (const corrlens::Error& e) {
      QVERIFY(std::string(e.what()).find("/nonexistent/x.pth") != std::string::npos);
    }
  }
  void sizeLimitIsEnforced() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("big").toStdString();
    corrlens::fs::WriteFileAtomic(path, std::string(100, 'x'));
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, corrlens::fs::ReadFile(path, 10));
  }
  void hashIsStableAndSensitive() {
    QCOMPARE(corrlens::fs::HashHex("abc", 3), corrlens::fs::HashHex("abc", 3));
    QVERIFY(corrlens::fs::HashHex("abc", 3) != corrlens::fs::HashHex("abd", 3));
    QCOMPARE(corrlens::fs::HashHex("abc", 3).size(), size_t(16));
  }
};

QTEST_APPLESS_MAIN(FsTest)
#include "fs_test.moc"
