// The Pose workspace's logic, no widgets: the object's reference set (a
// OnePose-layout object folder, or a mesh exported to the cache with
// core/pose/onepose_export.h), the query (a test frame with ground truth or
// any image), and per ticked model a job that builds the template database
// (kept per model) and estimates the query's pose. Every job runs through
// the JobRunner; results come back on the GUI thread.
#pragma once

#include <QImage>
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "core/pose/onepose_dataset.h"
#include "core/pose/pose_estimator.h"
#include "core/pose/pose_metric.h"
#include "core/util/progress.h"

namespace corrlens::pose {
class SilhouetteRenderer;
}

namespace corrlens::ui {

class BackendProvider;
class JobRunner;
class SessionModel;

// One model's answer for the current query.
struct PoseRowResult {
  pose::PoseEstimate estimate;
  std::optional<pose::PoseError> error;  // when the query has ground truth
  QImage overlay;                        // query with matches, estimated and true boxes
  // Mesh outlines at the estimate and the truth (meshes only; empty otherwise).
  std::vector<std::vector<cv::Point>> estimate_silhouette, truth_silhouette;
  QString summary;  // "R 1.2 deg, t 0.8 cm, 143 inliers / 512 matches"
};

// The current query image.
struct PoseQuery {
  QString name;  // frame stem or file name
  QString path;
  cv::Matx33d intrinsics = cv::Matx33d::eye();
  std::optional<cv::Matx44d> truth;
  QImage image;  // RGB888
};

class PoseController : public QObject {
  Q_OBJECT
 public:
  struct Loaded;  // what a load job reads (private to the .cpp)
  PoseController(SessionModel* session, JobRunner* jobs, BackendProvider* provider, QObject* parent = nullptr);
  ~PoseController() override;

  // Loads the reference and test frames of ".../lowtexture_test_data/<obj>"
  // (or of a root holding one object) in a job.
  void OpenObjectFolder(const QString& folder);
  // Exports `mesh` to the cache (once per file version) and opens it, in a job.
  void OpenMesh(const QString& mesh);
  // The test frame the next load shows first (clamped; sessions).
  void SetInitialFrame(int index) { initial_frame_ = index; }
  // The test frame, by image stem, the next load shows first (overrides the
  // index; an error when the object has no such frame).
  void SetInitialFrame(const QString& name) { initial_frame_name_ = name; }
  // The index of the test frame with image stem `name`; -1 when none.
  int FrameIndex(const QString& name) const;
  // Uses `path` as the query with the first reference view's intrinsics.
  bool OpenQueryImage(const QString& path, QString* error);
  // Shows test frame `index` (clamped) as the query.
  void SetFrame(int index);
  void Step(int delta) { SetFrame(frame_ + delta); }
  void SetShowOutliers(bool show);
  void CancelAll();

  const pose::ReferenceSet* Reference() const { return reference_.get(); }
  // True when rows draw mesh outlines (the reference was exported from a mesh).
  bool HasSilhouettes() const { return silhouette_ != nullptr; }
  QString ReferenceSource() const { return source_; }
  const std::vector<pose::QueryFrame>& Frames() const { return frames_; }
  int Frame() const { return frame_; }
  const PoseQuery& Query() const { return query_; }
  bool HasQuery() const { return !query_.image.isNull(); }
  QStringList Models() const;
  QString DisplayName(const QString& id) const;
  const PoseRowResult* Result(const QString& id) const;
  bool Busy() const { return !running_.empty() || loading_ != 0; }

 signals:
  void referenceChanged();
  void queryChanged();
  void rowsChanged(const QStringList& ids, const QStringList& titles);
  void resultChanged(const QString& id);
  void modelStateChanged(const QString& id, const QString& text, bool is_error);
  void errorOccurred(const QString& message);

 private:
  void Load(const QString& title, std::function<std::shared_ptr<Loaded>(Progress&, const CancelToken&)> load);
  void Recompute();
  void RunModel(const QString& id);
  void OnModelsChanged();

  SessionModel* session_;
  JobRunner* jobs_;
  BackendProvider* provider_;
  std::shared_ptr<const pose::ReferenceSet> reference_;
  std::shared_ptr<pose::SilhouetteRenderer> silhouette_;  // null: no mesh behind the reference
  QString source_;
  std::vector<pose::QueryFrame> frames_;
  int frame_ = -1;
  int initial_frame_ = 0;
  QString initial_frame_name_;
  PoseQuery query_;
  bool show_outliers_ = false;
  quint64 generation_ = 0;  // bumps when the query or reference changes
  quint64 loading_ = 0;     // job id of a running load
  std::map<QString, std::shared_ptr<const pose::TemplateDatabase>> databases_;
  std::map<QString, PoseRowResult> results_;
  std::map<QString, quint64> running_;  // model -> job
};

}  // namespace corrlens::ui
