// corrlens-cli features: dense ViT features of one image (float32 [Hg, Wg, C]
// .npy) or L2-normalised descriptors at points ([N, C]), exactly as the
// reference get_feature / get_feature_wo_kp (before the final upsampling).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>

#include <chrono>
#include <iostream>

#include "app/cli/command.h"
#include "core/io/image.h"
#include "core/io/tensor_file.h"
#include "core/io/torch_convert.h"
#include "core/model/model_catalog.h"
#include "core/model/vit_extractor.h"
#include "core/util/error.h"

namespace corrlens::cli {
namespace {

struct FeaturesArgs {
  std::string model, arch, weights, adapter, image, out, points, input_size, layer = "norm";
  std::string device = "cpu", dtype = "float32";
  std::vector<std::string> model_dirs;
  int resolution = 640, stride = 0, sampling_patch = 0, threads = 0;
  bool no_refine = false, json = false;
};

double MsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// Fills arch / weights / adapter of `options` from --model or --arch/--weights.
std::string ResolveFiles(const FeaturesArgs& args, model::VitExtractorOptions* options) {
  options->weights_path = args.weights;
  options->adapter_path = args.adapter;
  if (args.model.empty()) {
    if (args.arch.empty() || args.weights.empty())
      throw Error("give --model NAME, or --arch ARCH with --weights FILE", {"", std::nullopt, "--model"});
    options->arch = args.arch;
    return args.arch + (args.adapter.empty() ? "" : "+adapter");
  }
  const model::CatalogEntry* entry = model::FindCatalogEntry(args.model);
  model::DiscoveryOptions discovery = model::DiscoveryOptions::FromEnvironment();
  discovery.extra_dirs = args.model_dirs;
  if (!entry) model::RequireModel(args.model, discovery);  // throws: unknown, with the list
  model::CatalogEntry wanted = *entry;
  if (!args.weights.empty()) wanted.backbone.clear();
  if (!args.adapter.empty()) wanted.adapter.clear();
  const model::ResolvedModel resolved = model::RequireModel(wanted, discovery);
  if (options->weights_path.empty()) options->weights_path = resolved.backbone.path;
  if (options->adapter_path.empty()) options->adapter_path = resolved.adapter.path;
  options->arch = args.arch.empty() ? entry->arch : args.arch;
  return entry->name;
}

ExtractOptions ParseExtract(const FeaturesArgs& args) {
  ExtractOptions extract;
  extract.resolution = args.resolution;
  extract.stride = args.stride;
  extract.refine = !args.no_refine;
  if (args.layer != "norm" && args.layer != "prenorm")
    throw Error("bad --layer '" + args.layer + "'", {"", std::nullopt, "--layer"}, "use norm or prenorm");
  extract.layer = args.layer == "norm" ? FeatureLayer::kNorm : FeatureLayer::kPrenorm;
  if (!args.input_size.empty()) {
    const size_t x = args.input_size.find('x');
    try {
      if (x == std::string::npos) throw std::invalid_argument("no x");
      extract.input_width = std::stoi(args.input_size.substr(0, x));
      extract.input_height = std::stoi(args.input_size.substr(x + 1));
    } catch (const std::exception&) {
      throw Error("bad --input-size '" + args.input_size + "'", {"", std::nullopt, "--input-size"}, "expected WxH");
    }
  }
  if (!extract.Check()) throw Error("invalid extraction options", {"", std::nullopt, "--input-size"});
  return extract;
}

int RunFeatures(const FeaturesArgs& args) {
  if (args.threads > 0) at::set_num_threads(args.threads);
  const ExtractOptions extract = ParseExtract(args);
  model::VitExtractorOptions options;
  options.device = args.device;
  options.dtype = args.dtype;
  const std::string name = ResolveFiles(args, &options);
  const cv::Mat rgb = io::ReadImageRgb(args.image);
  auto start = std::chrono::steady_clock::now();
  auto extractor = model::VitFeatureExtractor::Create(options);
  const double load_ms = MsSince(start);
  start = std::chrono::steady_clock::now();
  const FeatureMap map = extractor->Extract(rgb, extract, CancelToken());
  const double extract_ms = MsSince(start);
  at::Tensor output;
  size_t num_points = 0;
  if (!args.points.empty()) {
    const auto points = ParsePoints(args.points);
    num_points = points.size();
    output = model::SampleReferencePoints(map, points, /*normalize=*/true, args.sampling_patch);  // [N, C]
  } else {
    output = map.features.permute({1, 2, 0});  // [Hg, Wg, C]
  }
  output = output.to(at::kCPU, at::kFloat).contiguous();
  if (!args.out.empty()) io::WriteNpy(args.out, io::FromTorch(output));
  const GridGeometry& g = map.geometry;
  nlohmann::json out = {{"model", name},
                        {"arch", options.arch},
                        {"weights", options.weights_path},
                        {"adapter", options.adapter_path},
                        {"weights_hash", extractor->weights_hash()},
                        {"device", extractor->device()},
                        {"dtype", args.dtype},
                        {"image", {g.image_width, g.image_height}},
                        {"input", {g.input_width, g.input_height}},
                        {"grid", {g.grid_width, g.grid_height}},
                        {"patch", g.patch},
                        {"stride", g.stride},
                        {"layer", args.layer},
                        {"refine", extractor->has_adapter() && extract.refine},
                        {"points", num_points},
                        {"shape", output.sizes().vec()},
                        {"out", args.out},
                        {"load_ms", load_ms},
                        {"extract_ms", extract_ms}};
  if (args.json) {
    std::cout << out.dump(2) << std::endl;
  } else {
    std::cout << fmt::format("{} on {}: image {}x{} -> input {}x{} -> {}x{} tokens (stride {}), {} channels{}\n", name,
                             extractor->device(), g.image_width, g.image_height, g.input_width, g.input_height,
                             g.grid_width, g.grid_height, g.stride, map.Channels(),
                             out["refine"].get<bool>() ? ", refine conv applied" : "");
    std::cout << fmt::format("load {:.0f} ms, extract {:.0f} ms, weights hash {}\n", load_ms, extract_ms,
                             extractor->weights_hash());
    if (!args.out.empty()) std::cout << fmt::format("wrote {} float32 {}\n", args.out, out["shape"].dump());
  }
  return 0;
}

}  // namespace

void AddFeaturesCommand(Commands& commands) {
  auto args = std::make_shared<FeaturesArgs>();
  CLI::App* app = commands.Add("features", "Dense ViT features of an image, or descriptors at points",
                               [args] { return RunFeatures(*args); });
  app->add_option("--model", args->model, "Catalog name, e.g. dinov2_vitb14+3dcorr (see `models`)");
  app->add_option("--arch", args->arch, "Architecture for --weights (dinov2_vits14, clip_vitb16, ...)");
  app->add_option("--weights", args->weights, "Backbone file: hub .pth, HF or timm safetensors")
      ->check(CLI::ExistingFile);
  app->add_option("--adapter", args->adapter, "3DCorrEnhance adapter .ckpt")->check(CLI::ExistingFile);
  app->add_option("--image", args->image, "Input image")->required()->check(CLI::ExistingFile);
  app->add_option("--res", args->resolution, "Long side before the 1/8 token grid (reference: 640)");
  app->add_option("--input-size", args->input_size, "Exact model input WxH (no resampling if the image has it)");
  app->add_option("--stride", args->stride, "Patch-embedding stride (7 = tracking protocol)");
  app->add_option("--layer", args->layer, "norm (x_norm_patchtokens) or prenorm (x_prenorm)");
  app->add_flag("--no-refine", args->no_refine, "Skip the adapter's refine conv");
  app->add_option("--points", args->points, "\"x,y;x,y\": write [N, C] L2-normalised descriptors instead");
  app->add_option("--sampling-patch", args->sampling_patch,
                  "Point normalisation cell; 14 reproduces the reference timm scripts (default: the model's)");
  app->add_option("--out", args->out, "Output .npy: [Hg, Wg, C] or [N, C] float32");
  app->add_option("--device", args->device, "cpu, cuda, cuda:N");
  app->add_option("--dtype", args->dtype, "float32 or bfloat16");
  app->add_option("--threads", args->threads, "Intra-op threads (0 = LibTorch default)");
  app->add_option("--models-dir", args->model_dirs, "Extra folder searched first for weights (repeatable)");
  app->add_flag("--json", args->json, "Print a JSON summary");
}

}  // namespace corrlens::cli
