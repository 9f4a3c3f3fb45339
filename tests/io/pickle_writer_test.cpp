#include <QtTest>

#include <QTemporaryDir>

#include "core/io/pickle_flatten.h"
#include "core/io/pickle_reader.h"
#include "core/io/pickle_writer.h"
#include "core/util/error.h"
#include "io_test_util.h"

using namespace corrlens::io;
using namespace corrlens::io::pickle;

namespace {

nlohmann::json ReadBack(const PickleWriter& w) {
  const PickleResult r = ParsePickle(w.Bytes().data(), w.Bytes().size(), PickleOptions{});
  return Flatten(*r.root, nullptr).metadata;
}

const nlohmann::json kSample = nlohmann::json::parse(R"({
  "int_small": 7, "int_16": 40000, "int_neg": -5, "int_32": 2147483647, "int_big": 1099511627776,
  "int_min": -9223372036854775808, "uint_max": 18446744073709551615, "float": 0.1, "text": "h\u00e9llo",
  "flag": true, "nothing": null, "list": [1, [2, "x"], {}], "dict": {"a": {"b": []}}})");

}  // namespace

class PickleWriterTest : public QObject {
  Q_OBJECT
 private slots:
  void jsonRoundTripsThroughOurReader() {
    PickleWriter w;
    w.Json(kSample);
    w.Stop();
    nlohmann::json back = ReadBack(w);
    QCOMPARE(back["uint_max"]["__int__"].get<std::string>(), std::string("0xffffffffffffffff"));
    back.erase("uint_max");
    nlohmann::json want = kSample;
    want.erase("uint_max");
    QCOMPARE(back, want);
  }

  void integersUseTheSmallestOpcode() {
    PickleWriter w;
    w.Int(5);
    QCOMPARE(w.Bytes(), (std::vector<uint8_t>{0x80, 2, 'K', 5}));
    PickleWriter big;
    big.Int(-129);  // BININT
    QCOMPARE(big.Bytes()[2], uint8_t('J'));
    PickleWriter huge;
    huge.Int(int64_t(1) << 40);  // LONG1 with 6 bytes
    QCOMPARE(huge.Bytes()[2], uint8_t(0x8a));
    QCOMPARE(huge.Bytes()[3], uint8_t(6));
  }

  void globalsAreMemoized() {
    PickleWriter w;
    w.Mark();
    w.Global("collections", "OrderedDict");
    w.Global("collections", "OrderedDict");
    w.TupleFromMark();
    w.Stop();
    const std::string bytes(w.Bytes().begin(), w.Bytes().end());
    QCOMPARE(bytes.find("OrderedDict"), bytes.rfind("OrderedDict"));  // written once, then LONG_BINGET
    QCOMPARE(ReadBack(w)[1]["__global__"].get<std::string>(), std::string("collections.OrderedDict"));
  }

  void numpyArraysRoundTrip() {
    const std::vector<uint8_t> pixels = {0, 1, 127, 128, 200, 255};
    const std::vector<float> floats = {0.5f, -2.f, 1e-3f};
    PickleWriter w;
    w.Mark();
    w.NumpyArray("|u1", {1, 2, 3}, pixels.data(), pixels.size());
    w.NumpyArray("<f4", {3}, floats.data(), floats.size() * 4);
    w.TupleFromMark();
    w.Stop();
    const PickleResult r = ParsePickle(w.Bytes().data(), w.Bytes().size(), PickleOptions{});
    QCOMPARE(int(r.root->items.size()), 2);
    const TensorData& u8 = r.root->items[0]->tensor->data;
    QCOMPARE(u8.dtype, DType::kUInt8);
    QCOMPARE(u8.shape, (std::vector<int64_t>{1, 2, 3}));
    QCOMPARE(u8.ToDoubles(), (std::vector<double>{0, 1, 127, 128, 200, 255}));
    const TensorData& f32 = r.root->items[1]->tensor->data;
    QCOMPARE(f32.dtype, DType::kFloat32);
    QCOMPARE(f32.ToDoubles()[2], double(1e-3f));
    const std::vector<int64_t> one = {1};
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, w.NumpyArray("f4", one, floats.data(), 4));
  }

  void pythonLoadsWhatWeWrite() {
    SKIP_WITHOUT_PYTHON_MODULES("pickle");
    QTemporaryDir dir;
    const std::string path = dir.filePath("sample.pkl").toStdString();
    PickleWriter w;
    w.Json(kSample);
    w.Stop();
    corrlens::fs::WriteFileAtomic(path, w.Bytes().data(), w.Bytes().size());
    corrlens::fs::WriteFileAtomic(path + ".json", kSample.dump());
    bool ok = false;
    const std::string out = test::RunPython(
        "import json, pickle, sys\n"
        "got = pickle.load(open(sys.argv[1], 'rb'))\n"
        "want = json.load(open(sys.argv[1] + '.json'))\n"
        "assert got == want, (got, want)\n"
        "assert got['uint_max'] == 2**64 - 1 and got['int_min'] == -2**63\n"
        "print('OK')\n",
        {QString::fromStdString(path)}, &ok);
    QVERIFY2(ok && out.find("OK") != std::string::npos, out.c_str());
  }

  void numpyLoadsOurArrays() {
    SKIP_WITHOUT_PYTHON_MODULES("numpy");
    QTemporaryDir dir;
    const std::string path = dir.filePath("arrays.pkl").toStdString();
    const std::vector<uint8_t> pixels = {0, 128, 255, 7};
    const std::vector<uint8_t> flags = {1, 0};
    PickleWriter w;
    w.Mark();
    w.NumpyArray("|u1", {2, 2}, pixels.data(), pixels.size());
    w.NumpyArray("|b1", {2}, flags.data(), flags.size());
    w.TupleFromMark();
    w.Stop();
    corrlens::fs::WriteFileAtomic(path, w.Bytes().data(), w.Bytes().size());
    bool ok = false;
    const std::string out = test::RunPython(
        "import pickle, sys\n"
        "import numpy as np\n"
        "a, b = pickle.load(open(sys.argv[1], 'rb'))\n"
        "assert a.dtype == np.uint8 and a.tolist() == [[0, 128], [255, 7]], a\n"
        "assert b.dtype == bool and b.tolist() == [True, False], b\n"
        "print('OK')\n",
        {QString::fromStdString(path)}, &ok);
    QVERIFY2(ok && out.find("OK") != std::string::npos, out.c_str());
  }
};

QTEST_APPLESS_MAIN(PickleWriterTest)
#include "pickle_writer_test.moc"
