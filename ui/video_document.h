// The Video workspace's document: the open video (a file FFmpeg decodes or a
// folder of frames), the query points clicked on it (TAP-Vid queries: frame,
// x, y in video pixels), the active point and the tracking preset. It is the
// `workspaces.video` section of a session file:
//   {"video": path, "preset": "interactive", "points": [[t, x, y], ...],
//    "active_point": i, "frame": current frame}
#pragma once

#include <QJsonObject>
#include <QObject>
#include <QPointF>
#include <QString>
#include <QVector>

#include <memory>

#include "core/video/video_source.h"

namespace corrlens::ui {

// A query point: the frame it was clicked on and its position there.
struct VideoPoint {
  int frame = 0;
  QPointF position;  // video pixels
  bool operator==(const VideoPoint& o) const { return frame == o.frame && position == o.position; }
};

class VideoDocument : public QObject {
  Q_OBJECT
 public:
  explicit VideoDocument(QObject* parent = nullptr);

  // Opens a video file or a frames folder; false with `error` (one line
  // naming the file and the reason) and nothing changed. Clears the points.
  bool LoadVideo(const QString& path, QString* error);
  bool HasVideo() const { return info_.frame_count > 0; }
  const QString& Path() const { return path_; }
  const video::VideoInfo& Info() const { return info_; }
  // The reader opened with the video, for showing frames (decoding is
  // sequential: jobs open their own). Null when no video is open.
  std::shared_ptr<video::VideoSource> Reader() const { return reader_; }

  const QVector<VideoPoint>& Points() const { return points_; }
  // Adds a query point and makes it active; ignored outside the video.
  void AddPoint(const VideoPoint& point);
  void RemovePoint(int index);
  void ClearPoints();
  int ActivePoint() const { return active_point_; }
  void SetActivePoint(int index);

  // "interactive" (the default) or "paper" (core/track/feature_volume.h).
  const QString& Preset() const { return preset_; }
  void SetPreset(const QString& preset);
  // The frame shown; clamped to the video.
  int CurrentFrame() const { return frame_; }
  void SetCurrentFrame(int frame);

  QJsonObject ToJson() const;
  // Restores ToJson's layout (relative paths against `base_dir`); all or
  // nothing: false with `error` (the key or file and the reason).
  bool FromJson(const QJsonObject& json, const QString& base_dir, QString* error);

 signals:
  void videoChanged();
  void pointsChanged();
  void activePointChanged(int index);
  void presetChanged(const QString& preset);
  void currentFrameChanged(int frame);

 private:
  QString path_;
  video::VideoInfo info_;
  std::shared_ptr<video::VideoSource> reader_;
  QVector<VideoPoint> points_;
  int active_point_ = -1;
  QString preset_ = QStringLiteral("interactive");
  int frame_ = 0;
};

}  // namespace corrlens::ui
