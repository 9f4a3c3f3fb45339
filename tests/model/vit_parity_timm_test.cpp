// timm-flavour (CLIP pre-norm, MAE, DeiT3 no-class-pos + layer scale) and
// DINOv2 giant (SwiGLU) parity with the Python reference on random weights.
#include <QtTest>

#include "core/io/image.h"
#include "parity_util.h"

namespace m = corrlens::model;
using m::test::ParityCase;
using m::test::ParityResult;

class VitParityTimmTest : public QObject {
  Q_OBJECT
 private:
  m::test::ParitySuite suite_;

  void Check(const std::string& name, int grid_h, int grid_w) { m::test::CheckParity(suite_, name, grid_h, grid_w); }

 private slots:
  void initTestCase() {
    const cv::Mat aloe = corrlens::io::ReadImageRgb(m::test::OpenCvData("aloeL.jpg"));  // 1282 x 1110
    const auto points = m::test::SpreadPoints(aloe.cols, aloe.rows);
    ParityCase clip;
    clip.arch = "clip_vitb16";
    clip.depth = 2;
    clip.adapter = ParityCase::Adapter::kPython;
    clip.options.input_width = 224;
    clip.options.input_height = 160;
    clip.sampling_patch = 14;  // finetune_timm.py normalises points with 14 px cells
    clip.image = aloe;
    clip.points = points;
    suite_.Add("clip", clip);
    ParityCase mae;  // 320 x 80 strip: long side 640 -> 80 x 20 tokens of 16 px (input 1280 x 320)
    mae.arch = "mae_vitb16";
    mae.depth = 1;
    mae.image = aloe(cv::Rect(0, 100, 320, 80)).clone();
    mae.points = m::test::SpreadPoints(320, 80);
    mae.seed = 7;
    suite_.Add("mae", mae);
    ParityCase deit;
    deit.arch = "deit3_vitb16";
    deit.depth = 4;
    deit.cpp_writes_weights = true;
    deit.adapter = ParityCase::Adapter::kCpp;
    deit.options.input_width = 224;
    deit.options.input_height = 160;
    deit.options.layer = corrlens::FeatureLayer::kPrenorm;
    deit.image = aloe;
    deit.points = points;
    deit.seed = 8;
    suite_.Add("deit3", deit);
    ParityCase giant;
    giant.arch = "dinov2_vitg14";
    giant.depth = 1;
    giant.options.input_width = 224;
    giant.options.input_height = 168;
    giant.image = aloe;
    giant.points = points;
    giant.seed = 9;
    suite_.Add("giant", giant);
    QVERIFY(suite_.RunReference());
  }
  void clipPreNormWithAdapterAndReferenceSampling() { Check("clip", 10, 14); }
  void maeDefaultPipeline() { Check("mae", 20, 80); }
  void deit3OwnWriterPrenormWithAdapter() { Check("deit3", 10, 14); }
  void giantSwiGluOneBlock() { Check("giant", 12, 16); }
};

QTEST_APPLESS_MAIN(VitParityTimmTest)
#include "vit_parity_timm_test.moc"
