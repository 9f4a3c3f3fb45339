#include <QtTest>

#include "tests/common/test_helpers.h"

#include <filesystem>

#include "core/io/byte_source.h"
#include "core/io/torch_checkpoint.h"
#include "core/io/zip_reader.h"
#include "core/io/zip_writer.h"
#include "core/util/error.h"
#include "io_test_util.h"

using namespace corrlens::io;
using corrlens::io::test::Fixture;

namespace {

// Copies a zip, letting `edit` drop (return false) or change entries.
std::vector<uint8_t> RewriteZip(const std::vector<uint8_t>& bytes,
                                const std::function<bool(const std::string&, std::vector<uint8_t>&)>& edit) {
  auto zip = ZipReader::Open(ByteSource::FromBytes(bytes, "in.zip"));
  ZipWriter writer;
  for (const ZipEntry& entry : zip->Entries()) {
    std::vector<uint8_t> data = zip->Read(entry);
    if (edit(entry.name, data)) writer.Add(entry.name, data.data(), data.size());
  }
  return writer.Finish();
}

TensorFile ReadBytes(std::vector<uint8_t> bytes, const ReadOptions& options = {}) {
  return ReadTensorSource(ByteSource::FromBytes(std::move(bytes), "mem.pth"), options);
}

using corrlens::test::ErrorOf;

}  // namespace

class TorchCheckpointTest : public QObject {
  Q_OBJECT
 private slots:
  void lightningAdapterMatchesPython() {
    const TensorFile file = ReadTensorFile(Fixture("lightning_adapter.ckpt"));
    QCOMPARE(file.format, TensorFormat::kTorchZip);
    std::string why;
    QVERIFY2(test::MatchesExpected(file, "lightning_adapter.ckpt", &why), why.c_str());
    QCOMPARE(file.tensors[0].path, std::string("state_dict.refine_conv.weight"));
    QCOMPARE(file.Find("state_dict.refine_conv.weight")->shape, (std::vector<int64_t>{8, 8, 3, 3}));
    QCOMPARE(file.Find("w_a_007")->shape, (std::vector<int64_t>{4, 8}));
    QCOMPARE(file.Find("w_b_000")->shape, (std::vector<int64_t>{8, 4}));
    QVERIFY(file.Find("optimizer_states.0.state.0.exp_avg"));
    const nlohmann::json& meta = *file.metadata;
    QCOMPARE(meta["epoch"].get<int>(), 3);
    QCOMPARE(meta["global_step"].get<int>(), 120);
    QCOMPARE(meta["pytorch-lightning_version"].get<std::string>(), std::string("2.1.0"));
    QCOMPARE(meta["w_a_000"]["parameter"].get<bool>(), true);
    QCOMPARE(meta["state_dict"]["refine_conv"]["bias"]["__tensor__"].get<std::string>(),
             std::string("state_dict.refine_conv.bias"));
    const nlohmann::json& group = meta["optimizer_states"][0]["param_groups"][0];
    QCOMPARE(group["lr"].get<double>(), 1e-5);
    QCOMPARE(group["betas"][1].get<double>(), 0.999);
    QCOMPARE(group["params"].size(), size_t(18));
    const nlohmann::json& cfg = meta["hyper_parameters"]["cfg"];
    QCOMPARE(cfg["__opaque__"].get<std::string>(), std::string("__main__.TrainConfig"));
    QCOMPARE(cfg["state"]["backbone"].get<std::string>(), std::string("dinov2_small"));
    QVERIFY(file.Find("hyper_parameters.cfg.state.scale"));
    QVERIFY(std::find(file.opaque_classes.begin(), file.opaque_classes.end(), "__main__.CheckpointCallbackState") !=
            file.opaque_classes.end());
    QCOMPARE(meta["loops"]["fit_loop"]["epoch_progress"]["total"]["completed"].get<int>(), 3);
  }

  void everyDtypeViewAndSharedStorage() {
    const TensorFile file = ReadTensorFile(Fixture("dtypes.pth"));
    std::string why;
    QVERIFY2(test::MatchesExpected(file, "dtypes.pth", &why), why.c_str());
    const TensorData* transposed = file.Find("transposed");
    QCOMPARE(transposed->strides, (std::vector<int64_t>{1, 6}));
    QCOMPARE(file.Find("sliced")->storage_offset, int64_t(8));
    QCOMPARE(file.Find("expanded")->strides, (std::vector<int64_t>{0, 1}));
    QVERIFY(file.Find("shared_a")->storage == file.Find("shared_b")->storage);  // one storage, two views
    QVERIFY(file.Find("f32")->storage == transposed->storage);
    QCOMPARE(file.Find("scalar")->shape.size(), size_t(0));
    QCOMPARE((*file.metadata)["param"]["parameter"].get<bool>(), true);
  }

  void legacyFormatMatchesPython() {
    const TensorFile file = ReadTensorFile(Fixture("legacy.pth"));
    QCOMPARE(file.format, TensorFormat::kTorchLegacy);
    std::string why;
    QVERIFY2(test::MatchesExpected(file, "legacy.pth", &why), why.c_str());
    QCOMPARE((*file.metadata)["step"].get<int>(), 7);
    QCOMPARE((*file.metadata)["name"].get<std::string>(), std::string("legacy"));
  }

