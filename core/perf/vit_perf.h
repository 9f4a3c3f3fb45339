// Measurements behind `corrlens-cli perf`: extraction time of a randomly
// initialised ViT, the machine's SGEMM rate, and a bfloat16-vs-float32
// precision check. Torch stays inside the .cpp.
#pragma once

#include <cstdint>
#include <string>

namespace cv {
class Mat;
}

namespace corrlens::perf {

struct ExtractionTiming {
  double ms_median = 0;  // per image: resize + normalise + forward
  double ms_min = 0;
  int64_t tokens = 0;      // patch tokens
  double gflop = 0;        // VitConfig::Flops of one forward
  double peak_rss_mb = 0;  // process peak resident set after the runs
  int threads = 0;         // LibTorch intra-op threads
};

struct TimingOptions {
  std::string arch = "dinov2_vits14";
  int width = 448, height = 336;  // exact model input (no resampling)
  int stride = 0;                 // patch-embedding stride; 0 = the patch size
  bool prenorm = false;           // x_prenorm tokens (the tracker's) instead of x_norm
  int runs = 3, warmup = 1;
  std::string device = "cpu", dtype = "float32";
};

// Times `runs` extractions (after `warmup`) of a synthetic image.
ExtractionTiming TimeExtraction(const TimingOptions& options);

// Best-of-5 float32 matmul rate of n x n matrices, GFLOP/s.
double MeasureSgemmGflops(int n = 2048);

struct PrecisionCheck {
  double cos_min = 0, cos_mean = 0;  // per-token cosine, bf16 vs fp32 features of image a
  double nn_agree = 0;               // share of tokens of a whose nearest neighbour in b is the same
};

// Random-weight `arch` at input width x height in float32 and bfloat16.
PrecisionCheck CompareBfloat16(const std::string& arch, const cv::Mat& a, const cv::Mat& b, int width, int height,
                               const std::string& device = "cpu");

// Peak resident set size of this process, MiB.
double PeakRssMb();

}  // namespace corrlens::perf
