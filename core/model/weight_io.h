// Reading ViT backbone weights in every supported naming (torch-hub DINOv2
// .pth, Hugging Face facebook/dinov2-* safetensors, timm safetensors/.pth)
// and 3DCorrEnhance adapter checkpoints (read and write, Lightning layout).
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "core/io/tensor.h"
#include "core/model/vision_transformer.h"

namespace corrlens::io {
struct TensorFile;
}

namespace corrlens::model {

// Key naming of a backbone file.
enum class WeightLayout {
  kAuto,         // detect from the keys
  kTorchHub,     // DINOv2 torch-hub and timm names (identical scheme)
  kHuggingFace,  // transformers Dinov2Model names (q/k/v split)
};
std::string LayoutName(WeightLayout layout);

// What a load did (for logs and `features --json`).
struct LoadReport {
  std::string source;  // file path
  WeightLayout layout = WeightLayout::kAuto;
  std::string prefix;                // wrapper prefix stripped from keys ("", "model.", ...)
  int loaded = 0;                    // parameters filled
  std::vector<std::string> ignored;  // tolerated extra keys (classifier heads, ...)
};

// Fills every backbone parameter of `model` from `file` (converted to the
// model's device and dtype). Throws corrlens::Error naming the file and the
// first missing, unexpected and mis-shaped keys in one line.
LoadReport LoadBackboneWeights(VisionTransformerImpl& model, const io::TensorFile& file,
                               WeightLayout layout = WeightLayout::kAuto);
LoadReport LoadBackboneWeights(VisionTransformerImpl& model, const std::string& path,
                               WeightLayout layout = WeightLayout::kAuto);

// The backbone's state dict in torch-hub/timm names, as CPU float tensors,
// ready for io::WriteTorchCheckpoint / WriteSafetensors.
std::vector<io::NamedTensor> BackboneStateDict(const VisionTransformerImpl& model);
// The same weights under Hugging Face transformers names (DINOv2 only).
std::vector<io::NamedTensor> HuggingFaceStateDict(const VisionTransformerImpl& model);

// A 3DCorrEnhance adapter: LoRA matrices in checkpoint order (index 2k = q,
// 2k+1 = v of the k-th of the last blocks) and the refine conv.
struct AdapterWeights {
  std::vector<at::Tensor> lora_a;  // [r, C] each ("w_a_000", ...)
  std::vector<at::Tensor> lora_b;  // [C, r] each ("w_b_000", ...)
  at::Tensor refine_weight;        // [C, C, 3, 3]
  at::Tensor refine_bias;          // [C]
  int Rank() const { return lora_a.empty() ? 0 : static_cast<int>(lora_a[0].size(0)); }
  int Dim() const { return refine_bias.defined() ? static_cast<int>(refine_bias.size(0)) : 0; }
};

// Lightning bookkeeping written next to the adapter.
struct AdapterMetadata {
  int64_t epoch = 0;
  int64_t global_step = 0;
  std::string lightning_version = "2.2.5";  // version string Lightning stores
};

// Reads `state_dict.refine_conv.{weight,bias}` and the top-level
// `w_a_NNN` / `w_b_NNN`; every other entry (optimizer state, callbacks, loops)
// is ignored. Throws Error naming the file and the key that is wrong.
AdapterWeights ReadAdapter(const std::string& path);
AdapterWeights ReadAdapter(const io::TensorFile& file);
// Writes the same layout (torch.save zip; loads with torch.load).
void WriteAdapter(const std::string& path, const AdapterWeights& adapter, const AdapterMetadata& metadata = {});

// Installs the adapter: LoRA on the last blocks of `model` and the refine
// weights into `refine`. Checks counts and shapes against the model.
void ApplyAdapter(VisionTransformerImpl& model, RefineHeadImpl& refine, const AdapterWeights& adapter);
// Reads the adapter back from modules (after finetuning, for WriteAdapter).
AdapterWeights ExtractAdapter(const VisionTransformerImpl& model, const RefineHeadImpl& refine);

}  // namespace corrlens::model
