// TAP-Vid ground truth in the Video workspace: one video of a TAP-Vid
// dataset (core/track/tapvid_dataset: the reference layout or the official
// pickle) opened with its query points as the document's points, each
// query's true track in video pixels, and how a model's tracks compare:
// per-point errors at a frame and the video's metrics (AJ, delta_avg, OA)
// by tapnet's strided protocol, as `corrlens-cli eval --task tracking`.
#pragma once

#include <QPointF>
#include <QString>
#include <QVector>

#include <memory>

#include "core/track/tapvid_dataset.h"
#include "ui/video_document.h"

namespace corrlens::ui {

struct VideoModelTracks;

struct TruthTrack {
  VideoPoint query;            // video pixels
  QVector<QPointF> positions;  // video pixels, one per frame
  QVector<bool> occluded;
};

struct VideoTruth {
  QString dataset;       // the folder or pickle given
  int video_index = -1;  // video_idx
  std::shared_ptr<const track::TapVidVideo> video;
  double sx = 1.0, sy = 1.0;   // benchmark pixels -> video pixels
  QVector<TruthTrack> tracks;  // query groups in order, as the document's points

  QVector<VideoPoint> Queries() const;
  // The true track of `query` (as loaded), null when it is not one.
  const TruthTrack* Find(const VideoPoint& query) const;
};

// The request that opens video `video_index` (its video_idx) of the TAP-Vid
// dataset at `dataset` with its queries as points. Its opener throws nothing:
// errors name the dataset and the cause.
VideoLoadRequest TapVidRequest(const QString& dataset, int video_index);

// A model's scores against the truth.
struct TruthScore {
  double average_jaccard = 0.0, delta_avg = 0.0, occlusion_accuracy = 0.0;
};
// The video's metrics; false with `reason` while the model has not tracked
// every query of the dataset through every frame (occlusion pass included).
bool ScoreTracks(const VideoTruth& truth, const VideoModelTracks& tracks, const QVector<VideoPoint>& points,
                 TruthScore* score, QString* reason);
// Distance (video px) between prediction and truth of each document point
// at `frame`; negative where there is no truth, no prediction yet, or the
// truth is occluded.
QVector<double> PointErrors(const VideoTruth& truth, const VideoModelTracks* tracks, const QVector<VideoPoint>& points,
                            int frame);
// The row header's lines: the scores (or why not yet) and the errors.
QString TruthSummary(const VideoTruth& truth, const VideoModelTracks* tracks, const QVector<VideoPoint>& points,
                     int frame, QString* tooltip);

}  // namespace corrlens::ui
