#include <QtTest>

#include <filesystem>

#include "core/io/pickle_flatten.h"
#include "core/io/pickle_reader.h"
#include "core/io/tensor_file.h"
#include "core/util/error.h"
#include "io_test_util.h"

using namespace corrlens::io;
using namespace corrlens::io::pickle;

namespace {

PickleResult Parse(const std::string& bytes, PickleOptions options = {}) {
  options.file = "test.pkl";
  return ParsePickle(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), options);
}

nlohmann::json Json(const std::string& bytes) {
  const PickleResult r = Parse(bytes);
  return Flatten(*r.root, nullptr).metadata;
}

std::string ErrorOf(const std::string& bytes, PickleOptions options = {}) {
  try {
    Parse(bytes, options);
  } catch (const corrlens::Error& e) {
    return e.what();
  }
  return "no error";
}

// A byte string from a literal that may hold NULs.
template <size_t N>
std::string B(const char (&text)[N]) {
  return std::string(text, N - 1);
}

std::string U32(uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); }
std::string U64(uint64_t v) { return std::string(reinterpret_cast<const char*>(&v), 8); }

const char* kCanaryDir = "/tmp/corrlens_io_canary";

}  // namespace

class PickleReaderTest : public QObject {
  Q_OBJECT
 private slots:
  void scalarsOfEveryEncoding() {
    // PROTO 2, MARK, ints (BININT1/2/BININT/LONG1 small+big/negative), floats, bools, None, TUPLE
    std::string p = "\x80\x02(K\x07M\x34\x12J\xfe\xff\xff\xff";
    p += std::string("\x8a\x02\x00\x01", 4);                               // LONG1 256
    p += std::string("\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01", 11);  // 2**64
    p += std::string("\x8a\x01\xff", 3);                                   // -1
    p += B("G\x3f\xf8\x00\x00\x00\x00\x00\x00");                           // 1.5
    p += "\x88\x89N";
    p += "I01\nI42\nL-7L\nF2.5\n";  // protocol-0 texts
    p += "t.";
    const nlohmann::json j = Json(p);
    QCOMPARE(j, nlohmann::json::parse(R"([7, 4660, -2, 256, {"__int__": "0x10000000000000000"}, -1, 1.5, true, false,
                                         null, true, 42, -7, 2.5])"));
  }

  void stringsAndBytesOfEveryEncoding() {
    std::string p = "\x80\x04(";
    p += "X" + U32(3) + "abc";
    p += "\x8c\x02hi";
    p += "\x8d" + U64(1) + "z";
    p += std::string("C\x02\x00\xff", 4);
    p += "B" + U32(1) + "q";
    p += "\x8e" + U64(0);
    p += "\x96" + U64(2) + "ok";
    p += "U\x03py2";
    p += "T" + U32(1) + "s";
    p += "S'it\\'s'\n";
    p += "V\\u00e9t\\u00e9\n";
    p += "l.";
    const nlohmann::json j = Json(p);
    QCOMPARE(j[0].get<std::string>(), std::string("abc"));
    QCOMPARE(j[1].get<std::string>(), std::string("hi"));
    QCOMPARE(j[2].get<std::string>(), std::string("z"));
    QCOMPARE(j[3]["__bytes__"].get<int>(), 2);
    QCOMPARE(j[3]["head"].get<std::string>(), std::string("00ff"));
    QCOMPARE(j[6]["__bytes__"].get<int>(), 2);
    QCOMPARE(j[7].get<std::string>(), std::string("py2"));
    QCOMPARE(j[9].get<std::string>(), std::string("it's"));
    QCOMPARE(j[10].get<std::string>(), std::string("\xc3\xa9t\xc3\xa9"));
  }

  void containersMemoAndStackOps() {
    // {'a': [1, 2, 2], 'b': (None,), 'c': {1, 2}, 'd': frozenset()} using memo and DUP/POP.
    std::string p =
        "\x80\x04}\x94(\x8c\x01"
        "a]\x94(K\x01K\x02"
        "e\x94h\x01K\x02"
        "a0";  // BINGET pushes the list again: append to it, then POP the copy
    p += "\x8c\x01"
         "bN\x85";
    p += "\x8c\x01"
         "c\x8f(K\x01K\x02\x90";
    p += "\x8c\x01"
         "d(\x91";
    p += "K\x09"
         "0";  // push + POP
    p += "(K\x01"
         "1";  // MARK + POP_MARK
    p += "u.";
    const nlohmann::json j = Json(p);
    QCOMPARE(j["a"], nlohmann::json::parse("[1, 2, 2]"));
    QCOMPARE(j["b"], nlohmann::json::parse("[null]"));
    QCOMPARE(j["c"]["__set__"], nlohmann::json::parse("[1, 2]"));
    QVERIFY(j["d"].contains("__frozenset__"));
  }

