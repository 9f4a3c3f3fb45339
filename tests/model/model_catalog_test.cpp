#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <set>

#include "core/model/model_catalog.h"
#include "core/util/error.h"

namespace m = corrlens::model;
namespace stdfs = std::filesystem;

namespace {

void Touch(const stdfs::path& path) {
  stdfs::create_directories(path.parent_path());
  std::ofstream(path) << "x";
}

m::DiscoveryOptions Isolated(const QTemporaryDir& dir) {
  m::DiscoveryOptions options;
  options.torch_hub_dir = dir.filePath("torch/hub/checkpoints").toStdString();
  options.hf_hub_dir = dir.filePath("hf/hub").toStdString();
  return options;
}

}  // namespace

class ModelCatalogTest : public QObject {
  Q_OBJECT
 private slots:
  void everyRequiredNameIsListed() {
    std::set<std::string> names;
    for (const m::CatalogEntry& e : m::CatalogEntries()) names.insert(e.name);
    for (const char* size : {"s", "b", "l", "g"})
      for (const char* reg : {"", "_reg"})
        for (const char* adapter : {"", "+3dcorr"})
          QVERIFY(names.count(std::string("dinov2_vit") + size + "14" + reg + adapter));
    for (const char* timm : {"clip_vitb16", "mae_vitb16", "deit3_vitb16"}) {
      QVERIFY(names.count(timm));
      QVERIFY(names.count(std::string(timm) + "+3dcorr"));
    }
    QCOMPARE(names.size(), size_t(22));
  }
  void urlsAndFilesAreTheOfficialOnes() {
    const m::CatalogEntry* b = m::FindCatalogEntry("dinov2_vitb14+3dcorr");
    QVERIFY(b);
    QCOMPARE(b->arch, std::string("dinov2_vitb14"));
    QCOMPARE(b->backbone[0].url,
             std::string("https://dl.fbaipublicfiles.com/dinov2/dinov2_vitb14/dinov2_vitb14_pretrain.pth"));
    QCOMPARE(b->backbone[1].repo, std::string("facebook/dinov2-base"));
    QCOMPARE(b->adapter[0].url,
             std::string("https://huggingface.co/qq456cvb/3DCorrEnhance/resolve/main/dinov2_base.ckpt"));
    const m::CatalogEntry* reg = m::FindCatalogEntry("dinov2_vits14_reg4+3dcorr");
    QVERIFY(reg);
    QCOMPARE(reg->backbone[0].file_name, std::string("dinov2_vits14_reg4_pretrain.pth"));
    QCOMPARE(reg->backbone[1].repo, std::string("facebook/dinov2-with-registers-small"));
    QCOMPARE(reg->adapter[0].file_name, std::string("dinov2_reg_small.ckpt"));
    const m::CatalogEntry* clip = m::FindCatalogEntry("clip_vitb16+3dcorr");
    QCOMPARE(clip->backbone[0].repo, std::string("timm/vit_base_patch16_clip_384.laion2b_ft_in12k_in1k"));
    QCOMPARE(clip->backbone[0].LocalName(), std::string("vit_base_patch16_clip_384.laion2b_ft_in12k_in1k.safetensors"));
    QCOMPARE(clip->adapter[0].file_name, std::string("clip.ckpt"));
    QCOMPARE(m::FindCatalogEntry("deit3_vitb16+3dcorr")->adapter[0].file_name, std::string("deit.ckpt"));
    QVERIFY(!m::FindCatalogEntry("resnet50"));
  }
  void findsTorchHubAndHuggingFaceCaches() {
    QTemporaryDir dir;
    m::DiscoveryOptions options = Isolated(dir);
    const m::CatalogEntry& entry = *m::FindCatalogEntry("dinov2_vitb14+3dcorr");
    m::ResolvedModel none = m::ResolveModel(entry, options);
    QVERIFY(!none.Complete());
    QVERIFY(!none.backbone.searched.empty());
    // Backbone only in the HF cache (snapshot), adapter in the torch-hub cache.
    Touch(dir.filePath("hf/hub/models--facebook--dinov2-base/snapshots/abc123/model.safetensors").toStdString());
    Touch(dir.filePath("torch/hub/checkpoints/dinov2_base.ckpt").toStdString());
    m::ResolvedModel found = m::ResolveModel(entry, options);
    QVERIFY(found.Complete());
    QCOMPARE(found.backbone.location, std::string("huggingface cache"));
    QVERIFY(found.backbone.path.find("snapshots/abc123/model.safetensors") != std::string::npos);
    QCOMPARE(found.adapter.location, std::string("torch-hub cache"));
    // The torch-hub .pth is preferred when both exist.
    Touch(dir.filePath("torch/hub/checkpoints/dinov2_vitb14_pretrain.pth").toStdString());
    found = m::ResolveModel(entry, options);
    QCOMPARE(found.backbone.source.kind, std::string("torch-hub"));
    // Adapter in the 3DCorrEnhance HF repo cache.
    Touch(dir.filePath("hf/hub/models--qq456cvb--3DCorrEnhance/snapshots/s1/clip.ckpt").toStdString());
    Touch(dir.filePath(
                 "hf/hub/models--timm--vit_base_patch16_clip_384.laion2b_ft_in12k_in1k/snapshots/s/model.safetensors")
              .toStdString());
    QVERIFY(m::ResolveModel(*m::FindCatalogEntry("clip_vitb16+3dcorr"), options).Complete());
  }
  void modelsDirsAndExplicitFoldersComeFirst() {
    QTemporaryDir dir;
    m::DiscoveryOptions options = Isolated(dir);
    options.models_dirs = {dir.filePath("models").toStdString()};
    options.extra_dirs = {dir.filePath("explicit").toStdString()};
    Touch(dir.filePath("torch/hub/checkpoints/dinov2_vits14_pretrain.pth").toStdString());
    Touch(dir.filePath("models/dinov2_vits14_pretrain.pth").toStdString());
    const m::CatalogEntry& s = *m::FindCatalogEntry("dinov2_vits14");
    QCOMPARE(m::ResolveModel(s, options).backbone.location, std::string("$CORRLENS_MODELS"));
    // Alternatives keep their preference order: the .pth (first source) in
    // $CORRLENS_MODELS wins over the HF safetensors in the explicit folder.
    Touch(dir.filePath("explicit/dinov2-small.safetensors").toStdString());
    QCOMPARE(m::ResolveModel(s, options).backbone.location, std::string("$CORRLENS_MODELS"));
    Touch(dir.filePath("explicit/dinov2_vits14_pretrain.pth").toStdString());
    QCOMPARE(m::ResolveModel(s, options).backbone.location, std::string("folder"));
    // HF backbones in a flat folder use "<repo name>.safetensors" or "<repo name>/model.safetensors".
    const m::CatalogEntry& mae = *m::FindCatalogEntry("mae_vitb16");
    Touch(dir.filePath("explicit/vit_base_patch16_224.mae/model.safetensors").toStdString());
    const m::ResolvedModel r = m::ResolveModel(mae, options);
    QCOMPARE(r.backbone.location, std::string("folder"));
  }
  // Like huggingface_hub, the snapshot that refs/main names wins over newer ones.
  void huggingFaceRefsMainIsPreferred() {
    QTemporaryDir dir;
    const m::DiscoveryOptions options = Isolated(dir);
    const QString repo = dir.filePath("hf/hub/models--qq456cvb--3DCorrEnhance/");
    Touch((repo + "snapshots/main111/dinov2_small.ckpt").toStdString());
    Touch((repo + "snapshots/zzz999/dinov2_small.ckpt").toStdString());
    QFile ref(repo + "refs/main");
    QVERIFY(QDir().mkpath(repo + "refs") && ref.open(QIODevice::WriteOnly));
    ref.write("main111");
    ref.close();
    const m::FoundWeights found = m::FindWeights(m::FindCatalogEntry("dinov2_vits14+3dcorr")->adapter, options);
    QVERIFY2(found.path.find("snapshots/main111/") != std::string::npos, found.path.c_str());
  }
  void requireNamesTheDownload() {
    QTemporaryDir dir;
    try {
      m::RequireModel("dinov2_vitl14+3dcorr", Isolated(dir));
      QFAIL("no throw");
    } catch (const corrlens::Error& e) {
      const std::string what = e.what();
      QVERIFY2(what.find("dinov2_vitl14_pretrain.pth") != std::string::npos, what.c_str());
      QVERIFY(what.find("https://dl.fbaipublicfiles.com/dinov2/dinov2_vitl14/dinov2_vitl14_pretrain.pth") !=
              std::string::npos);
    }
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, m::RequireModel("nonexistent_model", Isolated(dir)));
  }
  void environmentLocations() {
    qputenv("TORCH_HOME", "/opt/th");
    qputenv("HF_HUB_CACHE", "/opt/hf");
    qputenv("CORRLENS_MODELS", "/a:/b");
    const m::DiscoveryOptions options = m::DiscoveryOptions::FromEnvironment();
    QCOMPARE(options.torch_hub_dir, std::string("/opt/th/hub/checkpoints"));
    QCOMPARE(options.hf_hub_dir, std::string("/opt/hf"));
    QCOMPARE(options.models_dirs.size(), size_t(2));
    qunsetenv("TORCH_HOME");
    qunsetenv("HF_HUB_CACHE");
    qunsetenv("CORRLENS_MODELS");
    qputenv("HOME", "/home/u");
    qunsetenv("XDG_CACHE_HOME");
    qunsetenv("HF_HOME");
    const m::DiscoveryOptions defaults = m::DiscoveryOptions::FromEnvironment();
    QCOMPARE(defaults.torch_hub_dir, std::string("/home/u/.cache/torch/hub/checkpoints"));
    QCOMPARE(defaults.hf_hub_dir, std::string("/home/u/.cache/huggingface/hub"));
  }
};

QTEST_APPLESS_MAIN(ModelCatalogTest)
#include "model_catalog_test.moc"
