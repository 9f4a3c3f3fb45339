// The finetuning job on assimp-testmodels meshes with a random ViT-S and
// small renders: the loss goes down, resume equals an uninterrupted run,
// unreadable meshes are skipped with a warning, none readable fails clearly;
// bfloat16 autocast gives the float32 loss and gradients within tolerance.
#include <ATen/autocast_mode.h>
#include <torch/torch.h>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>
#include <numeric>

#include "core/finetune/adapter_model.h"
#include "core/finetune/trainer.h"
#include "core/render/renderer.h"
#include "tests/common/sample_data.h"
#include "tests/common/test_helpers.h"

using namespace corrlens;

namespace {

finetune::FinetuneOptions SmallRun(const std::string& out) {
  finetune::FinetuneOptions o;
  o.random_init = true;
  o.meshes = {test::AssimpModel("OBJ/spider.obj")};
  o.data.image_size = 64;  // 64 px renders, 8x8 tokens (112 px model input)
  o.data.points = 600;
  o.target_res = 64;
  o.data.augment.enabled = false;
  o.lr = 1e-3;  // a visible change in a few steps
  o.steps = 6;
  o.out_dir = out;
  return o;
}

}  // namespace

class TrainerTest : public QObject {
  Q_OBJECT
 private slots:
  void init() {
    std::string reason;
    if (!render::RenderingAvailable(&reason)) QSKIP(reason.c_str());
    CORRLENS_REQUIRE_ASSIMP_MODEL("OBJ/spider.obj");
  }
  void lossGoesDown();
  void resumeEqualsUninterrupted();
  void badMeshesSkippedOrFatal();
  void autocastGuardRestores();
  void bf16MatchesFloat32();
};

void TrainerTest::lossGoesDown() {
  QTemporaryDir dir;
  auto o = SmallRun(dir.path().toStdString());
  o.steps = 12;
  o.seed = 5;
  o.pair_cycle = 1;  // the same pair every step: its loss must fall
  Progress progress;
  CancelToken cancel;
  std::vector<double> losses;
  double data_s = 0, train_s = 0, cpu_s = 0;
  const auto r = finetune::RunFinetune(o, progress, cancel, [&](const finetune::StepInfo& s) {
    losses.push_back(s.loss);
    data_s += s.data_seconds, train_s += s.train_seconds, cpu_s += s.train_cpu_seconds;
  });
  QCOMPARE(int(r.losses.size()), 12);
  QVERIFY(data_s > 0 && train_s > 0 && cpu_s > 0);  // the step's timing split (log.jsonl data_s, train_s)
  QVERIFY(!r.checkpoint.empty());
  double first = 0, last = 0;
  for (int i = 0; i < 4; ++i) first += losses[i], last += losses[8 + i];
  qInfo("mean loss steps 1-4 %.5f, steps 9-12 %.5f", first / 4, last / 4);
  QVERIFY2(last < first, "training loss did not go down");
}

void TrainerTest::resumeEqualsUninterrupted() {
  QTemporaryDir dir;
  Progress progress;
  CancelToken cancel;
  auto full = SmallRun((dir.path() + "/full").toStdString());
  full.checkpoint_every = 3;
  full.seed = 5;
  full.pair_cycle = 1;  // a pair with positives at 64 px (most random pairs have none)
  const auto a = finetune::RunFinetune(full, progress, cancel);
  auto resumed = SmallRun((dir.path() + "/resumed").toStdString());
  resumed.resume = (dir.path() + "/full/step-000003.ckpt").toStdString();
  resumed.seed = 5;
  resumed.pair_cycle = 1;
  const auto b = finetune::RunFinetune(resumed, progress, cancel);
  QCOMPARE(b.first_step, int64_t{4});
  QCOMPARE(int(b.losses.size()), 3);
  for (int i = 0; i < 3; ++i)
    QVERIFY2(std::isfinite(b.losses[i]) && std::abs(a.losses[3 + i] - b.losses[i]) <= 1e-6,
             qPrintable(QStringLiteral("step %1: %2 vs %3")
                            .arg(4 + i)
                            .arg(a.losses[3 + i], 0, 'g', 12)
                            .arg(b.losses[i], 0, 'g', 12)));
}

