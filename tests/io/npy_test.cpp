#include <QtTest>

#include <QTemporaryDir>

#include "tests/common/test_helpers.h"

#include <cstring>

#include "core/io/byte_source.h"
#include "core/io/npy.h"
#include "core/util/error.h"
#include "io_test_util.h"

using namespace corrlens::io;

namespace {

std::vector<uint8_t> Npy(const std::string& dict, size_t data_bytes, uint8_t version = 1) {
  std::string header = dict;
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', version, 0};
  out.push_back(static_cast<uint8_t>(header.size()));
  out.push_back(static_cast<uint8_t>(header.size() >> 8));
  out.insert(out.end(), header.begin(), header.end());
  out.resize(out.size() + data_bytes, 0);
  return out;
}

std::string ErrorOf(const std::vector<uint8_t>& bytes) {
  try {
    ReadNpy(*ByteSource::FromBytes(bytes, "a.npy"), ReadOptions{});
  } catch (const corrlens::Error& e) {
    return e.what();
  }
  return "no error";
}

TensorData Floats(std::vector<float> v, std::vector<int64_t> shape) {
  std::vector<uint8_t> bytes(v.size() * 4);
  if (!v.empty()) std::memcpy(bytes.data(), v.data(), bytes.size());
  return TensorData::FromBytes(DType::kFloat32, std::move(shape), std::move(bytes));
}

}  // namespace

class NpyTest : public QObject {
  Q_OBJECT
 private slots:
  void readsNumpyFixtures() {
    for (const char* name : {"fortran.npy", "be_i4.npy", "v2.npy", "v3.npy"}) {
      const TensorFile file = ReadTensorFile(test::Fixture(name));
      QCOMPARE(file.format, TensorFormat::kNpy);
      std::string why;
      QVERIFY2(test::MatchesExpected(file, name, &why), (std::string(name) + ": " + why).c_str());
    }
    QCOMPARE(ReadTensorFile(test::Fixture("fortran.npy")).tensors[0].tensor.strides, (std::vector<int64_t>{1, 3}));
  }

