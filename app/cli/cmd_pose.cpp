// corrlens-cli pose: the object-to-camera pose of one query image against an
// object's reference set (a OnePose-LowTexture object folder, or a mesh that
// is first exported into that layout in a temporary folder), per model, as
// the pose benchmark computes it (core/pose). Prints each model's 4x4 pose,
// matches and inliers, and the errors when the query has ground truth
// (poses_ba/<stem>.txt beside its color/ folder); --overlay-out writes the
// query with the projected box, axes and inlier matches per model.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <optional>

#include <unistd.h>

#include "app/cli/backend_args.h"
#include "app/cli/command.h"
#include "app/cli/report_printer.h"
#include "core/corr/feature_service.h"
#include "core/io/image.h"
#include "core/pose/onepose_dataset.h"
#include "core/pose/pose_estimator.h"
#include "core/pose/pose_metric.h"
#include "core/pose/pose_overlay.h"
#include "core/util/error.h"
#ifdef CORRLENS_HAVE_RENDER
#include "core/pose/onepose_export.h"
#endif

namespace corrlens::cli {
namespace {

namespace stdfs = std::filesystem;
using Json = nlohmann::ordered_json;

struct PoseArgs {
  BackendArgs backend;
  std::string reference, query, intrinsics, overlay_out;
  int max_templates = 120000;
  bool json = false, show_outliers = false;
};

struct ModelPose {
  std::string model;
  pose::PoseEstimate estimate;
  size_t templates = 0;
  std::optional<pose::PoseError> error;
};

// A file beside the query in the OnePose layout: <seq>/color/<i>.png -> <seq>/<folder>/<i>.txt.
std::optional<std::string> Beside(const std::string& query, const std::string& folder) {
  const stdfs::path path(query);
  if (path.parent_path().filename() != "color") return std::nullopt;
  const stdfs::path file = path.parent_path().parent_path() / folder / (path.stem().string() + ".txt");
  std::error_code ec;
  if (!stdfs::is_regular_file(file, ec)) return std::nullopt;
  return file.string();
}

cv::Matx33d QueryIntrinsics(const PoseArgs& args) {
  if (!args.intrinsics.empty()) return pose::ReadIntrinsics(args.intrinsics);
  if (const auto beside = Beside(args.query, "intrin_ba")) return pose::ReadIntrinsics(*beside);
  throw Error("no intrinsics for the query", {args.query, std::nullopt, "intrinsics"},
              "pass a 3x3 K text file (the query is not in a OnePose color/ folder with intrin_ba/ beside it)");
}

Json MatrixJson(const cv::Matx44d& m) {
  Json rows = Json::array();
  for (int r = 0; r < 4; ++r) rows.push_back({m(r, 0), m(r, 1), m(r, 2), m(r, 3)});
  return rows;
}

std::string SafeName(std::string name) {
  for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
  return name;
}

void WriteOverlays(const PoseArgs& args, const cv::Mat& rgb, const cv::Matx33d& k, const pose::ReferenceSet& reference,
                   const std::optional<cv::Matx44d>& truth, const std::vector<ModelPose>& all) {
  std::error_code ec;
  stdfs::create_directories(args.overlay_out, ec);
  if (ec) throw Error("cannot create the folder: " + ec.message(), {args.overlay_out, std::nullopt, "overlay-out"});
  for (const ModelPose& m : all) {
    pose::PoseOverlayInput input;
    input.intrinsics = k;
    input.box = reference.BoundingBox();
    input.estimate = m.estimate.cam_from_object;
    input.solved = m.estimate.solved;
    input.truth = truth;
    input.show_outliers = args.show_outliers;
    for (const pose::PoseMatch& match : m.estimate.matches) {
      input.match_pixels.push_back(match.query);
      input.inlier.push_back(match.inlier);
    }
    input.label = fmt::format("{}: {} inliers", m.model, m.estimate.inliers);
    if (m.error) input.label += fmt::format(", {:.2f} deg, {:.2f} cm", m.error->rotation_deg, m.error->translation_cm);
    const std::string file = stdfs::path(args.query).stem().string() + "." + SafeName(m.model) + ".png";
    io::WriteImage((stdfs::path(args.overlay_out) / file).string(), pose::DrawPoseOverlay(rgb, input));
  }
}

void Print(const PoseArgs& args, const pose::ReferenceSet& reference, const std::optional<cv::Matx44d>& truth,
           const std::vector<ModelPose>& all) {
  if (args.json) {
    Json models = Json::array();
    for (const ModelPose& m : all) {
      Json j = {{"model", m.model},
                {"pose", MatrixJson(m.estimate.cam_from_object)},
                {"solved", m.estimate.solved},
                {"matches", m.estimate.matches.size()},
                {"inliers", m.estimate.inliers},
                {"templates", m.templates},
                {"seconds", m.estimate.seconds}};
      if (m.error && std::isfinite(m.error->rotation_deg)) j["rotation_error_deg"] = m.error->rotation_deg;
      if (m.error) j["translation_error_cm"] = m.error->translation_cm;
      models.push_back(std::move(j));
    }
    Json out = {{"reference", reference.source}, {"query", args.query}, {"views", reference.views.size()}};
    out["truth"] = truth ? MatrixJson(*truth) : Json(nullptr);
    out["models"] = models;
    std::cout << out.dump(1) << "\n";
    return;
  }
  std::printf("reference %s (%zu views, %zu keypoints), query %s\n", reference.source.c_str(), reference.views.size(),
              reference.KeypointCount(), args.query.c_str());
  for (const ModelPose& m : all) {
    std::printf("%s: %s, %d of %zu matches are inliers, %zu templates (%.2f s)\n", m.model.c_str(),
                m.estimate.solved ? "pose found" : "no pose (identity)", m.estimate.inliers, m.estimate.matches.size(),
                m.templates, m.estimate.seconds);
    for (int r = 0; r < 4; ++r) {
      const cv::Matx44d& p = m.estimate.cam_from_object;
      std::printf("  [%10.6f %10.6f %10.6f %10.6f]\n", p(r, 0), p(r, 1), p(r, 2), p(r, 3));
    }
    if (m.error)
      std::printf("  error: rotation %.3f deg, translation %.3f cm\n", m.error->rotation_deg, m.error->translation_cm);
  }
}

// A temporary folder removed on exit.
struct TempFolder {
  std::string path;
  ~TempFolder() {
    std::error_code ec;
    if (!path.empty()) stdfs::remove_all(path, ec);
  }
};

// The reference set of an object folder, or of a mesh rendered into the
// OnePose layout under `temp` (reference views only; needs a display).
pose::ReferenceSet ReadReference(const std::string& reference, TempFolder* temp) {
  std::error_code ec;
  if (stdfs::is_directory(reference, ec) || !stdfs::exists(reference, ec))
    return pose::ReadOnePoseReference(pose::OnePoseLayoutOfObjectFolder(reference));
#ifdef CORRLENS_HAVE_RENDER
  temp->path = (stdfs::temp_directory_path() / fmt::format("corrlens-pose-{}-{}", ::getpid(),
                                                           std::chrono::steady_clock::now().time_since_epoch().count()))
                   .string();
  pose::OnePoseExportOptions options;
  options.mesh_path = reference;
  options.root = temp->path;
  options.test_views = 1;
  Progress progress;
  const pose::OnePoseExportResult exported = pose::ExportOnePoseObject(options, progress, CancelToken());
  pose::ReferenceSet set = pose::ReadOnePoseReference({temp->path, exported.object});
  set.source = reference;
  return set;
#else
  (void)temp;
  throw Error("the reference is a file, and this build has no renderer to turn a mesh into views",
              {reference, std::nullopt, "reference"}, "give a OnePose object folder");
#endif
}

int RunPose(const PoseArgs& args) {
  if (args.max_templates < 0) throw Error("--max-templates must be >= 0", {"", std::nullopt, "max-templates"});
  TempFolder temp;
  const pose::ReferenceSet reference = ReadReference(args.reference, &temp);
  const cv::Mat rgb = io::ReadImageRgb(args.query);
  const cv::Matx33d k = QueryIntrinsics(args);
  std::optional<cv::Matx44d> truth;
  if (const auto beside = Beside(args.query, "poses_ba")) truth = pose::ReadPose(*beside);
  const std::shared_ptr<FeatureService> service = OpenFeatureService(args.backend);
  TerminalProgress progress;
  pose::TemplateOptions templates;
  templates.max_templates = args.max_templates;
  templates.extract = args.backend.Extract();
  pose::PoseEstimateOptions estimate;
  estimate.extract = args.backend.Extract();
  std::vector<ModelPose> all;
  for (size_t m = 0; m < args.backend.models.size(); ++m) {
    const std::string& model = args.backend.models[m];
    const double n = double(args.backend.models.size());
    Progress sub = progress.progress.Sub(m / n, (m + 0.5) / n);
    const pose::TemplateDatabase db =
        pose::BuildTemplateDatabase(reference, *service, model, templates, sub, CancelToken());
    ModelPose result{model, pose::EstimatePose(db, rgb, k, *service, estimate, CancelToken()), db.Size(), std::nullopt};
    if (truth) result.error = pose::QueryPoseError(result.estimate.cam_from_object, *truth);
    all.push_back(std::move(result));
  }
  progress.Finish();
  if (!args.overlay_out.empty()) WriteOverlays(args, rgb, k, reference, truth, all);
  Print(args, reference, truth, all);
  return 0;
}

}  // namespace

void AddPoseCommand(Commands& commands) {
  auto args = std::make_shared<PoseArgs>();
  CLI::App* app = commands.Add("pose", "Estimate an object's 6D pose in an image from 2D-3D matches, per model",
                               [args] { return RunPose(*args); });
  app->add_option("--reference", args->reference,
                  "Object folder in the OnePose-LowTexture layout (ROOT/lowtexture_test_data/<id>-<name>-<category>), "
                  "or a mesh (rendered around the object first; its frame: bounding-box centre, 0.2 m diagonal)")
      ->required();
  app->add_option("--query", args->query, "Query image")->required();
  app->add_option("--intrinsics", args->intrinsics,
                  "3x3 camera matrix of the query (text); default: intrin_ba/<stem>.txt beside its color/ folder");
  app->add_option("--max-templates", args->max_templates, "Random subset of the templates beyond this many (0 = all)")
      ->capture_default_str();
  app->add_option("--overlay-out", args->overlay_out,
                  "Write <query stem>.<model>.png per model: projected box and axes, inlier matches");
  app->add_flag("--show-outliers", args->show_outliers, "Overlays also show the matches that are not inliers");
  app->add_flag("--json", args->json, "Print the poses as JSON");
  AddBackendOptions(app, &args->backend);
}

}  // namespace corrlens::cli
