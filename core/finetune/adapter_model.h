// The trainable 3DCorrEnhance model: a frozen ViT backbone with LoRA on q
// and v of its last 4 blocks and the 3x3 refine conv on the token map, with
// a forward pass that autograd can differentiate (the inference forward of
// core/model reuses buffers in place and is not differentiable).
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/DeviceType.h>

#include <cstdint>
#include <vector>

#include "core/model/vision_transformer.h"
#include "core/model/weight_io.h"

namespace corrlens::finetune {

// bfloat16 autocast on `device` (CPU: AutocastCPU, CUDA: Autocast) while
// alive; restores the previous enabled flag and dtype and, at the outermost
// guard, clears the cast cache. Throws corrlens::Error for other devices.
class AutocastGuard {
 public:
  AutocastGuard(c10::DeviceType device, bool enabled);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  c10::DeviceType device_;
  bool was_enabled_ = false;
  at::ScalarType was_dtype_;
};

class AdapterModel {
 public:
  // Takes the backbone (weights loaded or random); adds LoRA of `rank`.
  AdapterModel(model::VisionTransformer backbone, int64_t rank);

  // The reference initialisation: A Kaiming-uniform (a = sqrt(5)), B zeros,
  // refine conv as nn.Conv2d's default; from `seed`.
  void InitAdapter(uint64_t seed);
  // Installs adapter weights (resume, or a published checkpoint).
  void SetAdapter(const model::AdapterWeights& adapter);
  model::AdapterWeights Adapter() const;

  // Trainable tensors in the reference optimizer's order: every A
  // (w_a_000...), every B (w_b_000...), refine weight, refine bias.
  std::vector<at::Tensor> Parameters() const;

  // Descriptors at pixel `points` ([B, N, 2], x y) of images `rgb`
  // ([B, 3, H, W], RGB in [0, 1]) as the reference's get_feature: resize so
  // the longer side has target_res / 8 tokens, normalise, backbone, refine
  // conv, bilinear lookup, L2 normalisation. Result [B, N, C].
  at::Tensor Describe(const at::Tensor& rgb, const at::Tensor& points, int target_res = 640) const;

  model::VisionTransformerImpl& backbone() { return *backbone_; }
  model::RefineHeadImpl& refine() { return *refine_; }
  int64_t rank() const { return rank_; }
  // The modules themselves (shared, not copied), e.g. for an inference
  // extractor that sees the weights as they train.
  model::VisionTransformer BackboneModule() const { return backbone_; }
  model::RefineHead RefineModule() const { return refine_; }
  // On (the default): trained blocks keep q, k, v instead of the attention
  // probabilities and recompute them in backward (recomputed_attention.h);
  // off: plain autograd, as the reference trainer.
  void SetRecomputeAttention(bool on) { recompute_attention_ = on; }
  // On: the trained blocks, the final norm and the refine conv run under
  // bfloat16 autocast on the backbone's device (frozen blocks, sampling and
  // the returned descriptors stay float32; parameters and gradients too).
  // Throws corrlens::Error when the device cannot run bfloat16.
  void SetBf16(bool on);
  bool bf16() const { return bf16_; }

 private:
  at::Tensor TokenMap(const at::Tensor& images) const;
  at::Tensor Embed(const at::Tensor& images) const;
  model::VisionTransformer backbone_;
  model::RefineHead refine_{nullptr};
  int64_t rank_;
  bool recompute_attention_ = true;
  bool bf16_ = false;
};

// Token grid (rows, cols) the reference uses for an image of h x w pixels.
std::pair<int, int> ReferenceGrid(int height, int width, int target_res);

}  // namespace corrlens::finetune
