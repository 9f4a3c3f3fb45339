#include <QTemporaryDir>
#include <QtTest>

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "core/io/tensor_file.h"
#include "core/model/weight_io.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "model_test_util.h"

namespace m = corrlens::model;
namespace io = corrlens::io;
using m::test::Fixture;
using m::test::Tiny;

namespace {

std::vector<io::NamedTensor> Without(std::vector<io::NamedTensor> tensors, const std::string& path) {
  tensors.erase(
      std::remove_if(tensors.begin(), tensors.end(), [&](const io::NamedTensor& t) { return t.path == path; }),
      tensors.end());
  return tensors;
}

// The error message of loading `tensors` (written as a .pth) into `model`.
std::string LoadError(m::VisionTransformer& model, const std::vector<io::NamedTensor>& tensors,
                      const std::string& path) {
  io::WriteTorchCheckpoint(path, tensors);
  try {
    m::LoadBackboneWeights(*model, path);
  } catch (const corrlens::Error& e) {
    return e.what();
  }
  return "";
}

bool SameParameters(const m::VisionTransformer& a, const m::VisionTransformer& b) {
  const auto pa = a->named_parameters(), pb = b->named_parameters();
  if (pa.size() != pb.size()) return false;
  for (const auto& item : pa)
    if (!torch::equal(item.value(), pb[item.key()])) return false;
  return true;
}

}  // namespace

class WeightIoTest : public QObject {
  Q_OBJECT
 private slots:
  void loadsATorchSaveStateDict() {
    m::VisionTransformer model(Tiny("dinov2_vits14_reg"));
    const m::LoadReport report = m::LoadBackboneWeights(*model, Fixture("tiny_dinov2_reg.pth"));
    QCOMPARE(report.layout, m::WeightLayout::kTorchHub);
    QCOMPARE(report.prefix, std::string());
    QCOMPARE(size_t(report.loaded), model->parameters().size());
    const io::TensorFile file = io::ReadTensorFile(Fixture("tiny_dinov2_reg.pth"));
    QVERIFY(torch::equal(model->pos_embed, io::ToTorch(*file.Find("pos_embed"))));
    QVERIFY(torch::equal(model->register_tokens, io::ToTorch(*file.Find("register_tokens"))));
    const auto* block = (*model->blocks)[3]->as<m::BlockImpl>();
    QVERIFY(torch::equal(block->ls2->gamma, io::ToTorch(*file.Find("blocks.3.ls2.gamma"))));
  }

  void huggingFaceNamesRoundTrip() {
    QTemporaryDir dir;
    for (const char* arch : {"dinov2_vits14_reg", "dinov2_vitg14"}) {
      m::VitConfig config = Tiny(arch);
      m::VisionTransformer source(config);
      source->RandomInit(3);
      const std::string path = dir.filePath(QString(arch) + ".safetensors").toStdString();
      const auto hf = m::HuggingFaceStateDict(*source);
      QVERIFY(std::any_of(hf.begin(), hf.end(), [](const io::NamedTensor& t) {
        return t.path == "encoder.layer.2.attention.attention.value.bias";
      }));
      io::WriteSafetensors(path, hf);
      m::VisionTransformer target(config);
      const m::LoadReport report = m::LoadBackboneWeights(*target, path);
      QCOMPARE(report.layout, m::WeightLayout::kHuggingFace);
      QVERIFY(SameParameters(source, target));
    }
  }

  void wrapperPrefixesAndClassifierHeadsAreTolerated() {
    QTemporaryDir dir;
    m::VisionTransformer source(Tiny("deit3_vitb16"));
    source->RandomInit(5);
    std::vector<io::NamedTensor> tensors;
    for (auto& t : m::BackboneStateDict(*source)) tensors.push_back({"model." + t.path, t.tensor});
    tensors.push_back({"model.head.weight", io::FromTorch(torch::zeros({10, 24}))});
    tensors.push_back({"model.head.bias", io::FromTorch(torch::zeros({10}))});
    const std::string path = dir.filePath("timm.pth").toStdString();
    io::WriteTorchCheckpoint(path, tensors, /*nest=*/true);  // {"model": {...}} like many checkpoints
    m::VisionTransformer target(Tiny("deit3_vitb16"));
    const m::LoadReport report = m::LoadBackboneWeights(*target, path);
    QCOMPARE(report.prefix, std::string("model."));
    QCOMPARE(report.ignored.size(), size_t(2));
    QVERIFY(SameParameters(source, target));
  }

  void errorsNameTheFileAndTheKeys() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("w.pth").toStdString();
    m::VisionTransformer source(Tiny("dinov2_vits14"));
    source->RandomInit(1);
    const auto tensors = m::BackboneStateDict(*source);
    m::VisionTransformer model(Tiny("dinov2_vits14"));

    std::string what = LoadError(model, Without(tensors, "blocks.3.mlp.fc2.weight"), path);
    QVERIFY2(what.find(path) != std::string::npos, what.c_str());
    QVERIFY2(what.find("1 missing (blocks.3.mlp.fc2.weight)") != std::string::npos, what.c_str());
    QVERIFY(what.find('\n') == std::string::npos);

    auto extra = tensors;
    extra.push_back({"blocks.4.norm1.weight", io::FromTorch(torch::ones({24}))});
    what = LoadError(model, extra, path);
    QVERIFY2(what.find("1 unexpected (blocks.4.norm1.weight)") != std::string::npos, what.c_str());

    auto bad = tensors;
    for (auto& t : bad)
      if (t.path == "pos_embed") t.tensor = io::FromTorch(torch::zeros({1, 1370, 32}));
    what = LoadError(model, bad, path);
    QVERIFY2(what.find("mis-shaped (pos_embed [1,1370,32] vs model [1,1370,24])") != std::string::npos, what.c_str());

