#include "plugins/torchscript/torchscript_backend.h"

#include <torch/script.h>
#include <torch/torch.h>

#include <opencv2/core/mat.hpp>

#include <fmt/format.h>

#include <cstring>
#include <fstream>
#include <optional>
#include <vector>

#include "core/util/check.h"
#include "core/util/error.h"
#include "core/util/fs.h"

namespace corrlens {
namespace {

using torchscript::Manifest;

const char* const kExportHint =
    "export the model with torch.jit.script(model) or torch.jit.trace(model, example) and save it with "
    ".save(path); see scripts/export_torchscript.py";

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string ShapeText(const at::Tensor& t) {
  std::string out = "[";
  for (int64_t i = 0; i < t.dim(); ++i) out += (i ? ", " : "") + std::to_string(t.size(i));
  return out + "]";
}

// Content hash of a file, read in blocks (module files can be gigabytes).
std::string HashFile(const std::string& path) {
  if (path.empty()) return {};
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read", {path});
  std::string digests;
  std::vector<char> block(8 << 20);
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    if (in.gcount() <= 0) break;
    digests += fs::HashHex(block.data(), static_cast<size_t>(in.gcount()));
  }
  return digests;
}

torch::Device ParseDevice(const std::string& device) {
  try {
    torch::Device parsed(device);
    if (parsed.is_cuda() && !torch::cuda::is_available())
      throw Error("device '" + device + "' requested but CUDA is not available", {"", std::nullopt, "device"},
                  "this build or machine has no CUDA; use --device cpu");
    return parsed;
  } catch (const c10::Error&) {
    throw Error("bad device '" + device + "'", {"", std::nullopt, "device"}, "use cpu, cuda or cuda:N");
  }
}

// torch::jit::load with one-line errors: TorchScript files are zip archives
// holding code; weights saved with torch.save are refused with the fix.
torch::jit::Module LoadModule(const std::string& path, const torch::Device& device) {
  char magic[4] = {};
  std::ifstream in(path, std::ios::binary);
  in.read(magic, sizeof(magic));
  if (!in) throw Error("not a TorchScript module: the file is empty or unreadable", {path}, kExportHint);
  if (std::memcmp(magic, "PK\x03\x04", 4) != 0) {
    const bool pickle = static_cast<unsigned char>(magic[0]) == 0x80;
    throw Error("not a TorchScript module: not a zip archive", {path},
                std::string(pickle ? "a legacy torch.save() pickle holds weights, not a program; " : "") + kExportHint);
  }
  try {
    torch::jit::Module module = torch::jit::load(path, device);
    module.eval();
    return module;
  } catch (const c10::Error& e) {
    throw Error("not a TorchScript module (" + FirstLine(e.what_without_backtrace()) + ")", {path},
                std::string("a torch.save() archive holds weights, not a program; ") + kExportHint);
  } catch (const std::exception& e) {
    throw Error("not a TorchScript module (" + FirstLine(e.what()) + ")", {path}, kExportHint);
  }
}

class TorchScriptBackend : public FeatureBackend {
 public:
  TorchScriptBackend(Manifest manifest, torch::jit::Module module, std::optional<torch::jit::Module> adapter,
                     torch::Device device)
      : manifest_(std::move(manifest)), module_(std::move(module)), adapter_(std::move(adapter)), device_(device) {
    info_.id = manifest_.name;
    info_.display_name = manifest_.display_name;
    info_.dim = manifest_.channels;
    info_.device = device_.str();
    const std::string digests =
        HashFile(manifest_.model_path) + "|" + HashFile(manifest_.adapter_path) + "|" + manifest_.text;
    info_.weights_hash = fs::HashHex(digests.data(), digests.size());
  }

  const BackendInfo& Info() const override { return info_; }

