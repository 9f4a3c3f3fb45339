// What the Video workspace's rows show, and how it is computed off the GUI
// thread: each model's tracks of the document's query points through the
// frames whose features are extracted so far (core/track's TrackPoints on a
// VolumeBuilder's ready prefix). A track depends only on its own query, so
// tracks of unchanged queries over unchanged frames are reused and a click
// tracks only the new point.
#pragma once

#include <QString>
#include <QStringList>
#include <QVector>

#include <memory>

#include "core/track/track_export.h"
#include "core/util/progress.h"
#include "ui/video_document.h"

namespace corrlens::track {
class VolumeBuilder;
}

namespace corrlens::ui {

// One query's track through frames [0, frames) of its model's volume.
struct PointTrack {
  VideoPoint query;
  QVector<QPointF> positions;  // video pixels
  QVector<bool> occluded;
  QVector<float> score;  // cosine similarity to the prediction in the query frame
  bool IsEmpty() const { return positions.isEmpty(); }
};

struct VideoModelTracks {
  QString id;
  int frames = 0;  // frames tracked: the extracted prefix
  int total = 0;   // frames of the video
  // One per document point (same order); empty while its query frame is
  // not extracted yet.
  QVector<PointTrack> points;
  bool occlusion = true;      // false: a quick pass while frames are still being extracted
  double milliseconds = 0.0;  // time of the tracking that produced these
  QString error;              // tracking failed (the rows show it)
};
using VideoTracks = QVector<VideoModelTracks>;

struct VideoTrackRequest {
  struct Model {
    QString id;
    std::shared_ptr<const track::VolumeBuilder> volume;
    // Still extracting: skip the occlusion pass (quadratic in frames); every
    // prediction is then shown visible until the volume is complete.
    bool extracting = false;
  };
  QVector<VideoPoint> points;
  QVector<Model> models;  // row order
  QString preset;         // its tracker options
  int width = 0, height = 0;
  VideoTracks previous;  // tracks to reuse where query and frames match
};

// Every model's tracks of the request's points. Throws Cancelled; a model
// whose tracking fails gets its `error`.
VideoTracks ComputeVideoTracks(const VideoTrackRequest& request, const CancelToken& cancel);

// The tracks as the core writer takes them (positions in video pixels).
// False with `error` when a model has not tracked every point through every
// frame yet.
bool ToTracksDocument(const VideoTracks& tracks, const QVector<VideoPoint>& points, const video::VideoInfo& info,
                      const QString& video, const QString& preset, track::TracksDocument* document, QString* error);

}  // namespace corrlens::ui
