// `corrlens-cli inspect`, run in-process (the command's source is compiled
// into this test), plus the real binary's exit codes when it is built.
#include <QtTest>

#include <QTemporaryDir>

#include <iostream>
#include <sstream>

#include "app/cli/command.h"
#include "core/io/tensor_file.h"
#include "core/util/error.h"
#include "io_test_util.h"

namespace corrlens::cli {
void AddInspectCommand(Commands& commands);
}

namespace {

struct Result {
  int code = -1;
  std::string out;
  std::string error;
};

Result Inspect(std::vector<std::string> args) {
  CLI::App root{"test"};
  corrlens::cli::Commands commands(root);
  corrlens::cli::AddInspectCommand(commands);
  args.insert(args.begin(), {"corrlens-cli", "inspect"});
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  Result result;
  std::ostringstream out, err;
  auto* old_out = std::cout.rdbuf(out.rdbuf());
  auto* old_err = std::cerr.rdbuf(err.rdbuf());
  try {
    root.parse(static_cast<int>(argv.size()), argv.data());
    result.code = commands.RunParsed();
  } catch (const CLI::ParseError& e) {
    result.code = 2;
    result.error = e.what();
  } catch (const corrlens::Error& e) {
    result.code = 1;
    result.error = e.what();
  }
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  result.out = out.str();
  return result;
}

}  // namespace

class CmdInspectTest : public QObject {
  Q_OBJECT
 private slots:
  void listsTensorsAndMetadata() {
    const Result r = Inspect({corrlens::io::test::Fixture("lightning_adapter.ckpt")});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.find("torch zip, 74 tensors") != std::string::npos, r.out.c_str());
    QVERIFY(r.out.find("state_dict.refine_conv.weight") != std::string::npos);
    QVERIFY(r.out.find("[8, 8, 3, 3]") != std::string::npos);
    QVERIFY(r.out.find("epoch = 3") != std::string::npos);
    QVERIFY(r.out.find("hyper_parameters.cfg = <__main__.TrainConfig, not executed>") != std::string::npos);
    QVERIFY(r.out.find("never imported or called") != std::string::npos);
  }

  void jsonOutputParses() {
    const Result r = Inspect({corrlens::io::test::Fixture("dtypes.pth"), "--json"});
    QCOMPARE(r.code, 0);
    const nlohmann::json j = nlohmann::json::parse(r.out);
    QCOMPARE(j["format"].get<std::string>(), std::string("torch zip"));
    QCOMPARE(j["tensors"][0]["path"].get<std::string>(), std::string("f32"));
    QCOMPARE(j["tensors"][0]["bytes"].get<int>(), 96);
    bool saw_view = false;
    for (const auto& t : j["tensors"]) saw_view |= t["path"] == "transposed" && t["strides"] == nlohmann::json{1, 6};
    QVERIFY(saw_view);
  }

  void extractsOneTensorAsNpy() {
    QTemporaryDir dir;
    const std::string out = dir.filePath("t.npy").toStdString();
    Result r = Inspect({corrlens::io::test::Fixture("dtypes.pth"), "--tensor", "transposed", "--out", out});
    QCOMPARE(r.code, 0);
    const auto file = corrlens::io::ReadTensorFile(out);
    QCOMPARE(file.tensors[0].tensor.shape, (std::vector<int64_t>{6, 4}));
    QVERIFY(file.tensors[0].tensor.IsContiguous());
    const auto source = corrlens::io::ReadTensorFile(corrlens::io::test::Fixture("dtypes.pth"));
    QCOMPARE(file.tensors[0].tensor.ToDoubles(), source.Find("transposed")->ToDoubles());
    r = Inspect({corrlens::io::test::Fixture("dtypes.pth"), "--tensor", "bf16", "--out", out});
    QCOMPARE(r.code, 0);
    QCOMPARE(corrlens::io::ReadTensorFile(out).tensors[0].tensor.dtype, corrlens::io::DType::kFloat32);
    r = Inspect({corrlens::io::test::Fixture("bare_tensor.pth"), "--tensor", "<root>", "--json"});
    QCOMPARE(r.code, 0);
    QCOMPARE(nlohmann::json::parse(r.out)["first_values"], nlohmann::json::parse("[0, 1, 2, 3, 4, 5]"));
  }

  void unknownTensorSuggestsCloseMatches() {
    const Result r = Inspect({corrlens::io::test::Fixture("lightning_adapter.ckpt"), "--tensor", "state_dict.refine_conv.wieght"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.error.find("did you mean: state_dict.refine_conv.weight") != std::string::npos, r.error.c_str());
  }

  void refusedFilesGiveOneLineWithCause() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("download.pth").toStdString();
    const auto full = corrlens::io::test::FixtureBytes("lightning_adapter.ckpt");
    corrlens::fs::WriteFileAtomic(path, full.data(), full.size() / 2);
    Result r = Inspect({path});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.error.find(path) != std::string::npos && r.error.find("truncated download") != std::string::npos,
             r.error.c_str());
    QVERIFY(r.error.find('\n') == std::string::npos);
    r = Inspect({corrlens::io::test::Fixture("evil_os_system.pkl")});
    QCOMPARE(r.code, 0);  // inert: listed, never run
    QVERIFY(r.out.find("payload = <posix.system, not executed>") != std::string::npos);
    QCOMPARE(Inspect({corrlens::io::test::Fixture("dtypes.pth"), "--out", "x.npy"}).code, 2);  // --out needs --tensor
  }

  void verifyReadsEveryByte() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("flipped.pth").toStdString();
    auto bytes = corrlens::io::test::FixtureBytes("dtypes.pth");
    const std::string text(bytes.begin(), bytes.end());
    bytes[text.find("dtypes/data/0") + 13 + 60] ^= 1;  // inside the first storage (after local header padding)
    corrlens::fs::WriteFileAtomic(path, bytes.data(), bytes.size());
    QCOMPARE(Inspect({path}).code, 0);  // listing reads no tensor bytes
    const Result r = Inspect({path, "--verify"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.error.find("CRC-32 mismatch") != std::string::npos, r.error.c_str());
  }

  void realBinaryExitCodes() {
    const QString cli = QString(CORRLENS_BINARY_DIR) + "/app/corrlens-cli";
    if (!QFile::exists(cli)) QSKIP("corrlens-cli not built in this build tree");
    QProcess p;
    p.start(cli, {"inspect", QString::fromStdString(corrlens::io::test::Fixture("expected.json"))});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 1);
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QVERIFY2(err.count('\n') == 1 && err.contains("expected.json") && err.contains("likely cause"), qPrintable(err));
  }
};

QTEST_APPLESS_MAIN(CmdInspectTest)
#include "cmd_inspect_test.moc"
