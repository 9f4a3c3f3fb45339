#include <QtTest>

#include "core/io/pickle_literals.h"

using namespace corrlens::io::pickle;

namespace {

std::string Long(std::vector<uint8_t> bytes, int64_t* value) {
  std::string big;
  *value = 0;
  return DecodeLong(bytes.data(), bytes.size(), value, &big) ? "" : big;
}

}  // namespace

class PickleLiteralsTest : public QObject {
  Q_OBJECT
 private slots:
  void longsFitOrBecomeHex() {
    int64_t v = 0;
    QCOMPARE(Long({}, &v), std::string());
    QCOMPARE(v, int64_t(0));
    QCOMPARE(Long({0xff}, &v), std::string());
    QCOMPARE(v, int64_t(-1));
    QCOMPARE(Long({0x00, 0x80}, &v), std::string());
    QCOMPARE(v, int64_t(-32768));
    QCOMPARE(Long({0, 0, 0, 0, 0, 0, 0, 0x80, 0xff}, &v), std::string());  // INT64_MIN, sign-extended
    QCOMPARE(v, std::numeric_limits<int64_t>::min());
    QCOMPARE(Long({0, 0, 0, 0, 0, 0, 0, 0x80, 0x00}, &v), std::string("0x8000000000000000"));  // 2**63
    QCOMPARE(Long({0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff}, &v), std::string("-0x1000000000000000000"));
    QCOMPARE(Long(std::vector<uint8_t>(40, 1), &v), std::string("<40-byte integer>"));
  }

  void reprStringsDecodeEscapes() {
    std::string out;
    QVERIFY(DecodeReprString("'a\\'b\\n\\x41\\101\\\\'", &out));
    QCOMPARE(out, std::string("a'b\nAA\\"));
    out.clear();
    QVERIFY(DecodeReprString("\"q\\\"\"", &out));
    QCOMPARE(out, std::string("q\""));
    QVERIFY(!DecodeReprString("noquotes", &out));
    QVERIFY(!DecodeReprString("'open", &out));
  }

  void rawUnicodeEscape() {
    QCOMPARE(DecodeRawUnicodeEscape("caf\\u00e9 \\U0001F600 \xe9"),
             std::string("caf\xc3\xa9 \xf0\x9f\x98\x80 \xc3\xa9"));
    QCOMPARE(DecodeRawUnicodeEscape("\\u12"), std::string("\\u12"));  // too short: kept
  }
};

QTEST_APPLESS_MAIN(PickleLiteralsTest)
#include "pickle_literals_test.moc"
