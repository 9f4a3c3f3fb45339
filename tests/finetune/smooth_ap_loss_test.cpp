// Loss and gradient parity with an independent Python statement of the
// reference training step (tests/finetune/reference_loss.py, python3-torch):
// a tiny random DINOv2-style ViT with LoRA on its last 4 blocks, fixed random
// images, pixels and 3D points; loss, LoRA A/B and refine-conv gradients.
#include <QTemporaryDir>
#include <QtTest>
#include "tests/common/test_paths.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include "core/finetune/adapter_model.h"
#include "core/finetune/smooth_ap_loss.h"
#include "core/io/tensor_file.h"
#include "core/io/torch_convert.h"
#include "core/model/weight_io.h"
#include "tests/common/python.h"

using namespace corrlens;

namespace {

model::VitConfig TinyConfig() {
  model::VitConfig c;
  c.arch = "tiny_test";
  c.embed_dim = 32;
  c.depth = 5;
  c.num_heads = 2;
  c.pos_grid = 4;
  c.ffn_hidden = 64;
  return c;
}

double RelErr(const at::Tensor& ours, const at::Tensor& ref) {
  const double scale = ref.abs().max().item<double>();
  return (ours - ref).abs().max().item<double>() / std::max(scale, 1e-30);
}

}  // namespace

class SmoothApLossTest : public QObject {
  Q_OBJECT
 private slots:
  void sigmoidClamps();
  void noPositivesGivesUndefinedLoss();
  void parityWithReference();
};

void SmoothApLossTest::sigmoidClamps() {
  const at::Tensor x = torch::tensor({-1.0, 0.0, 1e-3, 1.0});
  const at::Tensor y = finetune::TemperedSigmoid(x, 0.01);
  QCOMPARE(y[1].item<double>(), 0.5);
  QVERIFY(std::abs(y[0].item<double>() - 1.0 / (1.0 + std::exp(50.0))) < 1e-12);  // clamped at 50
  QVERIFY(std::abs(y[2].item<double>() - 1.0 / (1.0 + std::exp(-0.1))) < 1e-6);
}

void SmoothApLossTest::noPositivesGivesUndefinedLoss() {
  const at::Tensor d = torch::randn({1, 4, 8});
  const auto r = finetune::SmoothApLoss(d, d, torch::zeros({1, 4, 3}), torch::ones({1, 4, 3}));
  QCOMPARE(r.positives, int64_t{0});
  QVERIFY(!r.loss.defined());
}

void SmoothApLossTest::parityWithReference() {
  torch::manual_seed(3);
  model::VisionTransformer vit(TinyConfig());
  vit->RandomInit(7);
  finetune::AdapterModel m(vit, 4);
  m.InitAdapter(11);
  {  // non-zero B so every A gets a gradient
    torch::NoGradGuard g;
    for (auto& l : vit->LoraModules()) l->b_q.normal_(0, 0.05), l->b_v.normal_(0, 0.05);
  }
  const int n = 200;
  const at::Tensor rgb1 = torch::rand({1, 3, 56, 56}), rgb2 = torch::rand({1, 3, 56, 56});
  const at::Tensor p2d1 = torch::rand({1, n, 2}) * 55, p2d2 = torch::rand({1, n, 2}) * 55;
  const at::Tensor p3d1 = torch::rand({1, n, 3}) - 0.5;
  at::Tensor p3d2 = p3d1.flip(1).clone();
  p3d2.narrow(1, 0, n / 2).add_(torch::randn({1, n / 2, 3}) * 1e-3);                  // half positives, some jittered
  const at::Tensor d1 = m.Describe(rgb1, p2d1, 32), d2 = m.Describe(rgb2, p2d2, 32);  // 4x4 grid, 56 px: no resize
  const auto r = finetune::SmoothApLoss(d1, d2, p3d1, p3d2);
  QVERIFY(r.loss.defined() && r.positives > 10);
  r.loss.backward();

  QTemporaryDir dir;
  std::vector<io::NamedTensor> t;
  for (auto& e : model::BackboneStateDict(*vit)) t.push_back({"backbone." + e.path, e.tensor});
  const model::AdapterWeights a = m.Adapter();
  auto cpu = [](const at::Tensor& x) { return io::FromTorch(x.detach().contiguous()); };
  t.push_back({"state_dict.refine_conv.weight", cpu(a.refine_weight)});
  t.push_back({"state_dict.refine_conv.bias", cpu(a.refine_bias)});
  for (size_t i = 0; i < a.lora_a.size(); ++i) {
    t.push_back({fmt::format("w_a_{:03d}", i), cpu(a.lora_a[i])});
    t.push_back({fmt::format("w_b_{:03d}", i), cpu(a.lora_b[i])});
  }
  for (auto& [k, v] : {std::pair{"rgb1", rgb1},
                       {"rgb2", rgb2},
                       {"pts2d_1", p2d1},
                       {"pts2d_2", p2d2},
                       {"pts3d_1", p3d1},
                       {"pts3d_2", p3d2}})
    t.push_back({std::string("input.") + k, cpu(v)});
  const std::string in = dir.filePath("in.pt").toStdString(), out = dir.filePath("out.pt").toStdString();
  io::WriteTorchCheckpoint(in, t, /*nest=*/true);
  const auto py = test::RunPython3({corrlens::test::SourcePath("/tests/finetune/reference_loss.py"),
                                    QString::fromStdString(in), QString::fromStdString(out), "5", "2"});
  QVERIFY2(py.ok, qPrintable(py.err));
  const io::TensorFile ref = io::ReadTensorFile(out);
  auto get = [&](const std::string& k) { return io::ToTorch(*ref.Find(k)).to(at::kDouble); };
  QCOMPARE(get("positives").item<int64_t>(), r.positives);
  QVERIFY2(RelErr(r.loss.detach().to(at::kDouble).reshape({1}), get("loss")) < 1e-5, qPrintable(py.out));
  const auto params = m.Parameters();  // A..., B..., conv weight, conv bias
  const size_t k = a.lora_a.size();
  for (size_t i = 0; i < params.size(); ++i) {
    const std::string key = i < k        ? fmt::format("grad_a_{:03d}", i)
                            : i < 2 * k  ? fmt::format("grad_b_{:03d}", i - k)
                            : i == 2 * k ? "grad_conv_w"
                                         : "grad_conv_b";
    const double e = RelErr(params[i].grad().to(at::kDouble), get(key));
    QVERIFY2(e < 1e-5, qPrintable(QString::fromStdString(fmt::format("{}: relative error {}", key, e))));
  }
}

QTEST_GUILESS_MAIN(SmoothApLossTest)
#include "smooth_ap_loss_test.moc"
