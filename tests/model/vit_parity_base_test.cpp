// DINOv2 ViT-B parity with the Python reference on the same random weights:
// weights and adapter written by our own writer (read by torch.load) at
// stride 7 on x_prenorm, and the register variant at 448x336 and at stride 7.
#include <QtTest>

#include "core/io/image.h"
#include "parity_util.h"

namespace m = corrlens::model;
using m::test::ParityCase;

class VitParityBaseTest : public QObject {
  Q_OBJECT
 private:
  m::test::ParitySuite suite_;

  void Check(const std::string& name, int grid_h, int grid_w) { m::test::CheckParity(suite_, name, grid_h, grid_w); }

 private slots:
  void initTestCase() {
    const cv::Mat graf = corrlens::io::ReadImageRgb(m::test::OpenCvData("graf1.png"));  // 800 x 640
    ParityCase own;
    own.arch = "dinov2_vitb14";
    own.depth = 4;
    own.cpp_writes_weights = true;
    own.adapter = ParityCase::Adapter::kCpp;
    own.options.input_width = 224;
    own.options.input_height = 168;
    own.options.stride = 7;
    own.options.layer = corrlens::FeatureLayer::kPrenorm;
    own.image = graf(cv::Rect(0, 0, 224, 168)).clone();  // already the input size: no resampling
    own.points = m::test::SpreadPoints(224, 168);
    own.seed = 3;
    suite_.Add("own_stride7", own);
    ParityCase reg;
    reg.arch = "dinov2_vitb14_reg";
    reg.depth = 3;
    reg.options.input_width = 448;
    reg.options.input_height = 336;
    reg.image = graf;
    reg.points = m::test::SpreadPoints(800, 640);
    reg.seed = 4;
    suite_.Add("reg448", reg);
    ParityCase strided;
    strided.arch = "dinov2_vitb14_reg";
    strided.depth = 4;
    strided.adapter = ParityCase::Adapter::kPython;
    strided.options.input_width = 224;
    strided.options.input_height = 168;
    strided.options.stride = 7;
    strided.options.layer = corrlens::FeatureLayer::kPrenorm;
    strided.image = graf(cv::Rect(300, 200, 300, 220)).clone();
    strided.points = m::test::SpreadPoints(300, 220);
    strided.seed = 5;
    suite_.Add("reg_stride7", strided);
    QVERIFY(suite_.RunReference());
  }
  void baseOwnWriterStride7PrenormWithAdapter() { Check("own_stride7", 23, 31); }
  void baseRegistersAt448x336() { Check("reg448", 24, 32); }
  void baseRegistersStride7WithAdapter() { Check("reg_stride7", 23, 31); }
};

QTEST_APPLESS_MAIN(VitParityBaseTest)
#include "vit_parity_base_test.moc"