    // Many missing keys: the first few are listed, then a count.
    std::vector<io::NamedTensor> few(tensors.begin(), tensors.begin() + 3);
    what = LoadError(model, few, path);
    QVERIFY2(what.find("more)") != std::string::npos, what.c_str());
  }

  void wrongArchitectureSuggestsTheRightOne() {
    m::VisionTransformer small(m::VitConfig::ForArch("dinov2_vits14"));
    try {
      m::LoadBackboneWeights(*small, Fixture("tiny_dinov2_reg.pth"));
      QFAIL("no throw");
    } catch (const corrlens::Error& e) {
      const std::string what = e.what();
      QVERIFY2(what.find("tiny_dinov2_reg.pth") != std::string::npos, what.c_str());
      QVERIFY2(what.find("dim 24, 4 blocks, 4 registers") != std::string::npos, what.c_str());
      QVERIFY2(what.find("unexpected (register_tokens)") != std::string::npos, what.c_str());
    }
  }

  void notATensorFile() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("junk.pth").toStdString();
    corrlens::fs::WriteFileAtomic(path, std::string("this is not a checkpoint"));
    m::VisionTransformer model(Tiny("dinov2_vits14"));
    try {
      m::LoadBackboneWeights(*model, path);
      QFAIL("no throw");
    } catch (const corrlens::Error& e) {
      QVERIFY(std::string(e.what()).find(path) != std::string::npos);
    }
  }

  void readsALightningAdapterWrittenByPython() {
    const m::AdapterWeights adapter = m::ReadAdapter(Fixture("tiny_adapter.ckpt"));
    QCOMPARE(adapter.lora_a.size(), size_t(8));
    QCOMPARE(adapter.Rank(), 4);
    QCOMPARE(adapter.Dim(), 24);
    QCOMPARE(adapter.refine_weight.sizes(), (at::IntArrayRef{24, 24, 3, 3}));
    m::VisionTransformer model(Tiny("dinov2_vits14"));
    m::RefineHead refine(24);
    m::ApplyAdapter(*model, *refine, adapter);
    const auto modules = model->LoraModules();
    QCOMPARE(modules.size(), size_t(4));
    QVERIFY(torch::equal(modules[2]->a_q, adapter.lora_a[4]));
    QVERIFY(torch::equal(modules[2]->b_v, adapter.lora_b[5]));
    QVERIFY(torch::equal(refine->bias, adapter.refine_bias));
  }

  void adapterRoundTripWithLightningMetadata() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("adapter.ckpt").toStdString();
    const m::AdapterWeights original = m::ReadAdapter(Fixture("tiny_adapter.ckpt"));
    m::AdapterMetadata meta;
    meta.epoch = 3;
    meta.global_step = 42;
    m::WriteAdapter(path, original, meta);
    const io::TensorFile file = io::ReadTensorFile(path);
    QVERIFY(file.Find("state_dict.refine_conv.weight") && file.Find("w_b_007"));
    QCOMPARE((*file.metadata)["epoch"].get<int>(), 3);
    QCOMPARE((*file.metadata)["global_step"].get<int>(), 42);
    QCOMPARE((*file.metadata)["pytorch-lightning_version"].get<std::string>(), std::string("2.2.5"));
    const m::AdapterWeights back = m::ReadAdapter(file);
    for (size_t i = 0; i < original.lora_a.size(); ++i) {
      QVERIFY(torch::equal(back.lora_a[i], original.lora_a[i]));
      QVERIFY(torch::equal(back.lora_b[i], original.lora_b[i]));
    }
    QVERIFY(torch::equal(back.refine_weight, original.refine_weight));
    // ExtractAdapter gives back what ApplyAdapter installed.
    m::VisionTransformer model(Tiny("dinov2_vits14"));
    m::RefineHead refine(24);
    m::ApplyAdapter(*model, *refine, original);
    const m::AdapterWeights extracted = m::ExtractAdapter(*model, *refine);
    QVERIFY(torch::equal(extracted.lora_a[7], original.lora_a[7]));
  }

  void adapterErrors() {
    QTemporaryDir dir;
    m::AdapterWeights adapter = m::ReadAdapter(Fixture("tiny_adapter.ckpt"));
    // A missing B matrix is named.
    std::vector<io::NamedTensor> tensors;
    const io::TensorFile file = io::ReadTensorFile(Fixture("tiny_adapter.ckpt"));
    for (const auto& t : file.tensors)
      if (t.path != "w_b_003") tensors.push_back(t);
    const std::string broken = dir.filePath("broken.ckpt").toStdString();
    io::WriteTorchCheckpoint(broken, tensors, /*nest=*/true);
    try {
      m::ReadAdapter(broken);
      QFAIL("no throw");
    } catch (const corrlens::Error& e) {
      QVERIFY2(std::string(e.what()).find("w_b_003") != std::string::npos, e.what());
    }
    // A backbone file is not an adapter.
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, m::ReadAdapter(Fixture("tiny_dinov2.pth")));
    // Dim and block count must fit the model.
    m::VisionTransformer base(m::VitConfig::ForArch("dinov2_vits14"));
    m::RefineHead refine(384);
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, m::ApplyAdapter(*base, *refine, adapter));
    m::VitConfig two = Tiny("dinov2_vits14");
    two.depth = 2;
    m::VisionTransformer shallow(two);
    m::RefineHead refine24(24);
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, m::ApplyAdapter(*shallow, *refine24, adapter));
  }
};

QTEST_APPLESS_MAIN(WeightIoTest)
#include "weight_io_test.moc"
