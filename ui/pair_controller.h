// Drives the Pair workspace's computations: prepares the selected models'
// feature maps through JobRunner (progress + cancel, per-model state in a
// ModelStatus) and recomputes every row's matches, heatmap, mutual matches
// and PCA view as points, hover position and view settings change (a
// LatestResult: the latest request wins). It emits results; the workspace
// shows them.
#pragma once

#include <QJsonObject>
#include <QMap>
#include <QObject>
#include <QPointF>
#include <QString>
#include <QStringList>
#include <QVector>

#include <memory>
#include <optional>

#include "core/compare/pair_comparison.h"
#include "ui/latest_result.h"
#include "ui/pair_results.h"

namespace corrlens::ui {

class BackendProvider;
class JobRunner;
class ModelStatus;
class PairDocument;
class SessionModel;

class PairController : public QObject {
  Q_OBJECT
 public:
  PairController(SessionModel* session, PairDocument* document, JobRunner* jobs, BackendProvider* provider,
                 QObject* parent = nullptr);
  ~PairController() override;

  // Latest matches of the document's points, per model (row order).
  QVector<ModelMatches> Matches() const;
  QString MatchesCsv() const;
  QJsonObject MatchesJson() const;
  // True when every selected model is ready or failed and results are current.
  bool IsIdle() const;
  const ModelStatus* Status() const { return status_; }

 public slots:
  // The source point under the mouse (live heatmap), or none.
  void SetHover(std::optional<QPointF> hover);

 signals:
  // The rows to show changed: one per selected model (ids, display names).
  void rowsChanged(const QStringList& ids, const QStringList& titles);
  // Results for the current state, one per prepared model (GUI thread).
  void resultsReady(const corrlens::ui::PairResults& results);
  // A model's state as its row shows it: "computing NN%", "ready",
  // "cancelled" or an error (`is_error`); only when it changes.
  void modelStateChanged(const QString& id, const QString& state, bool is_error);

 private:
  void OnModelsChanged();
  void OnImagesChanged();
  void PrepareModel(const QString& id);
  void RequestUpdate();
  void OnResults(const PairResults& results);
  void OnFailure(const QString& error);

  SessionModel* session_;
  PairDocument* document_;
  JobRunner* jobs_;
  BackendProvider* provider_;
  ModelStatus* status_;
  std::shared_ptr<PairComparison> comparison_;
  QStringList ids_;                                // selected models, row order
  QMap<QString, QString> names_;                   // display names by id
  QMap<QString, QVector<ComparedMatch>> matches_;  // latest results by id
  std::optional<QPointF> hover_;
  LatestResult<PairResults> results_;  // last member: joined first on destruction
};

}  // namespace corrlens::ui
