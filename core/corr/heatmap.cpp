#include "core/corr/heatmap.h"

#include <opencv2/imgproc.hpp>

#include <cmath>

#include "core/util/check.h"
#include "core/util/error.h"

namespace corrlens {
namespace {

int OpenCvColormap(Colormap map) {
  switch (map) {
    case Colormap::kTurbo: return cv::COLORMAP_TURBO;
    case Colormap::kJet: return cv::COLORMAP_JET;
    case Colormap::kViridis: return cv::COLORMAP_VIRIDIS;
    case Colormap::kInferno: return cv::COLORMAP_INFERNO;
    case Colormap::kGray: return -1;
  }
  return cv::COLORMAP_TURBO;
}

}  // namespace

Colormap ParseColormap(const std::string& name) {
  if (name == "turbo") return Colormap::kTurbo;
  if (name == "jet") return Colormap::kJet;
  if (name == "viridis") return Colormap::kViridis;
  if (name == "inferno") return Colormap::kInferno;
  if (name == "gray" || name == "grey") return Colormap::kGray;
  throw Error("unknown colour map '" + name + "'", {"", std::nullopt, "colormap"},
              "use turbo, jet, viridis, inferno or gray");
}

Heatmap ColorizeScores(const cv::Mat& scores, const HeatmapOptions& options) {
  CL_CHECK(options.Check()) << "invalid HeatmapOptions (min < max)";
  CL_CHECK(!scores.empty() && scores.type() == CV_32F) << "scores must be a non-empty CV_32F matrix";
  cv::Mat valid = scores == scores;  // false at NaN
  double lo = 0, hi = 0;
  cv::minMaxLoc(scores, &lo, &hi, nullptr, nullptr, valid);
  Heatmap heat;
  heat.min = std::isnan(options.min) ? static_cast<float>(lo) : options.min;
  heat.max = std::isnan(options.max) ? static_cast<float>(hi) : options.max;
  const double span = heat.max > heat.min ? heat.max - heat.min : 1.0;
  cv::Mat gray;
  scores.convertTo(gray, CV_8U, 255.0 / span, -heat.min * 255.0 / span);  // saturates
  const int map = OpenCvColormap(options.colormap);
  cv::Mat bgr;
  if (map < 0) {
    cv::cvtColor(gray, bgr, cv::COLOR_GRAY2BGR);
  } else {
    cv::applyColorMap(gray, bgr, map);
  }
  bgr.setTo(cv::Scalar::all(0), ~valid);
  cv::cvtColor(bgr, heat.rgb, cv::COLOR_BGR2RGB);
  return heat;
}

cv::Mat BlendHeatmap(const cv::Mat& image_rgb, const Heatmap& heatmap, double alpha) {
  CL_CHECK(image_rgb.type() == CV_8UC3 && heatmap.rgb.type() == CV_8UC3) << "BlendHeatmap expects CV_8UC3 images";
  cv::Mat heat = heatmap.rgb;
  if (heat.size() != image_rgb.size()) cv::resize(heat, heat, image_rgb.size(), 0, 0, cv::INTER_LINEAR);
  cv::Mat out;
  cv::addWeighted(image_rgb, 1.0 - alpha, heat, alpha, 0.0, out);
  return out;
}

void DrawMarker(cv::Mat& image_rgb, const cv::Point2d& point, int radius) {
  const cv::Point centre(static_cast<int>(std::lround(point.x)), static_cast<int>(std::lround(point.y)));
  cv::circle(image_rgb, centre, radius, cv::Scalar(255, 255, 255), 2, cv::LINE_AA);
  cv::circle(image_rgb, centre, std::max(1, radius / 3), cv::Scalar(0, 0, 0), cv::FILLED, cv::LINE_AA);
}

}  // namespace corrlens