  void writerRoundTripsAndAligns() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("t.npy").toStdString();
    TensorData t = Floats({1, 2, 3, 4, 5, 6}, {2, 3});
    t.shape = {3, 2};
    t.strides = {1, 3};  // a transposed view is written in C order
    WriteNpy(path, t);
    const auto bytes = corrlens::fs::ReadFile(path);
    QCOMPARE((10 + bytes[8] + (bytes[9] << 8)) % 64, 0);
    const TensorFile back = ReadTensorFile(path);
    QCOMPARE(back.tensors[0].tensor.ToDoubles(), t.ToDoubles());
    QVERIFY(back.tensors[0].tensor.IsContiguous());
    TensorData scalar = Floats({7}, {});
    WriteNpy(path, scalar);
    QCOMPARE(ReadTensorFile(path).tensors[0].tensor.shape.size(), size_t(0));
    TensorData bf16 = TensorData::FromBytes(DType::kBFloat16, {1}, {0x80, 0x3f});
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, WriteNpy(path, bf16));
  }

  void numpyLoadsWhatWeWrite() {
    SKIP_WITHOUT_PYTHON_MODULES("numpy");
    QTemporaryDir dir;
    const std::string path = dir.filePath("t.npy").toStdString();
    WriteNpy(path, TensorData::FromBytes(DType::kInt16, {2, 2}, {1, 0, 2, 0, 0xff, 0xff, 0, 0x80}));
    bool ok = false;
    const std::string out = test::RunPython(
        "import numpy, sys\n"
        "a = numpy.load(sys.argv[1], allow_pickle=False)\n"
        "assert a.dtype == numpy.int16 and a.tolist() == [[1, 2], [-1, -32768]], a\n"
        "print('OK')\n",
        {QString::fromStdString(path)}, &ok);
    QVERIFY2(ok && out.find("OK") != std::string::npos, out.c_str());
  }

  void malformedHeadersAreRefused() {
    const std::string good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    QCOMPARE(ErrorOf(Npy(good, 24)), std::string("no error"));
    QVERIFY(ErrorOf(Npy(good, 20)).find("needs 24 data bytes, the file holds 20") != std::string::npos);
    QVERIFY(ErrorOf(Npy(good, 28)).find("extra bytes") != std::string::npos);
    // A 10^15-element shape with 24 bytes present: refused before allocating.
    QVERIFY(ErrorOf(Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000000), }", 24))
                .find("truncated download") != std::string::npos);
    QVERIFY(ErrorOf(Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }", 0))
                .find("overflows") != std::string::npos);
    QVERIFY(ErrorOf(Npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", 8)).find("object arrays") !=
            std::string::npos);
    QVERIFY(ErrorOf(Npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", 4)).find("structured") !=
            std::string::npos);
    QVERIFY(ErrorOf(Npy("{'descr': '<f4', 'shape': (1,), }", 4)).find("lacks") != std::string::npos);
    QVERIFY(ErrorOf(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", 4)).find("non-size") !=
            std::string::npos);
    QVERIFY(ErrorOf(Npy("__import__('os').system('x')", 4)).find("unexpected character") != std::string::npos);
    QVERIFY(ErrorOf(Npy(good, 24, 9)).find("unsupported .npy version 9") != std::string::npos);
    std::vector<uint8_t> long_header = Npy(good, 24);
    long_header[9] = 0xff;  // header length past the end
    QVERIFY(ErrorOf(long_header).find("runs past the end") != std::string::npos);
  }

  void viewsAreStreamedAndConverted() {
    // WriteNpyAs streams a view in pieces (strided, stride-0, more than one
    // 1 MiB piece) and converts on the way; the result equals the copy.
    QTemporaryDir dir;
    std::vector<uint8_t> bytes(3 * 700 * 2);
    for (size_t i = 0; i < bytes.size() / 2; ++i) {
      const uint16_t bf = FloatToBFloat16(static_cast<float>(i % 977) - 400.0f);
      std::memcpy(bytes.data() + 2 * i, &bf, 2);
    }
    TensorData base = TensorData::FromBytes(DType::kBFloat16, {3, 700}, bytes);
    TensorData view = base;  // [1000, 700, 3]: rows repeat (stride 0), last dim strided
    view.shape = {1000, 700, 3};
    view.strides = {0, 1, 700};
    const std::string path = dir.filePath("v.npy").toStdString();
    WriteNpyAs(path, view, DType::kFloat32);
    const TensorFile file = ReadTensorFile(path);
    QCOMPARE(file.tensors[0].tensor.dtype, DType::kFloat32);
    QCOMPARE(file.tensors[0].tensor.shape, view.shape);
    QVERIFY(file.tensors[0].tensor.ToDoubles() == view.ToDoubles());
    QVERIFY(corrlens::test::ErrorOf([&] { WriteNpy(path, view); }).find("bfloat16") !=
            std::string::npos);  // npy has no bfloat16
    view.shape = {int64_t(1) << 40, 700, 3};
    const std::string error = corrlens::test::ErrorOf([&] { WriteNpyAs(path, view, DType::kFloat32); });
    QVERIFY2(error.find("expanded views") != std::string::npos && error.find(path) != std::string::npos, error.c_str());
    QCOMPARE(ReadTensorFile(path).tensors[0].tensor.shape, (std::vector<int64_t>{1000, 700, 3}));  // untouched
  }

  void bigEndianAndFortranAreConverted() {
    auto be = Npy("{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }", 0);
    for (uint8_t b : {0, 0, 1, 2, 0xff, 0xff, 0xff, 0xfe}) be.push_back(b);
    QCOMPARE(ReadNpy(*ByteSource::FromBytes(be, "be.npy"), {}).tensors[0].tensor.ToDoubles(),
             (std::vector<double>{258, -2}));
    auto f = Npy("{'descr': '|u1', 'fortran_order': True, 'shape': (2, 3), }", 0);
    for (uint8_t b : {1, 4, 2, 5, 3, 6}) f.push_back(b);
    QCOMPARE(ReadNpy(*ByteSource::FromBytes(f, "f.npy"), {}).tensors[0].tensor.ToDoubles(),
             (std::vector<double>{1, 2, 3, 4, 5, 6}));
  }
};

QTEST_APPLESS_MAIN(NpyTest)
#include "npy_test.moc"
