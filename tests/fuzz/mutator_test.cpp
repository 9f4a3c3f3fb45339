#include <QtTest>

#include <QTemporaryDir>

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <string>

#include "tests/fuzz/mutator.h"

using corrlens::fuzz::Bytes;
using corrlens::fuzz::Mutator;
using corrlens::fuzz::ReadDictionary;

namespace {

Bytes B(const std::string& s) { return Bytes(s.begin(), s.end()); }

bool Contains(const Bytes& haystack, const Bytes& needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

}  // namespace

class MutatorTest : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;

  std::string WriteDict(const std::string& text) {
    const std::string path = dir_.filePath("test.dict").toStdString();
    std::ofstream(path) << text;
    return path;
  }

 private slots:
  void readsLibFuzzerDictionaries() {
    const auto tokens = ReadDictionary(WriteDict("# comment\n\nmagic=\"\\x93NUMPY\"\n  \"a\\\\b\\\"c\"\r\nx=\"\"\n"));
    QCOMPARE(tokens.size(), size_t{3});
    QVERIFY(tokens[0] == B("\x93NUMPY"));
    QVERIFY(tokens[1] == B("a\\b\"c"));
    QVERIFY(tokens[2].empty());
  }

  void refusesMalformedDictionaryLinesNamingThem() {
    for (const std::string bad : {"name=value", "x=\"\\q\"", "x=\"\\x9\"", "x=\"open"}) {
      const std::string path = WriteDict("ok=\"1\"\n" + bad + "\n");
      try {
        ReadDictionary(path);
        QFAIL(qPrintable(QString::fromStdString("accepted: " + bad)));
      } catch (const std::runtime_error& e) {
        QVERIFY2(std::string(e.what()).find(path + ":2") == 0, e.what());
      }
    }
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, ReadDictionary(dir_.filePath("missing.dict").toStdString()));
  }

  void isDeterministicPerSeed() {
    const std::vector<Bytes> pool = {B("{\"shape\": [3, 4], \"dtype\": \"F32\"}"), B("PK\x03\x04 header")};
    Mutator a(7, {B("TOKEN")}, 4096), b(7, {B("TOKEN")}, 4096), c(8, {B("TOKEN")}, 4096);
    int differ = 0;
    for (int i = 0; i < 200; ++i) {
      const Bytes x = a.Mutate(pool[i % 2], pool);
      QVERIFY(x == b.Mutate(pool[i % 2], pool));
      differ += x != c.Mutate(pool[i % 2], pool);
    }
    QVERIFY(differ > 150);
  }

  void staysWithinTheLengthLimit() {
    const Bytes big(3000, 'x');
    const std::vector<Bytes> pool = {B("0123456789"), big, Bytes{}};
    Mutator m(1, {Bytes(100, 'd')}, 64);
    for (int i = 0; i < 5000; ++i) {
      const Bytes& input = pool[i % 3];
      QVERIFY(m.Mutate(input, pool).size() <= std::max<size_t>(64, input.size()));
    }
  }

  void changesInputsAndUsesTokensAndOtherSeeds() {
    const Bytes zeros(256, 0);
    const Bytes other = B("OTHER-SEED-CONTENTS-0123456789");
    const std::vector<Bytes> pool = {zeros, other};
    Mutator m(3, {B("DICTWORD")}, 65536);
    int changed = 0, tokens = 0, crossed = 0, numbers = 0;
    for (int i = 0; i < 4000; ++i) {
      const Bytes out = m.Mutate(zeros, pool);
      changed += out != zeros;
      tokens += Contains(out, B("DICTWORD"));
      crossed += Contains(out, B("SEED-CON"));
      if (i < 1000) {
        const Bytes n = m.Mutate(B("width=640;"), pool);
        for (const char* v : {"=641;", "=639;", "=1280;", "=320;"}) numbers += Contains(n, B(v));
      }
    }
    QVERIFY2(changed > 3600, qPrintable(QString::number(changed)));
    QVERIFY(tokens > 100);
    QVERIFY(crossed > 20);
    QVERIFY(numbers > 0);
  }
};

QTEST_APPLESS_MAIN(MutatorTest)
#include "mutator_test.moc"
