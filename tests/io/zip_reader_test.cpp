#include <QtTest>

#include <cstring>

#include "core/io/byte_source.h"
#include "core/io/zip_reader.h"
#include "core/io/zip_writer.h"
#include "core/util/error.h"
#include "io_test_util.h"

using namespace corrlens::io;

namespace {

std::vector<uint8_t> TwoEntries(bool deflate = false) {
  ZipWriter w;
  const std::string a(300, 'a'), b = "second entry";
  w.Add("dir/a.bin", reinterpret_cast<const uint8_t*>(a.data()), a.size(), deflate);
  w.Add("dir/b.txt", reinterpret_cast<const uint8_t*>(b.data()), b.size(), deflate);
  return w.Finish();
}

std::unique_ptr<ZipReader> Open(std::vector<uint8_t> bytes) {
  return ZipReader::Open(ByteSource::FromBytes(std::move(bytes), "t.zip"));
}

std::string ErrorOf(std::vector<uint8_t> bytes) {
  try {
    auto zip = Open(std::move(bytes));
    for (const ZipEntry& e : zip->Entries()) zip->Read(e);
  } catch (const corrlens::Error& e) {
    return e.what();
  }
  return "no error";
}

// Offset of the `index`-th central directory record.
size_t CentralRecord(const std::vector<uint8_t>& z, int index) {
  for (size_t i = 0; i + 4 <= z.size(); ++i) {
    if (z[i] == 'P' && z[i + 1] == 'K' && z[i + 2] == 1 && z[i + 3] == 2 && index-- == 0) return i;
  }
  return 0;
}

void Put32(std::vector<uint8_t>& z, size_t at, uint32_t v) { std::memcpy(&z[at], &v, 4); }

}  // namespace

class ZipReaderTest : public QObject {
  Q_OBJECT
 private slots:
  void readsPythonWrittenArchives() {
    for (const char* name : {"arrays.npz", "arrays_compressed.npz", "lightning_adapter.ckpt"}) {
      auto zip = ZipReader::Open(ByteSource::OpenFile(test::Fixture(name)));
      QVERIFY(!zip->Entries().empty());
      for (const ZipEntry& e : zip->Entries()) QCOMPARE(zip->Read(e).size(), size_t(e.size));
    }
    auto npz = ZipReader::Open(ByteSource::OpenFile(test::Fixture("arrays_compressed.npz")));
    QCOMPARE(npz->Entries()[0].method, uint16_t(8));
    QCOMPARE(npz->Entries()[0].name, std::string("f4.npy"));
  }

  void everyTruncationIsAnErrorNotACrash() {
    const std::vector<uint8_t> full = TwoEntries();
    for (size_t n = 0; n < full.size(); ++n) {
      const std::string error = ErrorOf(std::vector<uint8_t>(full.begin(), full.begin() + n));
      QVERIFY2(error.find("t.zip") != std::string::npos, error.c_str());
    }
    QCOMPARE(ErrorOf(full), std::string("no error"));
  }

  void missingEndRecordIsReported() {
    QVERIFY(ErrorOf(std::vector<uint8_t>(100, 0)).find("no zip end-of-central-directory record") != std::string::npos);
  }

  void sizesPastTheEndAreRefused() {
    std::vector<uint8_t> z = TwoEntries();
    const size_t rec = CentralRecord(z, 1);
    Put32(z, rec + 20, 0x7fffffff);  // compressed size
    Put32(z, rec + 24, 0x7fffffff);  // uncompressed size
    const std::string error = ErrorOf(z);
    QVERIFY2(error.find("extends past the end") != std::string::npos, error.c_str());
  }

  void overlappingEntriesAreRefused() {
    std::vector<uint8_t> z = TwoEntries();
    const size_t first = CentralRecord(z, 0);
    Put32(z, first + 20, 400);  // first entry's data now runs into the second's header
    Put32(z, first + 24, 400);
    const std::string error = ErrorOf(z);
    QVERIFY2(error.find("overlaps") != std::string::npos, error.c_str());
  }

  void duplicateNamesAreRefused() {
    std::vector<uint8_t> z = TwoEntries();
    for (int k : {0, 1}) {  // rename b.txt -> a.bin in central and local headers
      const size_t rec = CentralRecord(z, 1);
      (void)k;
      std::memcpy(&z[rec + 46], "dir/a.bin", 9);
    }
    const std::string error = ErrorOf(z);
    QVERIFY2(error.find("two entries named 'dir/a.bin'") != std::string::npos, error.c_str());
  }

  void crcMismatchIsReported() {
    std::vector<uint8_t> z = TwoEntries();
    auto zip = Open(z);
    z[zip->Find("dir/b.txt")->data_offset] ^= 0x01;
    const std::string error = ErrorOf(z);
    QVERIFY2(error.find("CRC-32 mismatch in zip entry 'dir/b.txt'") != std::string::npos, error.c_str());
    ZipReadOptions lax;
    lax.verify_crc = false;
    auto lax_zip = ZipReader::Open(ByteSource::FromBytes(z, "t.zip"), lax);
    QCOMPARE(lax_zip->Read(*lax_zip->Find("dir/b.txt"))[0], uint8_t('s' ^ 1));
  }

  void deflateBombClaimsAreRefusedBeforeAllocating() {
    std::vector<uint8_t> z = TwoEntries(/*deflate=*/true);
    const size_t rec = CentralRecord(z, 0);
    Put32(z, rec + 24, 0xfffffff0);  // claims ~4 GB from a few bytes
    const std::string error = ErrorOf(z);
    QVERIFY2(error.find("zip bomb") != std::string::npos, error.c_str());
    std::vector<uint8_t> small = TwoEntries(true);
    Put32(small, CentralRecord(small, 0) + 24, 200);  // inflates to 300, claims 200
    QVERIFY(ErrorOf(small).find("does not inflate to its announced") != std::string::npos);
  }

  void encryptionAndUnknownMethodsAreRefused() {
    std::vector<uint8_t> z = TwoEntries();
    z[CentralRecord(z, 0) + 8] |= 1;
    QVERIFY(ErrorOf(z).find("encrypted") != std::string::npos);
    std::vector<uint8_t> m = TwoEntries();
    m[CentralRecord(m, 0) + 10] = 12;  // bzip2
    QVERIFY(ErrorOf(m).find("compression method 12") != std::string::npos);
  }

  void prependedDataIsRefused() {
    std::vector<uint8_t> z = TwoEntries();
    z.insert(z.begin(), 16, 0);
    QVERIFY(ErrorOf(z).find("does not end where the end record starts") != std::string::npos);
  }

  void localHeaderMustMatch() {
    std::vector<uint8_t> z = TwoEntries();
    z[30] = 'X';  // first local header's name
    QVERIFY(ErrorOf(z).find("local header names a different entry") != std::string::npos);
  }

  void detectsZipSignatures() {
    const std::vector<uint8_t> z = TwoEntries();
    QVERIFY(LooksLikeZip(z.data(), z.size()));
    QVERIFY(!LooksLikeZip(z.data() + 1, z.size() - 1));
  }
};

QTEST_APPLESS_MAIN(ZipReaderTest)
#include "zip_reader_test.moc"
