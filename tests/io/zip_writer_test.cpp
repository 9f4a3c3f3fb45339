#include <QtTest>

#include <QTemporaryDir>

#include "core/io/byte_source.h"
#include "core/io/zip_reader.h"
#include "core/io/zip_writer.h"
#include "core/util/error.h"
#include "io_test_util.h"

using namespace corrlens::io;

namespace {

std::vector<uint8_t> Payload(size_t n) {
  std::vector<uint8_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>((i * 31) ^ (i >> 3));
  return out;
}

std::vector<uint8_t> Sample(const ZipWriteOptions& options) {
  ZipWriter w(options);
  const auto a = Payload(1000), b = Payload(77);
  w.Add("arch/data.pkl", a.data(), a.size());
  w.Add("arch/data/0", b.data(), b.size());
  const std::string text(5000, 'z');  // compressible
  w.Add("arch/deflated", reinterpret_cast<const uint8_t*>(text.data()), text.size(), /*deflate=*/true);
  w.Add("arch/empty", nullptr, 0);
  w.Add("arch/empty_deflated", nullptr, 0, true);
  return w.Finish();
}

}  // namespace

class ZipWriterTest : public QObject {
  Q_OBJECT
 private slots:
  void roundTripsThroughOurReaderWithAlignedData() {
    for (bool zip64 : {false, true}) {
      ZipWriteOptions options;
      options.force_zip64 = zip64;
      auto zip = ZipReader::Open(ByteSource::FromBytes(Sample(options), "w.zip"));
      QCOMPARE(zip->Entries().size(), size_t(5));
      QCOMPARE(zip->Read(*zip->Find("arch/data.pkl")), Payload(1000));
      QCOMPARE(zip->Read(*zip->Find("arch/data/0")), Payload(77));
      QCOMPARE(zip->Read(*zip->Find("arch/deflated")), std::vector<uint8_t>(5000, 'z'));
      QVERIFY(zip->Find("arch/deflated")->compressed_size < 100);
      QVERIFY(zip->Read(*zip->Find("arch/empty_deflated")).empty());
      for (const char* stored : {"arch/data.pkl", "arch/data/0", "arch/empty"})
        QCOMPARE(zip->Find(stored)->data_offset % 64, uint64_t(0));
    }
  }

  void duplicateNamesAndReuseAreErrors() {
    ZipWriter w;
    w.Add("a", "x");
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, w.Add("a", "y"));
    w.Finish();
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, w.Add("b", "y"));
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, w.Finish());
  }

  void pythonZipfileReadsPlainAndZip64Archives() {
    SKIP_WITHOUT_PYTHON_MODULES("zipfile");
    QTemporaryDir dir;
    for (bool zip64 : {false, true}) {
      ZipWriteOptions options;
      options.force_zip64 = zip64;
      const std::string path = dir.filePath(zip64 ? "z64.zip" : "z.zip").toStdString();
      const std::vector<uint8_t> bytes = Sample(options);
      corrlens::fs::WriteFileAtomic(path, bytes.data(), bytes.size());
      bool ok = false;
      const std::string out = test::RunPython(
          "import sys, zipfile\n"
          "z = zipfile.ZipFile(sys.argv[1])\n"
          "assert z.testzip() is None\n"
          "want = bytes(((i * 31) ^ (i >> 3)) & 255 for i in range(1000))\n"
          "assert z.read('arch/data.pkl') == want and z.read('arch/deflated') == b'z' * 5000\n"
          "assert len(z.read('arch/data/0')) == 77 and z.read('arch/empty') == b''\n"
          "print('OK', len(z.infolist()))\n",
          {QString::fromStdString(path)}, &ok);
      QVERIFY2(ok && out.find("OK 5") != std::string::npos, out.c_str());
    }
  }
};

QTEST_APPLESS_MAIN(ZipWriterTest)
#include "zip_writer_test.moc"