  FeatureMap Extract(const cv::Mat& rgb, const ExtractOptions& options, const CancelToken& cancel) override {
    CL_CHECK(!rgb.empty() && rgb.type() == CV_8UC3) << "expected an RGB CV_8UC3 image";
    c10::InferenceMode inference;
    cancel.ThrowIfCancelled();
    const GridGeometry g = PlanTorchScriptGeometry(manifest_, rgb.cols, rgb.rows, options);
    const at::Tensor map = Forward(Prepare(rgb, g), g, options.refine);
    cancel.ThrowIfCancelled();
    FeatureMap result;
    result.features = map.squeeze(0).to(at::kFloat).contiguous();
    result.geometry = g;
    result.backend_id = info_.id + "/" + options.Key();
    return result;
  }

  // One forward pass on a small zero input (or the fixed input size): the
  // output's rank, grid and channels are checked against the manifest.
  void Probe() {
    c10::InferenceMode inference;
    GridGeometry g;
    g.patch = manifest_.patch;
    g.stride = manifest_.stride;
    g.input_width = manifest_.FixedInput() ? manifest_.input_width : 3 * manifest_.stride + manifest_.patch;
    g.input_height = manifest_.FixedInput() ? manifest_.input_height : 2 * manifest_.stride + manifest_.patch;
    g.grid_width = (g.input_width - g.patch) / g.stride + 1;
    g.grid_height = (g.input_height - g.patch) / g.stride + 1;
    const at::Tensor out =
        Forward(torch::zeros({1, 3, g.input_height, g.input_width}, torch::TensorOptions(device_)), g, /*refine=*/true);
    info_.dim = static_cast<int>(out.size(1));
  }

 private:
  at::Tensor Prepare(const cv::Mat& rgb, const GridGeometry& g) const {
    const cv::Mat continuous = rgb.isContinuous() ? rgb : rgb.clone();
    at::Tensor image = torch::from_blob(continuous.data, {rgb.rows, rgb.cols, 3}, torch::kUInt8)
                           .to(device_)
                           .permute({2, 0, 1})
                           .unsqueeze(0)
                           .to(at::kFloat)
                           .div_(255.0)
                           .contiguous();
    if (g.input_height != rgb.rows || g.input_width != rgb.cols)  // torchvision resize, antialias on
      image = at::_upsample_bilinear2d_aa(image, {g.input_height, g.input_width}, /*align_corners=*/false);
    const auto opts = image.options();
    const auto& m = manifest_;
    image.sub_(torch::tensor({m.mean[0], m.mean[1], m.mean[2]}, opts).view({3, 1, 1}))
        .div_(torch::tensor({m.std[0], m.std[1], m.std[2]}, opts).view({3, 1, 1}));
    return image;
  }

  at::Tensor Forward(const at::Tensor& input, const GridGeometry& g, bool refine) {
    at::Tensor map = Run(module_, input, manifest_.model_path);
    CheckMap(map, g, manifest_.model_path);
    if (manifest_.channels > 0 && map.size(1) != manifest_.channels)
      throw Error(fmt::format("the module returns {} channels, the manifest says {}", map.size(1), manifest_.channels),
                  {manifest_.path, std::nullopt, "channels"}, "fix \"channels\" or remove it");
    if (refine && adapter_) {
      map = Run(*adapter_, map, manifest_.adapter_path);
      CheckMap(map, g, manifest_.adapter_path);
    }
    return map;
  }

  at::Tensor Run(torch::jit::Module& module, const at::Tensor& input, const std::string& file) const {
    c10::IValue out;
    try {
      out = module.forward({input});
    } catch (const c10::Error& e) {
      throw Error(fmt::format("the module failed on a [1, {}, {}, {}] input ({})", input.size(1), input.size(2),
                              input.size(3), FirstLine(e.what_without_backtrace())),
                  {file},
                  manifest_.FixedInput() ? ""
                                         : "a traced module may take only its tracing size: give it as "
                                           "\"input_size\" in the manifest");
    }
    if (!out.isTensor())
      throw Error("the module returns a " + std::string(out.tagKind()) + ", expected a tensor [1, C, h, w]", {file},
                  "return the feature map itself from forward()");
    return out.toTensor();
  }

