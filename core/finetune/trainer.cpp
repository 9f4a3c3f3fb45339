#include "core/finetune/trainer.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <limits>

#include "core/finetune/adapter_model.h"
#include "core/finetune/checkpoint.h"
#include "core/finetune/run_log.h"
#include "core/io/tensor_file.h"
#include "core/model/weight_io.h"
#include "core/util/check.h"
#include "core/util/error.h"

namespace corrlens::finetune {
namespace {

// torch.optim.AdamW (torch 1.13, single-tensor path), one step.
void AdamWStep(const std::vector<at::Tensor>& params, AdamWState& s, const FinetuneOptions& o) {
  torch::NoGradGuard no_grad;
  if (s.exp_avg.empty())
    for (const auto& p : params) s.exp_avg.push_back(at::zeros_like(p)), s.exp_avg_sq.push_back(at::zeros_like(p));
  ++s.step;
  const double bc1 = 1 - std::pow(o.beta1, double(s.step)), bc2 = 1 - std::pow(o.beta2, double(s.step));
  for (size_t i = 0; i < params.size(); ++i) {
    at::Tensor p = params[i];
    const at::Tensor g = p.grad();
    if (!g.defined()) continue;
    p.mul_(1 - o.lr * o.weight_decay);
    s.exp_avg[i].mul_(o.beta1).add_(g, 1 - o.beta1);
    s.exp_avg_sq[i].mul_(o.beta2).addcmul_(g, g, 1 - o.beta2);
    const at::Tensor denom = (s.exp_avg_sq[i].sqrt() / std::sqrt(bc2)).add_(o.eps);
    p.addcdiv_(s.exp_avg[i], denom, -o.lr / bc1);
  }
}

model::VisionTransformer MakeBackbone(const FinetuneOptions& o) {
  model::VisionTransformer vit(model::VitConfig::ForArch(o.Arch()));
  if (o.random_init)
    vit->RandomInit(o.seed);
  else
    model::LoadBackboneWeights(*vit, o.weights);
  return vit;
}

// The backbone with a freshly initialised adapter (written out first when
// save_backbone).
AdapterModel MakeModel(const FinetuneOptions& o) {
  AdapterModel m(MakeBackbone(o), o.rank);
  m.InitAdapter(o.seed);
  m.SetRecomputeAttention(o.recompute_attention);
  m.SetBf16(o.bf16);
  if (o.save_backbone) {
    std::filesystem::create_directories(o.out_dir);
    io::WriteTorchCheckpoint((std::filesystem::path(o.out_dir) / kBackboneFileName).string(),
                             model::BackboneStateDict(m.backbone()));
  }
  return m;
}

void Validate(const FinetuneOptions& o) {
  if (o.batch != 1) throw Error("only batch 1 is supported (the reference's)", {"", std::nullopt, "batch"});
  if (!o.random_init && o.weights.empty())
    throw Error("no backbone weights given", {"", std::nullopt, "weights"},
                "pass a weights file (or random_init for tests)");
  CL_CHECK(o.Check()) << "invalid finetune options";
}

// Loads the resume checkpoint (if any) into the model and the optimizer;
// returns its step (0 without one).
int64_t Restore(const FinetuneOptions& o, AdapterModel& model, AdamWState& state) {
  if (o.resume.empty()) return 0;
  FinetuneCheckpoint c = ReadFinetuneCheckpoint(o.resume);
  model.SetAdapter(c.adapter);
  state = c.optimizer;
  return c.global_step;
}

FinetuneCheckpoint Snapshot(const AdapterModel& m, const AdamWState& s, int64_t step, const FinetuneOptions& o) {
  FinetuneCheckpoint c;
  c.adapter = m.Adapter();
  c.optimizer = s;
  c.global_step = step;
  c.backbone = o.Arch();
  c.reg = o.reg;
  c.seed = static_cast<int64_t>(o.seed);
  c.bf16 = o.bf16;
  return c;
}

std::string Save(const AdapterModel& m, const AdamWState& s, int64_t step, const FinetuneOptions& o, bool last) {
  if (o.out_dir.empty()) return "";
  std::filesystem::create_directories(o.out_dir);
  const std::string path =
      (std::filesystem::path(o.out_dir) / (last ? "last.ckpt" : fmt::format("step-{:06d}.ckpt", step))).string();
  WriteFinetuneCheckpoint(path, Snapshot(m, s, step, o));
  return path;
}

// One optimizer step on `pair`; returns the loss (NaN: no positive, no update).
StepInfo TrainStep(AdapterModel& m, AdamWState& state, const TrainingPair& pair, const FinetuneOptions& o) {
  StepInfo info;
  info.mesh = pair.mesh;
  const PairGradients g = ComputeGradients(m, pair, o);
  info.loss = g.loss;
  info.positives = g.positives;
  if (std::isnan(g.loss)) return info;
  const auto params = m.Parameters();
  info.grad_norm = torch::nn::utils::clip_grad_norm_(params, o.clip_norm);
  AdamWStep(params, state, o);
  return info;
}

}  // namespace

PairGradients ComputeGradients(AdapterModel& m, const TrainingPair& pair, const FinetuneOptions& o) {
  PairGradients out;
  const auto params = m.Parameters();
  for (auto& p : params)
    if (p.grad().defined()) p.mutable_grad().zero_();
  const at::Tensor d1 = m.Describe(pair.rgb1, pair.points2d_1, o.target_res);
  const at::Tensor d2 = m.Describe(pair.rgb2, pair.points2d_2, o.target_res);
  const SmoothApResult r = SmoothApLoss(d1, d2, pair.points3d_1, pair.points3d_2, o.loss);
  out.positives = r.positives;
  if (!r.loss.defined()) {
    out.loss = std::numeric_limits<double>::quiet_NaN();
    return out;
  }
  r.loss.backward();  // outside autocast: backward follows the forward's dtypes
  out.loss = r.loss.item<double>();
  for (const auto& p : params) out.grads.push_back(p.grad());
  return out;
}

std::string FinetuneOptions::Arch() const {
  const bool has_reg = backbone.size() > 4 && backbone.compare(backbone.size() - 4, 4, "_reg") == 0;
  return reg && !has_reg ? backbone + "_reg" : backbone;
}

bool FinetuneOptions::Check() const {
  return !backbone.empty() && (random_init || !weights.empty()) && !meshes.empty() && steps > 0 && batch == 1 &&
         rank > 0 && lr > 0 && weight_decay >= 0 && clip_norm > 0 && target_res >= 8 && checkpoint_every >= 0 &&
         pair_cycle >= 0 && data.Check() && loss.Check() && probe.Check() && (!save_backbone || !out_dir.empty());
}

FinetuneResult RunFinetune(const FinetuneOptions& options, Progress& progress, const CancelToken& cancel,
                           const StepCallback& on_step, const WarningCallback& on_warning) {
  return RunFinetune(options, progress, cancel, FinetuneHooks{on_step, on_warning, {}});
}

FinetuneResult RunFinetune(const FinetuneOptions& o, Progress& progress, const CancelToken& cancel,
                           const FinetuneHooks& hooks) {
  Validate(o);
  torch::manual_seed(o.seed);
  FinetuneResult result;
  AdapterModel model = MakeModel(o);
  AdamWState state;
  int64_t step = Restore(o, model, state);
  auto warn = [&](const std::string& w) {
    result.skipped_meshes.push_back(w);
    if (hooks.on_warning) hooks.on_warning(w);
  };
  TrainingData data(o.meshes, o.data, warn);
  RunLog log(o.out_dir);
  double probe_seconds = 0;  // probes do not count in steps/s
  auto probe = [&](int64_t at) {
    progress.Report(progress.Fraction(), fmt::format("probe at step {}", at));
    try {
      result.probes.push_back(RunProbe(o.probe, model, o.target_res, at, cancel));
    } catch (const Cancelled&) {
      if (at > 0 && at < o.steps) result.checkpoint = Save(model, state, at, o, true);
      throw;
    }
    probe_seconds += result.probes.back().seconds;
    log.Probe(result.probes.back());
    if (hooks.on_probe) hooks.on_probe(result.probes.back());
  };
  if (o.probe.Enabled() && step < o.steps) probe(step);  // before training (or where it resumes)
  result.first_step = step + 1;
  probe_seconds = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int64_t done = 0; step < o.steps; ++done) {
    if (cancel.IsCancelled()) {
      result.checkpoint = Save(model, state, step, o, true);
      cancel.ThrowIfCancelled();
    }
    const auto t0 = std::chrono::steady_clock::now();
    const TrainingPair pair = data.Sample(o.seed, o.pair_cycle > 0 ? step % o.pair_cycle : step);
    const auto t1 = std::chrono::steady_clock::now();
    const std::clock_t c1 = std::clock();
    StepInfo info = TrainStep(model, state, pair, o);
    info.train_cpu_seconds = double(std::clock() - c1) / CLOCKS_PER_SEC;
    info.train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    info.data_seconds = std::chrono::duration<double>(t1 - t0).count();
    info.step = ++step;
    info.total = o.steps;
    info.bf16 = o.bf16;
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() - probe_seconds;
    info.steps_per_s = (done + 1) / std::max(secs, 1e-9);
    info.eta_s = double(o.steps - step) / info.steps_per_s;
    if (o.checkpoint_every > 0 && step % o.checkpoint_every == 0 && step < o.steps)
      info.checkpoint = Save(model, state, step, o, false);
    if (step == o.steps) info.checkpoint = result.checkpoint = Save(model, state, step, o, true);
    result.losses.push_back(info.loss);
    log.Step(info);
    progress.Step(size_t(step), size_t(o.steps), fmt::format("step {} loss {:.5f}", step, info.loss));
    if (hooks.on_step) hooks.on_step(info);
    if (o.probe.Enabled() && ((o.probe.every > 0 && step % o.probe.every == 0) || step == o.steps)) probe(step);
  }
  return result;
}

}  // namespace corrlens::finetune
