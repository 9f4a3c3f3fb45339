#include "ui/pose_controller.h"

#include <QDir>
#include <QFileInfo>
#include <QImageReader>
#include <QPointer>

#include <fmt/format.h>

#include <algorithm>

#include "core/pose/pose_overlay.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "ui/backend_provider.h"
#include "ui/cv_qt.h"
#include "ui/job_runner.h"
#include "ui/session_model.h"
#ifdef CORRLENS_HAVE_POSE_EXPORT
#include "core/pose/onepose_export.h"
#include "core/pose/pose_silhouette.h"
#endif

namespace corrlens::ui {

struct PoseController::Loaded {
  std::shared_ptr<const pose::ReferenceSet> reference;
  std::vector<pose::QueryFrame> frames;
  QString source;
  std::shared_ptr<pose::SilhouetteRenderer> silhouette;  // exported meshes only
  QString warning;                                       // e.g. the mesh has moved
};

namespace {

// The reference and every test frame (numeric order) of one object folder,
// or of a root that holds exactly one object.
std::shared_ptr<PoseController::Loaded> ReadObject(const std::string& folder, const QString& source) {
  pose::OnePoseLayout layout;
  if (QDir(QString::fromStdString(folder)).exists(QStringLiteral("lowtexture_test_data"))) {
    const std::vector<std::string> objects = pose::ListOnePoseObjects(folder);
    if (objects.size() != 1) {
      throw Error(fmt::format("the dataset holds {} objects", objects.size()), {folder},
                  "open one object folder inside lowtexture_test_data");
    }
    layout = {folder, objects[0]};
  } else {
    layout = pose::OnePoseLayoutOfObjectFolder(folder);
  }
  auto loaded = std::make_shared<PoseController::Loaded>();
  loaded->reference = std::make_shared<const pose::ReferenceSet>(pose::ReadOnePoseReference(layout));
  loaded->frames = pose::ReadOnePoseTestFrames(layout, pose::FramePreset::kFull);
  loaded->source = source;
#ifdef CORRLENS_HAVE_POSE_EXPORT
  try {  // outlines are an extra: the reference works without them
    if (auto mesh = pose::ReadSilhouetteSource(layout.ObjectDir()))
      loaded->silhouette = pose::SilhouetteRenderer::Create(*mesh);
  } catch (const Error& e) {
    loaded->warning = PoseController::tr("no mesh outlines: %1").arg(QString::fromStdString(e.what()));
  }
#endif
  return loaded;
}

QString Summary(const PoseRowResult& r) {
  const pose::PoseEstimate& e = r.estimate;
  QString text;
  if (!e.solved) {
    text = PoseController::tr("no pose (identity fallback)");
  } else if (r.error) {
    text = QStringLiteral("R %1 deg, t %2 cm")
               .arg(r.error->rotation_deg, 0, 'f', 2)
               .arg(r.error->translation_cm, 0, 'f', 2);
  } else {
    text = PoseController::tr("pose found");
  }
  return text + PoseController::tr(" · %1 inliers / %2 matches · %3 s")
                    .arg(e.inliers)
                    .arg(e.matches.size())
                    .arg(e.seconds, 0, 'f', 2);
}

}  // namespace

PoseController::PoseController(SessionModel* session, JobRunner* jobs, BackendProvider* provider, QObject* parent)
    : QObject(parent), session_(session), jobs_(jobs), provider_(provider) {
  connect(session_, &SessionModel::modelsChanged, this, &PoseController::OnModelsChanged);
  if (!jobs_) return;
  auto ended = [this](quint64 job, const QString& text, bool is_error) {
    if (job == loading_) {
      loading_ = 0;
      if (is_error) emit errorOccurred(text);
      return;
    }
    for (auto it = running_.begin(); it != running_.end(); ++it) {
      if (it->second != job) continue;
      const QString id = it->first;
      running_.erase(it);
      emit modelStateChanged(id, text, is_error);
      return;
    }
  };
  connect(jobs_, &JobRunner::jobFailed, this,
          [ended](quint64 job, const QString&, const QString& error) { ended(job, error, true); });
  connect(jobs_, &JobRunner::jobCancelled, this, [ended](quint64 job) { ended(job, tr("cancelled"), false); });
}

PoseController::~PoseController() { CancelAll(); }

QStringList PoseController::Models() const { return session_->Models(); }

QString PoseController::DisplayName(const QString& id) const {
  if (provider_) {
    for (const ModelEntry& entry : provider_->Models()) {
      if (entry.id == id && !entry.display_name.isEmpty()) return entry.display_name;
    }
  }
  return id;
}

const PoseRowResult* PoseController::Result(const QString& id) const {
  auto it = results_.find(id);
  return it == results_.end() ? nullptr : &it->second;
}

void PoseController::CancelAll() {
  if (!jobs_) return;
  if (loading_ != 0) jobs_->Cancel(loading_);
  for (const auto& [id, job] : running_) jobs_->Cancel(job);
}

void PoseController::Load(const QString& title,
                          std::function<std::shared_ptr<Loaded>(Progress&, const CancelToken&)> load) {
  if (!jobs_) return;
  CancelAll();
  auto out = std::make_shared<std::shared_ptr<Loaded>>();
  loading_ = jobs_->Run(
      title, [out, load](Progress& progress, const CancelToken& cancel) { *out = load(progress, cancel); },
      [this, self = QPointer<PoseController>(this), out] {
        if (!self) return;  // a job that ended as the workspace closed
        loading_ = 0;
        const Loaded& loaded = **out;
        reference_ = loaded.reference;
        frames_ = loaded.frames;
        source_ = loaded.source;
        silhouette_ = loaded.silhouette;
        if (!loaded.warning.isEmpty()) emit errorOccurred(loaded.warning);
        databases_.clear();
        results_.clear();
        frame_ = -1;
        query_ = {};
        ++generation_;
        emit referenceChanged();
        int first = initial_frame_;
        if (!initial_frame_name_.isEmpty()) {
          const int named = FrameIndex(initial_frame_name_);
          if (named < 0) emit errorOccurred(tr("%1: no test frame %2").arg(source_, initial_frame_name_));
          first = std::max(0, named);
        }
        initial_frame_ = 0;
        initial_frame_name_.clear();
        if (!frames_.empty()) {
          SetFrame(first);
        } else {
          emit queryChanged();
        }
      });
}

int PoseController::FrameIndex(const QString& name) const {
  for (size_t i = 0; i < frames_.size(); ++i)
    if (QString::fromStdString(frames_[i].name) == name) return int(i);
  return -1;
}

void PoseController::OpenObjectFolder(const QString& folder) {
  const std::string path = QDir::cleanPath(folder).toStdString();
  Load(tr("Reading %1").arg(QFileInfo(folder).fileName()), [path, folder](Progress& progress, const CancelToken&) {
    progress.Report(0.0, "reading the reference set");
    return ReadObject(path, folder);
  });
}

void PoseController::OpenMesh(const QString& mesh) {
#ifdef CORRLENS_HAVE_POSE_EXPORT
  const QFileInfo info(mesh);
  const std::string key = info.absoluteFilePath().toStdString() + "|" + std::to_string(info.size()) + "|" +
                          std::to_string(info.lastModified().toMSecsSinceEpoch());
  const std::string root = fs::CacheDir() + "/pose-meshes/" + fs::HashHex(key.data(), key.size());
  const std::string path = info.absoluteFilePath().toStdString();
  Load(tr("Rendering %1 as a pose reference").arg(info.fileName()),
       [root, path, mesh](Progress& progress, const CancelToken& cancel) {
         const QString data = QString::fromStdString(root) + QStringLiteral("/lowtexture_test_data");
         const QStringList done = QDir(data).entryList({QStringLiteral("*")}, QDir::Dirs | QDir::NoDotAndDotDot);
         const bool complete = done.size() == 1 && QFileInfo::exists(data + "/" + done[0] + "/corrlens_export.json");
         if (!complete) {
           pose::OnePoseExportOptions options;
           options.mesh_path = path;
           options.root = root;
           options.reference_views = 40;
           options.test_views = 20;
           options.force = true;  // our own cache folder
           Progress sub = progress.Sub(0.0, 0.9);
           pose::ExportOnePoseObject(options, sub, cancel);
         }
         return ReadObject(root, mesh);
       });
#else
  emit errorOccurred(tr("%1: this build has no renderer, so meshes cannot be opened").arg(mesh));
#endif
}

bool PoseController::OpenQueryImage(const QString& path, QString* error) {
  if (!reference_ || reference_->views.empty()) {
    *error = tr("%1: open a reference (object folder or mesh) first").arg(path);
    return false;
  }
  QImageReader reader(path);
  QImage image = reader.read();
  if (image.isNull()) {
    *error = QStringLiteral("%1: %2").arg(path, reader.errorString());
    return false;
  }
  // The first reference view's intrinsics, scaled to the image's width.
  const pose::ReferenceView& view = reference_->views.front();
  const QSize ref_size = QImageReader(QString::fromStdString(view.image)).size();
  const double scale = ref_size.width() > 0 ? double(image.width()) / ref_size.width() : 1.0;
  cv::Matx33d k = view.intrinsics;
  for (int r = 0; r < 2; ++r) {
    for (int c = 0; c < 3; ++c) k(r, c) *= scale;
  }
  query_ = {QFileInfo(path).fileName(), path, k, std::nullopt, image.convertToFormat(QImage::Format_RGB888)};
  frame_ = -1;
  ++generation_;
  results_.clear();
  emit queryChanged();
  Recompute();
  return true;
}

void PoseController::SetFrame(int index) {
  if (frames_.empty()) return;
  index = std::clamp(index, 0, int(frames_.size()) - 1);
  if (index == frame_ && HasQuery()) return;
  const pose::QueryFrame& f = frames_[size_t(index)];
  QImage image(QString::fromStdString(f.image));
  frame_ = index;
  query_ = {QString::fromStdString(f.name), QString::fromStdString(f.image), f.intrinsics, f.cam_from_object,
            image.convertToFormat(QImage::Format_RGB888)};
  ++generation_;
  results_.clear();
  emit queryChanged();
  if (image.isNull()) {
    emit errorOccurred(tr("%1: cannot read the image").arg(query_.path));
    return;
  }
  Recompute();
}

void PoseController::SetShowOutliers(bool show) {
  show_outliers_ = show;
  for (auto& [id, result] : results_) {
    pose::PoseOverlayInput input;
    input.intrinsics = query_.intrinsics;
    input.box = reference_->BoundingBox();
    input.estimate = result.estimate.cam_from_object;
    input.solved = result.estimate.solved;
    input.truth = query_.truth;
    input.estimate_silhouette = result.estimate_silhouette;
    input.truth_silhouette = result.truth_silhouette;
    for (const pose::PoseMatch& m : result.estimate.matches) {
      input.match_pixels.push_back(m.query);
      input.inlier.push_back(m.inlier);
    }
    input.show_outliers = show_outliers_;
    input.label = DisplayName(id).toStdString();
    result.overlay = QImageFromMat(pose::DrawPoseOverlay(MatFromQImage(query_.image), input));
    emit resultChanged(id);
  }
}

void PoseController::OnModelsChanged() {
  QStringList titles;
  for (const QString& id : Models()) titles << DisplayName(id);
  emit rowsChanged(Models(), titles);
  for (const QString& id : Models()) {
    if (!results_.count(id) && !running_.count(id)) RunModel(id);
  }
}

void PoseController::Recompute() {
  for (const QString& id : Models()) RunModel(id);
}

void PoseController::RunModel(const QString& id) {
  if (!jobs_ || !provider_ || !reference_ || !HasQuery()) return;
  if (auto it = running_.find(id); it != running_.end()) jobs_->Cancel(it->second);
  struct Out {
    std::shared_ptr<const pose::TemplateDatabase> database;
    pose::PoseEstimate estimate;
    std::vector<std::vector<cv::Point>> estimate_silhouette, truth_silhouette;
    QString silhouette_error;
  };
  auto out = std::make_shared<Out>();
  auto found = databases_.find(id);
  if (found != databases_.end()) out->database = found->second;
  std::shared_ptr<FeatureProvider> features = provider_->Features();
  auto reference = reference_;
  const cv::Mat rgb = MatFromQImage(query_.image);
  const cv::Matx33d k = query_.intrinsics;
  const std::string model = id.toStdString();
  const quint64 generation = generation_;
  const std::shared_ptr<pose::SilhouetteRenderer> silhouette = silhouette_;
  const std::optional<cv::Matx44d> truth = query_.truth;
  auto work = [out, features, reference, rgb, k, model, silhouette, truth](Progress& progress,
                                                                           const CancelToken& cancel) {
    if (!out->database) {
      Progress build = progress.Sub(0.0, 0.8);
      out->database = std::make_shared<const pose::TemplateDatabase>(
          pose::BuildTemplateDatabase(*reference, *features, model, pose::TemplateOptions{}, build, cancel));
    }
    progress.Report(0.85, "matching and PnP");
    out->estimate = pose::EstimatePose(*out->database, rgb, k, *features, pose::PoseEstimateOptions{}, cancel);
#ifdef CORRLENS_HAVE_POSE_EXPORT
    if (!silhouette) return;
    progress.Report(0.95, "mesh outlines");
    try {  // a failed render costs the outlines, not the estimate
      if (out->estimate.solved)
        out->estimate_silhouette = silhouette->Silhouette(k, rgb.size(), out->estimate.cam_from_object);
      if (truth) out->truth_silhouette = silhouette->Silhouette(k, rgb.size(), *truth);
    } catch (const Error& e) {
      out->silhouette_error = QString::fromStdString(e.what());
    }
#else
    (void)silhouette;
    (void)truth;
#endif
  };
  auto job = std::make_shared<quint64>(0);
  auto done = [this, self = QPointer<PoseController>(this), id, out, generation, reference, job] {
    if (!self) return;
    if (auto it = running_.find(id); it != running_.end() && it->second == *job) running_.erase(it);
    if (reference == reference_) databases_[id] = out->database;
    if (generation != generation_) return;  // the query changed meanwhile
    PoseRowResult result;
    result.estimate = std::move(out->estimate);
    result.estimate_silhouette = std::move(out->estimate_silhouette);
    result.truth_silhouette = std::move(out->truth_silhouette);
    if (!out->silhouette_error.isEmpty()) emit errorOccurred(tr("no mesh outlines: %1").arg(out->silhouette_error));
    if (query_.truth) result.error = pose::QueryPoseError(result.estimate.cam_from_object, *query_.truth);
    result.summary = Summary(result);
    results_[id] = std::move(result);
    SetShowOutliers(show_outliers_);  // draws the overlays
    emit modelStateChanged(id, results_[id].summary, false);
  };
  *job = running_[id] = jobs_->Run(tr("Pose with %1").arg(DisplayName(id)), work, done);
  emit modelStateChanged(id, databases_.count(id) ? tr("estimating the pose...") : tr("building templates..."), false);
}

}  // namespace corrlens::ui
