// corrlens-cli eval: runs a core/bench task and prints its Report.
//   --task homography: source/target related by a 3x3 homography
//     (default: OpenCV's graf1.png -> graf3.png with H1to3p.xml);
//   --task stereo: a rectified pair with a left disparity map
//     (default: Middlebury aloeL.jpg / aloeR.jpg with aloeGT.png);
//   --task equivariance: the 3D-equivariance probe on rendered meshes
//     (--mesh FILE ...; see eval_equivariance.h);
//   --task transfer: PF-PASCAL keypoint transfer (--dataset DIR; paper or
//     standard protocol), or scoring of given --predictions;
//   --task tracking: TAP-Vid DAVIS point tracking (--dataset DIR or a .pkl,
//     --videos N, --preset paper|interactive), or scoring of --predictions;
//   --task pose: OnePose-LowTexture object pose (--dataset ROOT, --objects N,
//     --preset paper|full), or scoring of --predictions.
// This file only parses flags and prints: the tasks live in core/bench.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "app/cli/backend_args.h"
#include "app/cli/command.h"
#include "app/cli/eval_equivariance.h"
#include "app/cli/report_printer.h"
#include "core/bench/pair_task.h"
#include "core/bench/pose_task.h"
#include "core/bench/task_catalog.h"
#include "core/bench/tracking_task.h"
#include "core/bench/transfer_task.h"
#include "core/corr/feature_service.h"
#include "core/util/error.h"
#include "core/util/fs.h"

