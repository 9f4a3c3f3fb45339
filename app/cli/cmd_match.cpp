// corrlens-cli match: for each --model, where each --points point of the
// source image lands in the target image, its score, and optional heatmaps.
// Runs the Pair workspace's engine (core/compare/PairComparison).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <iostream>

#include "app/cli/backend_args.h"
#include "app/cli/command.h"
#include "core/compare/pair_comparison.h"
#include "core/corr/feature_service.h"
#include "core/corr/similarity.h"
#include "core/io/image.h"
#include "core/util/error.h"

namespace corrlens::cli {
namespace {

struct MatchArgs {
  BackendArgs backend;
  std::string source, target, points, heatmap_dir, colormap = "turbo";
  double radius = 35.0;
  bool json = false, no_refine = false;
};

// "dinov2_vitb14+3dcorr" -> "dinov2_vitb14_3dcorr" (safe in file names).
std::string FileSafe(const std::string& name) {
  std::string out = name;
  for (char& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  return out;
}

// Writes the target blended with point k's similarity heatmap and the match marker.
std::string WriteHeatmap(const MatchArgs& args, const PairComparison& pair, const std::string& model, size_t k,
                         const ComparedMatch& match) {
  cv::Mat image = BlendHeatmap(pair.Image(Side::kTarget), pair.SimilarityHeatmap(model, match.source), 0.5);
  DrawMarker(image, match.target);
  std::filesystem::create_directories(args.heatmap_dir);
  const std::string path =
      (std::filesystem::path(args.heatmap_dir) / fmt::format("{}_p{}.png", FileSafe(model), k)).string();
  io::WriteImage(path, image);
  return path;
}

std::vector<cv::Point2d> SourcePoints(const MatchArgs& args, const cv::Mat& source_rgb) {
  std::vector<cv::Point2d> points;
  for (const auto& [x, y] : ParsePoints(args.points)) {
    if (!InsideImage({x, y}, source_rgb.cols, source_rgb.rows))
      throw Error(
          fmt::format("point ({:g}, {:g}) is outside the source image ({}x{})", x, y, source_rgb.cols, source_rgb.rows),
          {args.source, std::nullopt, "points"}, "points are pixels: 0 <= x < width, 0 <= y < height");
    points.emplace_back(x, y);
  }
  return points;
}

PairComparisonOptions ComparisonOptions(const MatchArgs& args) {
  PairComparisonOptions options;
  options.extract = args.backend.Extract();
  options.match.refine = !args.no_refine;
  options.match.radius_px = args.radius;
  options.heatmap.colormap = ParseColormap(args.colormap);  // fails before any work
  return options;
}

nlohmann::json MatchJson(const ComparedMatch& m) {
  return {{"point", {m.source.x, m.source.y}},
          {"match", {m.target.x, m.target.y}},
          {"score", m.score},
          {"refined_score", m.refined_score},
          {"peak", {m.peak.x, m.peak.y}}};
}

int RunMatch(const MatchArgs& args) {
  const cv::Mat source_rgb = io::ReadImageRgb(args.source);
  const cv::Mat target_rgb = io::ReadImageRgb(args.target);
  const std::vector<cv::Point2d> points = SourcePoints(args, source_rgb);
  PairComparison pair(OpenFeatureService(args.backend), ComparisonOptions(args));
  pair.SetImages(source_rgb, target_rgb);
  nlohmann::json out = {{"source", args.source}, {"target", args.target}, {"models", nlohmann::json::array()}};
  for (const std::string& model : args.backend.models) {
    const auto start = std::chrono::steady_clock::now();
    Progress progress;
    pair.Prepare(model, progress, CancelToken());
    const std::vector<ComparedMatch> matches = pair.Match(model, points);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto target = pair.Features(model, Side::kTarget);
    nlohmann::json entry = {{"model", model},
                            {"dim", target->Channels()},
                            {"grid", {target->geometry.grid_width, target->geometry.grid_height}},
                            {"seconds", seconds},
                            {"matches", nlohmann::json::array()}};
    if (!args.json)
      std::cout << fmt::format("{} ({}-d, target grid {}x{}, {:.2f} s)\n", model, target->Channels(),
                               target->geometry.grid_width, target->geometry.grid_height, seconds);
    for (size_t k = 0; k < matches.size(); ++k) {
      const ComparedMatch& m = matches[k];
      nlohmann::json j = MatchJson(m);
      if (!args.heatmap_dir.empty()) j["heatmap"] = WriteHeatmap(args, pair, model, k, m);
      if (!args.json)
        std::cout << fmt::format("  ({:g}, {:g}) -> ({:.1f}, {:.1f})  score {:.3f}{}\n", m.source.x, m.source.y,
                                 m.target.x, m.target.y, m.score,
                                 j.contains("heatmap") ? "  " + j["heatmap"].get<std::string>() : "");
      entry["matches"].push_back(j);
    }
    out["models"].push_back(entry);
  }
  if (args.json) std::cout << out.dump(2) << std::endl;
  return 0;
}

}  // namespace

void AddMatchCommand(Commands& commands) {
  auto args = std::make_shared<MatchArgs>();
  CLI::App* app =
      commands.Add("match", "Match source points in a target image, per model", [args] { return RunMatch(*args); });
  app->add_option("--source", args->source, "Source image")->required();
  app->add_option("--target", args->target, "Target image")->required();
  app->add_option("--points", args->points, "Source points in pixels: \"x,y;x,y\"")->required();
  app->add_flag("--json", args->json, "Machine-readable output");
  app->add_option("--heatmap-out", args->heatmap_dir, "Write <model>_p<k>.png similarity heatmaps here");
  app->add_option("--colormap", args->colormap, "Heatmap colours: turbo, jet, viridis, inferno, gray");
  app->add_option("--radius", args->radius, "Soft-argmax radius in target pixels (reference tracker: 35)");
  app->add_flag("--no-refine", args->no_refine, "Plain argmax (token centre), no soft-argmax");
  AddBackendOptions(app, &args->backend);
}

}  // namespace corrlens::cli
