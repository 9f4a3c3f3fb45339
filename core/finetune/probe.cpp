#include "core/finetune/probe.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <chrono>
#include <limits>

#include "core/bench/equivariance_task.h"
#include "core/finetune/adapter_model.h"
#include "core/model/vit_extractor.h"
#include "core/util/error.h"

namespace corrlens::finetune {
namespace {

constexpr const char* kModelName = "finetune";

// The FeatureProvider of the probe: the adapter model being trained, through
// the inference forward (shares its tensors; nothing is cached because the
// weights change between probes).
class AdapterProvider : public FeatureProvider {
 public:
  explicit AdapterProvider(const AdapterModel& model)
      : extractor_(model.BackboneModule(), model.RefineModule(), "cpu") {}

  std::shared_ptr<const FeatureMap> Get(const cv::Mat& rgb, const std::string& model, const ExtractOptions& options,
                                        const CancelToken& cancel) override {
    Info(model);
    return std::make_shared<const FeatureMap>(extractor_.Extract(rgb, options, cancel));
  }

  BackendInfo Info(const std::string& model) override {
    if (model != kModelName) throw Error("unknown probe model", {"", std::nullopt, model});
    BackendInfo info;
    info.id = extractor_.config().arch + "+finetune";
    info.display_name = info.id;
    info.dim = static_cast<int>(extractor_.config().embed_dim);
    info.device = extractor_.device();
    return info;
  }

 private:
  model::VitFeatureExtractor extractor_;
};

}  // namespace

bool ProbeOptions::Check() const {
  bool ok = every >= 0 && views >= 2 && image_size >= 16 && points_per_view > 0 && candidate_stride >= 1 &&
            !thresholds.empty();
  for (double t : thresholds) ok = ok && t > 0 && t <= 1;
  return ok;
}

ProbeResult RunProbe(const ProbeOptions& options, const AdapterModel& model, int target_res, int64_t step,
                     const CancelToken& cancel) {
  if (!options.Check()) throw Error("invalid probe options", {"", std::nullopt, "probe"});
  const auto start = std::chrono::steady_clock::now();
  bench::EquivarianceOptions task;
  task.models = {kModelName};
  task.meshes = options.meshes;
  task.view_set.count = options.views;
  task.render.intrinsics = render::Intrinsics::Square(options.image_size);
  task.points_per_view = options.points_per_view;
  task.candidate_stride = options.candidate_stride;
  task.seed = options.seed;
  task.thresholds = options.thresholds;
  task.extract.resolution = target_res;  // the training's token grid (longer side target_res / 8)
  AdapterProvider provider(model);
  Progress progress;
  const bench::Report report = bench::RunEquivarianceTask(task, provider, progress, cancel);
  const bench::Metrics& m = report.rows.at(0).metrics;
  ProbeResult result;
  result.step = step;
  const auto get = [&m](const std::string& name) {  // no scored match: NaN
    return m.Has(name) ? m.Get(name) : std::numeric_limits<double>::quiet_NaN();
  };
  result.ape = get("ape");
  for (double t : options.thresholds) {
    const std::string name = fmt::format("pcdp@{:g}", t);
    result.pcdp.emplace_back(name, get(name));
  }
  result.matches = m.Has("matches") ? static_cast<int64_t>(m.Get("matches")) : 0;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace corrlens::finetune
