// `corrlens-cli inspect`, run in-process (the command's source is compiled
// into this test), plus the real binary's exit codes when it is built.
#include <QtTest>
#include "tests/common/test_paths.h"

#include <QTemporaryDir>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>

#include "app/cli/command.h"
#include "core/io/npy.h"
#include "core/io/tensor_file.h"
#include "core/io/utf8.h"
#include "core/io/zip_writer.h"
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

// Raw pickle opcodes (protocol 2).
struct RawPickle {
  std::vector<uint8_t> bytes{0x80, 0x02};
  RawPickle& Op(const std::string& ops) {
    bytes.insert(bytes.end(), ops.begin(), ops.end());
    return *this;
  }
  RawPickle& Unicode(const std::string& text) {  // BINUNICODE
    bytes.push_back('X');
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<uint8_t>(text.size() >> (8 * i)));
    return Op(text);
  }
  RawPickle& Put(uint8_t slot) { return Op(std::string{'q', static_cast<char>(slot)}); }
  RawPickle& Get(uint8_t slot) { return Op(std::string{'h', static_cast<char>(slot)}); }
  std::string Write(const QTemporaryDir& dir, const char* name) {
    Op(".");
    const std::string path = dir.filePath(name).toStdString();
    corrlens::fs::WriteFileAtomic(path, bytes.data(), bytes.size());
    return path;
  }
};

long VmKiB(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::strlen(field) + 1));
  }
  return -1;
}

