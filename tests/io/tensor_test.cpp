#include <QtTest>

#include "tests/common/test_helpers.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "core/io/tensor.h"
#include "core/util/error.h"

using namespace corrlens::io;

namespace {

TensorData Floats(std::vector<float> values, std::vector<int64_t> shape) {
  std::vector<uint8_t> bytes(values.size() * 4);
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return TensorData::FromBytes(DType::kFloat32, std::move(shape), std::move(bytes));
}

}  // namespace

class TensorTest : public QObject {
  Q_OBJECT
 private slots:
  void dtypeNamesRoundTrip() {
    for (DType d : {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kFloat64, DType::kInt64, DType::kInt32,
                    DType::kInt16, DType::kInt8, DType::kUInt8, DType::kBool}) {
      QCOMPARE(*DTypeFromName(DTypeName(d)), d);
    }
    QCOMPARE(DTypeSize(DType::kBFloat16), size_t(2));
    QVERIFY(!DTypeFromName("complex64"));
  }

  void halfConversionsAreExact() {
    QCOMPARE(HalfToFloat(0x3c00), 1.0f);
    QCOMPARE(HalfToFloat(0xc000), -2.0f);
    QCOMPARE(HalfToFloat(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
    QCOMPARE(HalfToFloat(0x7bff), 65504.0f);
    QVERIFY(std::isinf(HalfToFloat(0x7c00)));
    QVERIFY(std::isnan(HalfToFloat(0x7e00)));
    for (uint32_t bits = 0; bits < 0x10000; ++bits) {  // every finite half survives the round trip
      const uint16_t h = static_cast<uint16_t>(bits);
      if ((h & 0x7c00) == 0x7c00) continue;
      QCOMPARE(FloatToHalf(HalfToFloat(h)), h);
    }
    QCOMPARE(FloatToHalf(1.0f + std::ldexp(1.0f, -11)), uint16_t(0x3c00));  // ties to even
    QCOMPARE(FloatToHalf(1e6f), uint16_t(0x7c00));
  }

  void bfloat16ConversionsRound() {
    QCOMPARE(BFloat16ToFloat(0x3f80), 1.0f);
    QCOMPARE(FloatToBFloat16(1.0f), uint16_t(0x3f80));
    QCOMPARE(FloatToBFloat16(-2.5f), uint16_t(0xc020));
    QVERIFY(std::isnan(BFloat16ToFloat(FloatToBFloat16(std::numeric_limits<float>::quiet_NaN()))));
  }

  void contiguousBytesFollowStridesAndOffset() {
    TensorData base = Floats({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {3, 4});
    TensorData t = base;  // transpose
    t.shape = {4, 3};
    t.strides = {1, 4};
    QVERIFY(!t.IsContiguous());
    QCOMPARE(t.ToDoubles(), (std::vector<double>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}));
    TensorData slice = base;  // base[1:, 2:]
    slice.shape = {2, 2};
    slice.strides = {4, 1};
    slice.storage_offset = 6;
    QCOMPARE(slice.ToDoubles(), (std::vector<double>{6, 7, 10, 11}));
    TensorData expanded = base;  // stride 0
    expanded.shape = {3, 2};
    expanded.strides = {0, 1};
    QCOMPARE(expanded.ToDoubles(), (std::vector<double>{0, 1, 0, 1, 0, 1}));
    QVERIFY(base.IsContiguous());
    QCOMPARE(base.Contiguous().ToDoubles(), base.ToDoubles());
  }

  void viewsOutsideTheStorageAreRefused() {
    TensorData t = Floats({1, 2, 3, 4}, {4});
    t.shape = {2, 2};
    t.strides = {2, 1};
    t.storage_offset = 1;  // needs 5 elements
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, t.Validate());
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, t.ContiguousBytes());
    t.storage_offset = -1;
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, t.Validate());
    TensorData missing;
    missing.shape = {1};
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, missing.Validate());
  }

  void emptyViewsNeedNoStorage() {
    QCOMPARE(ViewExtent({0, 5}, {5, 1}, 100), int64_t(0));
    TensorData t = Floats({}, {0, 3});
    QCOMPARE(t.NumElements(), int64_t(0));
    QVERIFY(t.ContiguousBytes().empty());
  }

  void overflowingShapesThrow() {
    TensorData t;
    t.shape = {int64_t(1) << 40, int64_t(1) << 40};
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, t.NumElements());
    t.shape = {int64_t(1) << 61};
    t.dtype = DType::kFloat64;  // elements fit, bytes overflow
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, t.NumElements());
    // No elements, but the other sizes overflow the contiguous strides.
    t.shape = {int64_t(1) << 40, 0, int64_t(1) << 40};
    t.dtype = DType::kFloat32;
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, t.NumElements());
    t.shape = {int64_t(1) << 20, 0, int64_t(1) << 20};
    QCOMPARE(t.NumElements(), int64_t(0));
    QCOMPARE(t.EffectiveStrides(), (std::vector<int64_t>{int64_t(1) << 20, int64_t(1) << 20, 1}));
    // Fits as int8 but not at 8 bytes per element: refused, since converting
    // it to float32 or float64 would overflow later.
    t.shape = {int64_t(1) << 61, 0};
    t.dtype = DType::kInt8;
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, t.NumElements());
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, ViewExtent({3, int64_t(1) << 62}, {int64_t(1) << 62, 1}, 0));
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, ViewExtent({-1}, {1}, 0));
  }

  void fromBytesChecksTheSize() {
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, TensorData::FromBytes(DType::kFloat32, {3}, std::vector<uint8_t>(8)));
  }

  void convertsBetweenDtypes() {
    TensorData t = Floats({1.5f, -2.25f, 300.0f, 0.0f}, {2, 2});
    QCOMPARE(t.ConvertTo(DType::kFloat16).ToDoubles(), (std::vector<double>{1.5, -2.25, 300, 0}));
    QCOMPARE(t.ConvertTo(DType::kInt8).ToDoubles(), (std::vector<double>{1, -2, 127, 0}));  // saturates
    QCOMPARE(t.ConvertTo(DType::kBool).ToDoubles(), (std::vector<double>{1, 1, 1, 0}));
    QCOMPARE(t.ConvertTo(DType::kBFloat16).ToDoubles(), (std::vector<double>{1.5, -2.25, 300, 0}));
  }

  void expandedViewsAreLimitedBeforeCopying() {
    // Issue 16, class 3: one stored float viewed as [65536, 8192] with stride
    // 0 is a legal view, but a copy would take 2 GiB; and 256 GiB ended in
    // std::bad_alloc. Both are refused with a reason before allocating.
    TensorData w = Floats({1.5f}, {1});
    w.strides = {0, 0};
    for (const std::vector<int64_t>& shape :
         {std::vector<int64_t>{65536, 8192}, std::vector<int64_t>{1 << 20, 1 << 16}}) {
      w.shape = shape;
      w.Validate();  // legal
      const std::string error = corrlens::test::ErrorOf([&] { w.ContiguousBytes(); });
      QVERIFY2(error.find("repeats its 1 stored elements") != std::string::npos &&
                   error.find("above the 1.0 GiB allowed for expanded views") != std::string::npos,
               error.c_str());
      QVERIFY_THROWS_EXCEPTION(corrlens::Error, w.ToDoubles());
      QVERIFY_THROWS_EXCEPTION(corrlens::Error, w.Contiguous());
      QVERIFY_THROWS_EXCEPTION(corrlens::Error, w.ConvertTo(DType::kFloat16));
    }
    w.shape = {1 << 10, 1 << 10};  // 4 MiB: small expansions are fine
    QCOMPARE(w.ContiguousBytes().size(), size_t(4 << 20));
    QCOMPARE(w.ConvertTo(DType::kFloat64).ToDoubles()[12345], 1.5);
  }

  void shapeStringFormats() { QCOMPARE(ShapeString({2, 3}), std::string("[2, 3]")); }
};

QTEST_APPLESS_MAIN(TensorTest)
#include "tensor_test.moc"
