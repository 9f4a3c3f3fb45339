#include "ui/video_truth.h"

#include <QStringList>

#include <algorithm>
#include <cmath>

#include "core/util/error.h"
#include "ui/video_tracks.h"

namespace corrlens::ui {
namespace {

const track::TapVidVideo* FindVideo(const track::TapVidDataset& dataset, int index) {
  for (const track::TapVidVideo& v : dataset.videos) {
    if (v.video_idx == index) return &v;
  }
  return nullptr;
}

// Opens video `index` of `dataset`; throws Error naming the dataset.
VideoOpened OpenTapVid(const QString& dataset, int index) {
  const std::string path = dataset.toStdString();
  const std::string problem = track::CheckTapVidPath(path);
  if (!problem.empty()) throw Error(problem);
  track::TapVidLoadOptions options;
  options.videos = index >= 0 ? index + 1 : 0;  // indices usually run 0, 1, ...: parse no further
  track::TapVidDataset loaded = track::LoadTapVid(path, options);
  if (!FindVideo(loaded, index) && options.videos > 0) loaded = track::LoadTapVid(path);
  const track::TapVidVideo* found = FindVideo(loaded, index);
  if (!found) {
    std::string have;
    for (const track::TapVidVideo& v : loaded.videos) have += (have.empty() ? "" : ", ") + std::to_string(v.video_idx);
    throw Error("no video " + std::to_string(index) + " (the dataset has " + (have.empty() ? "none" : have) + ")",
                {path}, "a video index the dataset lacks");
  }
  auto video = std::make_shared<const track::TapVidVideo>(*found);
  video::VideoOptions reader_options;
  reader_options.cache_frames = 32;
  VideoOpened opened;
  opened.reader = track::OpenTapVidFrames(*video, reader_options);
  opened.job_reader = [video] { return track::OpenTapVidFrames(*video); };
  opened.path = video->frames_dir.empty() ? dataset : QString::fromStdString(video->frames_dir);
  auto truth = std::make_shared<VideoTruth>();
  truth->dataset = dataset;
  truth->video_index = index;
  truth->video = video;
  const video::VideoInfo& info = opened.reader->Info();
  truth->sx = double(info.width) / video->width;
  truth->sy = double(info.height) / video->height;
  for (const track::TapVidQueries& g : video->groups) {
    for (int n = 0; n < g.truth.tracks; ++n) {
      TruthTrack truth_track;
      // Clamped into the frame: a document point must lie inside the video.
      const QPointF at(std::clamp(g.x[n] * truth->sx, 0.0, info.width - 1.0),
                       std::clamp(g.y[n] * truth->sy, 0.0, info.height - 1.0));
      truth_track.query = {g.frame, at};
      for (int t = 0; t < g.truth.frames; ++t) {
        truth_track.positions << QPointF(g.truth.X(n, t) * truth->sx, g.truth.Y(n, t) * truth->sy);
        truth_track.occluded << g.truth.Occluded(n, t);
      }
      truth->tracks << truth_track;
    }
  }
  opened.points = truth->Queries();
  opened.truth = truth;
  return opened;
}

}  // namespace

QVector<VideoPoint> VideoTruth::Queries() const {
  QVector<VideoPoint> queries;
  for (const TruthTrack& t : tracks) queries << t.query;
  return queries;
}

const TruthTrack* VideoTruth::Find(const VideoPoint& query) const {
  for (const TruthTrack& t : tracks) {
    if (t.query == query) return &t;
  }
  return nullptr;
}

VideoLoadRequest TapVidRequest(const QString& dataset, int video_index) {
  VideoLoadRequest request;
  request.path = dataset;
  request.open = [dataset, video_index](QString* error) {
    try {
      return OpenTapVid(dataset, video_index);
    } catch (const std::exception& e) {
      if (error) *error = QString::fromStdString(e.what());
    }
    return VideoOpened();
  };
  return request;
}

bool ScoreTracks(const VideoTruth& truth, const VideoModelTracks& tracks, const QVector<VideoPoint>& points,
                 TruthScore* score, QString* reason) {
  const track::TapVidVideo& video = *truth.video;
  if (tracks.frames < video.frames || !tracks.occlusion) {
    if (reason) *reason = QStringLiteral("scores once every frame is tracked");
    return false;
  }
  std::vector<track::TrackSet> predictions;
  int k = 0;
  for (const track::TapVidQueries& g : video.groups) {
    track::TrackSet p(g.truth.tracks, video.frames);
    for (int n = 0; n < g.truth.tracks; ++n, ++k) {
      const int i = points.indexOf(truth.tracks[k].query);
      if (i < 0 || i >= tracks.points.size() || tracks.points[i].positions.size() < video.frames) {
        if (reason) *reason = QStringLiteral("scores need all %1 dataset queries").arg(truth.tracks.size());
        return false;
      }
      for (int t = 0; t < video.frames; ++t) {
        p.X(n, t) = tracks.points[i].positions[t].x() / truth.sx;
        p.Y(n, t) = tracks.points[i].positions[t].y() / truth.sy;
        p.SetOccluded(n, t, tracks.points[i].occluded[t]);
      }
    }
    predictions.push_back(std::move(p));
  }
  try {
    for (const auto& [name, value] : track::ScoreTapVidVideo(video, predictions)) {
      if (name == "average_jaccard") score->average_jaccard = value;
      if (name == "average_pts_within_thresh") score->delta_avg = value;
      if (name == "occlusion_accuracy") score->occlusion_accuracy = value;
    }
  } catch (const std::exception& e) {
    if (reason) *reason = QString::fromStdString(e.what());
    return false;
  }
  return true;
}

QVector<double> PointErrors(const VideoTruth& truth, const VideoModelTracks* tracks, const QVector<VideoPoint>& points,
                            int frame) {
  QVector<double> errors(points.size(), -1.0);
  for (int i = 0; i < points.size(); ++i) {
    const TruthTrack* t = truth.Find(points[i]);
    if (!t || !tracks || i >= tracks->points.size() || frame < 0 || frame >= tracks->points[i].positions.size() ||
        frame >= t->positions.size() || t->occluded[frame])
      continue;
    const QPointF d = tracks->points[i].positions[frame] - t->positions[frame];
    errors[i] = std::hypot(d.x(), d.y());
  }
  return errors;
}

QString TruthSummary(const VideoTruth& truth, const VideoModelTracks* tracks, const QVector<VideoPoint>& points,
                     int frame, QString* tooltip) {
  QStringList lines;
  if (!tracks) {
    lines << QStringLiteral("%1 ground-truth tracks").arg(truth.tracks.size());
  } else {
    TruthScore s;
    QString reason;
    if (ScoreTracks(truth, *tracks, points, &s, &reason))
      lines << QStringLiteral("AJ %1 \u00b7 \u03b4avg %2 \u00b7 OA %3")
                   .arg(s.average_jaccard, 0, 'f', 3)
                   .arg(s.delta_avg, 0, 'f', 3)
                   .arg(s.occlusion_accuracy, 0, 'f', 3);
    else
      lines << reason;
  }
  const QVector<double> errors = PointErrors(truth, tracks, points, frame);
  QStringList all, shown;
  for (int i = 0; i < errors.size(); ++i) {
    if (errors[i] < 0) continue;
    const QString e = QStringLiteral("#%1 %2 px").arg(i + 1).arg(errors[i], 0, 'f', 1);
    all << e;
    if (shown.size() < 6) shown << e;
  }
  if (!all.isEmpty()) {
    lines << QStringLiteral("error at this frame: ") + shown.join(", ") +
                 (all.size() > shown.size() ? QStringLiteral(" (+%1)").arg(all.size() - shown.size()) : QString());
  }
  if (tooltip) *tooltip = lines.value(0) + (all.isEmpty() ? QString() : "\n" + all.join("\n"));
  return lines.join("\n");
}

}  // namespace corrlens::ui
