// The finetuning job on assimp-testmodels meshes with a random ViT-S and
// small renders: the loss goes down, resume equals an uninterrupted run,
// unreadable meshes are skipped with a warning, none readable fails clearly.
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>
#include <numeric>

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
  const auto r =
      finetune::RunFinetune(o, progress, cancel, [&](const finetune::StepInfo& s) { losses.push_back(s.loss); });
  QCOMPARE(int(r.losses.size()), 12);
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

QTEST_GUILESS_MAIN(TrainerTest)
#include "trainer_test.moc"
