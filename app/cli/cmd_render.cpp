// corrlens-cli render: multiview renders of a mesh (RGB, depth, mask,
// cameras.json) in the layout of the reference renderer, or (--format
// onepose) one object of a OnePose-LowTexture-layout pose dataset.
#include <nlohmann/json.hpp>

#include <iostream>

#include "app/cli/command.h"
#include "core/util/error.h"
#include "core/util/log.h"
#ifdef CORRLENS_HAVE_RENDER
#include "core/pose/onepose_export.h"
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
  std::string format = "renders";
  std::string name;                    // onepose: object name
  std::string id;                      // onepose: object id
  std::string category = "others";     // onepose: object category
  int reference_views = 60;            // onepose: frames of <name>-1
  int test_views = 60;                 // onepose: frames of <name>-2
  double diagonal = 0.2;               // onepose: object size in metres
  CLI::Option* seed_option = nullptr;  // to tell "--seed 0" from no seed
};

#ifdef CORRLENS_HAVE_RENDER
int RunOnePoseExport(const RenderArgs& args) {
  pose::OnePoseExportOptions options;
  options.mesh_path = args.mesh;
  options.root = args.out;
  options.name = args.name;
  options.id = args.id;
  options.category = args.category;
  options.image_size = args.size;
  options.focal = args.focal;
  options.reference_views = args.reference_views;
  options.test_views = args.test_views;
  options.object_diagonal = args.diagonal;
  options.seed = args.seed;
  options.force = args.force;
  Progress progress;
  CancelToken cancel;
  const pose::OnePoseExportResult result = pose::ExportOnePoseObject(options, progress, cancel);
  for (const std::string& warning : result.warnings) log::Warn("{}: {}", args.mesh, warning);
  if (args.json) {
    nlohmann::json out = {{"object", result.object},
                          {"object_dir", result.object_dir},
                          {"npz", result.npz_path},
                          {"reference_frames", result.reference_frames},
                          {"test_frames", result.test_frames},
                          {"annotated_frames", result.annotated_frames},
                          {"points3d", result.points3d},
                          {"correspondences", result.correspondences},
                          {"metres_per_mesh_unit", result.metres_per_unit},
                          {"extent_m", result.extent},
                          {"warnings", result.warnings},
                          {"total_seconds", result.seconds}};
    std::cout << out.dump(2) << std::endl;
  } else {
    std::cout << "wrote OnePose object " << result.object << " (" << result.reference_frames << " reference + "
              << result.test_frames << " test frames, " << result.annotated_frames << " annotated, " << result.points3d
              << " 3D points) under " << args.out << " in " << result.seconds << " s" << std::endl;
  }
  return 0;
}

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
        if (args->format == "onepose") return RunOnePoseExport(*args);
        return RunRender(*args, args->seed_option != nullptr && args->seed_option->count() > 0);
#else
        throw Error("this build has no renderer", {}, "configure with -DCORRLENS_WITH_RENDER=ON");
#endif
      });
  app->add_option("--mesh", args->mesh, "Mesh file (OBJ, glTF/GLB, PLY, STL, Collada, ...)")->required();
  app->add_option("--out", args->out,
                  "Output folder (created; must be empty unless --force); onepose: the dataset root")
      ->required();
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
  app->add_option("--format", args->format,
                  "renders (color/depth/mask + cameras.json) or onepose (a OnePose-LowTexture dataset object "
                  "under --out: reference and test sequences, anno_loftr, anno_3d_average.npz)")
      ->check(CLI::IsMember({"renders", "onepose"}))
      ->capture_default_str();
  app->add_option("--name", args->name, "onepose: object name, letters/digits/_ (default: the mesh file name)");
  app->add_option("--id", args->id, "onepose: object id (default: the name's earlier id, else the next from 0900)");
  app->add_option("--category", args->category, "onepose: object category")->capture_default_str();
  app->add_option("--reference-views", args->reference_views, "onepose: frames of the reference sequence <name>-1")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app->add_option("--test-views", args->test_views, "onepose: frames of the test sequence <name>-2")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app->add_option("--diagonal", args->diagonal, "onepose: object bounding-box diagonal in metres")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app->add_flag("--json", args->json, "Print a JSON summary");
}

}  // namespace corrlens::cli