  void dictKeysFollowPythonEquality() {
    // {1: 'x', 1.0: 'y', True: 'z', 'k': 1} -> the int keys collapse into one entry (value 'z').
    const std::string p =
        B("\x80\x02}(K\x01X\x01\x00\x00\x00xG\x3f\xf0\x00\x00\x00\x00\x00\x00X\x01\x00\x00\x00y"
          "\x88X\x01\x00\x00\x00zX\x01\x00\x00\x00kK\x01u.");
    const nlohmann::json j = Json(p);
    QCOMPARE(j.size(), size_t(2));
    QCOMPARE(j["1"].get<std::string>(), std::string("z"));
  }

  void selfReferenceIsCutNotFollowed() {
    // l = []; l.append(l)
    const nlohmann::json j =
        Json(B("\x80\x02]q\x00h\x00"
               "a."));
    QCOMPARE(j[0]["__cycle__"].get<bool>(), true);
  }

  void unknownGlobalsAreOpaqueAndNeverCalled() {
    std::filesystem::remove_all(kCanaryDir);
    // GLOBAL os.system, REDUCE ('touch ...',); NEWOBJ and BUILD on a custom class; INST; OBJ.
    const std::string command = std::string("mkdir -p ") + kCanaryDir;
    std::string p = "\x80\x02(cos\nsystem\nX" + U32(static_cast<uint32_t>(command.size())) + command + "\x85R";
    p +=
        B("c__main__\nCfg\n)\x81}X\x01\x00\x00\x00"
          "aK\x01sb");
    p += B("(X\x02\x00\x00\x00hiisubprocess\nPopen\n");
    p +=
        B("(cbuiltins\neval\nX\x01\x00\x00\x00"
          "1o");
    p += "l.";
    const PickleResult r = Parse(p);
    const nlohmann::json j = Flatten(*r.root, nullptr).metadata;
    QCOMPARE(j[0]["__opaque__"].get<std::string>(), std::string("os.system"));
    QCOMPARE(j[0]["args"][0].get<std::string>(), std::string("mkdir -p /tmp/corrlens_io_canary"));
    QCOMPARE(j[1]["__opaque__"].get<std::string>(), std::string("__main__.Cfg"));
    QCOMPARE(j[1]["state"]["a"].get<int>(), 1);
    QCOMPARE(j[2]["__opaque__"].get<std::string>(), std::string("subprocess.Popen"));
    QCOMPARE(j[3]["__opaque__"].get<std::string>(), std::string("builtins.eval"));
    QCOMPARE(r.opaque_globals,
             (std::vector<std::string>{"os.system", "__main__.Cfg", "subprocess.Popen", "builtins.eval"}));
    QVERIFY(!std::filesystem::exists(kCanaryDir));
  }

  void maliciousFixturesStayInertThroughEveryApi() {
    std::filesystem::remove_all(kCanaryDir);
    for (const char* name : {"evil_os_system", "evil_posix_system", "evil_eval", "evil_exec", "evil_popen",
                             "evil_pickle_loads", "evil_getattr"}) {
      const TensorFile file = ReadTensorFile(test::Fixture(std::string(name) + ".pkl"));
      QCOMPARE(file.format, TensorFormat::kPickle);
      QCOMPARE(file.tensors.size(), size_t(1));  // the harmless array next to the payload
      QVERIFY2((*file.metadata)["payload"].contains("__opaque__"), name);
      QVERIFY2(!file.opaque_classes.empty(), name);
    }
    QVERIFY(!std::filesystem::exists(kCanaryDir));
  }

