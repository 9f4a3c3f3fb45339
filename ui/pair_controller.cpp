#include "ui/pair_controller.h"

#include "ui/backend_provider.h"
#include "ui/cv_qt.h"
#include "ui/job_runner.h"
#include "ui/model_names.h"
#include "ui/model_status.h"
#include "ui/pair_document.h"
#include "ui/session_model.h"

namespace corrlens::ui {

PairController::PairController(SessionModel* session, PairDocument* document, JobRunner* jobs,
                               BackendProvider* provider, QObject* parent)
    : QObject(parent),
      session_(session),
      document_(document),
      jobs_(jobs),
      provider_(provider),
      status_(new ModelStatus(jobs, this)),
      comparison_(std::make_shared<PairComparison>(provider->Features())),
      results_(
          this, [this](quint64, const PairResults& results) { OnResults(results); },
          [this](quint64, const QString& error) { OnFailure(error); }) {
  connect(status_, &ModelStatus::changed, this, &PairController::modelStateChanged);
  connect(status_, &ModelStatus::prepared, this, &PairController::RequestUpdate);
  connect(session_, &SessionModel::modelsChanged, this, &PairController::OnModelsChanged);
  connect(session_, &SessionModel::viewChanged, this, &PairController::RequestUpdate);
  connect(document_, &PairDocument::imagesChanged, this, &PairController::OnImagesChanged);
  connect(document_, &PairDocument::pointsChanged, this, &PairController::RequestUpdate);
  connect(document_, &PairDocument::activePointChanged, this, &PairController::RequestUpdate);
  OnImagesChanged();
  OnModelsChanged();
}

PairController::~PairController() = default;

void PairController::OnModelsChanged() {
  ids_ = session_->Models();
  QStringList titles;
  names_ = DisplayNames(*provider_, ids_, &titles);
  for (const QString& id : matches_.keys()) {
    if (!ids_.contains(id)) matches_.remove(id);
  }
  status_->SetModels(ids_);        // cancels the jobs of models no longer selected
  emit rowsChanged(ids_, titles);  // new rows: they show no state yet
  for (const QString& id : ids_) {
    if (status_->PhaseOf(id) != ModelStatus::Phase::kPrepared) PrepareModel(id);
  }
  RequestUpdate();
}

void PairController::OnImagesChanged() {
  if (!document_->HasImages()) return;
  comparison_->SetImages(MatFromQImage(document_->Image(Side::kSource)),
                         MatFromQImage(document_->Image(Side::kTarget)));
  results_.Discard();  // rows of the old pair must not arrive after this
  for (const QString& id : ids_) {
    status_->Reset(id);
    PrepareModel(id);
  }
  RequestUpdate();
}

void PairController::PrepareModel(const QString& id) {
  if (!document_->HasImages() || status_->PhaseOf(id) == ModelStatus::Phase::kComputing) return;
  auto comparison = comparison_;
  const std::string model = id.toStdString();
  const quint64 job = jobs_->Run(tr("Features: %1").arg(names_.value(id, id)),
                                 [comparison, model](Progress& progress, const CancelToken& cancel) {
                                   comparison->Prepare(model, progress, cancel);
                                 });
  status_->Track(id, job);
}

void PairController::SetHover(std::optional<QPointF> hover) {
  if (!session_->View().hover_preview && hover) return;
  if (hover_ == hover) return;
  hover_ = hover;
  RequestUpdate();
}

void PairController::RequestUpdate() {
  PairRequest request;
  for (const QString& id : ids_) {
    if (status_->PhaseOf(id) == ModelStatus::Phase::kPrepared) request.models << id;
  }
  for (const QPointF& p : document_->Points()) request.points.emplace_back(p.x(), p.y());
  const int active = document_->ActivePoint();
  if (hover_)
    request.focus = cv::Point2d(hover_->x(), hover_->y());
  else if (active >= 0)
    request.focus = request.points[active];
  request.view = session_->View();
  auto comparison = comparison_;
  results_.Submit(
      [comparison, request](const CancelToken& cancel) { return ComputePairResults(*comparison, request, cancel); });
}

void PairController::OnResults(const PairResults& results) {
  for (const PairRowResult& row : results) {
    if (ids_.contains(row.id)) matches_[row.id] = row.matches;
  }
  emit resultsReady(results);
  for (const PairRowResult& row : results) {
    if (row.error.isEmpty())
      status_->Show(row.id, tr("ready"));
    else
      status_->Show(row.id, row.error, true);
  }
}

void PairController::OnFailure(const QString& error) {
  for (const QString& id : ids_) {
    if (status_->PhaseOf(id) == ModelStatus::Phase::kPrepared) status_->Show(id, error, true);
  }
}

QVector<ModelMatches> PairController::Matches() const {
  QVector<ModelMatches> out;
  for (const QString& id : ids_) out.push_back({id, names_.value(id, id), matches_.value(id)});
  return out;
}

QString PairController::MatchesCsv() const { return ui::MatchesCsv(Matches()); }

QJsonObject PairController::MatchesJson() const {
  return ui::MatchesJson(Matches(), document_->ImagePath(Side::kSource), document_->ImagePath(Side::kTarget));
}

bool PairController::IsIdle() const { return !status_->Busy() && results_.IsCurrent(); }

}  // namespace corrlens::ui
