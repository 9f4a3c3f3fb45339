// The held-out probe during finetuning, on assimp-testmodels meshes with a
// random ViT-S at 64 px: the trainer calls the probe hook before training,
// every N steps and at the end, logs it (log.jsonl, probe.csv), and the probe
// scores the adapter as it is at that moment.
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <torch/torch.h>

#include <cmath>
#include <fstream>

#include "core/finetune/adapter_model.h"
#include "core/finetune/probe.h"
#include "core/finetune/run_log.h"
#include "core/finetune/trainer.h"
#include "core/model/vision_transformer.h"
#include "core/render/renderer.h"
#include "tests/common/sample_data.h"
#include "tests/common/test_helpers.h"

using namespace corrlens;

namespace {

finetune::ProbeOptions TinyProbe() {
  finetune::ProbeOptions p;
  p.meshes = {test::AssimpModel("OBJ/WusonOBJ.obj")};
  p.views = 4;
  p.image_size = 96;
  p.points_per_view = 100;
  p.candidate_stride = 1;
  return p;
}

QStringList ReadLines(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  return QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
}

}  // namespace

class ProbeTest : public QObject {
  Q_OBJECT
 private slots:
  void init() {
    std::string reason;
    if (!render::RenderingAvailable(&reason)) QSKIP(reason.c_str());
    CORRLENS_REQUIRE_ASSIMP_MODEL("OBJ/spider.obj");
    CORRLENS_REQUIRE_ASSIMP_MODEL("OBJ/WusonOBJ.obj");
  }
  void optionsCheck();
  void hookBeforeEveryStepAndAtTheEnd();
  void probeScoresTheCurrentAdapter();
  void unreadableProbeMeshNamed();
};

void ProbeTest::optionsCheck() {
  finetune::ProbeOptions p;
  QVERIFY(p.Check() && !p.Enabled());
  p.views = 1;
  QVERIFY(!p.Check());
  p = {};
  p.thresholds = {0.0};
  QVERIFY(!p.Check());
  finetune::FinetuneOptions o;
  o.random_init = true;
  o.meshes = {"m.obj"};
  o.probe.every = -1;
  QVERIFY(!o.Check());
}

void ProbeTest::hookBeforeEveryStepAndAtTheEnd() {
  QTemporaryDir dir;
  finetune::FinetuneOptions o;
  o.random_init = true;
  o.meshes = {test::AssimpModel("OBJ/spider.obj")};
  o.data.image_size = 64;
  o.data.points = 600;
  o.data.augment.enabled = false;
  o.target_res = 64;
  o.steps = 2;
  o.seed = 5;
  o.pair_cycle = 1;
  o.out_dir = dir.path().toStdString();
  o.probe = TinyProbe();
  o.probe.every = 1;
  std::vector<std::string> events;
  std::vector<finetune::ProbeResult> probes;
  finetune::FinetuneHooks hooks;
  hooks.on_step = [&](const finetune::StepInfo& s) { events.push_back("step " + std::to_string(s.step)); };
  hooks.on_probe = [&](const finetune::ProbeResult& p) {
    events.push_back("probe " + std::to_string(p.step));
    probes.push_back(p);
  };
  Progress progress;
  CancelToken cancel;
  const auto r = finetune::RunFinetune(o, progress, cancel, hooks);
  const std::vector<std::string> expected = {"probe 0", "step 1", "probe 1", "step 2", "probe 2"};
  QCOMPARE(events, expected);
  QCOMPARE(int(r.probes.size()), 3);
  for (const auto& p : probes) {
    qInfo("probe at step %lld: APE %.4f, %s %.4f, %lld matches, %.2f s", static_cast<long long>(p.step), p.ape,
          p.pcdp[1].first.c_str(), p.pcdp[1].second, static_cast<long long>(p.matches), p.seconds);
    QVERIFY(p.matches > 0);
    QVERIFY(std::isfinite(p.ape) && p.ape >= 0 && p.ape <= 1.5);
    QCOMPARE(int(p.pcdp.size()), 3);
    QCOMPARE(QString::fromStdString(p.pcdp[0].first), QStringLiteral("pcdp@0.05"));
    QVERIFY(p.pcdp[0].second <= p.pcdp[1].second && p.pcdp[1].second <= p.pcdp[2].second);
  }
  // The log next to the checkpoints: 2 step lines and 3 probe lines; the CSV has a header.
  QVERIFY(QFile::exists(dir.filePath("last.ckpt")));
  const QStringList json = ReadLines(dir.filePath("log.jsonl"));
  QCOMPARE(json.size(), 5);
  QVERIFY2(json[0].contains("\"event\":\"probe\"") && json[0].contains("\"step\":0"), qPrintable(json[0]));
  QVERIFY2(json[1].contains("\"event\":\"step\"") && json[1].contains("\"loss\""), qPrintable(json[1]));
  const QStringList csv = ReadLines(dir.filePath("probe.csv"));
  QCOMPARE(csv.size(), 4);
  QCOMPARE(csv[0], QStringLiteral("step,ape,pcdp@0.05,pcdp@0.1,pcdp@0.2,matches,seconds"));
  QVERIFY(csv[3].startsWith("2,"));
}

void ProbeTest::probeScoresTheCurrentAdapter() {
  model::VisionTransformer vit(model::VitConfig::ForArch("dinov2_vits14"));
  vit->RandomInit(3);
  finetune::AdapterModel m(vit, 4);
  m.InitAdapter(3);
  const auto probe = TinyProbe();
  CancelToken cancel;
  const auto a = finetune::RunProbe(probe, m, 64, 0, cancel);
  const auto b = finetune::RunProbe(probe, m, 64, 0, cancel);
  QCOMPARE(a.matches, b.matches);  // same views and points every time
  QCOMPARE(a.ape, b.ape);
  {
    torch::NoGradGuard no_grad;  // a degenerate adapter: every feature the same, every match the first candidate
    m.refine().weight.zero_();
    m.refine().bias.fill_(1.0);
  }
  const auto c = finetune::RunProbe(probe, m, 64, 7, cancel);
  QCOMPARE(c.step, int64_t{7});
  QCOMPARE(c.matches, a.matches);
  qInfo("APE %.5f; with a constant refine conv %.5f", a.ape, c.ape);
  QVERIFY(c.ape != a.ape);
}

void ProbeTest::unreadableProbeMeshNamed() {
  QTemporaryDir dir;
  const std::string bad = dir.filePath("held_out_broken.obj").toStdString();
  std::ofstream(bad) << "not a mesh\n";
  finetune::FinetuneOptions o;
  o.random_init = true;
  o.meshes = {test::AssimpModel("OBJ/spider.obj")};
  o.data.image_size = 64;
  o.target_res = 64;
  o.steps = 1;
  o.probe = TinyProbe();
  o.probe.meshes = {bad};
  Progress progress;
  CancelToken cancel;
  const std::string e = test::ErrorOf([&] { finetune::RunFinetune(o, progress, cancel); });
  QVERIFY2(e.find("held_out_broken.obj") != std::string::npos, e.c_str());
}

QTEST_GUILESS_MAIN(ProbeTest)
#include "probe_test.moc"
