#include "core/finetune/trainer.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>

#include "core/finetune/adapter_model.h"
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

FinetuneCheckpoint Snapshot(const AdapterModel& m, const AdamWState& s, int64_t step, const FinetuneOptions& o) {
  FinetuneCheckpoint c;
  c.adapter = m.Adapter();
  c.optimizer = s;
  c.global_step = step;
  c.backbone = o.Arch();
  c.reg = o.reg;
  c.seed = static_cast<int64_t>(o.seed);
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
  const auto params = m.Parameters();
  for (auto& p : params)
    if (p.grad().defined()) p.mutable_grad().zero_();
  const at::Tensor d1 = m.Describe(pair.rgb1, pair.points2d_1, o.target_res);
  const at::Tensor d2 = m.Describe(pair.rgb2, pair.points2d_2, o.target_res);
  const SmoothApResult r = SmoothApLoss(d1, d2, pair.points3d_1, pair.points3d_2, o.loss);
  info.positives = r.positives;
  if (!r.loss.defined()) {
    info.loss = std::numeric_limits<double>::quiet_NaN();
    return info;
  }
  r.loss.backward();
  info.loss = r.loss.item<double>();
  info.grad_norm = torch::nn::utils::clip_grad_norm_(params, o.clip_norm);
  AdamWStep(params, state, o);
  return info;
}

}  // namespace

std::string FinetuneOptions::Arch() const {
  const bool has_reg = backbone.size() > 4 && backbone.compare(backbone.size() - 4, 4, "_reg") == 0;
  return reg && !has_reg ? backbone + "_reg" : backbone;
}

bool FinetuneOptions::Check() const {
  return !backbone.empty() && (random_init || !weights.empty()) && !meshes.empty() && steps > 0 && batch == 1 &&
         rank > 0 && lr > 0 && weight_decay >= 0 && clip_norm > 0 && target_res >= 8 && checkpoint_every >= 0 &&
         pair_cycle >= 0 && data.Check() && loss.Check();
}

FinetuneResult RunFinetune(const FinetuneOptions& o, Progress& progress, const CancelToken& cancel,
                           const StepCallback& on_step, const WarningCallback& on_warning) {
  if (o.batch != 1) throw Error("only batch 1 is supported (the reference's)", {"", std::nullopt, "batch"});
  if (!o.random_init && o.weights.empty())
    throw Error("no backbone weights given", {"", std::nullopt, "weights"},
                "pass a weights file (or random_init for tests)");
  CL_CHECK(o.Check()) << "invalid finetune options";
  torch::manual_seed(o.seed);
  FinetuneResult result;
  AdapterModel model(MakeBackbone(o), o.rank);
  model.InitAdapter(o.seed);
  AdamWState state;
  int64_t step = 0;
  if (!o.resume.empty()) {
    FinetuneCheckpoint c = ReadFinetuneCheckpoint(o.resume);
    model.SetAdapter(c.adapter);
    state = c.optimizer;
    step = c.global_step;
  }
  auto warn = [&](const std::string& w) {
    result.skipped_meshes.push_back(w);
    if (on_warning) on_warning(w);
  };
  TrainingData data(o.meshes, o.data, warn);
  result.first_step = step + 1;
  const auto start = std::chrono::steady_clock::now();
  for (int64_t done = 0; step < o.steps; ++done) {
    if (cancel.IsCancelled()) {
      result.checkpoint = Save(model, state, step, o, true);
      cancel.ThrowIfCancelled();
    }
    StepInfo info = TrainStep(model, state, data.Sample(o.seed, o.pair_cycle > 0 ? step % o.pair_cycle : step), o);
    info.step = ++step;
    info.total = o.steps;
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    info.steps_per_s = (done + 1) / std::max(secs, 1e-9);
    info.eta_s = double(o.steps - step) / info.steps_per_s;
    if (o.checkpoint_every > 0 && step % o.checkpoint_every == 0 && step < o.steps)
      info.checkpoint = Save(model, state, step, o, false);
    if (step == o.steps) info.checkpoint = result.checkpoint = Save(model, state, step, o, true);
    result.losses.push_back(info.loss);
    progress.Step(size_t(step), size_t(o.steps), fmt::format("step {} loss {:.5f}", step, info.loss));
    if (on_step) on_step(info);
  }
  return result;
}

}  // namespace corrlens::finetune