  void bareTensorHasTheEmptyPath() {
    const TensorFile file = ReadTensorFile(Fixture("bare_tensor.pth"));
    std::string why;
    QVERIFY2(test::MatchesExpected(file, "bare_tensor.pth", &why), why.c_str());
    QVERIFY(file.Find(""));
  }

  void metadataOnlyAndSelectiveLoading() {
    ReadOptions options;
    options.load_data = false;
    TensorFile file = ReadTensorFile(Fixture("lightning_adapter.ckpt"), options);
    QCOMPARE(file.tensors.size(), test::Expected()["lightning_adapter.ckpt"].size());
    for (const NamedTensor& t : file.tensors) QVERIFY(!t.tensor.storage);
    QCOMPARE(file.Find("w_b_003")->shape, (std::vector<int64_t>{8, 4}));
    options.load_data = true;
    options.load_only = [](const std::string& path) { return path == "w_a_001"; };
    file = ReadTensorFile(Fixture("lightning_adapter.ckpt"), options);
    for (const NamedTensor& t : file.tensors) QCOMPARE(bool(t.tensor.storage), t.path == "w_a_001");
  }

  void unsafePayloadInCheckpointStaysInert() {
    std::filesystem::remove_all("/tmp/corrlens_io_canary");
    const TensorFile file = ReadTensorFile(Fixture("evil_in_checkpoint.pth"));
    QCOMPARE(file.tensors.size(), size_t(1));
    QCOMPARE(file.Find("w")->ToDoubles(), (std::vector<double>{1, 1}));
    QCOMPARE((*file.metadata)["payload"]["__opaque__"].get<std::string>(), std::string("posix.system"));
    QVERIFY(std::find(file.opaque_classes.begin(), file.opaque_classes.end(), "posix.system") !=
            file.opaque_classes.end());
    QVERIFY(!std::filesystem::exists("/tmp/corrlens_io_canary"));
  }

  void missingStorageRecordNamesTheKey() {
    const auto bytes = RewriteZip(test::FixtureBytes("dtypes.pth"), [](const std::string& name, std::vector<uint8_t>&) {
      return name != "dtypes/data/3";
    });
    const std::string error = ErrorOf([&] { ReadBytes(bytes); });
    QVERIFY2(error.find("mem.pth") != std::string::npos && error.find("data/3") != std::string::npos, error.c_str());
    QVERIFY2(error.find("likely cause") != std::string::npos, error.c_str());
  }

  void storageSizeMismatchIsRefused() {
    const auto bytes =
        RewriteZip(test::FixtureBytes("dtypes.pth"), [](const std::string& name, std::vector<uint8_t>& d) {
          if (name == "dtypes/data/0") d.resize(d.size() - 4);
          return true;
        });
    const std::string error = ErrorOf([&] { ReadBytes(bytes); });
    QVERIFY2(error.find("announces") != std::string::npos, error.c_str());
  }

  void zipWithoutDataPklIsNotACheckpoint() {
    ZipWriter writer;
    writer.Add("folder/other.txt", "hello");
    const std::string error = ErrorOf([&] { ReadBytes(writer.Finish()); });
    QVERIFY2(error.find("neither a torch checkpoint nor an npz") != std::string::npos, error.c_str());
  }

  void unknownStorageTypeIsRefused() {
    const auto bytes =
        RewriteZip(test::FixtureBytes("bare_tensor.pth"), [](const std::string& name, std::vector<uint8_t>& d) {
          if (name.find("data.pkl") != std::string::npos) {
            std::string s(d.begin(), d.end());
            const size_t at = s.find("IntStorage");
            if (at != std::string::npos) s.replace(at, 10, "EvilStorag");
            d.assign(s.begin(), s.end());
          }
          return true;
        });
    const std::string error = ErrorOf([&] { ReadBytes(bytes); });
    QVERIFY2(error.find("unknown storage type 'torch.EvilStorag'") != std::string::npos, error.c_str());
  }

  void bigEndianCheckpointsAreSwapped() {
    const auto bytes =
        RewriteZip(test::FixtureBytes("bare_tensor.pth"), [](const std::string& name, std::vector<uint8_t>& d) {
          if (name == "bare_tensor/data/0") {
            for (size_t i = 0; i + 4 <= d.size(); i += 4) std::reverse(d.begin() + i, d.begin() + i + 4);
          }
          return true;
        });
    // Add the byteorder record torch >= 2.1 writes.
    auto zip = ZipReader::Open(ByteSource::FromBytes(bytes, "in.zip"));
    ZipWriter writer;
    for (const ZipEntry& entry : zip->Entries()) {
      const auto data = zip->Read(entry);
      writer.Add(entry.name, data.data(), data.size());
    }
    writer.Add("bare_tensor/byteorder", "big");
    const TensorFile file = ReadBytes(writer.Finish());
    QCOMPARE(file.tensors[0].tensor.ToDoubles(), (std::vector<double>{0, 1, 2, 3, 4, 5}));
  }

  void detectsLegacyMagic() {
    const auto bytes = test::FixtureBytes("legacy.pth");
    QVERIFY(IsTorchLegacy(bytes.data(), bytes.size()));
    const auto other = test::FixtureBytes("plain_p2.pkl");
    QVERIFY(!IsTorchLegacy(other.data(), other.size()));
  }
};

QTEST_APPLESS_MAIN(TorchCheckpointTest)
#include "torch_checkpoint_test.moc"
