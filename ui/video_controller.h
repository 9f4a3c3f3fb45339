// Drives the Video workspace's computations: extracts each selected model's
// feature volume frame by frame through JobRunner (progress + cancel,
// per-model state in a ModelStatus) and recomputes every row's tracks as
// points change and as frames become available (a LatestResult: the latest
// request wins; progress updates wait for the previous one instead of
// cancelling it). It emits tracks; the workspace shows them.
#pragma once

#include <QMap>
#include <QObject>
#include <QString>
#include <QStringList>

#include <map>
#include <memory>

#include "ui/latest_result.h"
#include "ui/video_tracks.h"

namespace corrlens::ui {

class BackendProvider;
class JobRunner;
class ModelStatus;
class SessionModel;

class VideoController : public QObject {
  Q_OBJECT
 public:
  VideoController(SessionModel* session, VideoDocument* document, JobRunner* jobs, BackendProvider* provider,
                  QObject* parent = nullptr);
  ~VideoController() override;

  // The latest tracks, one entry per selected model with extracted frames.
  const VideoTracks& Tracks() const { return tracks_; }
  QStringList Models() const { return ids_; }
  QString DisplayName(const QString& id) const { return names_.value(id, id); }
  // Frames of `id`'s volume extracted so far.
  int ReadyFrames(const QString& id) const;
  // `id`'s feature volume as built so far (null before its job opened it).
  std::shared_ptr<const track::VolumeBuilder> Builder(const QString& id) const;
  // True when no extraction runs and the tracks shown are current.
  bool IsIdle() const;
  const ModelStatus* Status() const { return status_; }

  // The tracks as the core writer takes them; false with `error` while a
  // model has not tracked every point through every frame.
  bool Export(track::TracksDocument* document, QString* error) const;

 signals:
  // The rows to show changed: one per selected model (ids, display names).
  void rowsChanged(const QStringList& ids, const QStringList& titles);
  void tracksReady(const corrlens::ui::VideoTracks& tracks);
  // A model's state as its row shows it ("computing NN%", "ready", an error).
  void modelStateChanged(const QString& id, const QString& state, bool is_error);

 private:
  struct Volume;  // a model's volume builder, created by its job
  void OnModelsChanged();
  void OnVideoChanged();
  void PrepareModel(const QString& id);
  void OnJobProgress(quint64 job);
  void RequestUpdate();
  void OnTracks(const VideoTracks& tracks);

  SessionModel* session_;
  VideoDocument* document_;
  JobRunner* jobs_;
  BackendProvider* provider_;
  ModelStatus* status_;
  QStringList ids_;               // selected models, row order
  QMap<QString, QString> names_;  // display names by id
  std::map<QString, std::shared_ptr<Volume>> volumes_;
  std::map<quint64, QString> job_models_;  // running extraction jobs
  VideoTracks tracks_;
  bool update_pending_ = false;       // frames arrived while tracking ran
  LatestResult<VideoTracks> update_;  // last member: joined first on destruction
};

}  // namespace corrlens::ui
