// corrlens-cli render: multiview renders of a mesh (RGB, depth, mask,
// cameras.json) in the layout of the reference renderer, (--format onepose)
// one object of a OnePose-LowTexture-layout pose dataset, or (--sequence) a
// video along a camera path with ground-truth tracks as a TAP-Vid dataset.
#include <nlohmann/json.hpp>

#include <iostream>

#include "app/cli/command.h"
#include "core/util/error.h"
#include "core/util/log.h"
#ifdef CORRLENS_HAVE_RENDER
#include "core/pose/onepose_export.h"
#include "core/render/render_set.h"
#include "core/render/sequence.h"
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
  bool sequence = false;               // a TAP-Vid sequence instead of views
  int frames = 24;                     // sequence: frames
  int points = 64;                     // sequence: query points on frame 0
  std::string path = "orbit";          // sequence: camera path shape
  double sweep = 90.0;                 // sequence: azimuth turned, degrees
  double drift = 0.6;                  // sequence: image-plane drift, fraction of half the side
  int query_stride = 5;                // sequence: strided pickle's query frames
  std::string video_out;               // sequence: also an MP4/AVI
  double fps = 12.0;                   // sequence: of --video-out
  CLI::Option* margin_option = nullptr;
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

int RunSequence(const RenderArgs& args) {
  render::SequenceOptions options;
  options.mesh_path = args.mesh;
  options.output_dir = args.out;
  options.frames = args.frames;
  options.points = args.points;
  options.query_stride = args.query_stride;
  options.path.shape = args.path == "spiral" ? render::SequencePath::kSpiral : render::SequencePath::kOrbit;
  options.path.sweep_deg = args.sweep;
  options.path.drift = args.drift;
  options.path.seed = args.seed;
  if (args.margin_option != nullptr && args.margin_option->count() > 0) options.path.margin = args.margin;
  options.render.intrinsics = render::Intrinsics::Square(args.size);
  if (args.focal > 0.0) options.render.intrinsics.fx = options.render.intrinsics.fy = args.focal;
  options.video_out = args.video_out;
  options.fps = args.fps;
  options.name = args.name;
  options.force = args.force;
  Progress progress;
  CancelToken cancel;
  const render::SequenceResult result = render::RunRenderSequence(options, progress, cancel);
  for (const std::string& warning : result.warnings) log::Warn("{}: {}", args.mesh, warning);
  if (args.json) {
    nlohmann::json out = {{"output", result.output_dir},
                          {"name", result.name},
                          {"frames", int(result.obj_to_cam.size())},
                          {"width", result.intrinsics.width},
                          {"height", result.intrinsics.height},
                          {"points", result.tracks.Count()},
                          {"queries", result.queries},
                          {"visible_fraction", result.visible_fraction},
                          {"outside_fraction", result.outside_fraction},
                          {"frames_dir", result.frames_dir},
                          {"video", result.video_path},
                          {"warnings", result.warnings},
                          {"render_seconds", result.render_seconds},
                          {"total_seconds", result.total_seconds}};
    std::cout << out.dump(2) << std::endl;
  } else {
    std::cout << "rendered a " << result.obj_to_cam.size() << "-frame " << result.intrinsics.width << "x"
              << result.intrinsics.height << " sequence with " << result.tracks.Count() << " tracks (" << result.queries
              << " strided queries, " << 100.0 * result.visible_fraction << "% of track points visible, "
              << 100.0 * result.outside_fraction << "% outside the frame) into " << result.output_dir
              << (result.video_path.empty() ? "" : " and " + result.video_path) << " in " << result.total_seconds
              << " s" << std::endl;
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
  CLI::App* app =
      commands.Add("render",
                   "Render a mesh from many views (color/depth/mask PNGs + cameras.json), as a OnePose object, or as a "
                   "TAP-Vid sequence with true tracks (needs a display or xvfb-run)",
                   [args]() -> int {
#ifdef CORRLENS_HAVE_RENDER
                     if (args->sequence) return RunSequence(*args);
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
  args->margin_option =
      app->add_option("--margin", args->margin,
                      "Camera distance factor over the tightest fit (>= 1; sequence: default 1.0, may be < 1)")
          ->check(CLI::Range(0.25, 100.0))
          ->capture_default_str();
  app->add_flag("--force", args->force, "Write into a non-empty folder, replacing earlier renders there");
  app->add_option("--format", args->format,
                  "renders (color/depth/mask + cameras.json) or onepose (a OnePose-LowTexture dataset object "
                  "under --out: reference and test sequences, anno_loftr, anno_3d_average.npz)")
      ->check(CLI::IsMember({"renders", "onepose"}))
      ->capture_default_str();
  app->add_option("--name", args->name,
                  "onepose: object name, letters/digits/_ (default: the mesh file name); sequence: the video's key in "
                  "tapvid_davis.pkl (default: the mesh file stem)");
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
  app->add_flag("--sequence", args->sequence,
                "Render a video along a smooth camera path with ground-truth point tracks: a TAP-Vid dataset "
                "(frames under tapvid-davis/0/video, tapvid_davis_data_strided.pkl, tapvid_davis.pkl) in --out");
  app->add_option("--frames", args->frames, "sequence: number of frames (2..100000)")->capture_default_str();
  app->add_option("--points", args->points, "sequence: query points sampled on the visible surface of frame 0")
      ->capture_default_str();
  app->add_option("--path", args->path, "sequence: camera path, orbit or spiral")
      ->check(CLI::IsMember({"orbit", "spiral"}))
      ->capture_default_str();
  app->add_option("--sweep", args->sweep, "sequence: azimuth turned over the sequence, degrees")->capture_default_str();
  app->add_option("--drift", args->drift, "sequence: image-plane drift of the object, fraction of half the side")
      ->capture_default_str();
  app->add_option("--query-stride", args->query_stride, "sequence: query frames 0, s, 2s, ... of the strided pickle")
      ->capture_default_str();
  app->add_option("--video-out", args->video_out, "sequence: also write the frames as this .mp4 or .avi");
  app->add_option("--fps", args->fps, "sequence: frame rate of --video-out")->capture_default_str();
  app->add_flag("--json", args->json, "Print a JSON summary");
}

}  // namespace corrlens::cli
