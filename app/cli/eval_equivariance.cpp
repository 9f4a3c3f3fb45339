#include "app/cli/eval_equivariance.h"

#include "core/util/error.h"
#ifdef CORRLENS_HAVE_RENDER
#include "core/bench/equivariance_task.h"
#include "core/corr/feature_service.h"
#endif

namespace corrlens::cli {

void AddEquivarianceOptions(CLI::App* app, EquivarianceArgs* args) {
  app->add_option("--mesh", args->meshes, "equivariance: mesh file (repeatable)");
  app->add_option("--views", args->views, "equivariance: views per mesh (Fibonacci sphere)")
      ->check(CLI::Range(2, 1000))
      ->capture_default_str();
  app->add_option("--points", args->points, "equivariance: sampled foreground pixels per source view")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  app->add_option("--candidate-stride", args->candidate_stride,
                  "equivariance: target candidates on every Nth pixel (1 = all foreground pixels)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app->add_option("--size", args->size, "equivariance: render size in pixels (intrinsics scale with it)")
      ->check(CLI::Range(32, 4096))
      ->capture_default_str();
  app->add_option("--seed", args->seed, "equivariance: seed of the point sampling");
}

int RunEquivarianceEval(const EquivarianceArgs& args, const BackendArgs& backend, const ReportArgs& report_args) {
#ifdef CORRLENS_HAVE_RENDER
  if (args.meshes.empty()) throw Error("no mesh given", {"", std::nullopt, "mesh"}, "pass --mesh FILE (repeatable)");
  bench::EquivarianceOptions options;
  options.models = backend.models;
  options.meshes = args.meshes;
  options.view_set.count = args.views;
  options.points_per_view = args.points;
  options.candidate_stride = args.candidate_stride;
  options.seed = args.seed;
  options.render.intrinsics = render::Intrinsics::Square(args.size);
  options.extract = backend.Extract();
  // Unknown names and missing weights fail here, before rendering.
  const std::shared_ptr<FeatureService> service = OpenFeatureService(backend);
  TerminalProgress progress;
  const bench::Report report = bench::RunEquivarianceTask(options, *service, progress.progress, CancelToken());
  progress.Finish();
  PrintReport(report, report_args);
  return 0;
#else
  (void)args, (void)backend, (void)report_args;
  throw Error("this build has no renderer", {"", std::nullopt, "task"}, "configure with -DCORRLENS_WITH_RENDER=ON");
#endif
}

}  // namespace corrlens::cli
