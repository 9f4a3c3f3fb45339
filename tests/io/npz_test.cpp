#include <QtTest>

#include <QTemporaryDir>

#include "core/io/byte_source.h"
#include "core/io/npy.h"
#include "core/io/utf8.h"
#include "core/io/zip_reader.h"
#include "core/io/zip_writer.h"
#include "core/util/error.h"
#include "io_test_util.h"

using namespace corrlens::io;

class NpzTest : public QObject {
  Q_OBJECT
 private slots:
  void readsStoredAndCompressedFixtures() {
    for (const char* name : {"arrays.npz", "arrays_compressed.npz"}) {
      const TensorFile file = ReadTensorFile(test::Fixture(name));
      QCOMPARE(file.format, TensorFormat::kNpz);
      std::string why;
      QVERIFY2(test::MatchesExpected(file, name, &why), (std::string(name) + ": " + why).c_str());
    }
  }

  void metadataOnlyReadsHeaders() {
    ReadOptions options;
    options.load_data = false;
    for (const char* name : {"arrays.npz", "arrays_compressed.npz"}) {
      const TensorFile file = ReadTensorFile(test::Fixture(name), options);
      QCOMPARE(file.Find("fortran")->shape, (std::vector<int64_t>{3, 4}));
      QVERIFY(!file.Find("fortran")->storage);
    }
  }

  void writerRoundTripsBothWays() {
    QTemporaryDir dir;
    const TensorFile in = ReadTensorFile(test::Fixture("arrays.npz"));
    for (bool compress : {false, true}) {
      const std::string path = dir.filePath(compress ? "c.npz" : "s.npz").toStdString();
      WriteNpz(path, in.tensors, compress);
      const TensorFile out = ReadTensorFile(path);
      std::string why;
      QVERIFY2(test::MatchesExpected(out, "arrays.npz", &why), why.c_str());
      auto zip = ZipReader::Open(ByteSource::OpenFile(path));
      QCOMPARE(zip->Entries()[0].method, uint16_t(compress ? 8 : 0));
    }
  }

  void numpyLoadsWhatWeWrite() {
    SKIP_WITHOUT_PYTHON_MODULES("numpy");
    QTemporaryDir dir;
    const std::string path = dir.filePath("c.npz").toStdString();
    WriteNpz(path, ReadTensorFile(test::Fixture("arrays.npz")).tensors, true);
    bool ok = false;
    const std::string out = test::RunPython(
        "import numpy, sys\n"
        "z = numpy.load(sys.argv[1], allow_pickle=False)\n"
        "assert z['fortran'].tolist() == numpy.arange(12.).reshape(3, 4).tolist()\n"
        "assert z['be_i4'].tolist() == list(range(-3, 3)) and z['b1'].tolist() == [True, False, True]\n"
        "assert z['i8'].tolist() == [[2 ** 40]] and z['scalar'].shape == ()\n"
        "print('OK')\n",
        {QString::fromStdString(path)}, &ok);
    QVERIFY2(ok && out.find("OK") != std::string::npos, out.c_str());
  }

  void memberNamesBecomeValidUtf8() {
    // Issue 16: a member named with byte 0xFF reached the tensor path as is
    // and `inspect --json` failed. Names are sanitised, and kept unique.
    const std::vector<uint8_t> npy = EncodeNpy(TensorData::FromBytes(DType::kUInt8, {2}, {1, 2}));
    ZipWriter zip;
    for (const char* name : {"\xff.npy", "\xfe.npy", "ok\xc3.npy", "\xef\xbf\xbd.npy"})
      zip.Add(name, npy.data(), npy.size());
    const TensorFile file = ReadTensorSource(ByteSource::FromBytes(zip.Finish(), "names.npz"));
    std::vector<std::string> paths;
    for (const NamedTensor& t : file.tensors) paths.push_back(t.path);
    QCOMPARE(paths, (std::vector<std::string>{"\xef\xbf\xbd", "\xef\xbf\xbd#2", "ok\xef\xbf\xbd", "\xef\xbf\xbd#3"}));
    for (const std::string& path : paths) QVERIFY(IsValidUtf8(path));
    QCOMPARE(file.Find("\xef\xbf\xbd#2")->NumElements(), int64_t(2));
    QVERIFY(!nlohmann::json(paths).dump().empty());  // nlohmann's strict UTF-8 check
  }

  void listingACompressedMemberInflatesOnlyItsHeader() {
    // A deflated member used to be inflated whole (up to 16 GiB) just to read
    // its header. Corrupt the tail of the deflate stream: listing still
    // works (it never gets there), reading the data does not.
    std::vector<uint8_t> data(4 << 20);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>((i * 2654435761u) >> 13);
    const std::vector<uint8_t> npy = EncodeNpy(TensorData::FromBytes(DType::kUInt8, {int64_t(data.size())}, data));
    ZipWriter zip;
    zip.Add("big.npy", npy.data(), npy.size(), true);
    std::vector<uint8_t> bytes = zip.Finish();
    const ZipEntry entry = ZipReader::Open(ByteSource::FromBytes(bytes, "z.npz"))->Entries()[0];
    for (uint64_t i = entry.compressed_size - 64; i < entry.compressed_size - 16; ++i)
      bytes[entry.data_offset + i] ^= 0x5a;
    ReadOptions list;
    list.load_data = false;
    const TensorFile file = ReadTensorSource(ByteSource::FromBytes(bytes, "z.npz"), list);
    QCOMPARE(file.Find("big")->shape, (std::vector<int64_t>{4 << 20}));
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, ReadTensorSource(ByteSource::FromBytes(bytes, "z.npz")));
  }

  void corruptEntriesNameTheEntry() {
    auto bytes = test::FixtureBytes("arrays.npz");
    auto zip = ZipReader::Open(ByteSource::FromBytes(bytes, "a.npz"));
    const ZipEntry* entry = zip->Find("be_i4.npy");
    bytes[entry->data_offset + 20] ^= 0x40;  // inside the header text
    ReadOptions options;
    options.verify_crc = false;
    try {
      ReadTensorSource(ByteSource::FromBytes(bytes, "a.npz"), options);
      QFAIL("no error");
    } catch (const corrlens::Error& e) {
      QCOMPARE(e.where().key, std::string("be_i4.npy"));
      QVERIFY2(std::string(e.what()).find("a.npz") != std::string::npos, e.what());
    }
  }
};

QTEST_APPLESS_MAIN(NpzTest)
#include "npz_test.moc"
