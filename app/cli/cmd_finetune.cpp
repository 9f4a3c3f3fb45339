// corrlens-cli finetune: trains the 3DCorrEnhance adapter (LoRA + refine
// conv) of a DINOv2 backbone on rendered multiview pairs of meshes; prints
// step, loss, steps/s and ETA, and the held-out probe's APE/PCDP
// (--eval-meshes); writes checkpoints in the published layout and the run
// log (log.jsonl, probe.csv) into --out.
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <sstream>

#include "app/cli/command.h"
#include "core/util/error.h"
#include "core/util/log.h"
#ifdef CORRLENS_HAVE_FINETUNE
#include "core/finetune/run_log.h"
#include "core/finetune/trainer.h"
#endif

namespace corrlens::cli {
namespace {

struct FinetuneArgs {
  std::string backbone = "dinov2_vits14";
  bool reg = false;
  std::string weights;
  bool random_init = false;
  std::string meshes;
  int64_t steps = 1000;
  int batch = 1;
  double lr = 1e-5;
  int size = 512;
  int points = 3000;
  int target_res = 640;
  bool no_augment = false;
  bool keep_attention = false;
  bool bf16 = false;
  uint64_t seed = 42;
  std::string out;
  int64_t save_every = 0;
  std::string resume;
  std::string eval_meshes;
  int64_t eval_every = 0;
  int eval_views = 6;
  int eval_size = 256;
  int eval_points = 200;
  bool json_log = false;
};

#ifdef CORRLENS_HAVE_FINETUNE
void PrintStep(const finetune::StepInfo& s, bool json) {
  if (json) {
    std::cout << finetune::StepJson(s) << std::endl;
    return;
  }
  std::cout << "step " << s.step << "/" << s.total << "  loss " << s.loss << "  " << s.steps_per_s << " steps/s  ETA "
            << static_cast<int64_t>(s.eta_s) << " s" << (s.checkpoint.empty() ? "" : "  saved " + s.checkpoint)
            << std::endl;
}

void PrintProbe(const finetune::ProbeResult& p, bool json) {
  if (json) {
    std::cout << finetune::ProbeJson(p) << std::endl;
    return;
  }
  std::cout << "probe at step " << p.step << "  APE " << fmt::format("{:.2f}%", 100 * p.ape);
  for (const auto& [name, value] : p.pcdp) std::cout << "  " << name << " " << fmt::format("{:.2f}%", 100 * value);
  std::cout << "  (" << p.matches << " matches, " << fmt::format("{:.1f}", p.seconds) << " s)" << std::endl;
}

// --eval-meshes: comma-separated mesh files, folders or list files.
std::vector<std::string> ExpandEvalMeshes(const std::string& list) {
  std::vector<std::string> meshes;
  std::stringstream parts(list);
  for (std::string part; std::getline(parts, part, ',');) {
    if (part.empty()) continue;
    try {
      for (std::string& m : finetune::ExpandMeshes(part)) meshes.push_back(std::move(m));
    } catch (const Error& e) {
      throw Error(e.message(), {e.where().file, std::nullopt, "eval_meshes"}, e.cause());
    }
  }
  if (meshes.empty()) throw Error("no held-out mesh given", {"", std::nullopt, "eval_meshes"});
  return meshes;
}

int RunFinetuneCommand(const FinetuneArgs& a) {
  if (a.eval_every > 0 && a.eval_meshes.empty())
    throw Error("--eval-every needs held-out meshes", {"", std::nullopt, "eval_every"}, "add --eval-meshes M1[,M2]");
  finetune::FinetuneOptions o;
  o.backbone = a.backbone;
  o.reg = a.reg;
  o.weights = a.weights;
  o.random_init = a.random_init;
  if (o.random_init)
    log::Warn("--random-init: random backbone weights (tests and demos only; results mean nothing)");
  else if (o.weights.empty())
    throw Error("no backbone weights", {"", std::nullopt, "--weights"},
                "pass --weights FILE (or --random-init for a demo)");
  o.meshes = finetune::ExpandMeshes(a.meshes);
  o.steps = a.steps;
  o.batch = a.batch;
  o.lr = a.lr;
  o.seed = a.seed;
  o.target_res = a.target_res;
  o.data.image_size = a.size;
  o.data.points = a.points;
  o.data.augment.enabled = !a.no_augment;
  o.recompute_attention = !a.keep_attention;
  o.bf16 = a.bf16;
  o.out_dir = a.out;
  o.checkpoint_every = a.save_every;
  o.resume = a.resume;
  if (!a.eval_meshes.empty()) o.probe.meshes = ExpandEvalMeshes(a.eval_meshes);
  o.probe.every = a.eval_every;
  o.probe.views = a.eval_views;
  o.probe.image_size = a.eval_size;
  o.probe.points_per_view = a.eval_points;
  Progress progress;
  CancelToken cancel;
  finetune::FinetuneHooks hooks;
  hooks.on_step = [&](const finetune::StepInfo& s) { PrintStep(s, a.json_log); };
  hooks.on_warning = [](const std::string& w) { log::Warn("{}", w); };
  hooks.on_probe = [&](const finetune::ProbeResult& p) { PrintProbe(p, a.json_log); };
  const auto result = finetune::RunFinetune(o, progress, cancel, hooks);
  if (!a.json_log && !result.checkpoint.empty()) std::cout << "checkpoint " << result.checkpoint << std::endl;
  return 0;
}
#endif

}  // namespace

void AddFinetuneCommand(Commands& commands) {
  auto a = std::make_shared<FinetuneArgs>();
  CLI::App* app = commands.Add(
      "finetune", "Finetune a DINOv2 backbone for 3D equivariance (LoRA + refine conv, needs a display or xvfb-run)",
      [a]() -> int {
#ifdef CORRLENS_HAVE_FINETUNE
        return RunFinetuneCommand(*a);
#else
        throw Error("this build has no finetuning", {}, "needs LibTorch and the renderer");
#endif
      });
  app->add_option("--backbone", a->backbone, "DINOv2 architecture, e.g. dinov2_vits14")->capture_default_str();
  app->add_flag("--reg", a->reg, "Use the registers variant (dinov2_..._reg)");
  app->add_option("--weights", a->weights, "Backbone weights file (torch-hub .pth, safetensors)");
  app->add_flag("--random-init", a->random_init, "TESTS/DEMOS ONLY: random backbone weights instead of --weights");
  app->add_option("--meshes", a->meshes, "Folder of meshes or a list file (one path per line)")->required();
  app->add_option("--steps", a->steps, "Total optimizer steps")->check(CLI::PositiveNumber)->capture_default_str();
  app->add_option("--batch", a->batch, "Pairs per step (only 1, the reference's)")->check(CLI::Range(1, 1));
  app->add_option("--lr", a->lr, "AdamW learning rate")->check(CLI::PositiveNumber)->capture_default_str();
  app->add_option("--size", a->size, "Render size in pixels (intrinsics scale with it)")
      ->check(CLI::Range(32, 4096))
      ->capture_default_str();
  app->add_option("--points", a->points, "Foreground points per view")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app->add_option("--target-res", a->target_res, "Model input: longer side / 8 tokens (reference: 640)")
      ->check(CLI::Range(8, 4096))
      ->capture_default_str();
  app->add_flag("--no-augment", a->no_augment, "Disable the augmentations");
  app->add_flag("--keep-attention", a->keep_attention,
                "Keep attention probabilities for backward like the reference (more memory; default: recompute)");
  app->add_flag("--bf16", a->bf16,
                "bfloat16 autocast in the trained blocks and refine conv (parameters, gradients, AdamW: float32)");
  app->add_option("--seed", a->seed, "Seed of the adapter init, pairs and augmentations")->capture_default_str();
  app->add_option("--out", a->out, "Run folder for checkpoints (last.ckpt, step-NNNNNN.ckpt)");
  app->add_option("--save-every", a->save_every, "Steps between checkpoints (0: only at the end)");
  app->add_option("--resume", a->resume, "Continue from a checkpoint (optimizer state included)");
  app->add_option("--eval-meshes", a->eval_meshes,
                  "Held-out meshes for the 3D-equivariance probe (comma-separated files, folders or lists); "
                  "probed before training, every --eval-every steps and at the end");
  app->add_option("--eval-every", a->eval_every, "Steps between probes (0: only before and after training)")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--eval-views", a->eval_views, "Probe views per held-out mesh (all ordered pairs are scored)")
      ->check(CLI::Range(2, 200))
      ->capture_default_str();
  app->add_option("--eval-size", a->eval_size, "Probe render size in pixels")
      ->check(CLI::Range(16, 4096))
      ->capture_default_str();
  app->add_option("--eval-points", a->eval_points, "Probe points per source view")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app->add_flag("--json-log", a->json_log, "One JSON object per step and per probe (as log.jsonl in --out)");
}

}  // namespace corrlens::cli