// Runs `fn` in a child process whose address space may grow by at most
// `extra_mib` MiB; returns its exit code (0 when `fn` returned true, 3 on
// std::bad_alloc, 4 on another exception, 1 when it returned false).
int WithMemoryLimit(long extra_mib, const std::function<bool()>& fn) {
  std::cout.flush();
  const pid_t pid = fork();
  if (pid == 0) {
    const rlim_t limit = static_cast<rlim_t>(VmKiB("VmSize:") + extra_mib * 1024) * 1024;
    rlimit rl{limit, limit};
    setrlimit(RLIMIT_AS, &rl);
    int code = 1;
    try {
      code = fn() ? 0 : 1;
    } catch (const std::bad_alloc&) {
      code = 3;
    } catch (...) {
      code = 4;
    }
    std::_Exit(code);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A torch checkpoint holding one float viewed as `shape` with stride 0
// everywhere (what torch.save writes for x.expand(shape)).
std::string ExpandedCheckpoint(const QTemporaryDir& dir, const char* name, std::vector<int64_t> shape) {
  corrlens::io::TensorData w =
      corrlens::io::TensorData::FromBytes(corrlens::io::DType::kFloat32, {1}, {0, 0, 0xc0, 0x3f});
  w.strides.assign(shape.size(), 0);
  w.shape = std::move(shape);
  const std::string path = dir.filePath(name).toStdString();
  corrlens::io::WriteTorchCheckpoint(path, {{"w", w}});
  return path;
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
    const Result r =
        Inspect({corrlens::io::test::Fixture("lightning_adapter.ckpt"), "--tensor", "state_dict.refine_conv.wieght"});
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

  void jsonAcceptsEveryNameAFileHolds() {
    // Issue 16, class 1: a long non-ASCII class name (cut at 512 bytes inside
    // a character) and an npz member named with byte 0xFF made --json exit 1.
    QTemporaryDir dir;
    std::string name;
    for (int i = 0; i < 600; ++i) name += "\xc3\xa9";
    const std::string pkl = RawPickle().Op("c__main__\n" + name + "\n)R").Write(dir, "class.pkl");
    const std::vector<uint8_t> npy =
        corrlens::io::EncodeNpy(corrlens::io::TensorData::FromBytes(corrlens::io::DType::kUInt8, {1}, {7}));
    corrlens::io::ZipWriter zip;
    zip.Add("\xff\x1b[31m.npy", npy.data(), npy.size());
    const std::vector<uint8_t> zipped = zip.Finish();
    const std::string npz = dir.filePath("names.npz").toStdString();
    corrlens::fs::WriteFileAtomic(npz, zipped.data(), zipped.size());
    for (const std::string& path : {pkl, npz}) {
      Result r = Inspect({path, "--json"});
      QVERIFY2(r.code == 0, r.error.c_str());
      const nlohmann::json j = nlohmann::json::parse(r.out);  // throws on invalid UTF-8
      QVERIFY(corrlens::io::IsValidUtf8(r.out));
      r = Inspect({path});
      QCOMPARE(r.code, 0);
      QVERIFY(corrlens::io::IsValidUtf8(r.out));
      QVERIFY2(r.out.find('\x1b') == std::string::npos, r.out.c_str());  // no terminal escapes from the file
    }
    const nlohmann::json j = nlohmann::json::parse(Inspect({pkl, "--json"}).out);
    QCOMPARE(j["opaque_classes"][0].get<std::string>().substr(0, 11), std::string("__main__.\xc3\xa9"));
    QCOMPARE(nlohmann::json::parse(Inspect({npz, "--json"}).out)["tensors"][0]["path"].get<std::string>(),
             std::string("\xef\xbf\xbd") + "\x1b[31m");
  }

  void sharedReferencesStayWithinTheBudget() {
    // Issue 16, class 2: a 34 KB pickle whose 30 KB key is reached a million
    // times through memo GETs (1000 x 1000) took 5+ GB. It must now print
    // in both modes within a few hundred MiB.
    QTemporaryDir dir;
    RawPickle p;
    p.Op("}").Put(0).Unicode(std::string(30000, 'k')).Op(std::string("K\0s", 3));  // d = {key: 0}
    p.Op("]").Put(1).Op("(");
    for (int i = 0; i < 1000; ++i) p.Get(0);
    p.Op("e](");  // inner = [d] * 1000; root = [inner] * 1000
    for (int i = 0; i < 1000; ++i) p.Get(1);
    p.Op("e");
    const std::string path = p.Write(dir, "shared.pkl");
    QVERIFY(QFileInfo(QString::fromStdString(path)).size() < 40000);
    for (bool json : {false, true}) {
      const int code = WithMemoryLimit(384, [&] {
        const Result r = json ? Inspect({path, "--json"}) : Inspect({path});
        return r.code == 0 && r.out.size() < 4000000;
      });
      QVERIFY2(code == 0, (std::string(json ? "--json" : "text") + ": exit " + std::to_string(code)).c_str());
    }
    const Result r = Inspect({path});
    QVERIFY2(r.out.find("\n  0.1 = <the same value as 0.0>\n") != std::string::npos, r.out.substr(0, 2000).c_str());
    QVERIFY(r.out.find("more lines (use --json)") != std::string::npos);
  }

  void strideZeroViewsAreStreamedOrRefused() {
    // Issue 16, class 3: a tiny .pth holding one float viewed as a large
    // stride-0 tensor is legal; exporting it is streamed (no full copy in
    // memory), and one that would expand past 1 GiB is refused up front.
    QTemporaryDir dir;
    const std::string pth = ExpandedCheckpoint(dir, "expand.pth", {8192, 4096});  // 128 MiB as float32
    QVERIFY(QFileInfo(QString::fromStdString(pth)).size() < 2000);
    QCOMPARE(Inspect({pth, "--verify"}).code, 0);
    Result r = Inspect({pth, "--tensor", "w"});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.find("first values: [1.5,1.5,") != std::string::npos, r.out.c_str());
    const std::string out = dir.filePath("w.npy").toStdString();
    const int code = WithMemoryLimit(96, [&] { return Inspect({pth, "--tensor", "w", "--out", out}).code == 0; });
    QCOMPARE(code, 0);  // the old code needed two 128 MiB copies
    QCOMPARE(QFileInfo(QString::fromStdString(out)).size(), qint64(128) + (qint64(128) << 20));
    corrlens::io::ReadOptions header_only;
    header_only.load_data = false;
    QCOMPARE(corrlens::io::ReadTensorFile(out, header_only).tensors[0].tensor.shape,
             (std::vector<int64_t>{8192, 4096}));
    std::ifstream last(out, std::ios::binary | std::ios::ate);
    last.seekg(-4, std::ios::end);
    float value = 0;
    last.read(reinterpret_cast<char*>(&value), 4);
    QCOMPARE(value, 1.5f);

    // 256 GiB: refused before anything is written, with the reason.
    const std::string huge = ExpandedCheckpoint(dir, "huge.pth", {int64_t(1) << 20, int64_t(1) << 16});
    QCOMPARE(Inspect({huge, "--verify"}).code, 0);
    QCOMPARE(Inspect({huge, "--tensor", "w"}).code, 0);  // the first values need no copy
    const std::string refused = dir.filePath("huge.npy").toStdString();
    r = Inspect({huge, "--tensor", "w", "--out", refused});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.error.find("repeats its 1 stored elements") != std::string::npos &&
                 r.error.find("256.0 GiB") != std::string::npos && r.error.find("stride-0") != std::string::npos,
             r.error.c_str());
    QVERIFY(!QFileInfo::exists(QString::fromStdString(refused)));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).filter(".tmp").size(), 0);
  }

  void realBinaryExitCodes() {
    const QString cli = corrlens::test::BinaryPath("/app/corrlens-cli");
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
