// Colour-mapped score images (similarity heatmaps) for PNGs and the GUI.
#pragma once

#include <opencv2/core/mat.hpp>
#include <opencv2/core/types.hpp>

#include <limits>
#include <string>

namespace corrlens {

enum class Colormap { kTurbo, kJet, kViridis, kInferno, kGray };

// Parses "turbo", "jet", "viridis", "inferno", "gray"; throws Error otherwise.
Colormap ParseColormap(const std::string& name);

struct HeatmapOptions {
  Colormap colormap = Colormap::kTurbo;
  // Score range mapped to the ends of the colour map; NaN = the scores'
  // own min / max.
  float min = std::numeric_limits<float>::quiet_NaN();
  float max = std::numeric_limits<float>::quiet_NaN();

  bool Check() const { return !(min >= max); }
};

// A colour-mapped score image and the range that was mapped.
struct Heatmap {
  cv::Mat rgb;      // CV_8UC3, RGB order, size of the scores
  float min = 0.f;  // score at the low end of the colour map
  float max = 0.f;  // score at the high end
};

// Maps CV_32F `scores` through the colour map (NaNs become black).
Heatmap ColorizeScores(const cv::Mat& scores, const HeatmapOptions& options = {});

// `image_rgb` (CV_8UC3) blended with the heatmap (resized to the image when
// sizes differ): out = (1 - alpha) * image + alpha * heatmap.
cv::Mat BlendHeatmap(const cv::Mat& image_rgb, const Heatmap& heatmap, double alpha = 0.5);

// Draws a marker (white ring around a black dot) at `point` on an RGB image.
void DrawMarker(cv::Mat& image_rgb, const cv::Point2d& point, int radius = 6);

}  // namespace corrlens
