#include <QtTest>

#include "core/io/numpy_dtype.h"
#include "core/util/error.h"

using namespace corrlens::io;

class NumpyDTypeTest : public QObject {
  Q_OBJECT
 private slots:
  void parsesDescriptors() {
    QCOMPARE(ParseNumpyDescr("<f4", nullptr)->dtype, DType::kFloat32);
    QVERIFY(!ParseNumpyDescr("<f4", nullptr)->big_endian);
    QVERIFY(ParseNumpyDescr(">i8", nullptr)->big_endian);
    QVERIFY(!ParseNumpyDescr("|b1", nullptr)->big_endian);
    QCOMPARE(ParseNumpyDescr("|u1", nullptr)->dtype, DType::kUInt8);
    QCOMPARE(ParseNumpyDescr("f2", nullptr)->dtype, DType::kFloat16);
    QCOMPARE(ParseNumpyDescr(">i1", nullptr)->big_endian, false);  // one byte: nothing to swap
  }

  void refusesWithReasons() {
    std::string why;
    QVERIFY(!ParseNumpyDescr("|O", &why));
    QVERIFY(why.find("object arrays are refused") != std::string::npos);
    QVERIFY(!ParseNumpyDescr("<u2", &why));
    QVERIFY(why.find("uint16") != std::string::npos);
    QVERIFY(!ParseNumpyDescr("<U5", &why));
    QVERIFY(!ParseNumpyDescr("<c8", &why));
  }

  void writesDescriptorsAndRefusesBfloat16() {
    QCOMPARE(NumpyDescr(DType::kFloat64), std::string("<f8"));
    QCOMPARE(NumpyDescr(DType::kBool), std::string("|b1"));
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, NumpyDescr(DType::kBFloat16));
  }

  void swapsBytes() {
    std::vector<uint8_t> bytes{1, 2, 3, 4, 5, 6, 7, 8};
    SwapBytes(bytes, 4);
    QCOMPARE(bytes, (std::vector<uint8_t>{4, 3, 2, 1, 8, 7, 6, 5}));
  }
};

QTEST_APPLESS_MAIN(NumpyDTypeTest)
#include "numpy_dtype_test.moc"
