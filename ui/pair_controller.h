// Drives the Pair workspace: creates the selected backends, computes their
// feature maps through JobRunner (progress + cancel), and keeps every row's
// matches, heatmap, mutual matches and PCA view current as points, hover
// position and view settings change (a restartable worker, latest wins).
#pragma once

#include <QJsonObject>
#include <QObject>
#include <QPointF>
#include <QString>
#include <QVector>

#include <memory>
#include <optional>
#include <vector>

#include "core/compare/pair_comparison.h"
#include "ui/latest_worker.h"

namespace corrlens::ui {

class BackendProvider;
class JobRunner;
class PairWorkspace;
class SessionModel;

class PairController : public QObject {
  Q_OBJECT
 public:
  PairController(SessionModel* session, PairWorkspace* workspace, JobRunner* jobs,
                 BackendProvider* provider, QObject* parent = nullptr);
  ~PairController() override;

  // Latest matches of the session's points, per model id (row order).
  struct ModelMatches {
    QString id;
    QString display_name;
    QVector<ComparedMatch> matches;
  };
  QVector<ModelMatches> Matches() const;
  QString MatchesCsv() const;
  QJsonObject MatchesJson() const;
  // True when every selected model is ready or failed and overlays are current.
  bool IsIdle() const;

 signals:
  // Emitted on the GUI thread after rows show results for the current state.
  void overlaysUpdated();
  // A model's state as its row shows it: "computing NN%", "ready", "cancelled"
  // or an error (`is_error`); for the models panel.
  void modelStateChanged(const QString& id, const QString& state, bool is_error);

 private:
  struct ModelState;
  struct RowResult;
  struct Extras;

  void OnModelsChanged();
  void OnImagesChanged();
  void PrepareModel(int index);
  void RequestUpdate();
  void ApplyResults(quint64 generation, const std::vector<RowResult>& results);
  void SetHover(std::optional<QPointF> hover);
  void OnJobEnded(quint64 job, const QString& status, bool is_error);
  void OnJobProgress(quint64 job, double fraction);
  ModelState* Find(const QString& id);
  // Shows `status` in row `index` and reports it as the model's state.
  void SetRowStatus(int index, const QString& status, bool is_error = false);

  SessionModel* session_;
  PairWorkspace* workspace_;
  JobRunner* jobs_;
  BackendProvider* provider_;
  std::shared_ptr<PairComparison> comparison_;
  std::shared_ptr<Extras> extras_;  // mutual matches and PCA per backend
  std::vector<std::unique_ptr<ModelState>> models_;
  std::optional<QPointF> hover_;
  quint64 generation_ = 0;
  quint64 applied_generation_ = 0;
  LatestWorker worker_;  // last member: joined first on destruction
};

}  // namespace corrlens::ui
