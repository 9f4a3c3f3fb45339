#include "ui/video_heatmap.h"

#include <opencv2/imgproc.hpp>

#include "core/corr/heatmap.h"
#include "core/corr/similarity.h"
#include "core/track/feature_volume.h"
#include "ui/cv_qt.h"

namespace corrlens::ui {

QImage ComputeVideoHeatmap(const VideoHeatmapRequest& request, const CancelToken& cancel) {
  if (!request.volume || request.width <= 0 || request.height <= 0) return {};
  const track::FeatureVolume volume = request.volume->Ready();
  const int frames = volume.Frames();
  if (request.query.frame < 0 || request.query.frame >= frames || request.frame < 0 || request.frame >= frames)
    return {};
  auto map = [&](int t) {
    FeatureMap m;
    m.features = volume.features[t].permute({2, 0, 1}).to(at::kFloat).contiguous();  // [C, Hg, Wg]
    m.geometry = volume.geometry;
    return m;
  };
  const double sx = double(volume.geometry.image_width) / request.width;
  const double sy = double(volume.geometry.image_height) / request.height;
  const cv::Point2d at(request.query.position.x() * sx, request.query.position.y() * sy);
  cancel.ThrowIfCancelled();
  const Heatmap heatmap = PointHeatmap(map(request.query.frame), at, map(request.frame));
  cancel.ThrowIfCancelled();
  cv::Mat rgb;
  cv::resize(heatmap.rgb, rgb, cv::Size(request.width, request.height), 0, 0, cv::INTER_LINEAR);
  return QImageFromMat(rgb);
}

}  // namespace corrlens::ui
