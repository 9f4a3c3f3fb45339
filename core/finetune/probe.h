// The held-out probe run during finetuning: the paper's 3D-equivariance task
// (core/bench/equivariance_task) on a few Fibonacci views of held-out meshes,
// scored with the adapter being trained (LoRA + refine conv), so a run's log
// shows APE and PCDP before, during and after training.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/util/progress.h"

namespace corrlens::finetune {

class AdapterModel;

struct ProbeOptions {
  std::vector<std::string> meshes;                    // held-out mesh files; empty = no probe
  int64_t every = 0;                                  // steps between probes (0: only before and after training)
  int views = 6;                                      // Fibonacci views per mesh (all ordered pairs are scored)
  int image_size = 256;                               // square renders; intrinsics scale with it
  int points_per_view = 200;                          // sampled foreground pixels per source view
  int candidate_stride = 2;                           // target candidates: foreground pixels on this lattice
  std::vector<double> thresholds = {0.05, 0.1, 0.2};  // PCDP thresholds, fractions of the image side
  uint64_t seed = 0;                                  // point sampling (the same points at every probe)
  bool Enabled() const { return !meshes.empty(); }
  bool Check() const;
};

// One probe.
struct ProbeResult {
  int64_t step = 0;                                  // optimizer steps done when it ran (0 = before training)
  double ape = 0;                                    // mean pixel error / image side (lower is better)
  std::vector<std::pair<std::string, double>> pcdp;  // ("pcdp@0.05", fraction), one per threshold
  int64_t matches = 0;                               // scored matches
  double seconds = 0;                                // wall time of the probe
};

// Scores `model` as it is now; features are extracted like the reference
// (longer side target_res / 8 tokens). Needs a display (rendering). Throws
// corrlens::Error (unreadable mesh, no display) or Cancelled.
ProbeResult RunProbe(const ProbeOptions& options, const AdapterModel& model, int target_res, int64_t step,
                     const CancelToken& cancel);

}  // namespace corrlens::finetune
