// LibTorch before Qt: Qt defines `slots`, which LibTorch headers use as a name.
#include <torch/types.h>  // also builds without the PCH

#include <QtTest>

#include <cstring>

#include "core/io/tensor_file.h"
#include "core/io/torch_convert.h"
#include "core/util/error.h"
#include "io_test_util.h"

using namespace corrlens::io;

class TorchConvertTest : public QObject {
  Q_OBJECT
 private slots:
  void viewsBecomeContiguousTensorsWithTheSameValues() {
    const TensorFile file = ReadTensorFile(test::Fixture("dtypes.pth"));
    for (const NamedTensor& named : file.tensors) {
      const at::Tensor t = ToTorch(named.tensor);
      QCOMPARE(t.scalar_type(), ToScalarType(named.tensor.dtype));
      QCOMPARE(t.sizes().vec(), named.tensor.shape);
      QVERIFY(t.is_contiguous());
      const at::Tensor as_double = t.to(torch::kFloat64).contiguous();
      const std::vector<double> values(as_double.data_ptr<double>(), as_double.data_ptr<double>() + as_double.numel());
      if (named.tensor.dtype != DType::kInt64) QCOMPARE(values, named.tensor.ToDoubles());
    }
    const at::Tensor big = ToTorch(*file.Find("i64"));
    QCOMPARE(big[0].item<int64_t>(), (int64_t(1) << 40) + 1);
    const at::Tensor transposed = ToTorch(*file.Find("transposed"));
    QVERIFY(torch::equal(transposed, ToTorch(*file.Find("f32")).t()));
  }

  void roundTripsEveryDtype() {
    for (auto type : {torch::kFloat32, torch::kFloat16, torch::kBFloat16, torch::kFloat64, torch::kInt64, torch::kInt32,
                      torch::kInt16, torch::kInt8, torch::kUInt8, torch::kBool}) {
      const at::Tensor source = (torch::arange(12).reshape({3, 4}) - 5).to(type).t();  // non-contiguous
      const TensorData data = FromTorch(source);
      QVERIFY(data.IsContiguous());
      QVERIFY(torch::equal(ToTorch(data), source));
    }
  }

  void boolBytesAreNormalised() {
    const TensorData weird = TensorData::FromBytes(DType::kBool, {3}, {0, 2, 255});
    const at::Tensor t = ToTorch(weird);
    QCOMPARE(t.sum().item<int64_t>(), int64_t(2));
    QCOMPARE(reinterpret_cast<const uint8_t*>(t.data_ptr())[2], uint8_t(1));
  }

  void refusesMissingDataAndUnsupportedTypes() {
    TensorData empty;
    empty.shape = {2};
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, ToTorch(empty));
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, FromTorch(torch::zeros({2}, torch::kComplexFloat)));
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, FromTorch(at::Tensor()));
  }
};

QTEST_APPLESS_MAIN(TorchConvertTest)
#include "torch_convert_test.moc"
