#include "ui/video_tracks.h"

#include <QElapsedTimer>

#include "core/track/feature_volume.h"
#include "core/track/tracker.h"
#include "core/util/error.h"

namespace corrlens::ui {
namespace {

// The previous track of `query` over `frames` frames for model `id`, or null.
const PointTrack* Reusable(const VideoTracks& previous, const VideoModelTracks& next, const VideoPoint& query) {
  for (const VideoModelTracks& m : previous) {
    if (m.id != next.id || m.frames != next.frames || m.occlusion != next.occlusion || !m.error.isEmpty()) continue;
    for (const PointTrack& p : m.points) {
      if (!p.IsEmpty() && p.query == query) return &p;
    }
  }
  return nullptr;
}

// Converts track `n` of `result` (processing pixels) to a PointTrack in video pixels.
PointTrack ToPointTrack(const track::TrackResult& result, int n, const VideoPoint& query, double sx, double sy) {
  PointTrack out;
  out.query = query;
  const track::TrackSet& s = result.tracks;
  for (int t = 0; t < s.frames; ++t) {
    out.positions.push_back(QPointF(s.X(n, t) / sx, s.Y(n, t) / sy));
    out.occluded.push_back(s.Occluded(n, t));
    out.score.push_back(result.similarity[size_t(n) * s.frames + t]);
  }
  return out;
}

VideoModelTracks TrackModel(const VideoTrackRequest& request, const VideoTrackRequest::Model& model,
                            track::TrackerOptions options, const CancelToken& cancel) {
  QElapsedTimer timer;
  timer.start();
  const track::FeatureVolume volume = model.volume->Ready();
  VideoModelTracks out;
  out.id = model.id;
  out.frames = volume.Frames();
  out.total = model.volume->Frames();
  out.occlusion = options.occlusion = options.occlusion && !model.extracting;
  out.points.resize(request.points.size());
  if (out.frames == 0) return out;
  const double sx = double(volume.geometry.image_width) / request.width;
  const double sy = double(volume.geometry.image_height) / request.height;
  std::vector<track::Query> queries;
  QVector<int> missing;  // document indices of the queries to track now
  for (int i = 0; i < request.points.size(); ++i) {
    const VideoPoint& p = request.points[i];
    if (p.frame >= out.frames) continue;  // its frame is not extracted yet
    if (const PointTrack* known = Reusable(request.previous, out, p)) {
      out.points[i] = *known;
      continue;
    }
    queries.push_back({p.frame, p.position.x() * sx, p.position.y() * sy});
    missing.push_back(i);
  }
  if (!queries.empty()) {
    Progress progress;
    const track::TrackResult result = track::TrackPoints(volume, queries, options, progress, cancel);
    for (int k = 0; k < missing.size(); ++k)
      out.points[missing[k]] = ToPointTrack(result, k, request.points[missing[k]], sx, sy);
  }
  out.milliseconds = double(timer.nsecsElapsed()) / 1e6;
  return out;
}

}  // namespace

VideoTracks ComputeVideoTracks(const VideoTrackRequest& request, const CancelToken& cancel) {
  const track::TrackerOptions options = track::TrackPreset::FromName(request.preset.toStdString()).tracker;
  VideoTracks tracks;
  for (const VideoTrackRequest::Model& model : request.models) {
    cancel.ThrowIfCancelled();
    try {
      tracks.push_back(TrackModel(request, model, options, cancel));
    } catch (const Error& e) {
      VideoModelTracks failed;
      failed.id = model.id;
      failed.total = model.volume->Frames();
      failed.points.resize(request.points.size());
      failed.error = QString::fromStdString(e.what());
      tracks.push_back(failed);
    }
  }
  return tracks;
}

bool ToTracksDocument(const VideoTracks& tracks, const QVector<VideoPoint>& points, const video::VideoInfo& info,
                      const QString& video, const QString& preset, track::TracksDocument* document, QString* error) {
  track::TracksDocument d;
  d.video = video.toStdString();
  d.width = info.width;
  d.height = info.height;
  d.fps = info.fps;
  d.preset = preset.toStdString();
  d.frames = tracks.isEmpty() ? 0 : tracks.front().total;
  for (const VideoPoint& p : points) d.queries.push_back({p.frame, p.position.x(), p.position.y()});
  for (const VideoModelTracks& m : tracks) {
    bool complete = m.error.isEmpty() && m.occlusion && m.frames == m.total && m.frames == d.frames &&
                    m.points.size() == points.size();
    for (int n = 0; complete && n < points.size(); ++n)
      complete = !m.points[n].IsEmpty() && m.points[n].query == points[n];
    if (!complete) {
      if (error)
        *error = m.error.isEmpty() ? QStringLiteral("%1 has tracked %2 of %3 frames; wait until it is ready")
                                         .arg(m.id)
                                         .arg(m.frames)
                                         .arg(m.total)
                                   : QStringLiteral("%1: %2").arg(m.id, m.error);
      return false;
    }
    track::TrackedModel model;
    model.model = m.id.toStdString();
    model.tracks = track::TrackSet(int(points.size()), d.frames);
    for (int n = 0; n < points.size(); ++n) {
      for (int t = 0; t < d.frames; ++t) {
        model.tracks.X(n, t) = m.points[n].positions[t].x();
        model.tracks.Y(n, t) = m.points[n].positions[t].y();
        model.tracks.SetOccluded(n, t, m.points[n].occluded[t]);
        model.similarity.push_back(m.points[n].score[t]);
      }
    }
    d.models.push_back(std::move(model));
  }
  if (d.models.empty() || points.isEmpty()) {
    if (error) *error = QStringLiteral("no tracks to export: tick a model and click points on the video");
    return false;
  }
  *document = std::move(d);
  return true;
}

}  // namespace corrlens::ui
