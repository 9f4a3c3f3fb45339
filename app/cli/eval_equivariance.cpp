#include "app/cli/eval_equivariance.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "core/util/error.h"
#ifdef CORRLENS_HAVE_RENDER
#include "core/bench/equivariance_task.h"
#include "plugins/registry/feature_service.h"
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

int RunEquivarianceEval(const EquivarianceArgs& args, const BackendArgs& backend, bool json) {
#ifdef CORRLENS_HAVE_RENDER
  if (args.meshes.empty()) throw Error("no mesh given", {"", std::nullopt, "--mesh"}, "pass --mesh FILE (repeatable)");
  bench::EquivarianceOptions options;
  options.meshes = args.meshes;
  options.view_set.count = args.views;
  options.points_per_view = args.points;
  options.candidate_stride = args.candidate_stride;
  options.seed = args.seed;
  options.render.intrinsics = render::Intrinsics::Square(args.size);
  options.extract = backend.Extract();
  // Unknown names and missing weights fail here, before rendering.
  const std::unique_ptr<FeatureService> service = OpenFeatureService(backend);
  std::vector<bench::EquivarianceModel> sources;
  for (const std::string& model : backend.models) {
    const ExtractOptions extract = options.extract;
    sources.push_back({model, [&service, model, extract](const render::RenderedView& view, const CancelToken& cancel) {
                         return *service->Get(view.rgb, model, extract, cancel);
                       }});
  }
  const bool tty = isatty(STDERR_FILENO) != 0;
  Progress progress([tty](double fraction, const std::string& message) {
    if (tty) std::fprintf(stderr, "\r[%3.0f%%] %-60.60s", 100.0 * fraction, message.c_str());
  });
  const bench::EquivarianceReport report = bench::RunEquivarianceTask(options, sources, progress, CancelToken());
  if (tty) std::fprintf(stderr, "\n");
  std::cout << (json ? report.ToJson() + "\n" : report.ToText());
  return 0;
#else
  throw Error("this build has no renderer", {"", std::nullopt, "--task"}, "configure with -DCORRLENS_WITH_RENDER=ON");
#endif
}

}  // namespace corrlens::cli