  void pythonPicklesOfProtocols2To5() {
    for (const char* name : {"plain_p2.pkl", "plain_p4.pkl", "plain_p5.pkl"}) {
      const TensorFile file = ReadTensorFile(test::Fixture(name));
      std::string why;
      QVERIFY2(test::MatchesExpected(file, name, &why), (std::string(name) + ": " + why).c_str());
      const nlohmann::json& m = *file.metadata;
      QCOMPARE(m["big"]["__int__"].get<std::string>(), std::string("0x400000000000000000"));
      QCOMPARE(m["neg"]["__int__"].get<std::string>(), std::string("-0x20000000000000000"));
      QCOMPARE(m["ratio"].get<double>(), 0.75);
      QCOMPARE(m["count"].get<int>(), 12);
      QCOMPARE(m["cplx"]["__complex__"], nlohmann::json::parse("[1.0, 2.0]"));
      QCOMPARE(m["bytes"]["head"].get<std::string>(), std::string("0001"));
      QCOMPARE(m["videos"][0]["h"].get<int>(), 4);
      QVERIFY(m["names"].contains("__set__"));
      QCOMPARE(m["sl"]["__slice__"], nlohmann::json::parse("[1, 5, 2]"));
      QCOMPARE(m["nested"], nlohmann::json::parse("[[1, [2, [3]]]]"));
    }
  }

  void truncationAndBadOpcodesGiveOffsets() {
    const std::string ok = B("\x80\x02X\x05\x00\x00\x00hello.");
    for (size_t n = 0; n < ok.size(); ++n) {
      const std::string error = ErrorOf(ok.substr(0, n));
      QVERIFY2(error.find("test.pkl") != std::string::npos && error.find("at byte") != std::string::npos,
               error.c_str());
    }
    QVERIFY(ErrorOf("\x80\x02\xff.").find("unknown pickle opcode 0xff (at byte 2") != std::string::npos);
    QVERIFY(ErrorOf("\x80\x07N.").find("unsupported pickle protocol 7") != std::string::npos);
    QVERIFY(ErrorOf("\x80\x02h\x05.").find("memo entry 5") != std::string::npos);
    QVERIFY(ErrorOf("\x80\x02"
                    "a.")
                .find("stack underflow") != std::string::npos);
    QVERIFY(ErrorOf("\x80\x02"
                    "K\x01K\x02"
                    "a.")
                .find("appends to a value of type int") != std::string::npos);
    QVERIFY(ErrorOf("\x80\x02"
                    "e.")
                .find("MARK") != std::string::npos);
    QVERIFY(ErrorOf(std::string("\x80\x02\x82\x01.", 5)).find("extension registry") != std::string::npos);
    QVERIFY(ErrorOf("\x80\x02"
                    "K\x01Q.")
                .find("persistent id") != std::string::npos);
  }

  void announcedLengthsBeyondTheInputAreRefusedBeforeAllocating() {
    // 4 GB string / bytes / frame with 10 bytes present.
    for (const std::string& head :
         {std::string("X\xff\xff\xff\xff", 5), std::string("\x8d\xff\xff\xff\xff\x00\x00\x00\x00", 9),
          std::string("\x8e\x00\x00\x00\x00\x01\x00\x00\x00", 9),
          std::string("\x95\x00\x00\x00\x00\x01\x00\x00\x00", 9), std::string("\x8b\xff\xff\xff\x7f", 5)}) {
      const std::string error = ErrorOf("\x80\x04" + head + "0123456789");
      QVERIFY2(error.find("only") != std::string::npos || error.find("budget") != std::string::npos ||
                   error.find("MiB") != std::string::npos,
               error.c_str());
    }
  }

  void memoryBudgetAndMarkDepthAreEnforced() {
    std::string p = "\x80\x02]";
    for (int i = 0; i < 2000; ++i)
      p +=
          B("(X\x00\x00\x00\x00"
            "e");  // 2000 appends of new strings
    p += ".";
    PickleOptions small;
    small.max_bytes = 20000;
    QVERIFY(ErrorOf(p, small).find("MiB of memory") != std::string::npos);
    PickleOptions marks;
    marks.max_marks = 10;
    QVERIFY(ErrorOf(std::string(20, '('), marks).find("MARKs too deeply") != std::string::npos);
  }

  void sharedArenaSpansSeveralPickles() {
    const std::string two = "\x80\x02K\x01.\x80\x02K\x02.";
    PickleOptions options;
    const auto* data = reinterpret_cast<const uint8_t*>(two.data());
    const PickleResult first = ParsePickle(data, two.size(), options);
    QCOMPARE(first.end, uint64_t(5));
    const PickleResult second = ParsePickle(data + first.end, two.size() - first.end, options, first.arena);
    QCOMPARE(second.root->integer, int64_t(2));
    QVERIFY(second.arena == first.arena);
  }
};

QTEST_APPLESS_MAIN(PickleReaderTest)
#include "pickle_reader_test.moc"
