// corrlens-cli render: multiview renders of a mesh (RGB, depth, mask,
// cameras.json) in the layout of the reference renderer.
#include <nlohmann/json.hpp>

#include <iostream>

#include "app/cli/command.h"
#include "core/util/error.h"
#include "core/util/log.h"
#ifdef CORRLENS_HAVE_RENDER
#include "core/render/render_set.h"
#endif

namespace corrlens::cli {
namespace {

struct RenderArgs {
  std::string mesh;
  std::string out;
  int views = 42;
  int size = 512;
  double focal = 0.0;
  std::string poses;
  uint64_t seed = 0;
  double margin = 1.05;
  bool force = false;
  bool json = false;
  CLI::Option* seed_option = nullptr;  // to tell "--seed 0" from no seed
};

#ifdef CORRLENS_HAVE_RENDER
int RunRender(const RenderArgs& args, bool seed_given) {
  render::RenderSetOptions options;
  options.mesh_path = args.mesh;
  options.output_dir = args.out;
  options.force = args.force;
  options.views.count = args.views;
  options.views.seed = args.seed;
  options.views.margin = args.margin;
  const bool random = args.poses == "random" || (args.poses.empty() && seed_given);
  options.views.sampling = random ? render::ViewSampling::kRandom : render::ViewSampling::kFibonacci;
  options.render.intrinsics = render::Intrinsics::Square(args.size);
  if (args.focal > 0.0) options.render.intrinsics.fx = options.render.intrinsics.fy = args.focal;
  Progress progress;
  CancelToken cancel;
  const render::RenderSetResult result = render::RunRenderSet(options, progress, cancel);
  for (const std::string& warning : result.warnings) log::Warn("{}: {}", args.mesh, warning);
  const double per_second = result.render_seconds > 0.0 ? result.views / result.render_seconds : 0.0;
  if (args.json) {
    nlohmann::json out = {{"output", result.output_dir},
                          {"views", result.views},
                          {"width", args.size},
                          {"height", args.size},
                          {"triangles", result.triangles},
                          {"textured_parts", result.textured_parts},
                          {"warnings", result.warnings},
                          {"render_seconds", result.render_seconds},
                          {"renders_per_second", per_second},
                          {"total_seconds", result.total_seconds}};
    std::cout << out.dump(2) << std::endl;
  } else {
    std::cout << "rendered " << result.views << " views (" << args.size << "x" << args.size << ", " << result.triangles
              << " triangles, " << result.textured_parts << " textured parts) into " << result.output_dir << " in "
              << result.total_seconds << " s (" << per_second << " renders/s)" << std::endl;
  }
  return 0;
}
#endif

}  // namespace

void AddRenderCommand(Commands& commands) {
  auto args = std::make_shared<RenderArgs>();
  CLI::App* app = commands.Add(
      "render", "Render a mesh from many views: color/depth/mask PNGs + cameras.json (needs a display or xvfb-run)",
      [args]() -> int {
#ifdef CORRLENS_HAVE_RENDER
        return RunRender(*args, args->seed_option != nullptr && args->seed_option->count() > 0);
#else
        throw Error("this build has no renderer", {}, "configure with -DCORRLENS_WITH_RENDER=ON");
#endif
      });
  app->add_option("--mesh", args->mesh, "Mesh file (OBJ, glTF/GLB, PLY, STL, Collada, ...)")->required();
  app->add_option("--out", args->out, "Output folder (created; must be empty unless --force)")->required();
  app->add_option("--views", args->views, "Number of views")->check(CLI::Range(1, 100000))->capture_default_str();
  app->add_option("--size", args->size, "Image width = height in pixels; intrinsics scale with it")
      ->check(CLI::Range(16, 8192))
      ->capture_default_str();
  app->add_option("--focal", args->focal, "Focal length in pixels (default 560 * size / 512)")
      ->check(CLI::PositiveNumber);
  app->add_option("--poses", args->poses, "fibonacci (sphere, default) or random (default when --seed is given)")
      ->check(CLI::IsMember({"fibonacci", "random"}));
  args->seed_option = app->add_option("--seed", args->seed, "Seed of the random poses");
  app->add_option("--margin", args->margin, "Camera distance factor over the tightest fit (>= 1)")
      ->check(CLI::Range(1.0, 100.0))
      ->capture_default_str();
  app->add_flag("--force", args->force, "Write into a non-empty folder, replacing earlier renders there");
  app->add_flag("--json", args->json, "Print a JSON summary");
}

}  // namespace corrlens::cli
