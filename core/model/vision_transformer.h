// A configurable Vision Transformer in LibTorch (DINOv2 and timm flavours),
// its LoRA-on-qkv adapter and the 3x3 refine head of 3DCorrEnhance.
//
// Parameter names follow the torch-hub DINOv2 / timm state dicts exactly
// ("blocks.3.attn.qkv.weight", "blocks.3.ls1.gamma", "norm.bias", ...), so a
// hub or timm checkpoint maps 1:1 onto named_parameters(). Parameters are
// allocated uninitialised; fill them with LoadBackboneWeights (weight_io.h)
// or RandomInit.
//
// Attention is computed in blocks of query rows: peak scratch memory is
// bounded by VitForwardOptions::attention_block_bytes instead of growing with
// tokens^2 (LibTorch 1.13 has no fused attention).
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <vector>

#include "core/model/vit_config.h"
#include "core/util/progress.h"

namespace corrlens::model {

// Options of one forward pass.
struct VitForwardOptions {
  // Patch-embedding stride; 0 = the patch size. Another value switches the
  // positional embedding to the reference tracking rule (PROTOCOLS.md s.4).
  int stride = 0;
  // Scratch budget of one attention block (the scores, which the softmax
  // overwrites with the probabilities), bytes.
  // 0 computes the plain formula softmax(q k^T) v in one piece.
  int64_t attention_block_bytes = int64_t{32} << 20;
  // Which outputs to keep (the other tensors stay undefined).
  bool want_norm = true;      // x_norm_patchtokens and x_norm_clstoken
  bool want_prenorm = false;  // x_prenorm patch tokens
  // Checked between blocks; Forward throws corrlens::Cancelled. May be null.
  const CancelToken* cancel = nullptr;

  bool Check() const { return stride >= 0 && attention_block_bytes >= 0 && (want_norm || want_prenorm); }
};

// Buffers and budgets shared by the blocks of one forward pass: the attention
// scores/probabilities are allocated once per pass, the MLP runs in row
// chunks, so no per-block allocation is larger than a few tens of MB.
struct ForwardScratch {
  int64_t attention_block_bytes = int64_t{32} << 20;  // see VitForwardOptions
  int64_t mlp_chunk_bytes = int64_t{16} << 20;        // hidden activations per MLP chunk
  at::Tensor scores;                                  // reused attention buffer
};

// Outputs of VisionTransformer::Forward. Patch tokens exclude CLS/registers.
struct VitOutput {
  at::Tensor patch_tokens_norm;     // [B, Hg*Wg, C] x_norm_patchtokens
  at::Tensor patch_tokens_prenorm;  // [B, Hg*Wg, C] x_prenorm[:, 1 + registers:]
  at::Tensor cls_norm;              // [B, C] x_norm_clstoken
  int grid_height = 0;              // token rows Hg
  int grid_width = 0;               // token columns Wg
};

// y = x W^T + b with W [out, in]; parameters "weight" and optional "bias".
class LinearLayerImpl : public torch::nn::Module {
 public:
  LinearLayerImpl(int64_t in, int64_t out, bool bias = true);
  at::Tensor forward(const at::Tensor& x) const;
  at::Tensor weight, bias;
};
TORCH_MODULE(LinearLayer);

// LayerNorm over the last dimension with affine "weight" and "bias".
class LayerNormLayerImpl : public torch::nn::Module {
 public:
  LayerNormLayerImpl(int64_t dim, double eps);
  at::Tensor forward(const at::Tensor& x) const;
  at::Tensor weight, bias;
  double eps;
};
TORCH_MODULE(LayerNormLayer);

// Per-channel LayerScale: x * gamma.
class LayerScaleImpl : public torch::nn::Module {
 public:
  explicit LayerScaleImpl(int64_t dim);
  at::Tensor gamma;
};
TORCH_MODULE(LayerScale);

// LoRA on the q and v thirds of a fused qkv Linear (no scaling factor):
// q += B_q(A_q(x)), v += B_v(A_v(x)); A is [r, C], B is [C, r].
class LoraQkvImpl : public torch::nn::Module {
 public:
  LoraQkvImpl(int64_t dim, int64_t rank);
  // Adds the low-rank updates to `qkv` ([..., 3C]) in place.
  void AddTo(const at::Tensor& x, at::Tensor& qkv) const;
  at::Tensor a_q, b_q, a_v, b_v;
};
TORCH_MODULE(LoraQkv);

// Multi-head self-attention with a fused qkv Linear and optional LoRA.
class AttentionImpl : public torch::nn::Module {
 public:
  AttentionImpl(int64_t dim, int64_t heads);
  // `x` by value: released once q, k and v are computed.
  at::Tensor forward(at::Tensor x, ForwardScratch& scratch) const;
  LinearLayer qkv{nullptr}, proj{nullptr};
  LoraQkv lora{nullptr};  // null until EnableLora
  int64_t heads;
};
TORCH_MODULE(Attention);

// MLP (fc1, GELU, fc2) or fused SwiGLU (w12, silu gate, w3).
class FeedForwardImpl : public torch::nn::Module {
 public:
  FeedForwardImpl(int64_t dim, int64_t hidden, FfnKind kind);
  // Rows are processed in chunks of at most `chunk_bytes` hidden activations
  // (0 = all at once); every row's result is the same as in one piece.
  at::Tensor forward(const at::Tensor& x, int64_t chunk_bytes = 0) const;
  LinearLayer fc1{nullptr}, fc2{nullptr};  // kMlp (timm/DINOv2 names)
  LinearLayer w12{nullptr}, w3{nullptr};   // kSwiGlu
  FfnKind kind;
};
TORCH_MODULE(FeedForward);

// Pre-norm block: x += ls1(attn(norm1(x))); x += ls2(mlp(norm2(x))).
class BlockImpl : public torch::nn::Module {
 public:
  explicit BlockImpl(const VitConfig& config);
  // Updates `x` in place and returns it.
  at::Tensor forward(at::Tensor x, ForwardScratch& scratch) const;
  LayerNormLayer norm1{nullptr}, norm2{nullptr};
  Attention attn{nullptr};
  LayerScale ls1{nullptr}, ls2{nullptr};  // null without layer scale
  FeedForward mlp{nullptr};
};
TORCH_MODULE(Block);

// Conv patch embedding: parameter "proj.weight" [C, 3, p, p] (+ "proj.bias").
class PatchEmbedImpl : public torch::nn::Module {
 public:
  PatchEmbedImpl(int64_t dim, int64_t patch, bool bias);
  class ProjImpl : public torch::nn::Module {
   public:
    at::Tensor weight, bias;
  };
  std::shared_ptr<ProjImpl> proj;
};
TORCH_MODULE(PatchEmbed);

// The transformer. Input: normalised images [B, 3, H, W] on the model's
// device and dtype; H and W multiples of the patch size unless a stride
// override is given (then grid = 1 + (H - patch) / stride).
class VisionTransformerImpl : public torch::nn::Module {
 public:
  explicit VisionTransformerImpl(VitConfig config);
  VitOutput Forward(const at::Tensor& images, const VitForwardOptions& options = {}) const;