namespace corrlens::cli {
namespace {

struct EvalArgs {
  BackendArgs backend;
  std::string task, source, target, homography, disparity;
  double disparity_scale = 1.0, radius = 35.0;
  int step = 16, margin = 8;
  ReportArgs report;
  EquivarianceArgs equivariance;  // --task equivariance (eval_equivariance.h)
  // --task transfer
  std::string dataset, pairs, protocol = "paper", predictions, predictions_out;
  int categories = 0;
  // --task all
  std::string dataset_root, preset = "paper";
  // --task tracking (also --dataset, --preset, --predictions, --predictions-out)
  int videos = 0;
  // --task pose (also --dataset, --preset, --predictions, --predictions-out)
  int objects = 0;
};

// Every task whose data is present: transfer and tracking under --dataset-root (the
// reference's data/ layout), the others on their default data.
int RunAll(const EvalArgs& args) {
  if (args.backend.models.empty()) throw Error("no model given", {"", std::nullopt, "model"});
  const std::shared_ptr<FeatureService> service = OpenFeatureService(args.backend);
  std::vector<bench::Report> reports;
  for (const std::string& task : bench::TaskNames()) {
    bench::TaskSpec spec;
    spec.task = task;
    spec.models = args.backend.models;
    spec.preset = args.preset;
    spec.protocol = args.protocol;
    spec.extract = args.backend.Extract();
    if (task == "transfer" || task == "tracking" || task == "pose")
      spec.dataset = args.dataset_root.empty() ? bench::DefaultDataset(task) : args.dataset_root;
    const std::string missing = bench::ValidateDataset(spec);
    if (!missing.empty()) {
      std::cerr << "corrlens-cli: skipping " << task << ": " << missing << "\n";
      continue;
    }
    TerminalProgress progress;
    reports.push_back(bench::RunTask(spec, *service, progress.progress, CancelToken()));
    progress.Finish();
  }
  if (reports.empty()) throw Error("no task has its data", {args.dataset_root, std::nullopt, "dataset root"});
  if (args.report.json) {
    std::string out = "{\"reports\": [";
    for (size_t i = 0; i < reports.size(); ++i) out += (i ? ",\n" : "\n") + reports[i].ToJson();
    std::cout << out << "\n]}\n";
  } else {
    for (const bench::Report& report : reports) std::cout << report.ToText() << "\n";
  }
  if (!args.report.csv_out.empty()) {
    std::string csv;
    for (size_t i = 0; i < reports.size(); ++i) {
      const std::string part = reports[i].ToCsv();
      csv += i == 0 ? part : part.substr(part.find('\n') + 1);  // one header
    }
    fs::WriteFileAtomic(args.report.csv_out, csv);
  }
  ReportArgs store = args.report;
  store.preset = args.preset;
  StoreReports(reports, store);
  return 0;
}

bench::TransferTaskOptions TransferOptions(const EvalArgs& args) {
  bench::TransferTaskOptions options;
  options.models = args.backend.models;
  options.dataset = args.dataset;
  options.pairs = args.pairs;
  options.protocol = bench::TransferProtocolFromName(args.protocol);
  options.categories = args.categories;
  options.extract = args.backend.Extract();
  if (options.dataset.empty())
    throw Error("no dataset given", {"", std::nullopt, "dataset"}, "pass the folder that holds PF-dataset-PASCAL/");
  return options;
}

// "P.json" for one model, "P.<model>.json" for each of several.
std::string PredictionsPath(const std::string& path, const std::string& model, size_t models) {
  if (models == 1) return path;
  const size_t dot = path.rfind('.');
  std::string safe = model;
  for (char& c : safe) c = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
  return dot == std::string::npos ? path + "." + safe : path.substr(0, dot) + "." + safe + path.substr(dot);
}

int RunTransfer(const EvalArgs& args) {
  const bench::TransferTaskOptions options = TransferOptions(args);
  if (!args.predictions.empty()) {
    std::string model;
    const auto predictions = bench::ReadTransferPredictions(args.predictions, &model);
    PrintReport(bench::ScoreTransferPredictions(options, model, predictions), args.report);
    return 0;
  }
  if (args.backend.models.empty()) throw Error("no model given", {"", std::nullopt, "model"}, "or pass --predictions");
  const std::shared_ptr<FeatureService> service = OpenFeatureService(args.backend);
  TerminalProgress progress;
  std::vector<std::vector<bench::TransferPrediction>> predictions;
  const bench::Report report =
      bench::RunTransferTask(options, *service, progress.progress, CancelToken(), &predictions);
  progress.Finish();
  if (!args.predictions_out.empty()) {
    for (size_t m = 0; m < report.rows.size(); ++m) {
      const std::string path = PredictionsPath(args.predictions_out, report.rows[m].model, report.rows.size());
      fs::WriteFileAtomic(path, bench::TransferPredictionsToJson(report.rows[m].model, predictions[m]));
    }
  }
  PrintReport(report, args.report);
  return 0;
}

int RunTracking(const EvalArgs& args) {
  bench::TrackingTaskOptions options;
  options.models = args.backend.models;
  options.dataset = args.dataset;
  options.videos = args.videos;
  options.preset = args.preset;
  if (options.dataset.empty())
    throw Error("no dataset given", {"", std::nullopt, "dataset"},
                "pass the folder with tapvid_davis_data_strided.pkl and tapvid-davis/, or tapvid_davis.pkl");
  if (!options.Check())
    throw Error("unknown tracking preset '" + args.preset + "'", {"", std::nullopt, "preset"},
                "presets: paper, interactive");
  if (!args.predictions.empty()) {
    PrintReport(bench::ScoreTrackingPredictions(options, track::ReadTapVidPredictions(args.predictions)), args.report);
    return 0;
  }
  if (args.backend.models.empty()) throw Error("no model given", {"", std::nullopt, "model"}, "or pass --predictions");
  const std::shared_ptr<FeatureService> service = OpenFeatureService(args.backend);
  TerminalProgress progress;
  std::vector<track::TapVidPredictions> predictions;
  const bench::Report report =
      bench::RunTrackingTask(options, *service, progress.progress, CancelToken(), &predictions);
  progress.Finish();
  for (size_t m = 0; m < predictions.size() && !args.predictions_out.empty(); ++m)
    fs::WriteFileAtomic(PredictionsPath(args.predictions_out, predictions[m].model, predictions.size()),
                        track::TapVidPredictionsToJson(predictions[m]));
  PrintReport(report, args.report);
  return 0;
}

// The preset is paper unless --preset full; the catalog's "quick" is not a pose preset.
int RunPose(const EvalArgs& args) {
  bench::PoseTaskOptions options;
  options.models = args.backend.models;
  options.dataset = args.dataset;
  options.objects = args.objects;
  options.preset = pose::FramePresetFromName(args.preset);
  options.extract = args.backend.Extract();
  if (options.dataset.empty())
    throw Error("no dataset given", {"", std::nullopt, "dataset"},
                "pass the folder that holds lowtexture_test_data/ and sfm_output/");
  if (args.objects < 0) throw Error("--objects must be >= 0", {"", std::nullopt, "objects"});
  if (!args.predictions.empty()) {
    const std::string model = std::filesystem::path(args.predictions).stem().string();
    PrintReport(bench::ScorePosePredictions(options, model, bench::ReadPosePredictions(args.predictions)), args.report);
    return 0;
  }
  if (args.backend.models.empty()) throw Error("no model given", {"", std::nullopt, "model"}, "or pass --predictions");
  const std::shared_ptr<FeatureService> service = OpenFeatureService(args.backend);
  TerminalProgress progress;
  std::vector<bench::PosePredictions> predictions;
  const bench::Report report = bench::RunPoseTask(options, *service, progress.progress, CancelToken(), &predictions);
  progress.Finish();
  for (size_t m = 0; m < predictions.size() && !args.predictions_out.empty(); ++m)
    fs::WriteFileAtomic(PredictionsPath(args.predictions_out, report.rows[m].model, predictions.size()),
                        bench::PosePredictionsToJson(predictions[m]));
  PrintReport(report, args.report);
  return 0;
}

bench::PairTaskOptions PairOptions(const EvalArgs& args) {
  bench::PairTaskOptions options = bench::PairTaskOptions::Sample(bench::PairTaskKindFromName(args.task));
  options.models = args.backend.models;
  if (!args.source.empty()) options.source = args.source;
  if (!args.target.empty()) options.target = args.target;
  if (!args.homography.empty()) options.homography = args.homography;
  if (!args.disparity.empty()) options.disparity = args.disparity;
  options.disparity_scale = args.disparity_scale;
  options.grid.step = args.step;
  options.grid.margin = args.margin;
  options.radius_px = args.radius;
  options.extract = args.backend.Extract();
  return options;
}

int RunEval(const EvalArgs& args) {
  if (args.task == "equivariance") return RunEquivarianceEval(args.equivariance, args.backend, args.report);
  if (args.task == "transfer") return RunTransfer(args);
  if (args.task == "tracking") return RunTracking(args);
  if (args.task == "pose") return RunPose(args);
  if (args.task == "all") return RunAll(args);
  if (args.task != "homography" && args.task != "stereo")
    throw Error("unknown task '" + args.task + "'", {"", std::nullopt, "task"},
                "tasks: homography, stereo, equivariance, transfer, tracking, pose, all");
  const bench::PairTaskOptions options = PairOptions(args);
  const std::shared_ptr<FeatureService> service = OpenFeatureService(args.backend);
  TerminalProgress progress;
  const bench::Report report = bench::RunPairTask(options, *service, progress.progress, CancelToken());
  progress.Finish();
  PrintReport(report, args.report);
  return 0;
}

}  // namespace

void AddEvalCommand(Commands& commands) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* app =
      commands.Add("eval", "Evaluate models on a benchmark task (PCK, AUC, ...)", [args] { return RunEval(*args); });
  app->add_option("--task", args->task,
                  "homography, stereo, equivariance (rendered meshes), transfer (PF-PASCAL), tracking (TAP-Vid), pose "
                  "(OnePose-LowTexture) or all")
      ->required();
  app->add_option("--source", args->source, "Source (left) image; default: OpenCV sample data");
  app->add_option("--target", args->target, "Target (right) image; default: OpenCV sample data");
  app->add_option("--homography", args->homography, "3x3 target_from_source (OpenCV XML/YAML or 9 numbers)");
  app->add_option("--disparity", args->disparity, "Left disparity PNG (0 = unknown)");
  app->add_option("--disparity-scale", args->disparity_scale,
                  "Pixels per PNG unit at the PNG's resolution (Middlebury full size: 1)");
  app->add_option("--grid-step", args->step, "Source grid spacing in pixels");
  app->add_option("--margin", args->margin, "Grid distance from the source border in pixels");
  app->add_option("--radius", args->radius, "Soft-argmax radius in target pixels");
  app->add_option("--dataset", args->dataset,
                  "transfer: folder holding PF-dataset-PASCAL/; tracking: folder with tapvid_davis_data_strided.pkl "
                  "and tapvid-davis/, or a TAP-Vid .pkl; pose: folder holding lowtexture_test_data/ and sfm_output/");
  app->add_option("--videos", args->videos, "tracking: only the first N videos (0 = all)");
  app->add_option("--objects", args->objects, "pose: only the first N objects in sorted order (0 = all)");
  app->add_option("--dataset-root", args->dataset_root,
                  "all: the reference's data/ folder (PF-dataset-PASCAL/, TAP-Vid, lowtexture_test_data/ ...)");
  app->add_option("--preset", args->preset,
                  "all: paper (full protocols) or quick (small subsets); tracking: paper or interactive; pose: paper "
                  "(every 10th test frame) or full (every frame)")
      ->capture_default_str();
  app->add_option("--pairs", args->pairs, "transfer: pair CSV (default: the protocol's file in PF-dataset-PASCAL/)");
  app->add_option("--protocol", args->protocol, "transfer: paper (3DCorrEnhance, default) or standard")
      ->capture_default_str();
  app->add_option("--categories", args->categories, "transfer: only the first N classes (0 = all 20)");
  app->add_option("--predictions", args->predictions,
                  "transfer, tracking, pose: score this predictions JSON instead of running a model");
  app->add_option("--predictions-out", args->predictions_out,
                  "transfer, tracking, pose: write each model's predictions JSON");
  AddBackendOptions(app, &args->backend, /*model_required=*/false);  // not with --predictions
  AddReportOptions(app, &args->report);
  AddEquivarianceOptions(app, &args->equivariance);
}

}  // namespace corrlens::cli
