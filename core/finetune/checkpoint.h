// Finetuning checkpoints in the published 3DCorrEnhance (Lightning) layout:
// state_dict.refine_conv.{weight,bias}, w_a_000..., w_b_000..., epoch,
// global_step, hyper_parameters {backbone, backbone_size, r, reg, bf16}, plus the
// AdamW moments under optimizer.{exp_avg,exp_avg_sq}.NNN (parameter order of
// AdapterModel::Parameters) and the run's seed, so a run can resume.
// Readable with torch.load(path, weights_only=True) and by ReadAdapter.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/model/weight_io.h"

namespace corrlens::finetune {

// AdamW state (torch.optim.AdamW, one group).
struct AdamWState {
  int64_t step = 0;                    // updates done
  std::vector<at::Tensor> exp_avg;     // first moments, one per parameter
  std::vector<at::Tensor> exp_avg_sq;  // second moments
};

struct FinetuneCheckpoint {
  model::AdapterWeights adapter;
  AdamWState optimizer;
  int64_t global_step = 0;
  int64_t epoch = 0;
  std::string backbone;  // e.g. "dinov2_vits14" (reg: "dinov2_vits14_reg")
  bool reg = false;
  int64_t seed = 0;
  bool bf16 = false;  // trained with bfloat16 autocast (hyper_parameters.bf16)
};

// Writes atomically (temporary file + rename).
void WriteFinetuneCheckpoint(const std::string& path, const FinetuneCheckpoint& checkpoint);
// Reads what WriteFinetuneCheckpoint wrote; a published checkpoint (adapter
// only) reads with an empty optimizer state. Throws corrlens::Error.
FinetuneCheckpoint ReadFinetuneCheckpoint(const std::string& path);

// The reference's backbone size name ("small", "base", ...) of an arch.
std::string BackboneSize(const std::string& arch);

}  // namespace corrlens::finetune