  // Positional embedding for a grid, resized per the variant (with the CLS
  // row first when the variant has one). Float32 math, model dtype out.
  at::Tensor InterpolatePosEmbed(int grid_h, int grid_w, int input_h, int input_w, bool stride_override) const;
  // Token grid (rows, cols) for an input size and stride (0 = patch).
  static std::pair<int, int> GridSize(int input_h, int input_w, int patch, int stride);

  // Adds LoRA (rank r) to the last min(4, depth) blocks; zero-initialised.
  void EnableLora(int64_t rank);
  // LoRA modules in checkpoint order (2k = q, 2k+1 = v of the k-th block is
  // one module per block here); empty when LoRA is off.
  std::vector<LoraQkv> LoraModules() const;
  // Fills every parameter with deterministic random values (tests, bench).
  void RandomInit(uint64_t seed);
  const VitConfig& config() const { return config_; }

  PatchEmbed patch_embed{nullptr};
  at::Tensor cls_token, pos_embed, register_tokens, mask_token;
  LayerNormLayer norm_pre{nullptr};  // CLIP only
  torch::nn::ModuleList blocks{nullptr};
  LayerNormLayer norm{nullptr};

 private:
  at::Tensor EmbedTokens(const at::Tensor& images, int stride, int* grid_h, int* grid_w) const;
  VitConfig config_;
};
TORCH_MODULE(VisionTransformer);

// The adapter's 3x3 conv (padding 1, bias) on a token map [B, C, Hg, Wg].
class RefineHeadImpl : public torch::nn::Module {
 public:
  explicit RefineHeadImpl(int64_t dim);
  at::Tensor forward(const at::Tensor& map) const;
  at::Tensor weight, bias;
};
TORCH_MODULE(RefineHead);

// softmax(q k^T * scale) v for q, k, v [B, H, N, D], in blocks of query rows
// bounded by `block_bytes` of scratch (0 = plain, unblocked formula). The
// result is [B, N, H, D]. Exposed for tests.
at::Tensor BlockedAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, double scale,
                            int64_t block_bytes, ForwardScratch* scratch = nullptr);

}  // namespace corrlens::model