void TrainerTest::badMeshesSkippedOrFatal() {
  QTemporaryDir dir;
  const std::string bad = dir.filePath("broken.obj").toStdString();
  std::ofstream(bad) << "this is not a mesh\n";
  auto o = SmallRun("");
  o.steps = 1;
  o.meshes = {bad, test::AssimpModel("OBJ/spider.obj")};
  Progress progress;
  CancelToken cancel;
  std::vector<std::string> warnings;
  const auto r = finetune::RunFinetune(o, progress, cancel, {}, [&](const std::string& w) { warnings.push_back(w); });
  QCOMPARE(int(r.losses.size()), 1);
  QCOMPARE(int(warnings.size()), 1);
  QVERIFY(warnings[0].find("broken.obj") != std::string::npos);
  o.meshes = {bad};
  const std::string e = test::ErrorOf([&] { finetune::RunFinetune(o, progress, cancel); });
  QVERIFY2(e.find("none of the 1 meshes") != std::string::npos, e.c_str());
  QTemporaryDir empty;
  const std::string e2 = test::ErrorOf([&] { finetune::ExpandMeshes(empty.path().toStdString()); });
  QVERIFY2(e2.find("no mesh files found") != std::string::npos, e2.c_str());
}

void TrainerTest::autocastGuardRestores() {
  const at::Tensor t = at::ones({4, 4});
  QVERIFY(!at::autocast::is_cpu_enabled());
  {
    finetune::AutocastGuard on(c10::DeviceType::CPU, true);
    QCOMPARE(at::mm(t, t).scalar_type(), at::kBFloat16);
    {
      finetune::AutocastGuard off(c10::DeviceType::CPU, false);
      QCOMPARE(at::mm(t, t).scalar_type(), at::kFloat);
    }
    QCOMPARE(at::mm(t, t).scalar_type(), at::kBFloat16);
  }
  QVERIFY(!at::autocast::is_cpu_enabled());
  QCOMPARE(at::mm(t, t).scalar_type(), at::kFloat);
  const std::string e = test::ErrorOf([] { finetune::AutocastGuard g(c10::DeviceType::Meta, true); });
  QVERIFY2(e.find("runs on cpu or cuda") != std::string::npos, e.c_str());
}

// One pair, the same weights: float32 vs bfloat16 autocast (loss within 2e-2
// relative, gradients with cosine > 0.99, and not identical: bf16 is used).
void TrainerTest::bf16MatchesFloat32() {
  auto o = SmallRun("");
  finetune::TrainingData data(o.meshes, o.data, {});
  const finetune::TrainingPair pair = data.Sample(5, 0);  // has positives at 64 px
  model::VisionTransformer vit(model::VitConfig::ForArch("dinov2_vits14"));
  vit->RandomInit(5);
  finetune::AdapterModel m(vit, o.rank);
  m.InitAdapter(5);
  {
    torch::NoGradGuard no_grad;  // B != 0 so that A has a gradient too
    auto gen = at::make_generator<at::CPUGeneratorImpl>(7);
    for (auto l : m.backbone().LoraModules())
      for (at::Tensor* b : {&l->b_q, &l->b_v}) b->copy_(at::randn(b->sizes(), gen) * 0.05);
  }
  const auto run = [&](bool bf16) {
    m.SetBf16(bf16);
    finetune::PairGradients g = finetune::ComputeGradients(m, pair, o);
    for (auto& t : g.grads) t = t.clone();
    return g;
  };
  const finetune::PairGradients f = run(false), b = run(true);
  QVERIFY(std::isfinite(f.loss) && std::isfinite(b.loss));
  const double rel = std::abs(b.loss - f.loss) / std::abs(f.loss);
  qInfo("loss fp32 %.6f bf16 %.6f (relative %.2e)", f.loss, b.loss, rel);
  QVERIFY2(rel < 2e-2, "bf16 loss too far from fp32");
  QVERIFY2(rel > 0, "bf16 loss equals fp32: autocast not in effect");
  const size_t n = f.grads.size(), half = (n - 2) / 2;
  bool float32 = true;  // the bf16 run's gradients stay float32
  auto cosine = [&](size_t from, size_t to) -> double {
    std::vector<at::Tensor> x, y;
    for (size_t i = from; i < to; ++i) x.push_back(f.grads[i].flatten()), y.push_back(b.grads[i].flatten());
    const at::Tensor cx = at::cat(x), cy = at::cat(y);
    float32 = float32 && cy.scalar_type() == at::kFloat;
    return (cx * cy).sum().item<double>() / (cx.norm() * cy.norm()).item<double>();
  };
  const double ca = cosine(0, half), cb = cosine(half, 2 * half), cw = cosine(n - 2, n - 1), cbias = cosine(n - 1, n);
  qInfo("gradient cosine: LoRA A %.5f, LoRA B %.5f, conv weight %.5f, conv bias %.5f", ca, cb, cw, cbias);
  QVERIFY(float32);
  QVERIFY(ca > 0.99 && cb > 0.99 && cw > 0.99 && cbias > 0.99);
}

QTEST_GUILESS_MAIN(TrainerTest)
#include "trainer_test.moc"
