#include <QtTest>

#include <QTemporaryDir>

#include <cstring>
#include <limits>

#include "core/io/byte_source.h"
#include "core/io/tensor_file.h"
#include "core/io/zip_reader.h"
#include "core/util/error.h"
#include "io_test_util.h"

using namespace corrlens::io;

namespace {

template <typename T>
TensorData Make(DType dtype, std::vector<int64_t> shape, std::vector<T> values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return TensorData::FromBytes(dtype, std::move(shape), std::move(bytes));
}

// One tensor of every dtype, a transposed view, a sliced view sharing the
// first tensor's storage, a scalar and an empty tensor.
std::vector<NamedTensor> Sample() {
  std::vector<float> f(12);
  for (int i = 0; i < 12; ++i) f[i] = 0.5f * i - 2;
  TensorData base = Make(DType::kFloat32, {3, 4}, f);
  TensorData transposed = base;
  transposed.shape = {4, 3};
  transposed.strides = {1, 4};
  TensorData sliced = base;
  sliced.shape = {2, 2};
  sliced.strides = {4, 1};
  sliced.storage_offset = 5;
  return {
      {"state_dict.refine_conv.weight", base},
      {"state_dict.refine_conv.t", transposed},
      {"state_dict.refine_conv.s", sliced},
      {"w_a_000", Make<uint16_t>(DType::kFloat16, {2}, {0x3c00, 0xc100})},
      {"w_b_000", Make<uint16_t>(DType::kBFloat16, {2}, {0x3f80, 0x4049})},
      {"f64", Make<double>(DType::kFloat64, {2}, {1.0 / 3, -1e300})},
      {"i64", Make<int64_t>(DType::kInt64, {3}, {int64_t(1) << 62, std::numeric_limits<int64_t>::min(), 5})},
      {"i32", Make<int32_t>(DType::kInt32, {1}, {-7})},
      {"i16", Make<int16_t>(DType::kInt16, {1}, {-300})},
      {"i8", Make<int8_t>(DType::kInt8, {2}, {-128, 127})},
      {"u8", Make<uint8_t>(DType::kUInt8, {1, 2}, {0, 255})},
      {"mask", Make<uint8_t>(DType::kBool, {3}, {1, 0, 1})},
      {"scalar", Make<float>(DType::kFloat32, {}, {4.5f})},
      {"empty", Make<float>(DType::kFloat32, {0, 2}, {})},
  };
}

// Python check: torch.load(weights_only=...) and compare with the expected JSON.
const char* kVerify = R"(
import json, sys, torch
def get(o, dotted, nest):
    if not nest:
        return o[dotted]
    for part in dotted.split('.'):
        o = o[part]
    return o
def check(path, weights_only):
    obj = torch.load(path, weights_only=weights_only)
    want = json.load(open(path + '.json'))
    for t in want['tensors']:
        got = get(obj, t['path'], want['nest'])
        assert isinstance(got, torch.Tensor), t['path']
        assert str(got.dtype) == 'torch.' + t['dtype'], (t['path'], got.dtype)
        assert list(got.shape) == t['shape'], (t['path'], got.shape)
        vals = got.reshape(-1)
        vals = vals.to(torch.uint8) if got.dtype == torch.bool else vals
        vals = vals.tolist() if got.dtype == torch.int64 else vals.double().tolist()
        assert vals == t['values'], (t['path'], vals, t['values'])
    for k, v in want['extra'].items():
        assert obj[k] == v, (k, obj[k], v)
    sd = get(obj, 'state_dict.refine_conv', True) if want['nest'] else None
    if sd is not None:
        assert sd['weight'].storage().data_ptr() == sd['t'].storage().data_ptr() == sd['s'].storage().data_ptr()
        assert sd['s'].storage_offset() == 5 and sd['t'].stride() == (1, 4)
        assert type(obj['state_dict']).__name__ == 'OrderedDict'
    return len(want['tensors'])
done = 0
for i in range(1, len(sys.argv), 2):
    check(sys.argv[i], sys.argv[i + 1] == '1')
    done += 1
print('OK', done)
)";
nlohmann::json Manifest(const std::vector<NamedTensor>& tensors, bool nest, const nlohmann::json& extra) {
  nlohmann::json m = {{"nest", nest}, {"tensors", nlohmann::json::array()}, {"extra", extra}};
  for (const NamedTensor& t : tensors) {
    nlohmann::json values = nlohmann::json::array();
    if (t.tensor.dtype == DType::kInt64) {
      const auto bytes = t.tensor.ContiguousBytes();
      for (size_t i = 0; i < bytes.size(); i += 8) {
        int64_t v;
        std::memcpy(&v, &bytes[i], 8);
        values.push_back(v);
      }
    } else {
      for (double v : t.tensor.ToDoubles()) values.push_back(v);
    }
    m["tensors"].push_back(
        {{"path", t.path}, {"dtype", DTypeName(t.tensor.dtype)}, {"shape", t.tensor.shape}, {"values", values}});
  }
  return m;
}

}  // namespace

