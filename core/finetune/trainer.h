// Finetuning job (issue 14): LoRA + refine conv on a frozen ViT trained with
// the smooth-AP loss on rendered multiview pairs, AdamW and gradient
// clipping as the reference (PROTOCOLS.md section 3), checkpoints in the
// published layout, resumable. Used by `corrlens-cli finetune`; no GUI code.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/finetune/probe.h"
#include "core/finetune/smooth_ap_loss.h"
#include "core/finetune/training_data.h"
#include "core/util/progress.h"

namespace corrlens::finetune {

struct FinetuneOptions {
  std::string backbone = "dinov2_vits14";         // DINOv2 arch (with reg: the _reg variant)
  bool reg = false;                               // use the registers variant
  std::string weights;                            // backbone weights file (required unless random_init)
  bool random_init = false;                       // tests/demos only: random backbone from `seed`
  std::vector<std::string> meshes;                // mesh files (see ExpandMeshes)
  int64_t steps = 1000;                           // optimizer steps (total, including resumed ones)
  int batch = 1;                                  // pairs per step (the reference: 1; only 1 supported)
  int rank = 4;                                   // LoRA rank
  double lr = 1e-5;                               // AdamW learning rate
  double weight_decay = 1e-4;                     // AdamW weight decay
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // AdamW (torch defaults)
  double clip_norm = 1.0;                         // gradient clipping (total L2 norm)
  int target_res = 640;                           // longer side / 8 = token columns (the reference)
  TrainingDataOptions data;                       // renders, points, augmentations
  SmoothApOptions loss;                           // thresholds and temperature
  uint64_t seed = 42;                             // adapter init, pair sampling, augmentations
  int64_t pair_cycle = 0;           // 0: a new pair every step; k: reuse the first k pairs (overfit demos)
  std::string out_dir;              // checkpoints go here ("" = none written)
  int64_t checkpoint_every = 0;     // steps between checkpoints (0 = only at the end)
  std::string resume;               // checkpoint to continue from
  ProbeOptions probe;               // held-out probe before, every probe.every steps and after training
  bool save_backbone = false;       // also write the backbone as out_dir/backbone.pth (random_init demos)
  bool recompute_attention = true;  // recompute attention in backward (far less memory, same gradients)
  bool bf16 = false;                // bfloat16 autocast in the trained blocks (AdapterModel::SetBf16)
  // Canonical arch name (backbone + "_reg" when reg).
  std::string Arch() const;
  bool Check() const;
};

// Backbone file written by save_backbone (a torch-hub .pth).
constexpr const char* kBackboneFileName = "backbone.pth";

// What each step reports.
struct StepInfo {
  int64_t step = 0;              // 1-based global step just finished
  int64_t total = 0;             // options.steps
  double loss = 0;               // NaN when the pair had no positive match (step skipped)
  int64_t positives = 0;         // positive pairs in the loss
  double grad_norm = 0;          // before clipping
  double steps_per_s = 0;        // over this run's steps so far
  double eta_s = 0;              // remaining steps / steps_per_s
  double data_seconds = 0;       // rendering and augmenting the pair
  double train_seconds = 0;      // features, loss, backward, clipping, AdamW (the reference's timed step)
  double train_cpu_seconds = 0;  // process CPU time (all threads) of the same
  bool bf16 = false;             // bfloat16 autocast (log: "precision")
  std::string mesh;              // mesh of the pair
  std::string checkpoint;        // checkpoint written after this step ("" = none)
};

struct FinetuneResult {
  int64_t first_step = 0;                   // first step this run did (1, or after the resumed one)
  std::vector<double> losses;               // one per step of this run
  std::string checkpoint;                   // last checkpoint written ("" = none)
  std::vector<std::string> skipped_meshes;  // warnings about meshes not read
  std::vector<ProbeResult> probes;          // in step order
};

using StepCallback = std::function<void(const StepInfo&)>;
using WarningCallback = std::function<void(const std::string&)>;
using ProbeCallback = std::function<void(const ProbeResult&)>;

// Called on the job's thread, in order; each may be empty.
struct FinetuneHooks {
  StepCallback on_step;        // after every step (and its checkpoint)
  WarningCallback on_warning;  // a mesh was skipped
  ProbeCallback on_probe;      // after every probe
};

// Loss of one pair and the gradients of AdapterModel::Parameters() (float32;
// undefined where the loss is undefined: no positive). What a step does
// before clipping and AdamW.
class AdapterModel;  // adapter_model.h (LibTorch modules stay out of this header)
struct PairGradients {
  double loss = 0;  // NaN: no positive
  int64_t positives = 0;
  std::vector<at::Tensor> grads;
};
PairGradients ComputeGradients(AdapterModel& model, const TrainingPair& pair, const FinetuneOptions& options);

// Runs the job. With out_dir set, checkpoints and the run log (run_log.h)
// go there. Throws corrlens::Error (bad options, no readable mesh, no
// display, bad checkpoint) or Cancelled (a checkpoint is written first when
// out_dir is set).
FinetuneResult RunFinetune(const FinetuneOptions& options, Progress& progress, const CancelToken& cancel,
                           const FinetuneHooks& hooks);
FinetuneResult RunFinetune(const FinetuneOptions& options, Progress& progress, const CancelToken& cancel,
                           const StepCallback& on_step = {}, const WarningCallback& on_warning = {});

}  // namespace corrlens::finetune