  void CheckMap(const at::Tensor& map, const GridGeometry& g, const std::string& file) const {
    if (map.dim() != 4 || map.size(0) != 1 || !map.is_floating_point())
      throw Error("the module returns " + ShapeText(map) + " (" + std::string(c10::toString(map.scalar_type())) +
                      "), expected a floating-point feature map [1, C, h, w]",
                  {file},
                  map.dim() == 3 ? "a ViT's tokens [1, N, C] must be reshaped to [1, C, h, w] in the exported module "
                                   "(see scripts/export_torchscript.py)"
                                 : "");
    if (map.size(2) != g.grid_height || map.size(3) != g.grid_width)
      throw Error(fmt::format("the module returns a {}x{} grid for a {}x{} input, but the manifest's patch_size {} "
                              "and stride {} give {}x{}",
                              map.size(3), map.size(2), g.input_width, g.input_height, manifest_.patch,
                              manifest_.stride, g.grid_width, g.grid_height),
                  {manifest_.path, std::nullopt, "patch_size"},
                  "patch_size and stride must be the backbone's token size and spacing in input pixels "
                  "(ViT-S/14: 14 and 14; a stride-8 CNN: 8 and 8)");
  }

  Manifest manifest_;
  torch::jit::Module module_;
  std::optional<torch::jit::Module> adapter_;
  torch::Device device_;
  BackendInfo info_;
};

}  // namespace

GridGeometry PlanTorchScriptGeometry(const Manifest& m, int width, int height, const ExtractOptions& options) {
  CL_CHECK(options.Check()) << "invalid extract options";
  CL_CHECK(width > 0 && height > 0) << "empty image";
  CL_CHECK(m.patch > 0 && m.stride > 0) << "manifest without patch size";
  GridGeometry g;
  g.image_width = width;
  g.image_height = height;
  g.patch = m.patch;
  g.stride = m.stride;
  if (m.FixedInput()) {
    g.input_width = m.input_width;
    g.input_height = m.input_height;
  } else if (options.input_width > 0) {
    g.input_width = options.input_width;
    g.input_height = options.input_height;
  } else {
    const int64_t res = m.resolution > 0 ? m.resolution : options.resolution;
    const int64_t tgt_h = height > width ? res : int64_t(height) * res / width;
    const int64_t tgt_w = height > width ? int64_t(width) * res / height : res;
    const int64_t grid_h = tgt_h / options.downsample, grid_w = tgt_w / options.downsample;
    if (grid_h < 1 || grid_w < 1)
      throw Error(fmt::format("image {}x{} gives an empty token grid at resolution {}", width, height, res),
                  {"", std::nullopt, "resolution"}, "the image is too elongated");
    g.input_width = static_cast<int>((grid_w - 1) * m.stride + m.patch);
    g.input_height = static_cast<int>((grid_h - 1) * m.stride + m.patch);
  }
  if (g.input_width < m.patch || g.input_height < m.patch)
    throw Error(fmt::format("input {}x{} is smaller than one {} px patch", g.input_width, g.input_height, m.patch),
                {"", std::nullopt, "input size"}, "use a larger input size");
  g.grid_width = (g.input_width - m.patch) / m.stride + 1;
  g.grid_height = (g.input_height - m.patch) / m.stride + 1;
  return g;
}

std::unique_ptr<FeatureBackend> CreateTorchScriptBackend(const TorchScriptBackendOptions& options) {
  if (!options.Check())
    throw Error("the TorchScript backend needs a model folder", {"", std::nullopt, "weights"},
                "give the folder that holds the .pt file and its corrlens.json");
  Manifest manifest = torchscript::ReadManifest(torchscript::ManifestPathFor(options.path));
  const torch::Device device = ParseDevice(options.device);
  torch::jit::Module module = LoadModule(manifest.model_path, device);
  std::optional<torch::jit::Module> adapter;
  if (!manifest.adapter_path.empty()) adapter = LoadModule(manifest.adapter_path, device);
  auto backend =
      std::make_unique<TorchScriptBackend>(std::move(manifest), std::move(module), std::move(adapter), device);
  if (options.probe) backend->Probe();
  return backend;
}

}  // namespace corrlens
