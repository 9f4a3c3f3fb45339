#include <QtTest>

#include <QTemporaryDir>

#include <cstring>

#include "core/io/byte_source.h"
#include "core/io/safetensors.h"
#include "core/util/error.h"
#include "io_test_util.h"

using namespace corrlens::io;

namespace {

// A file from a header text and `data_bytes` zero bytes.
std::vector<uint8_t> File(const std::string& header, size_t data_bytes) {
  std::vector<uint8_t> out(8 + header.size() + data_bytes, 0);
  const uint64_t n = header.size();
  std::memcpy(out.data(), &n, 8);
  std::memcpy(out.data() + 8, header.data(), header.size());
  return out;
}

std::string ErrorOf(const std::vector<uint8_t>& bytes) {
  try {
    ReadSafetensors(*ByteSource::FromBytes(bytes, "m.safetensors"), ReadOptions{});
  } catch (const corrlens::Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

class SafetensorsTest : public QObject {
  Q_OBJECT
 private slots:
  void readsThePythonWrittenFixture() {
    const TensorFile file = ReadTensorFile(test::Fixture("model.safetensors"));
    QCOMPARE(file.format, TensorFormat::kSafetensors);
    std::string why;
    QVERIFY2(test::MatchesExpected(file, "model.safetensors", &why), why.c_str());
    QCOMPARE((*file.metadata)["__metadata__"]["source"].get<std::string>(), std::string("fixture"));
  }

  void writerRoundTrips() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("out.safetensors").toStdString();
    const TensorFile in = ReadTensorFile(test::Fixture("dtypes.pth"));
    WriteSafetensors(path, in.tensors, {{"format", "pt"}});
    const auto bytes = corrlens::fs::ReadFile(path);
    uint64_t header = 0;
    std::memcpy(&header, bytes.data(), 8);
    QCOMPARE((8 + header) % 8, uint64_t(0));
    const TensorFile out = ReadTensorFile(path);
    QCOMPARE(out.tensors.size(), in.tensors.size());
    for (size_t i = 0; i < in.tensors.size(); ++i) {
      QCOMPARE(out.tensors[i].path, in.tensors[i].path);
      QCOMPARE(out.tensors[i].tensor.shape, in.tensors[i].tensor.shape);
      QCOMPARE(out.tensors[i].tensor.ContiguousBytes(), in.tensors[i].tensor.ContiguousBytes());
    }
    QCOMPARE((*out.metadata)["__metadata__"]["format"].get<std::string>(), std::string("pt"));
  }

  void pythonReadsWhatWeWrite() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("out.safetensors").toStdString();
    WriteSafetensors(path, ReadTensorFile(test::Fixture("model.safetensors")).tensors, {{"k", "v"}});
    bool ok = false;
    RUN_PYTHON_OR_SKIP(
        out, ok,
        "import json, struct, sys, torch\n"
        "raw = open(sys.argv[1], 'rb').read()\n"
        "n = struct.unpack('<Q', raw[:8])[0]\n"
        "h = json.loads(raw[8:8 + n])\n"
        "assert h['__metadata__'] == {'k': 'v'}\n"
        "e = h['embed.weight']\n"
        "t = torch.frombuffer(bytearray(raw[8 + n + e['data_offsets'][0]:8 + n + e['data_offsets'][1]]), dtype=torch.float32)\n"
        "assert t.reshape(e['shape']).tolist() == (torch.arange(12.) / 4).reshape(3, 4).tolist()\n"
        "g = h['blocks.0.ls.gamma']\n"
        "b = torch.frombuffer(bytearray(raw[8 + n + g['data_offsets'][0]:8 + n + g['data_offsets'][1]]), dtype=torch.bfloat16)\n"
        "assert b.float().tolist() == [1.0, 2.5, -3.0] and g['dtype'] == 'BF16'\n"
        "print('OK')\n",
        QStringList{QString::fromStdString(path)});
    QVERIFY2(ok && out.find("OK") != std::string::npos, out.c_str());
  }

  void headerRulesAreEnforced() {
    const std::string t = R"("t":{"dtype":"F32","shape":[2],"data_offsets":)";
    QCOMPARE(ErrorOf(File("{" + t + "[0,8]}}", 8)), std::string("no error"));
    QVERIFY(ErrorOf(File("{" + t + "[0,8]}}", 4)).find("truncated download") != std::string::npos);
    QVERIFY(ErrorOf(File("{" + t + "[0,4]}}", 4)).find("needs 8 bytes") != std::string::npos);
    QVERIFY(ErrorOf(File("{" + t + "[8,0]}}", 8)).find("end before they begin") != std::string::npos);
    QVERIFY(ErrorOf(File("{" + t + "[4,12]}}", 12)).find("expected 0") != std::string::npos);  // hole
    QVERIFY(ErrorOf(File("{" + t + "[0,8]}}", 16)).find("the file holds 16") != std::string::npos);
    QVERIFY(ErrorOf(File("{" + t + "[0,8]}," + t + "[0,8]}}", 8)).find("lists 't' twice") != std::string::npos);
    QVERIFY(ErrorOf(File(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                         R"("b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}})",
                         6))
                .find("contiguous") != std::string::npos);  // overlap
    QVERIFY(ErrorOf(File(R"({"t":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}})", 1))
                .find("unsupported safetensors dtype 'F8_E4M3'") != std::string::npos);
    QVERIFY(ErrorOf(File(R"({"t":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}})", 4))
                .find("overflows") != std::string::npos);
    QVERIFY(ErrorOf(File(R"({"__metadata__":{"a":1}})", 0)).find("not a string") != std::string::npos);
    QVERIFY(ErrorOf(File("{\"t\":", 0)).find("not valid JSON") != std::string::npos);
    QVERIFY(ErrorOf(File(std::string(300, '[') + std::string(300, ']'), 0)).find("nests too deeply") !=
            std::string::npos);
  }

  void hugeHeaderLengthsAreRefusedBeforeAllocating() {
    std::vector<uint8_t> bytes(16, 0);
    const uint64_t huge = uint64_t{4} << 30;
    std::memcpy(bytes.data(), &huge, 8);
    QVERIFY(ErrorOf(bytes).find("limit 100 MB") != std::string::npos);
    const uint64_t fits_limit = 50'000'000;
    std::memcpy(bytes.data(), &fits_limit, 8);
    QVERIFY(ErrorOf(bytes).find("truncated download") != std::string::npos);
  }

  void dtypeNames() { QCOMPARE(SafetensorsDTypeName(DType::kBFloat16), std::string("BF16")); }
};

QTEST_APPLESS_MAIN(SafetensorsTest)
#include "safetensors_test.moc"
