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

#include <functional>
#include <memory>
#include <optional>

#include "core/video/video_source.h"

namespace corrlens::ui {

// A query point: the frame it was clicked on and its position there.
struct VideoPoint {
  int frame = 0;
  QPointF position;  // video pixels
  bool operator==(const VideoPoint& o) const { return frame == o.frame && position == o.position; }
};

struct VideoTruth;

// What an open produced (VideoLoadRequest::open).
struct VideoOpened {
  std::shared_ptr<video::VideoSource> reader;
  QString path;  // shown and saved ("": the request's)
  // How jobs open their own reader (null: video::OpenVideo(path)).
  std::function<std::unique_ptr<video::VideoSource>()> job_reader;
  std::shared_ptr<const VideoTruth> truth;    // TAP-Vid ground truth
  std::optional<QVector<VideoPoint>> points;  // used unless the request has points
};

// A video to open off the GUI thread (VideoDocument::StartLoad).
struct VideoLoadRequest {
  QString path;
  std::optional<QVector<VideoPoint>> points;  // replaces the points (checked against the video); none: cleared
  int active_point = -1;                      // with `points`; clamped
  int frame = 0;                              // shown first; clamped
  std::optional<QString> preset;              // "interactive" or "paper"
  bool remember = false;                      // emit opened(path) on success (recent files)
  // Replaces the document's opener (runs on the pool; a null reader with
  // `error` set fails the load), e.g. TapVidRequest.
  std::function<VideoOpened(QString* error)> open;
};

class VideoDocument : public QObject {
  Q_OBJECT
 public:
  explicit VideoDocument(QObject* parent = nullptr);

  // Opens the video and decodes its first frame to show on a thread pool and
  // returns at once. False with `error` when the path does not exist:
  // nothing starts. A newer load (or a synchronous one) supersedes one in
  // flight; its result is dropped. A failure goes to loadFailed (one line)
  // and the open video stays.
  bool StartLoad(const VideoLoadRequest& request, QString* error);
  // FromJson through StartLoad (the points are checked once the video is
  // open; at once when the section names no video).
  bool StartFromJson(const QJsonObject& json, const QString& base_dir, QString* error);
  bool IsLoading() const { return loading_ != 0; }
  // The file being loaded ("" when none).
  QString LoadingFile() const { return loading_path_; }
  // Opens a reader; nullptr with `error` on failure. Thread-safe; replaced
  // by tests (slow or instrumented sources).
  using Opener = std::function<std::shared_ptr<video::VideoSource>(const QString& path, QString* error)>;
  void SetOpener(Opener opener) { opener_ = std::move(opener); }
  static std::shared_ptr<video::VideoSource> OpenReader(const QString& path, QString* error);

  // Opens a video file or a frames folder on the calling thread; false with
  // `error` (one line naming the file and the reason) and nothing changed.
  // Clears the points.
  bool LoadVideo(const QString& path, QString* error);
  bool HasVideo() const { return info_.frame_count > 0; }
  const QString& Path() const { return path_; }
  const video::VideoInfo& Info() const { return info_; }
  // The reader opened with the video, for showing frames (decoding is
  // sequential: jobs open their own). Null when no video is open.
  std::shared_ptr<video::VideoSource> Reader() const { return reader_; }
  // Opens a new reader of the open video for a job (thread-safe copy).
  std::function<std::unique_ptr<video::VideoSource>()> JobReader() const;
  // The ground truth of a TAP-Vid video (null for other videos).
  std::shared_ptr<const VideoTruth> Truth() const { return truth_; }

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
  // An asynchronous load started (true) or the last one ended (false).
  void loadingChanged(bool loading);
  // An asynchronous load failed: "<file>: <reason>"; nothing changed.
  void loadFailed(const QString& error);
  // A load with `remember` succeeded.
  void opened(const QString& path);

 private:
  void FinishLoad(quint64 generation, const VideoLoadRequest& request, const VideoOpened& opened, const QString& error);
  // Replaces the video and the points and announces it all.
  void Apply(const VideoOpened& opened, const QString& path, const QVector<VideoPoint>& points, int active_point,
             int frame);

  Opener opener_ = OpenReader;
  quint64 generation_ = 0;  // newest load (synchronous loads too)
  int loading_ = 0;         // asynchronous loads running
  QString loading_path_;
  QString path_;
  video::VideoInfo info_;
  std::shared_ptr<video::VideoSource> reader_;
  std::function<std::unique_ptr<video::VideoSource>()> job_reader_;
  std::shared_ptr<const VideoTruth> truth_;
  QVector<VideoPoint> points_;
  int active_point_ = -1;
  QString preset_ = QStringLiteral("interactive");
  int frame_ = 0;
};

}  // namespace corrlens::ui
