// RegistryProvider: the GUI's catalog, cached features and custom models
// (a random ViT-S/14 saved in the torch-hub layout stands in for real weights).
#include <QtTest>

#include <algorithm>

#include <torch/torch.h>
#include <QTemporaryDir>
#include <opencv2/core.hpp>

#include "app/gui/registry_provider.h"
#include "core/io/tensor_file.h"
#include "core/model/vision_transformer.h"
#include "core/model/weight_io.h"
#include "tests/common/test_helpers.h"

using corrlens::test::ErrorOf;
namespace m = corrlens::model;

class RegistryProviderTest : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir dir_;

 private slots:
  void initTestCase() { qputenv("CORRLENS_CACHE_DIR", dir_.filePath("cache").toUtf8()); }

  void catalogSaysWhatIsMissingAndWhere() {
    corrlens::FeatureServiceOptions options;
    options.backend.model_dirs = {dir_.path().toStdString()};
    corrlens::app::RegistryProvider provider(options);
    bool sift = false, vit = false;
    for (const auto& entry : provider.Models()) {
      if (entry.id == "dense_sift") sift = entry.available;
      if (entry.id == "dinov2_vitb14") {
        vit = true;
        QVERIFY(!entry.available);
        QVERIFY2(entry.details.contains("dinov2_vitb14_pretrain.pth"), qPrintable(entry.details));
      }
    }
    QVERIFY(sift);
    QVERIFY(vit);
    QVERIFY(provider.Architectures().contains("dinov2_vits14"));
    QVERIFY(!provider.Architectures().contains("dense_sift"));
    for (const QString& arch : provider.Architectures()) QVERIFY2(!arch.contains('+'), qPrintable(arch));
  }

  void customModelFromAWeightsFile() {
    m::VisionTransformer model(m::VitConfig::ForArch("dinov2_vits14"));
    model->RandomInit(11);
    const QString weights = dir_.filePath("my_vits14.pth");
    corrlens::io::WriteTorchCheckpoint(weights.toStdString(), m::BackboneStateDict(*model));

    corrlens::app::RegistryProvider provider;
    const auto entry = provider.AddCustom("dinov2_vits14", weights, "");
    QVERIFY(entry.available);
    QVERIFY(entry.display_name.contains("my_vits14.pth"));
    corrlens::ExtractOptions extract;
    extract.resolution = 112;  // 14 x 10 tokens: quick on a CPU
    const cv::Mat rgb(96, 128, CV_8UC3, cv::Scalar(90, 120, 200));
    const auto map = provider.Features()->Get(rgb, entry.id.toStdString(), extract, corrlens::CancelToken());
    QVERIFY(map && map->Valid());
    QCOMPARE(map->Channels(), int64_t{384});
    QCOMPARE(map->geometry.grid_width, 14);
    QCOMPARE(map->geometry.grid_height, 10);

    // Weights of another architecture, a missing file and a non-checkpoint
    // are refused with the file's name.
    const std::string wrong = ErrorOf([&] { provider.AddCustom("dinov2_vitb14", weights, ""); });
    QVERIFY2(wrong.find("my_vits14.pth") != std::string::npos && wrong.find("do not fit") != std::string::npos,
             wrong.c_str());
    QVERIFY(ErrorOf([&] { provider.AddCustom("dinov2_vits14", dir_.filePath("none.pth"), ""); }).find("none.pth") !=
            std::string::npos);
    const QString text = dir_.filePath("notes.pth");
    QFile file(text);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("not a checkpoint\n");
    file.close();
    QVERIFY(ErrorOf([&] { provider.AddCustom("dinov2_vits14", text, ""); }).find("notes.pth") != std::string::npos);
  }

  // Custom models outlive the session: the specs (absolute paths) go to the
  // settings, come back without loading, and a moved file reads as missing.
  void customModelsAreRestoredAndForgotten() {
    m::VisionTransformer model(m::VitConfig::ForArch("dinov2_vits14"));
    model->RandomInit(12);
    const QString weights = dir_.filePath("restored_vits14.pth");
    corrlens::io::WriteTorchCheckpoint(weights.toStdString(), m::BackboneStateDict(*model));

    corrlens::app::RegistryProvider first;
    int changes = 0;
    first.OnCustomModelsChanged([&] { ++changes; });
    const auto added = first.AddCustom("dinov2_vits14", weights, "");
    QCOMPARE(changes, 1);
    const QVector<corrlens::app::CustomModelSpec> specs = first.CustomModels();
    QCOMPARE(specs.size(), 1);
    QCOMPARE(specs[0].weights, QFileInfo(weights).absoluteFilePath());
    QVERIFY(specs[0].adapter.isEmpty());

    corrlens::app::RegistryProvider second;
    const auto restored = second.RestoreCustom(specs[0]);
    QCOMPARE(restored.id, added.id);
    QVERIFY(restored.available);
    QCOMPARE(second.Features()->Info(restored.id.toStdString()).dim, 384);
    const auto listed = second.Models();
    QVERIFY(std::any_of(listed.begin(), listed.end(), [&](const auto& e) { return e.id == added.id; }));

    corrlens::app::RegistryProvider third;
    const auto missing = third.RestoreCustom({"dinov2_vits14", dir_.filePath("moved.pth"), ""});
    QVERIFY(!missing.available);
    QVERIFY2(missing.details.contains("moved.pth") && missing.details.contains("missing"), qPrintable(missing.details));
    QVERIFY(ErrorOf([&] { third.Features()->Info(missing.id.toStdString()); }).find("moved.pth") != std::string::npos);

    QVERIFY(second.Forget(restored.id));
    QVERIFY(!second.Forget(restored.id));
    QVERIFY(!second.Forget("dense_sift"));
    QVERIFY(second.CustomModels().isEmpty());
    const auto after = second.Models();
    QVERIFY(std::none_of(after.begin(), after.end(), [&](const auto& e) { return e.id == added.id; }));
    QVERIFY(QFile::exists(weights));  // forgetting never deletes the user's file
  }
};

QTEST_GUILESS_MAIN(RegistryProviderTest)
#include "registry_provider_test.moc"
