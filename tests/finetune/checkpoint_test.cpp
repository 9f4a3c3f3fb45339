// Finetuning checkpoints: round trip through our reader and through
// python3-torch's torch.load(weights_only=True) with identical values.
#include <QTemporaryDir>
#include <QtTest>

#include <torch/torch.h>

#include "core/finetune/checkpoint.h"
#include "tests/common/python.h"

using namespace corrlens;

class CheckpointTest : public QObject {
  Q_OBJECT
 private slots:
  void roundTripAndTorchLoad();
};

void CheckpointTest::roundTripAndTorchLoad() {
  torch::manual_seed(1);
  finetune::FinetuneCheckpoint c;
  for (int i = 0; i < 8; ++i)
    c.adapter.lora_a.push_back(torch::randn({4, 16})), c.adapter.lora_b.push_back(torch::randn({16, 4}));
  c.adapter.refine_weight = torch::randn({16, 16, 3, 3});
  c.adapter.refine_bias = torch::randn({16});
  for (int i = 0; i < 18; ++i)
    c.optimizer.exp_avg.push_back(torch::randn({3})), c.optimizer.exp_avg_sq.push_back(torch::rand({3}));
  c.optimizer.step = 7;
  c.global_step = 7;
  c.backbone = "dinov2_vits14";
  c.seed = 42;
  QTemporaryDir dir;
  const std::string path = dir.filePath("last.ckpt").toStdString();
  finetune::WriteFinetuneCheckpoint(path, c);
  const auto r = finetune::ReadFinetuneCheckpoint(path);
  QCOMPARE(r.global_step, int64_t{7});
  QCOMPARE(r.optimizer.step, int64_t{7});
  QCOMPARE(r.seed, int64_t{42});
  QCOMPARE(r.backbone, std::string("dinov2_vits14"));
  QVERIFY(r.adapter.refine_weight.equal(c.adapter.refine_weight));
  QVERIFY(r.adapter.lora_b[5].equal(c.adapter.lora_b[5]));
  QVERIFY(r.optimizer.exp_avg_sq[17].equal(c.optimizer.exp_avg_sq[17]));
  const QString script = QStringLiteral(
      "import sys, torch\n"
      "c = torch.load(sys.argv[1], weights_only=True)\n"
      "assert c['global_step'] == 7 and c['epoch'] == 0\n"
      "h = c['hyper_parameters']; assert h['backbone'] == 'dinov2_vits14' and h['r'] == 4 and h['reg'] is False\n"
      "assert h['backbone_size'] == 'small'\n"
      "w = c['state_dict']['refine_conv']['weight']; assert tuple(w.shape) == (16, 16, 3, 3)\n"
      "print(repr(float(w.double().sum())), repr(float(c['w_b_005'].double().sum())))\n");
  const auto py = test::RunPython3({"-c", script, QString::fromStdString(path)});
  QVERIFY2(py.ok, qPrintable(py.err));
  const QStringList sums = py.out.trimmed().split(' ');
  QCOMPARE(sums.size(), 2);
  QCOMPARE(sums[0].toDouble(), c.adapter.refine_weight.to(at::kDouble).sum().item<double>());
  QCOMPARE(sums[1].toDouble(), c.adapter.lora_b[5].to(at::kDouble).sum().item<double>());
}

QTEST_GUILESS_MAIN(CheckpointTest)
#include "checkpoint_test.moc"
