#include <QtTest>

#include <QTemporaryDir>

#include "core/io/byte_source.h"
#include "core/util/error.h"
#include "core/util/fs.h"

using namespace corrlens::io;

class ByteSourceTest : public QObject {
  Q_OBJECT
 private slots:
  void readsFilesByOffset() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("f.bin").toStdString();
    corrlens::fs::WriteFileAtomic(path, std::string("0123456789"));
    auto source = ByteSource::OpenFile(path);
    QCOMPARE(source->Size(), uint64_t(10));
    QCOMPARE(source->ReadVector(3, 4), (std::vector<uint8_t>{'3', '4', '5', '6'}));
    QCOMPARE(source->Name(), path);
  }

  void rangesPastTheEndThrowWithFileAndOffset() {
    auto source = ByteSource::FromBytes({1, 2, 3}, "mem.bin");
    try {
      source->ReadVector(2, 5);
      QFAIL("no throw");
    } catch (const corrlens::Error& e) {
      const std::string what = e.what();
      QVERIFY2(what.find("mem.bin") != std::string::npos && what.find("truncated") != std::string::npos, e.what());
      QCOMPARE(*e.where().offset, uint64_t(2));
    }
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, source->ReadVector(~uint64_t{0}, 2));  // no overflow
    QCOMPARE(source->ReadVector(3, 0).size(), size_t(0));
  }

  void missingFilesAndFoldersAreClear() {
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, ByteSource::OpenFile("/nonexistent/x.pth"));
    QTemporaryDir dir;
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, ByteSource::OpenFile(dir.path().toStdString()));
  }

  void cursorChecksEveryRead() {
    const std::vector<uint8_t> data{0x01, 0x02, 0x03, 0x04, 'a', '\n', 0xff};
    ByteCursor cursor(data.data(), data.size(), "c.bin", 100, "entry");
    QCOMPARE(cursor.U16(), uint16_t(0x0201));
    QCOMPARE(cursor.U8(), uint8_t(3));
    QCOMPARE(cursor.AbsoluteOffset(), uint64_t(103));
    cursor.U8();
    QCOMPARE(cursor.Line(), std::string("a"));
    try {
      cursor.U32();
      QFAIL("no throw");
    } catch (const corrlens::Error& e) {
      QCOMPARE(*e.where().offset, uint64_t(106));
      QCOMPARE(e.where().key, std::string("entry"));
    }
    ByteCursor no_newline(data.data(), 4, "c.bin");
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, no_newline.Line());
  }
};

QTEST_APPLESS_MAIN(ByteSourceTest)
#include "byte_source_test.moc"
