#include "ui/video_controller.h"

#include <algorithm>
#include <mutex>

#include "core/bench/letterbox.h"
#include "core/track/feature_volume.h"
#include "ui/backend_provider.h"
#include "ui/job_runner.h"
#include "ui/model_names.h"
#include "ui/model_status.h"
#include "ui/session_model.h"

namespace corrlens::ui {

// Shared by the controller and the model's extraction job, which creates the
// builder (opening the video off the GUI thread) and fills it.
struct VideoController::Volume {
  std::shared_ptr<track::VolumeBuilder> Get() const {
    std::lock_guard<std::mutex> lock(mutex);
    return builder;
  }
  void Set(std::shared_ptr<track::VolumeBuilder> b) {
    std::lock_guard<std::mutex> lock(mutex);
    builder = std::move(b);
  }

  mutable std::mutex mutex;
  std::shared_ptr<track::VolumeBuilder> builder;
};

VideoController::VideoController(SessionModel* session, VideoDocument* document, JobRunner* jobs,
                                 BackendProvider* provider, QObject* parent)
    : QObject(parent),
      session_(session),
      document_(document),
      jobs_(jobs),
      provider_(provider),
      status_(new ModelStatus(jobs, this)),
      update_(this, [this](quint64, const VideoTracks& tracks) { OnTracks(tracks); }) {
  connect(status_, &ModelStatus::changed, this, &VideoController::modelStateChanged);
  connect(session_, &SessionModel::modelsChanged, this, &VideoController::OnModelsChanged);
  connect(document_, &VideoDocument::videoChanged, this, &VideoController::OnVideoChanged);
  connect(document_, &VideoDocument::presetChanged, this, &VideoController::OnVideoChanged);
  connect(document_, &VideoDocument::pointsChanged, this, &VideoController::RequestUpdate);
  connect(jobs_, &JobRunner::jobProgress, this, [this](quint64 job) { OnJobProgress(job); });
  auto ended = [this](quint64 job) {
    if (job_models_.erase(job)) RequestUpdate();
  };
  connect(jobs_, &JobRunner::jobFinished, this, ended);
  connect(jobs_, &JobRunner::jobCancelled, this, ended);
  connect(jobs_, &JobRunner::jobFailed, this, ended);
  OnModelsChanged();
}

VideoController::~VideoController() = default;

void VideoController::OnModelsChanged() {
  ids_ = session_->Models();
  QStringList titles;
  names_ = DisplayNames(*provider_, ids_, &titles);
  for (auto it = volumes_.begin(); it != volumes_.end();) {
    it = ids_.contains(it->first) ? std::next(it) : volumes_.erase(it);
  }
  status_->SetModels(ids_);  // cancels the jobs of models no longer selected
  emit rowsChanged(ids_, titles);
  for (const QString& id : ids_) PrepareModel(id);
  RequestUpdate();
}

void VideoController::OnVideoChanged() {
  update_.Discard();  // tracks of the old video or preset must not arrive after this
  tracks_.clear();
  volumes_.clear();
  emit tracksReady(tracks_);
  for (const QString& id : ids_) {
    status_->Reset(id);
    PrepareModel(id);
  }
  RequestUpdate();
}

void VideoController::PrepareModel(const QString& id) {
  if (!document_->HasVideo() || status_->PhaseOf(id) == ModelStatus::Phase::kComputing) return;
  std::shared_ptr<Volume>& slot = volumes_[id];
  if (!slot) slot = std::make_shared<Volume>();
  const std::shared_ptr<track::VolumeBuilder> built = slot->Get();
  if (built && built->Done()) return;
  std::shared_ptr<Volume> volume = slot;
  std::shared_ptr<FeatureProvider> features = provider_->Features();
  const auto open = document_->JobReader();
  const std::string model = id.toStdString(), preset = document_->Preset().toStdString();
  const quint64 job =
      jobs_->Run(tr("Video features: %1").arg(names_.value(id, id)),
                 [volume, features, open, model, preset](Progress& progress, const CancelToken& cancel) {
                   std::shared_ptr<track::VolumeBuilder> builder = volume->Get();
                   if (!builder) {
                     track::VolumeOptions options;
                     options.preset = track::TrackPreset::FromName(preset);
                     options.resize = bench::ResizeLanczosPil;  // as corrlens-cli track
                     options.max_bytes = uint64_t{8} << 30;     // a desktop's memory: a clear error before swapping
                     builder = std::make_shared<track::VolumeBuilder>(open(), features, model, options);
                     volume->Set(builder);
                   }
                   builder->Extract(progress, cancel);
                 });
  job_models_[job] = id;
  status_->Track(id, job);
}

void VideoController::OnJobProgress(quint64 job) {
  if (!job_models_.count(job)) return;
  // New frames: track on them once the running update is delivered.
  if (update_.IsCurrent())
    RequestUpdate();
  else
    update_pending_ = true;
}

void VideoController::RequestUpdate() {
  VideoTrackRequest request;
  request.points = document_->Points();
  request.preset = document_->Preset();
  request.width = document_->Info().width;
  request.height = document_->Info().height;
  request.previous = tracks_;
  for (const QString& id : ids_) {
    auto it = volumes_.find(id);
    std::shared_ptr<track::VolumeBuilder> builder = it == volumes_.end() ? nullptr : it->second->Get();
    const bool extracting = status_->PhaseOf(id) == ModelStatus::Phase::kComputing;
    if (builder && builder->ReadyFrames() > 0) request.models.push_back({id, builder, extracting});
  }
  update_pending_ = false;
  update_.Submit([request](const CancelToken& cancel) { return ComputeVideoTracks(request, cancel); });
}

void VideoController::OnTracks(const VideoTracks& tracks) {
  tracks_ = tracks;
  emit tracksReady(tracks_);
  for (const VideoModelTracks& m : tracks_) {
    if (!m.error.isEmpty())
      status_->Show(m.id, m.error, true);
    else if (status_->PhaseOf(m.id) == ModelStatus::Phase::kPrepared)
      status_->Show(m.id, tr("ready"));
  }
  if (update_pending_) RequestUpdate();
}

int VideoController::ReadyFrames(const QString& id) const {
  auto it = volumes_.find(id);
  if (it == volumes_.end()) return 0;
  const std::shared_ptr<track::VolumeBuilder> builder = it->second->Get();
  return builder ? builder->ReadyFrames() : 0;
}

std::shared_ptr<const track::VolumeBuilder> VideoController::Builder(const QString& id) const {
  auto it = volumes_.find(id);
  return it == volumes_.end() ? nullptr : it->second->Get();
}

bool VideoController::IsIdle() const { return !status_->Busy() && update_.IsCurrent() && !update_pending_; }

bool VideoController::Export(track::TracksDocument* document, QString* error) const {
  for (const QString& id : ids_) {
    const bool tracked =
        std::any_of(tracks_.begin(), tracks_.end(), [&](const VideoModelTracks& m) { return m.id == id; });
    if (!tracked) {
      if (error) *error = tr("%1 has no tracks yet; wait until its features are ready").arg(id);
      return false;
    }
  }
  return ToTracksDocument(tracks_, document_->Points(), document_->Info(), document_->Path(), document_->Preset(),
                          document, error);
}

}  // namespace corrlens::ui