class TorchWriterTest : public QObject {
  Q_OBJECT
 private slots:
  void roundTripsThroughOurReader() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("flat.pth").toStdString();
    const auto tensors = Sample();
    WriteTorchCheckpoint(path, tensors);
    const TensorFile file = ReadTensorFile(path);
    QCOMPARE(file.format, TensorFormat::kTorchZip);
    QCOMPARE(file.tensors.size(), tensors.size());
    for (size_t i = 0; i < tensors.size(); ++i) {
      QCOMPARE(file.tensors[i].path, tensors[i].path);
      QCOMPARE(file.tensors[i].tensor.ContiguousBytes(), tensors[i].tensor.ContiguousBytes());
    }
    QVERIFY(file.tensors[0].tensor.storage == file.tensors[2].tensor.storage);  // sharing kept
    QCOMPARE(file.tensors[1].tensor.strides, (std::vector<int64_t>{1, 4}));
    auto zip = ZipReader::Open(ByteSource::OpenFile(path));
    QVERIFY(zip->Find("archive/data.pkl") && zip->Find("archive/version") && zip->Find("archive/byteorder"));
    QCOMPARE(zip->Entries().size(), size_t(3 + tensors.size() - 2));  // two views share storage 0
  }

  void nestingAndExtraMetadata() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("nested.ckpt").toStdString();
    TorchWriteOptions options;
    options.nest = true;
    options.extra = std::make_shared<nlohmann::json>(nlohmann::json::parse(
        R"({"epoch": 2, "pytorch-lightning_version": "2.1.0", "hyper_parameters": {"rank": 4, "names": ["a", "b"]},
            "state_dict": {"note": "merged"}})"));
    WriteTorchCheckpoint(path, Sample(), options);
    const TensorFile file = ReadTensorFile(path);
    const nlohmann::json& m = *file.metadata;
    QCOMPARE(m["epoch"].get<int>(), 2);
    QCOMPARE(m["hyper_parameters"]["names"][1].get<std::string>(), std::string("b"));
    QCOMPARE(m["state_dict"]["note"].get<std::string>(), std::string("merged"));
    QVERIFY(file.Find("state_dict.refine_conv.weight"));
    QVERIFY(file.Find("w_a_000"));
  }

  void conflictsAndMissingDataAreErrors() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("bad.pth").toStdString();
    auto tensors = Sample();
    tensors.push_back({"w_a_000", tensors[3].tensor});
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, WriteTorchCheckpoint(path, tensors));
    std::vector<NamedTensor> nested = {{"a", Sample()[3].tensor}, {"a.b", Sample()[3].tensor}};
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, WriteTorchCheckpoint(path, nested, /*nest=*/true));
    TorchWriteOptions options;
    options.extra = std::make_shared<nlohmann::json>(nlohmann::json{{"w_a_000", 1}});
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, WriteTorchCheckpoint(path, Sample(), options));
    NamedTensor no_data{"x", {}};
    no_data.tensor.shape = {2};
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, WriteTorchCheckpoint(path, {no_data}));
    QVERIFY(!QFile::exists(QString::fromStdString(path)));
  }

  void torchLoadsItWithWeightsOnly() {
    QTemporaryDir dir;
    struct Case {
      const char* name;
      bool nest;
      bool zip64;
      nlohmann::json extra;
      bool weights_only;
    };
    const std::vector<Case> cases = {
        {"flat.pth", false, false, nlohmann::json::object(), true},
        {"nested.ckpt",
         true,
         false,
         {{"epoch", 3},
          {"global_step", 120},
          {"pytorch-lightning_version", "2.1.0"},
          {"hparams", {{"rank", 4}, {"ok", true}, {"none", nullptr}, {"list", {1, 2}}}}},
         true},
        {"zip64.pth", true, true, nlohmann::json::object(), true},
        // torch 1.13's weights_only loader has no BINFLOAT; floats need the full loader there.
        {"floats.ckpt", true, false, {{"lr", 1e-5}, {"betas", {0.9, 0.999}}}, false},
    };
    QStringList args;
    for (const Case& c : cases) {
      const std::string path = dir.filePath(c.name).toStdString();
      TorchWriteOptions options;
      options.nest = c.nest;
      options.force_zip64 = c.zip64;
      options.archive_name = "my_ckpt";
      if (!c.extra.empty()) options.extra = std::make_shared<nlohmann::json>(c.extra);
      const auto tensors = Sample();
      WriteTorchCheckpoint(path, tensors, options);
      corrlens::fs::WriteFileAtomic(path + ".json", Manifest(tensors, c.nest, c.extra).dump());
      args << QString::fromStdString(path) << (c.weights_only ? "1" : "0");
    }
    bool ok = false;
    RUN_PYTHON_OR_SKIP(out, ok, kVerify, args);  // one interpreter for all cases: importing torch is slow
    QVERIFY2(ok && out.find("OK 4") != std::string::npos, out.c_str());
  }
};

QTEST_APPLESS_MAIN(TorchWriterTest)
#include "torch_writer_test.moc"
