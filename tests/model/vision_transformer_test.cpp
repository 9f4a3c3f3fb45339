#include <QtTest>

#include <torch/torch.h>

#include "core/model/vision_transformer.h"
#include "core/util/error.h"

namespace m = corrlens::model;

namespace {

m::VitConfig Small(const std::string& arch, int depth = 2) {
  m::VitConfig c = m::VitConfig::ForArch(arch);
  c.depth = depth;
  return c;
}

m::VisionTransformer Random(const m::VitConfig& config, uint64_t seed = 1) {
  m::VisionTransformer model(config);
  model->RandomInit(seed);
  return model;
}

at::Tensor PlainAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, double scale) {
  const at::Tensor attn = torch::matmul(q * scale, k.transpose(-2, -1)).softmax(-1);
  return torch::matmul(attn, v).permute({0, 2, 1, 3});  // [B, N, H, D]
}

}  // namespace

class VisionTransformerTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { torch::manual_seed(0); }

  void blockedAttentionEqualsThePlainFormula() {
    c10::InferenceMode guard;
    const at::Tensor q = torch::randn({2, 3, 517, 32}), k = torch::randn({2, 3, 517, 32}) * 2,
                     v = torch::randn({2, 3, 517, 32});
    const double scale = 1.0 / std::sqrt(32.0);
    const at::Tensor plain = PlainAttention(q, k, v, scale);
    const at::Tensor one = m::BlockedAttention(q, k, v, scale, /*block_bytes=*/0);
    // 40 KB of scratch -> 3 query rows per block, the last block shorter.
    const at::Tensor blocked = m::BlockedAttention(q, k, v, scale, /*block_bytes=*/40000);
    QCOMPARE(blocked.sizes(), plain.sizes());
    // Equal up to float rounding of the GEMMs (a few ulp of the output scale).
    const double tolerance = 1e-5 * plain.abs().max().item<double>();
    QVERIFY((one - plain).abs().max().item<double>() < tolerance);
    const double diff = (blocked - plain).abs().max().item<double>();
    QVERIFY2(diff < tolerance, qPrintable(QString::number(diff)));
    const at::Tensor single_row = m::BlockedAttention(q, k, v, scale, /*block_bytes=*/1);
    QVERIFY((single_row - plain).abs().max().item<double>() < tolerance);
  }

  void forwardIsIndependentOfTheAttentionBlockSize() {
    c10::InferenceMode guard;
    m::VisionTransformer model = Random(Small("dinov2_vits14_reg"));
    const at::Tensor images = torch::randn({1, 3, 14 * 9, 14 * 11});
    m::VitForwardOptions whole, blocked;
    whole.attention_block_bytes = 0;
    blocked.attention_block_bytes = 50000;
    const m::VitOutput a = model->Forward(images, whole), b = model->Forward(images, blocked);
    QVERIFY((a.patch_tokens_norm - b.patch_tokens_norm).abs().max().item<double>() < 1e-5);
  }

  void everyArchitectureRunsWithItsTokenLayout() {
    c10::InferenceMode guard;
    for (const std::string& arch : m::VitConfig::KnownArchs()) {
      const m::VitConfig config = Small(arch, 1);
      m::VisionTransformer model = Random(config);
      const int p = config.patch_size;
      m::VitForwardOptions options;
      options.want_prenorm = true;
      const m::VitOutput out = model->Forward(torch::randn({2, 3, 3 * p, 4 * p}), options);
      QCOMPARE(out.grid_height, 3);
      QCOMPARE(out.grid_width, 4);
      QCOMPARE(out.patch_tokens_norm.sizes(), (at::IntArrayRef{2, 12, config.embed_dim}));
      QCOMPARE(out.patch_tokens_prenorm.sizes(), (at::IntArrayRef{2, 12, config.embed_dim}));
      QCOMPARE(out.cls_norm.sizes(), (at::IntArrayRef{2, config.embed_dim}));
      QVERIFY(torch::isfinite(out.patch_tokens_norm).all().item<bool>());
      // Final LayerNorm: per-token statistics of the normalised output follow its affine params.
      const at::Tensor renorm = model->norm->forward(out.patch_tokens_prenorm);
      QVERIFY((renorm - out.patch_tokens_norm).abs().max().item<double>() < 1e-5);
    }
  }

  void parameterNamesFollowTheHubAndTimm() {
    auto names = [](const m::VisionTransformer& model) {
      std::set<std::string> out;
      for (const auto& p : model->named_parameters()) out.insert(p.key());
      return out;
    };
    const auto dinov2 = names(m::VisionTransformer(Small("dinov2_vitg14_reg", 1)));
    for (const char* key :
         {"cls_token", "pos_embed", "register_tokens", "mask_token", "patch_embed.proj.weight", "patch_embed.proj.bias",
          "blocks.0.norm1.weight", "blocks.0.attn.qkv.weight", "blocks.0.attn.qkv.bias", "blocks.0.attn.proj.bias",
          "blocks.0.ls1.gamma", "blocks.0.norm2.bias", "blocks.0.mlp.w12.weight", "blocks.0.mlp.w3.bias",
          "blocks.0.ls2.gamma", "norm.weight", "norm.bias"})
      QVERIFY2(dinov2.count(key), key);
    QCOMPARE(dinov2.size(), size_t(8 + 14));
    const auto clip = names(m::VisionTransformer(Small("clip_vitb16", 1)));
    QVERIFY(clip.count("norm_pre.weight") && clip.count("blocks.0.mlp.fc1.weight"));
    QVERIFY(!clip.count("patch_embed.proj.bias") && !clip.count("mask_token") && !clip.count("blocks.0.ls1.gamma"));
    m::VisionTransformer deit(Small("deit3_vitb16", 1));
    QCOMPARE(deit->pos_embed.sizes(), (at::IntArrayRef{1, 196, 768}));  // no class-token row
    m::VisionTransformer g(Small("dinov2_vitg14", 1));
    const auto* block = (*g->blocks)[0]->as<m::BlockImpl>();
    QCOMPARE(block->mlp->w12->weight.sizes(), (at::IntArrayRef{8192, 1536}));
    QCOMPARE(block->mlp->w3->weight.sizes(), (at::IntArrayRef{1536, 4096}));
  }

  void positionalEmbeddingEarlyReturnsAndSizes() {
    c10::InferenceMode guard;
    m::VisionTransformer plain = Random(Small("dinov2_vits14", 1));
    // 518 x 518: the learned grid as is (the references return it unchanged).
    QCOMPARE(plain->InterpolatePosEmbed(37, 37, 518, 518, false).data_ptr(), plain->pos_embed.data_ptr());
    const at::Tensor resized = plain->InterpolatePosEmbed(24, 32, 336, 448, false);
    QCOMPARE(resized.sizes(), (at::IntArrayRef{1, 1 + 24 * 32, 384}));
    QVERIFY(torch::equal(resized[0][0], plain->pos_embed[0][0]));  // CLS row untouched
    m::VisionTransformer reg = Random(Small("dinov2_vits14_reg", 1));
    const at::Tensor aa = reg->InterpolatePosEmbed(24, 32, 336, 448, false);
    const at::Tensor offset = reg->InterpolatePosEmbed(24, 32, 336, 448, true);  // stride-override rule
    QCOMPARE(aa.sizes(), offset.sizes());
    QVERIFY((aa - offset).abs().max().item<double>() > 1e-4);
    m::VisionTransformer mae = Random(Small("mae_vitb16", 1));
    QCOMPARE(mae->InterpolatePosEmbed(14, 14, 224, 224, false).data_ptr(), mae->pos_embed.data_ptr());
    m::VisionTransformer deit = Random(Small("deit3_vitb16", 1));
    QCOMPARE(deit->InterpolatePosEmbed(10, 12, 160, 192, false).sizes(), (at::IntArrayRef{1, 120, 768}));
  }

  void strideOverrideGrid() {
    c10::InferenceMode guard;
    QCOMPARE(m::VisionTransformerImpl::GridSize(476, 854, 14, 7), std::make_pair(67, 121));
    QCOMPARE(m::VisionTransformerImpl::GridSize(476, 854, 14, 0), std::make_pair(34, 61));
    m::VisionTransformer model = Random(Small("dinov2_vits14", 1));
    m::VitForwardOptions options;
    options.stride = 7;
    const m::VitOutput out = model->Forward(torch::randn({1, 3, 168, 224}), options);
    QCOMPARE(out.grid_height, 23);
    QCOMPARE(out.grid_width, 31);
    // Any size works with an explicit stride; without one it must be a multiple of the patch.
    QCOMPARE(model->Forward(torch::randn({1, 3, 100, 101}), options).grid_width, 13);
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, model->Forward(torch::randn({1, 3, 100, 112})));
  }

  void loraIsZeroInitialisedAndTouchesOnlyQandV() {
    c10::InferenceMode guard;
    m::VisionTransformer model = Random(Small("dinov2_vits14", 6));
    const at::Tensor images = torch::randn({1, 3, 56, 70});
    const at::Tensor before = model->Forward(images).patch_tokens_norm;
    model->EnableLora(4);
    const auto modules = model->LoraModules();
    QCOMPARE(modules.size(), size_t(4));  // the last 4 of 6 blocks
    QVERIFY(!(*model->blocks)[1]->as<m::BlockImpl>()->attn->lora);
    QVERIFY(torch::equal(model->Forward(images).patch_tokens_norm, before));
    // A k-only change is impossible; q and v updates change the output.
    const at::Tensor x = torch::randn({1, 5, 384});
    at::Tensor qkv = torch::zeros({1, 5, 3 * 384});
    modules[0]->a_q.normal_();
    modules[0]->b_q.normal_();
    modules[0]->AddTo(x, qkv);
    QVERIFY(qkv.narrow(-1, 0, 384).abs().sum().item<double>() > 0);
    QCOMPARE(qkv.narrow(-1, 384, 768).abs().sum().item<double>(), 0.0);
    QVERIFY(!torch::equal(model->Forward(images).patch_tokens_norm, before));
  }

  void cancelStopsBetweenBlocks() {
    c10::InferenceMode guard;
    m::VisionTransformer model = Random(Small("dinov2_vits14", 2));
    corrlens::CancelToken cancel;
    cancel.Cancel();
    m::VitForwardOptions options;
    options.cancel = &cancel;
    QVERIFY_THROWS_EXCEPTION(corrlens::Cancelled, model->Forward(torch::randn({1, 3, 28, 28}), options));
  }

  void refineHeadIsA3x3ConvWithPadding() {
    c10::InferenceMode guard;
    m::RefineHead refine(8);
    refine->weight.zero_();
    refine->bias.fill_(0.5);
    refine->weight.index_put_({torch::indexing::Slice(), torch::indexing::Slice(), 1, 1}, torch::eye(8));
    const at::Tensor map = torch::randn({1, 8, 5, 6});
    QVERIFY((refine->forward(map) - (map + 0.5)).abs().max().item<double>() < 1e-6);
  }
};

QTEST_APPLESS_MAIN(VisionTransformerTest)
#include "vision_transformer_test.moc"
