// corrlens-cli eval: two-image benchmarks with dense ground truth.
//   --task homography: source/target related by a 3x3 homography
//     (default: OpenCV's graf1.png -> graf3.png with H1to3p.xml);
//   --task stereo: a rectified pair with a left disparity map
//     (default: Middlebury aloeL.jpg / aloeR.jpg with aloeGT.png).
//   --task equivariance: the 3D-equivariance probe on rendered meshes
//     (--mesh FILE ...; see eval_equivariance.h).
// A grid of source points whose true match lies inside the target is matched
// per model with plain argmax and with the soft-argmax refinement; the report
// has PCK at 1/2/5/10/20 px and the AUC of the PCK curve up to 20 px.
#include <fmt/format.h>

#include <chrono>
#include <iostream>

#include "app/cli/backend_args.h"
#include "app/cli/command.h"
#include "app/cli/eval_equivariance.h"
#include "core/corr/matching.h"
#include "core/corr/pair_eval.h"
#include "core/corr/similarity.h"
#include "core/io/image.h"
#include "core/util/error.h"
#include "plugins/registry/feature_service.h"

namespace corrlens::cli {
namespace {

constexpr char kOpenCvData[] = "/usr/share/doc/opencv-doc/examples/data/";

struct EvalArgs {
  BackendArgs backend;
  std::string task, source, target, homography, disparity;
  double disparity_scale = 1.0, radius = 35.0;
  int step = 16, margin = 8;
  bool json = false;
  EquivarianceArgs equivariance;  // --task equivariance (eval_equivariance.h)
};

double Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The task's ground truth on the source grid; `truth_path` names its file.
PairGroundTruth LoadTruth(const EvalArgs& args, const cv::Size& source, const cv::Size& target, std::string* truth_path) {
  PairGridOptions grid;
  grid.step = args.step;
  grid.margin = args.margin;
  if (args.task == "homography") {
    *truth_path = args.homography;
    return HomographyGroundTruth(source, target, ReadHomography(args.homography), grid);
  }
  *truth_path = args.disparity;
  return StereoGroundTruth(source, target, ReadDisparity(args.disparity, args.disparity_scale), grid);
}

// Checks the task and fills unset paths with its default data.
void ApplyDefaults(EvalArgs& args) {
  const bool homography = args.task == "homography";
  if (!homography && args.task != "stereo")
    throw Error("unknown task '" + args.task + "'", {"", std::nullopt, "--task"}, "tasks: homography, stereo, equivariance");
  const std::string data = kOpenCvData;
  if (args.source.empty()) args.source = data + (homography ? "graf1.png" : "aloeL.jpg");
  if (args.target.empty()) args.target = data + (homography ? "graf3.png" : "aloeR.jpg");
  if (homography && args.homography.empty()) args.homography = data + "H1to3p.xml";
  if (!homography && args.disparity.empty()) args.disparity = data + "aloeGT.png";
}

int RunEval(EvalArgs args) {
  if (args.task == "equivariance")
    return RunEquivarianceEval(args.equivariance, args.backend, args.json);
  ApplyDefaults(args);
  const cv::Mat source_rgb = io::ReadImageRgb(args.source);
  const cv::Mat target_rgb = io::ReadImageRgb(args.target);
  PairEvalReport report;
  report.task = args.task;
  report.source = args.source;
  report.target = args.target;
  const PairGroundTruth truth = LoadTruth(args, source_rgb.size(), target_rgb.size(), &report.truth);
  if (truth.source.empty()) throw Error("no grid point has a ground-truth match inside the target", {report.truth});

  const std::unique_ptr<FeatureService> service = OpenFeatureService(args.backend);
  const ExtractOptions extract = args.backend.Extract();
  for (const std::string& model : args.backend.models) {
    const auto start = std::chrono::steady_clock::now();
    const auto source = service->Get(source_rgb, model, extract, CancelToken());
    const auto target = service->Get(target_rgb, model, extract, CancelToken());
    const double extract_seconds = Since(start);
    const at::Tensor tokens = TokenMatrix(*target);  // shared by both matching rules
    for (bool refine : {false, true}) {
      const auto match_start = std::chrono::steady_clock::now();
      MatchOptions options;
      options.refine = refine;
      options.radius_px = args.radius;
      std::vector<cv::Point2d> predicted;
      for (const PointMatch& m : MatchPoints(*source, truth.source, *target, options, tokens)) predicted.push_back(m.match);
      PckRow row = ScorePredictions(predicted, truth.target, report.thresholds, report.auc_max);
      row.model = model;
      row.method = refine ? fmt::format("soft-argmax r={:g}", args.radius) : "argmax";
      row.seconds = extract_seconds + Since(match_start);
      report.rows.push_back(row);
    }
  }
  std::cout << (args.json ? report.ToJson() + "\n" : report.ToText());
  return 0;
}

}  // namespace

void AddEvalCommand(Commands& commands) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* app = commands.Add("eval", "Benchmark models on an image pair with ground truth (PCK, AUC)",
                               [args] { return RunEval(*args); });
  app->add_option("--task", args->task, "homography, stereo or equivariance (rendered meshes)")->required();
  app->add_option("--source", args->source, "Source (left) image; default: OpenCV sample data");
  app->add_option("--target", args->target, "Target (right) image; default: OpenCV sample data");
  app->add_option("--homography", args->homography, "3x3 target_from_source (OpenCV XML/YAML or 9 numbers)");
  app->add_option("--disparity", args->disparity, "Left disparity PNG (0 = unknown)");
  app->add_option("--disparity-scale", args->disparity_scale,
                  "Pixels per PNG unit at the PNG's resolution (Middlebury full size: 1)");
  app->add_option("--grid-step", args->step, "Source grid spacing in pixels");
  app->add_option("--margin", args->margin, "Grid distance from the source border in pixels");
  app->add_option("--radius", args->radius, "Soft-argmax radius in target pixels");
  AddBackendOptions(app, &args->backend);
  app->add_flag("--json", args->json, "Machine-readable report");
  AddEquivarianceOptions(app, &args->equivariance);
}

}  // namespace corrlens::cli
