#include "core/model/vit_extractor.h"

#include <torch/torch.h>

#include <opencv2/core/mat.hpp>

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "core/model/weight_io.h"
#include "core/util/check.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/heap.h"

namespace corrlens::model {
namespace {

at::ScalarType ParseDtype(const std::string& dtype) {
  if (dtype == "float32" || dtype == "fp32" || dtype == "float") return at::kFloat;
  if (dtype == "bfloat16" || dtype == "bf16") return at::kBFloat16;
  throw Error("unknown dtype '" + dtype + "'", {"", std::nullopt, "dtype"}, "use float32 or bfloat16");
}

torch::Device ParseDevice(const std::string& device) {
  try {
    torch::Device parsed(device);
    if (parsed.is_cuda() && !torch::cuda::is_available())
      throw Error("device '" + device + "' requested but CUDA is not available", {"", std::nullopt, "device"},
                  "this build or machine has no CUDA; use --device cpu (CORRLENS_WITH_CUDA needs a CUDA LibTorch)");
    return parsed;
  } catch (const c10::Error&) {
    throw Error("bad device '" + device + "'", {"", std::nullopt, "device"}, "use cpu, cuda or cuda:N");
  }
}

// Reference `interpolate_features` coefficients along one axis.
void AxisCoefficients(int size, int patch, int stride, float* a, float* b) {
  const double half = patch / 2.0;
  const double last = static_cast<double>((size - patch) / stride) * stride + half;
  if (last - half <= 0.0) {  // one token along this axis: sample its centre
    *a = 0.f;
    *b = 0.f;
    return;
  }
  *a = static_cast<float>(2.0 / (last - half));
  *b = static_cast<float>(1.0 - last * 2.0 / (last - half));
}

// glibc returns every freed block above its (dynamic) mmap threshold to the
// system and trims the heap top; LibTorch has no CPU caching allocator, so
// each forward pass then page-faults all its activations afresh. On virtual
// machines where faults are expensive this halved ViT throughput. Keep blocks
// up to 32 MB (glibc's maximum threshold) in the heap and do not trim below
// 1 GB. Process-wide and done once; CORRLENS_MALLOC_DEFAULTS=1 opts out.
void TuneMallocForInference() {
#if defined(__GLIBC__)
  static std::once_flag once;
  std::call_once(once, [] {
    const char* opt_out = std::getenv("CORRLENS_MALLOC_DEFAULTS");
    if (opt_out && *opt_out && std::string(opt_out) != "0") return;
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
  });
#endif
}

}  // namespace

bool VitExtractorOptions::Check() const {
  return !arch.empty() && !weights_path.empty() && !device.empty() && attention_block_bytes >= 0 &&
         (dtype == "float32" || dtype == "fp32" || dtype == "bfloat16" || dtype == "bf16");
}

std::string HashTensors(const std::vector<at::Tensor>& tensors) {
  // Four independent 64-bit multiply-xor lanes over 8-byte words; the final
  // digest goes through fs::HashHex. Stable across runs and platforms with
  // the same endianness.
  uint64_t lanes[4] = {0x9e3779b97f4a7c15ull, 0xc2b2ae3d27d4eb4full, 0x165667b19e3779f9ull, 0x27d4eb2f165667c5ull};
  for (const at::Tensor& t : tensors) {
    if (!t.defined()) continue;
    const at::Tensor c = t.detach().to(at::kCPU, at::kFloat).contiguous();
    const auto* bytes = static_cast<const uint8_t*>(c.data_ptr());
    const size_t size = static_cast<size_t>(c.numel()) * sizeof(float);
    size_t i = 0;
    for (; i + 32 <= size; i += 32) {
      for (int l = 0; l < 4; ++l) {
        uint64_t w;
        std::memcpy(&w, bytes + i + 8 * l, 8);
        lanes[l] = (lanes[l] ^ w) * 0x100000001b3ull;
        lanes[l] ^= lanes[l] >> 29;
      }
    }
    for (; i < size; ++i) lanes[i % 4] = (lanes[i % 4] ^ bytes[i]) * 0x100000001b3ull;
    lanes[0] ^= static_cast<uint64_t>(size) * 0x9e3779b97f4a7c15ull;
  }
  return fs::HashHex(lanes, sizeof(lanes));
}

std::unique_ptr<VitFeatureExtractor> VitFeatureExtractor::Create(const VitExtractorOptions& options) {
  CL_CHECK(options.Check()) << "invalid extractor options (arch, weights path, device, dtype)";
  VisionTransformer model(VitConfig::ForArch(options.arch));
  LoadBackboneWeights(*model, options.weights_path);
  RefineHead refine{nullptr};
  if (!options.adapter_path.empty()) {
    refine = RefineHead(model->config().embed_dim);
    try {
      ApplyAdapter(*model, *refine, ReadAdapter(options.adapter_path));
    } catch (const Error& e) {
      throw e.WithFile(options.adapter_path);
    }
  }
  auto extractor = std::make_unique<VitFeatureExtractor>(model, refine, options.device, options.dtype);
  extractor->attention_block_bytes = options.attention_block_bytes;
  ReturnFreeHeapMemory();  // the checkpoint's bytes, as large as the model, are free now
  return extractor;
}

VitFeatureExtractor::VitFeatureExtractor(VisionTransformer model, RefineHead refine, const std::string& device,
                                         const std::string& dtype)
    : model_(std::move(model)), refine_(std::move(refine)), dtype_(ParseDtype(dtype)) {
  CL_CHECK(static_cast<bool>(model_)) << "no model";
  TuneMallocForInference();
  std::vector<at::Tensor> tensors;
  for (const auto& p : model_->parameters()) tensors.push_back(p);
  if (refine_)
    for (const auto& p : refine_->parameters()) tensors.push_back(p);
  weights_hash_ = HashTensors(tensors);
  const torch::Device target = ParseDevice(device);
  device_ = target.str();
  model_->to(target, dtype_);
  model_->eval();
  if (refine_) {
    refine_->to(target, dtype_);
    refine_->eval();
  }
}

GridGeometry VitFeatureExtractor::PlanGeometry(int width, int height, const ExtractOptions& options, int patch) {
  CL_CHECK(options.Check()) << "invalid extract options";
  CL_CHECK(width > 0 && height > 0) << "empty image";
  GridGeometry g;
  g.image_width = width;
  g.image_height = height;
  g.patch = patch;
  g.stride = options.stride > 0 ? options.stride : patch;
  if (options.input_width > 0) {
    g.input_width = options.input_width;
    g.input_height = options.input_height;
  } else {
    // tgt_size of get_feature: the long side becomes `resolution`.
    const int64_t res = options.resolution;
    const int64_t tgt_h = height > width ? res : int64_t(height) * res / width;
    const int64_t tgt_w = height > width ? int64_t(width) * res / height : res;
    const int64_t grid_h = tgt_h / options.downsample, grid_w = tgt_w / options.downsample;
    if (grid_h < 1 || grid_w < 1)
      throw Error(fmt::format("image {}x{} gives an empty token grid at resolution {}", width, height, res),
                  {"", std::nullopt, "resolution"}, "the image is too elongated; use --input-size");
    g.input_height = static_cast<int>(grid_h * patch);
    g.input_width = static_cast<int>(grid_w * patch);
  }
  std::tie(g.grid_height, g.grid_width) =
      VisionTransformerImpl::GridSize(g.input_height, g.input_width, patch, g.stride);
  if (g.grid_height < 1 || g.grid_width < 1)
    throw Error(fmt::format("input {}x{} is smaller than one {} px patch", g.input_width, g.input_height, patch),
                {"", std::nullopt, "input size"}, "use a larger input size");
  return g;
}

PreparedImage VitFeatureExtractor::Prepare(const cv::Mat& rgb, const ExtractOptions& options) const {
  CL_CHECK(!rgb.empty() && rgb.type() == CV_8UC3) << "expected an RGB CV_8UC3 image";
  PreparedImage prepared;
  prepared.geometry = PlanGeometry(rgb.cols, rgb.rows, options, config().patch_size);
  const GridGeometry& g = prepared.geometry;
  const cv::Mat continuous = rgb.isContinuous() ? rgb : rgb.clone();
  at::Tensor image = torch::from_blob(continuous.data, {rgb.rows, rgb.cols, 3}, torch::kUInt8)
                         .to(torch::Device(device_))
                         .permute({2, 0, 1})
                         .unsqueeze(0)
                         .to(at::kFloat)
                         .div_(255.0)  // bit-identical to float32(x / 255.) for uint8 x
                         .contiguous();
  if (g.input_height != rgb.rows || g.input_width != rgb.cols)
    image = at::_upsample_bilinear2d_aa(image, {g.input_height, g.input_width}, /*align_corners=*/false);
  const auto& c = config();
  const auto opts = image.options();
  const at::Tensor mean = torch::tensor({c.mean[0], c.mean[1], c.mean[2]}, opts).view({3, 1, 1});
  const at::Tensor std = torch::tensor({c.std[0], c.std[1], c.std[2]}, opts).view({3, 1, 1});
  image.sub_(mean).div_(std);  // torchvision Normalize
  prepared.input = image.to(dtype_);
  return prepared;
}

FeatureMap VitFeatureExtractor::Extract(const cv::Mat& rgb, const ExtractOptions& options,
                                        const CancelToken& cancel) const {
  c10::InferenceMode inference;
  cancel.ThrowIfCancelled();
  return ExtractPrepared(Prepare(rgb, options), options, cancel);
}

FeatureMap VitFeatureExtractor::ExtractPrepared(const PreparedImage& prepared, const ExtractOptions& options,
                                                const CancelToken& cancel, at::Tensor* cls) const {
  c10::InferenceMode inference;
  VitForwardOptions forward;
  forward.stride = options.stride;
  forward.attention_block_bytes = attention_block_bytes;
  forward.want_norm = options.layer == FeatureLayer::kNorm || cls != nullptr;
  forward.want_prenorm = options.layer == FeatureLayer::kPrenorm;
  forward.cancel = &cancel;
  const VitOutput out = model_->Forward(prepared.input, forward);
  const GridGeometry& g = prepared.geometry;
  CL_CHECK(out.grid_height == g.grid_height && out.grid_width == g.grid_width)
      << "token grid " << out.grid_height << "x" << out.grid_width;
  const at::Tensor& tokens = options.layer == FeatureLayer::kNorm ? out.patch_tokens_norm : out.patch_tokens_prenorm;
  at::Tensor map = tokens.reshape({1, g.grid_height, g.grid_width, -1}).permute({0, 3, 1, 2});
  if (options.refine && refine_) map = refine_->forward(map);
  FeatureMap result;
  result.features = map.squeeze(0).to(at::kFloat).contiguous();
  result.geometry = g;
  result.backend_id = config().arch + (refine_ ? "+3dcorr" : "") + "/" + options.Key();
  if (cls) *cls = out.cls_norm.to(at::kFloat);
  return result;
}

at::Tensor SampleReferencePoints(const FeatureMap& map, const std::vector<std::pair<double, double>>& points,
                                 bool normalize, int sampling_patch) {
  CL_CHECK(map.Valid()) << "invalid feature map";
  c10::InferenceMode inference;
  const GridGeometry& g = map.geometry;
  const int64_t n = static_cast<int64_t>(points.size());
  const int patch = sampling_patch > 0 ? sampling_patch : g.patch;
  const int stride = sampling_patch > 0 ? sampling_patch : g.stride;
  const int size_w = sampling_patch > 0 ? g.grid_width * sampling_patch : g.input_width;
  const int size_h = sampling_patch > 0 ? g.grid_height * sampling_patch : g.input_height;
  float aw, bw, ah, bh;
  AxisCoefficients(size_w, patch, stride, &aw, &bw);
  AxisCoefficients(size_h, patch, stride, &ah, &bh);
  // resize_factor of get_feature, rounded to float32 like torch.tensor(...).
  const float rx = static_cast<float>(double(g.input_width) / g.image_width);
  const float ry = static_cast<float>(double(g.input_height) / g.image_height);
  std::vector<float> coords;
  coords.reserve(2 * points.size());
  for (const auto& [x, y] : points) {
    const float px = static_cast<float>(x) * rx, py = static_cast<float>(y) * ry;
    coords.push_back(aw * px + bw);
    coords.push_back(ah * py + bh);
  }
  const at::Tensor features = map.features.to(at::kFloat).unsqueeze(0);
  if (n == 0) return at::empty({0, features.size(1)}, features.options());
  const at::Tensor grid = torch::from_blob(coords.data(), {1, 1, n, 2}, torch::kFloat).to(features.device());
  at::Tensor sampled = at::grid_sampler(features, grid, /*interpolation_mode=*/0, /*padding_mode=*/1,
                                        /*align_corners=*/true);
  sampled = sampled.squeeze(2).squeeze(0).t();  // [N, C]
  if (normalize) {
    const at::Tensor norms = sampled.norm(2, {1}, /*keepdim=*/true).clamp_min(1e-12);
    sampled = sampled / norms;
  }
  return sampled.contiguous();
}

}  // namespace corrlens::model
