// The Video workspace's hover heatmap: the cosine similarity of a query's
// descriptor (sampled on its own frame of a model's feature volume) with
// every token of another frame, upsampled to the frame and colour-mapped.
// Reads only features already in the volume: nothing is extracted.
#pragma once

#include <QImage>

#include <memory>

#include "core/util/progress.h"
#include "ui/video_document.h"

namespace corrlens::track {
class VolumeBuilder;
}

namespace corrlens::ui {

struct VideoHeatmapRequest {
  std::shared_ptr<const track::VolumeBuilder> volume;
  VideoPoint query;           // video pixels
  int frame = 0;              // the frame shown
  int width = 0, height = 0;  // video size: the heatmap's
};

// The heatmap (RGB888, video size); null when the query's frame or `frame`
// is not extracted yet. Throws Cancelled.
QImage ComputeVideoHeatmap(const VideoHeatmapRequest& request, const CancelToken& cancel);

}  // namespace corrlens::ui
