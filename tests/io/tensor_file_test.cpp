#include <QtTest>

#include <sys/resource.h>
#include <QTemporaryDir>

#include <filesystem>
#include <random>

#include "core/io/byte_source.h"
#include "core/io/tensor_file.h"
#include "core/util/error.h"
#include "io_test_util.h"

using namespace corrlens::io;

namespace {

const char* kFixtures[] = {
    "lightning_adapter.ckpt", "dtypes.pth", "legacy.pth",  "bare_tensor.pth", "model.safetensors", "arrays.npz",
    "arrays_compressed.npz",  "be_i4.npy",  "fortran.npy", "plain_p2.pkl",    "plain_p4.pkl",      "plain_p5.pkl"};

// Reads `bytes`; returns "" on success, the error text on corrlens::Error.
// Any other exception fails the test.
std::string Outcome(std::vector<uint8_t> bytes, const std::string& name) {
  try {
    const TensorFile file = ReadTensorSource(ByteSource::FromBytes(std::move(bytes), name));
    for (const NamedTensor& t : file.tensors) t.tensor.ContiguousBytes();  // every view must be readable
    (void)file.metadata->dump();                                           // and the tree printable
    return "";
  } catch (const corrlens::Error& e) {
    return e.what();
  }
}

std::string ErrorOfFile(const std::string& path) {
  try {
    ReadTensorFile(path);
  } catch (const corrlens::Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

class TensorFileTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
#ifndef __SANITIZE_ADDRESS__  // ASan reserves terabytes of address space
    // A crafted size that slipped through would now fail loudly instead of swapping the machine.
    struct rlimit limit {
      uint64_t{6} << 30, uint64_t{6} << 30
    };
    setrlimit(RLIMIT_AS, &limit);
#endif
  }

  void detectsFormatsFromContentNotExtension() {
    QTemporaryDir dir;
    const std::pair<const char*, TensorFormat> cases[] = {{"lightning_adapter.ckpt", TensorFormat::kTorchZip},
                                                          {"legacy.pth", TensorFormat::kTorchLegacy},
                                                          {"model.safetensors", TensorFormat::kSafetensors},
                                                          {"arrays.npz", TensorFormat::kNpz},
                                                          {"be_i4.npy", TensorFormat::kNpy},
                                                          {"plain_p4.pkl", TensorFormat::kPickle}};
    for (const auto& [name, format] : cases) {
      const std::string renamed = dir.filePath(QString("renamed_%1.txt").arg(name)).toStdString();
      std::filesystem::copy_file(test::Fixture(name), renamed);
      QCOMPARE(ReadTensorFile(renamed).format, format);
      QCOMPARE(DetectTensorFormat(*ByteSource::OpenFile(renamed)), format);
    }
    QCOMPARE(FormatName(TensorFormat::kTorchZip), std::string("torch zip"));
  }

  void notATensorFileExplainsItself() {
    QTemporaryDir dir;
    const std::pair<std::string, std::string> cases[] = {
        {"", "empty file"},
        {"<!DOCTYPE html><html><body>Not found</body></html>", "web page"},
        {"version https://git-lfs.github.com/spec/v1\noid sha256:abc\n", "Git LFS pointer"},
        {"just some text that is long enough", "not a checkpoint"}};
    for (const auto& [content, cause] : cases) {
      const std::string path = dir.filePath("model.pth").toStdString();
      corrlens::fs::WriteFileAtomic(path, content);
      const std::string error = ErrorOfFile(path);
      QVERIFY2(error.find(path) != std::string::npos && error.find(cause) != std::string::npos, error.c_str());
    }
    QVERIFY(ErrorOfFile("/nonexistent/model.pth").find("file not found") != std::string::npos);
    QVERIFY(ErrorOfFile(dir.path().toStdString()).find("not a regular file") != std::string::npos);
  }

  void suggestsClosePaths() {
    const TensorFile file = ReadTensorFile(test::Fixture("lightning_adapter.ckpt"));
    const auto near = file.Suggest("state_dict.refine_conv.weigth");
    QVERIFY(!near.empty());
    QCOMPARE(near[0], std::string("state_dict.refine_conv.weight"));
    const auto by_leaf = file.Suggest("bias");
    QCOMPARE(by_leaf[0], std::string("state_dict.refine_conv.bias"));
    QVERIFY(file.Suggest("zzzzzzzzzzzzzzzzzzzzzzzz").empty());
  }

  void everyTruncationIsRefusedWithTheFileName() {
    for (const char* name : kFixtures) {
      const std::vector<uint8_t> full = test::FixtureBytes(name);
      const size_t step = full.size() > 8000 ? 7 : 1;  // the 35 KB checkpoint: every 7th length
      for (size_t n = 0; n < full.size(); n += step) {
        const std::string error = Outcome(std::vector<uint8_t>(full.begin(), full.begin() + n), name);
        QVERIFY2(!error.empty(), (std::string(name) + " truncated to " + std::to_string(n) + " was accepted").c_str());
        QVERIFY2(error.find(name) != std::string::npos, error.c_str());
        QVERIFY2(error.find("out of memory") == std::string::npos, error.c_str());
      }
    }
  }

  void randomBitFlipsNeverCrash() {
    std::mt19937 rng(1234);
    int refused = 0, accepted = 0;
    const int trials =
        qEnvironmentVariableIsSet("CORRLENS_FUZZ_TRIALS") ? qEnvironmentVariableIntValue("CORRLENS_FUZZ_TRIALS") : 60;
    for (const char* name : kFixtures) {
      const std::vector<uint8_t> full = test::FixtureBytes(name);
      for (int trial = 0; trial < trials; ++trial) {
        std::vector<uint8_t> bytes = full;
        const int flips = 1 + static_cast<int>(rng() % 3);
        for (int f = 0; f < flips; ++f) bytes[rng() % bytes.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
        const std::string error = Outcome(std::move(bytes), name);
        QVERIFY2(error.find("out of memory") == std::string::npos, error.c_str());
        (error.empty() ? accepted : refused)++;
      }
    }
    qInfo("bit flips: %d refused, %d read (flips in unchecked bytes such as zip timestamps or npy data)", refused,
          accepted);
    QVERIFY(refused > accepted);
  }

  void everySingleByteChangeOfASmallCheckpoint() {
    const std::vector<uint8_t> full = test::FixtureBytes("bare_tensor.pth");
    for (size_t i = 0; i < full.size(); ++i) {
      for (uint8_t value : {uint8_t(full[i] ^ 0xff), uint8_t(0), uint8_t(0xff)}) {
        std::vector<uint8_t> bytes = full;
        bytes[i] = value;
        const std::string error = Outcome(std::move(bytes), "bare_tensor.pth");
        QVERIFY2(error.find("out of memory") == std::string::npos, error.c_str());
      }
    }
  }

  void readOptionsAreChecked() {
    ReadOptions bad;
    bad.max_depth = 0;
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, ReadTensorFile(test::Fixture("be_i4.npy"), bad));
  }
};

QTEST_APPLESS_MAIN(TensorFileTest)
#include "tensor_file_test.moc"
