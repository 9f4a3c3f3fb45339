#include <QtTest>

#include "core/model/vit_config.h"
#include "core/util/error.h"

using corrlens::model::FfnKind;
using corrlens::model::PosEmbedResize;
using corrlens::model::VitConfig;

class VitConfigTest : public QObject {
  Q_OBJECT
 private slots:
  void dinov2SizesMatchTheProtocol() {
    const struct {
      const char* arch;
      int dim, depth, heads;
      int64_t params;  // numel of the hub state dict without mask_token
    } want[] = {{"dinov2_vits14", 384, 12, 6, 22056192},
                {"dinov2_vitb14", 768, 12, 12, 86579712},
                {"dinov2_vitl14", 1024, 24, 16, 304367616},
                {"dinov2_vitg14", 1536, 40, 24, 1136479232}};
    for (const auto& w : want) {
      const VitConfig c = VitConfig::ForArch(w.arch);
      QCOMPARE(c.embed_dim, w.dim);
      QCOMPARE(c.depth, w.depth);
      QCOMPARE(c.num_heads, w.heads);
      QCOMPARE(c.patch_size, 14);
      QCOMPARE(c.pos_grid, 37);
      QVERIFY(c.Check());
      QCOMPARE(c.NumParameters(), w.params);
    }
  }
  void giantUsesSwiGlu4096() {
    const VitConfig g = VitConfig::ForArch("dinov2_vitg14");
    QCOMPARE(int(g.ffn), int(FfnKind::kSwiGlu));
    QCOMPARE(g.ffn_hidden, 4096);
    QCOMPARE(int(VitConfig::ForArch("dinov2_vitl14").ffn), int(FfnKind::kMlp));
  }
  void registerVariantsInterpolateWithAntialias() {
    const VitConfig reg = VitConfig::ForArch("dinov2_vitb14_reg");
    QCOMPARE(reg.num_register_tokens, 4);
    QCOMPARE(int(reg.pos_resize), int(PosEmbedResize::kExactAntialias));
    QCOMPARE(int(VitConfig::ForArch("dinov2_vitb14").pos_resize), int(PosEmbedResize::kScaleOffset));
    QCOMPARE(VitConfig::ForArch("dinov2_vitb14_reg4").arch, std::string("dinov2_vitb14_reg"));
  }
  void timmFlavours() {
    const VitConfig clip = VitConfig::ForArch("clip_vitb16");
    QVERIFY(clip.pre_norm);
    QVERIFY(!clip.patch_bias);
    QCOMPARE(clip.norm_eps, 1e-5);
    QCOMPARE(clip.pos_grid, 24);
    QCOMPARE(clip.mean[0], 0.48145466f);
    const VitConfig deit = VitConfig::ForArch("deit3_base_patch16_224.fb_in1k");
    QCOMPARE(deit.arch, std::string("deit3_vitb16"));
    QVERIFY(deit.layer_scale);
    QVERIFY(!deit.pos_embed_has_cls);
    const VitConfig mae = VitConfig::ForArch("mae_vitb16");
    QVERIFY(!mae.layer_scale && !mae.pre_norm);
    QCOMPARE(mae.patch_size, 16);
    QCOMPARE(mae.mean[2], 0.406f);
    QCOMPARE(VitConfig::ForArch("vit_base_patch16_clip_384.laion2b_ft_in12k_in1k").arch, std::string("clip_vitb16"));
    QCOMPARE(mae.NumParameters(), int64_t(85798656));
    QCOMPARE(clip.NumParameters(), int64_t(86091264));
    QCOMPARE(deit.NumParameters(), int64_t(85816320));
  }
  void unknownArchListsKnownOnes() {
    try {
      VitConfig::ForArch("dinov3_vitb16");
      QFAIL("no throw");
    } catch (const corrlens::Error& e) {
      const std::string what = e.what();
      QVERIFY(what.find("dinov3_vitb16") != std::string::npos);
      QVERIFY(what.find("dinov2_vitg14_reg") != std::string::npos);
    }
  }
  void flopsGrowQuadraticallyInTokens() {
    const VitConfig b = VitConfig::ForArch("dinov2_vitb14");
    const double f1 = b.Flops(1000), f2 = b.Flops(2000);
    QVERIFY(f2 > 2.0 * f1);
    QVERIFY(f1 > 1.5e11 && f1 < 2.5e11);  // ~12 * (24 N C^2 + 4 N^2 C)
  }
  void checkRejectsBadHeads() {
    VitConfig c = VitConfig::ForArch("dinov2_vits14");
    c.num_heads = 5;
    QVERIFY(!c.Check());
  }
};

QTEST_APPLESS_MAIN(VitConfigTest)
#include "vit_config_test.moc"
