// Dense ViT features exactly as the reference get_feature /
// get_feature_wo_kp (PROTOCOLS.md section 2):
//  - target size: `resolution` (640) on the long side, grid = size / 8,
//    model input = grid * patch (or an exact input size);
//  - image RGB/255 -> torchvision `functional.resize` on a float tensor, i.e.
//    bilinear, align_corners=False, antialias=True (torchvision >= 0.17
//    default; the reference pins torch 2.5.1 / torchvision 0.20.1); no
//    resampling when the image already has the input size;
//  - per-model mean/std normalisation, forward, x_norm_patchtokens (or the
//    x_prenorm patch tokens), optional refine conv;
//  - FeatureMap [C, Hg, Wg] + GridGeometry.
#pragma once

#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/feature/feature_backend.h"
#include "core/model/vision_transformer.h"

namespace cv {
class Mat;
}

namespace corrlens::model {

// How to build an extractor from files.
struct VitExtractorOptions {
  std::string arch;                                   // VitConfig::ForArch name ("dinov2_vitb14", ...)
  std::string weights_path;                           // backbone: hub .pth, HF or timm safetensors
  std::string adapter_path;                           // 3DCorrEnhance .ckpt; "" = plain backbone
  std::string device = "cpu";                         // torch device string: "cpu", "cuda", "cuda:1"
  std::string dtype = "float32";                      // "float32" or "bfloat16" (weights + activations)
  int64_t attention_block_bytes = int64_t{32} << 20;  // see VitForwardOptions

  bool Check() const;
};

// The model input of one image and its geometry.
struct PreparedImage {
  at::Tensor input;       // [1, 3, H_in, W_in] normalised, model device/dtype
  GridGeometry geometry;  // image, input and grid sizes
};

// One loaded ViT (+ optional adapter) on one device. Extract is const and
// may run concurrently on the same instance only on CPU.
class VitFeatureExtractor {
 public:
  // Loads weights (and the adapter) and moves them to the device.
  static std::unique_ptr<VitFeatureExtractor> Create(const VitExtractorOptions& options);
  // Wraps modules that are already filled (tests, finetuning). `refine` may
  // be null (no adapter). Modules are moved to `device` / `dtype`.
  VitFeatureExtractor(VisionTransformer model, RefineHead refine, const std::string& device,
                      const std::string& dtype = "float32");

  // Reference geometry for an image of `width` x `height` pixels.
  static GridGeometry PlanGeometry(int width, int height, const ExtractOptions& options, int patch);
  // Resize + normalisation of an RGB CV_8UC3 image.
  PreparedImage Prepare(const cv::Mat& rgb, const ExtractOptions& options) const;
  // The whole pipeline; features are float32 on the extractor's device.
  FeatureMap Extract(const cv::Mat& rgb, const ExtractOptions& options, const CancelToken& cancel) const;
  // Same from a prepared input; also returns the normalised CLS token.
  FeatureMap ExtractPrepared(const PreparedImage& prepared, const ExtractOptions& options, const CancelToken& cancel,
                             at::Tensor* cls = nullptr) const;

  const VitConfig& config() const { return model_->config(); }
  bool has_adapter() const { return static_cast<bool>(refine_); }
  const std::string& device() const { return device_; }
  // Content hash of the backbone weights and the adapter (16 hex digits).
  const std::string& weights_hash() const { return weights_hash_; }
  VisionTransformer model() const { return model_; }
  RefineHead refine() const { return refine_; }
  int64_t attention_block_bytes = int64_t{32} << 20;  // scratch per attention block

 private:
  VisionTransformer model_;
  RefineHead refine_;
  std::string device_;
  at::ScalarType dtype_;
  std::string weights_hash_;
};

// Descriptors [N, C] (float32) at image-pixel points, computed like the
// reference interpolate_features in float32: points scaled to model-input
// pixels, last/a/b normalisation, grid_sample (bilinear, align_corners=True,
// border), L2-normalised when `normalize`. `sampling_patch` > 0 replaces the
// patch and stride of the normalisation (the timm reference scripts
// normalise with 14 px cells although their patch is 16: pass 14 to
// reproduce them; 0 uses the map's own geometry).
at::Tensor SampleReferencePoints(const FeatureMap& map, const std::vector<std::pair<double, double>>& points,
                                 bool normalize = true, int sampling_patch = 0);

// Fast content hash of tensors (bytes of their CPU float32 copies).
std::string HashTensors(const std::vector<at::Tensor>& tensors);

}  // namespace corrlens::model
