// DINOv2 ViT-S parity with the Python reference on the same random weights
// (written by Python's torch.save): full depth through the default 640-px
// pipeline with an adapter, and the register variant at 448x336.
#include <QtTest>

#include "core/io/image.h"
#include "parity_util.h"

namespace m = corrlens::model;
using m::test::ParityCase;

class VitParitySmallTest : public QObject {
  Q_OBJECT
 private:
  m::test::ParitySuite suite_;

  void Check(const std::string& name, int grid_h, int grid_w) { m::test::CheckParity(suite_, name, grid_h, grid_w); }

 private slots:
  void initTestCase() {
    const cv::Mat graf = corrlens::io::ReadImageRgb(m::test::OpenCvData("graf1.png"));  // 800 x 640
    ParityCase full;  // 800 x 200 strip: long side 640 -> 80 x 20 tokens (input 1120 x 280)
    full.arch = "dinov2_vits14";
    full.adapter = ParityCase::Adapter::kPython;
    full.image = graf(cv::Rect(0, 300, 800, 200)).clone();
    full.points = m::test::SpreadPoints(800, 200);
    suite_.Add("full", full);
    ParityCase reg;  // 640 x 480 crop downscaled (with antialias) to 448 x 336
    reg.arch = "dinov2_vits14_reg";
    reg.depth = 4;
    reg.adapter = ParityCase::Adapter::kPython;
    reg.options.input_width = 448;
    reg.options.input_height = 336;
    reg.image = graf(cv::Rect(100, 100, 640, 480)).clone();
    reg.points = m::test::SpreadPoints(640, 480);
    reg.seed = 2;
    suite_.Add("reg448", reg);
    QVERIFY(suite_.RunReference());
  }
  void smallFullDepthDefaultPipelineWithAdapter() { Check("full", 20, 80); }
  void smallRegistersAt448x336WithAdapter() { Check("reg448", 24, 32); }
};

QTEST_APPLESS_MAIN(VitParitySmallTest)
#include "vit_parity_small_test.moc"
