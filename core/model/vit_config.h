// Architecture description of every Vision Transformer flavour CorrLens runs:
// DINOv2 (S/B/L/g, with or without registers) and the timm MAE / CLIP / DeiT3
// ViT-B/16. Torch-free so the catalog, the CLI and the GUI can use it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace corrlens::model {

// Feed-forward network of a block.
enum class FfnKind {
  kMlp,     // fc1 -> GELU (erf) -> fc2
  kSwiGlu,  // w12 -> silu(x1) * x2 -> w3 (DINOv2 giant)
};

// How the learned positional grid is resized to another token grid.
enum class PosEmbedResize {
  // DINOv2 plain: bicubic with scale factor (grid + 0.1) / M, no antialias
  // (the reference "+0.1" kludge, also used for every stride override).
  kScaleOffset,
  // DINOv2 _reg and timm: bicubic to the exact size with antialias on.
  kExactAntialias,
};

struct VitConfig {
  std::string arch;                                          // canonical name, e.g. "dinov2_vitb14_reg"
  std::string family = "dinov2";                             // "dinov2" or "timm" (key names, token layout)
  int embed_dim = 768;                                       // channels C
  int depth = 12;                                            // number of blocks
  int num_heads = 12;                                        // attention heads (C % heads == 0)
  int patch_size = 14;                                       // patch-embedding kernel (and default stride)
  int pos_grid = 37;                                         // side of the learned positional grid
  bool pos_embed_has_cls = true;                             // false for DeiT3 (no_embed_class)
  int num_register_tokens = 0;                               // DINOv2 _reg: 4
  FfnKind ffn = FfnKind::kMlp;                               // feed-forward kind
  int ffn_hidden = 3072;                                     // hidden width (SwiGLU: per half)
  bool layer_scale = true;                                   // ls1/ls2 gamma present
  bool pre_norm = false;                                     // CLIP: LayerNorm `norm_pre` before the blocks
  bool patch_bias = true;                                    // patch-embedding conv has a bias (CLIP: no)
  double norm_eps = 1e-6;                                    // LayerNorm epsilon (CLIP: 1e-5)
  PosEmbedResize pos_resize = PosEmbedResize::kScaleOffset;  // see enum
  std::array<float, 3> mean{0.485f, 0.456f, 0.406f};         // input normalisation (RGB in [0,1])
  std::array<float, 3> std{0.229f, 0.224f, 0.225f};

  // Parameter-level consistency (positive sizes, divisible heads, ...).
  bool Check() const;
  int HeadDim() const { return embed_dim / num_heads; }
  // Number of backbone parameters (without adapters).
  int64_t NumParameters() const;
  // Multiply-adds x2 of one forward pass over `tokens` tokens (incl. prefix).
  double Flops(int64_t tokens) const;

  // The configuration of a known architecture; throws corrlens::Error with
  // the list of known names otherwise. Accepts aliases ("dinov2_vitb14_reg4").
  static VitConfig ForArch(const std::string& arch);
  // Every architecture ForArch knows, in catalog order.
  static std::vector<std::string> KnownArchs();
};

}  // namespace corrlens::model
