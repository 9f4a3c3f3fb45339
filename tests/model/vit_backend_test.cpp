// plugins/vit: CreateVitBackend from explicit files and from catalog names
// discovered in a folder, BackendInfo and errors.
#include <QTemporaryDir>
#include <QtTest>

#include <torch/torch.h>

#include "core/io/tensor_file.h"
#include "core/model/weight_io.h"
#include "core/util/error.h"
#include "model_test_util.h"
#include "plugins/vit/vit_backend.h"

namespace m = corrlens::model;

class VitBackendTest : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir dir_;
  std::string weights_, adapter_;

 private slots:
  void initTestCase() {
    // Isolate discovery from the machine's real caches.
    qputenv("TORCH_HOME", dir_.filePath("torch").toUtf8());
    qputenv("HF_HUB_CACHE", dir_.filePath("hf").toUtf8());
    qunsetenv("CORRLENS_MODELS");
    m::VisionTransformer vit(m::VitConfig::ForArch("dinov2_vits14"));
    vit->RandomInit(11);
    weights_ = dir_.filePath("models/dinov2_vits14_pretrain.pth").toStdString();
    adapter_ = dir_.filePath("models/dinov2_small.ckpt").toStdString();
    QDir().mkpath(dir_.filePath("models"));
    corrlens::io::WriteTorchCheckpoint(weights_, m::BackboneStateDict(*vit));
    m::AdapterWeights adapter;
    torch::manual_seed(3);
    for (int i = 0; i < 8; ++i) {
      adapter.lora_a.push_back(torch::randn({4, 384}) * 0.05);
      adapter.lora_b.push_back(torch::randn({384, 4}) * 0.05);
    }
    adapter.refine_weight = torch::randn({384, 384, 3, 3}) * 0.01;
    adapter.refine_bias = torch::zeros({384});
    m::WriteAdapter(adapter_, adapter);
  }

  void explicitFiles() {
    corrlens::VitBackendOptions options;
    options.arch = "dinov2_vits14";
    options.weights_path = weights_;
    auto plain = corrlens::CreateVitBackend(options);
    QCOMPARE(plain->Info().id, std::string("dinov2_vits14"));
    QCOMPARE(plain->Info().dim, 384);
    QCOMPARE(plain->Info().device, std::string("cpu"));
    QCOMPARE(plain->Info().weights_hash.size(), size_t(16));
    options.adapter_path = adapter_;
    auto adapted = corrlens::CreateVitBackend(options);
    QCOMPARE(adapted->Info().id, std::string("dinov2_vits14+adapter"));
    QVERIFY(adapted->Info().weights_hash != plain->Info().weights_hash);
    corrlens::ExtractOptions extract;
    extract.resolution = 112;  // 14 x 10 tokens for a 4:3 image
    const corrlens::FeatureMap map = adapted->Extract(m::test::Pattern(160, 120), extract, corrlens::CancelToken());
    QVERIFY(map.Valid());
    QCOMPARE(map.Channels(), int64_t(384));
    QCOMPARE(map.geometry.grid_width, 14);
    QCOMPARE(map.geometry.grid_height, 10);
    QVERIFY(map.backend_id.find("dinov2_vits14+adapter/") == 0);
  }

  void catalogNameDiscoveredInAFolder() {
    corrlens::VitBackendOptions options;
    options.name = "dinov2_vits14+3dcorr";
    options.model_dirs = {dir_.filePath("models").toStdString()};
    auto backend = corrlens::CreateVitBackend(options);
    QCOMPARE(backend->Info().id, std::string("dinov2_vits14+3dcorr"));
    corrlens::VitBackendOptions same;
    same.arch = "dinov2_vits14";
    same.weights_path = weights_;
    same.adapter_path = adapter_;
    QCOMPARE(backend->Info().weights_hash, corrlens::CreateVitBackend(same)->Info().weights_hash);
  }

  void missingWeightsNameTheDownload() {
    corrlens::VitBackendOptions options;
    options.name = "dinov2_vitb14+3dcorr";
    try {
      corrlens::CreateVitBackend(options);
      QFAIL("no throw");
    } catch (const corrlens::Error& e) {
      QVERIFY2(std::string(e.what()).find("dinov2_vitb14_pretrain.pth") != std::string::npos, e.what());
    }
    options.name = "no_such_model";
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, corrlens::CreateVitBackend(options));
    corrlens::VitBackendOptions wrong;
    wrong.arch = "dinov2_vitb14";  // ViT-S weights
    wrong.weights_path = weights_;
    try {
      corrlens::CreateVitBackend(wrong);
      QFAIL("no throw");
    } catch (const corrlens::Error& e) {
      QVERIFY2(std::string(e.what()).find("dinov2_vits14?") != std::string::npos, e.what());
    }
  }
};

QTEST_APPLESS_MAIN(VitBackendTest)
#include "vit_backend_test.moc"
