#include "ui/pair_controller.h"

#include <QJsonArray>
#include <QPointer>

#include <map>
#include <mutex>

#include "core/util/error.h"
#include "ui/backend_provider.h"
#include "ui/cv_qt.h"
#include "ui/job_runner.h"
#include "ui/pair_row.h"
#include "ui/pair_workspace.h"
#include "ui/session_model.h"

namespace corrlens::ui {

struct PairController::ModelState {
  QString id;
  QString display_name;
  QString error;
  bool ready = false;
  bool preparing = false;
  quint64 job = 0;
  QVector<ComparedMatch> matches;
  QString status;  // what the row shows; reported when it changes
  bool status_error = false;
};

// What the worker computed for one row.
struct PairController::Extras {
  std::mutex mutex;
  std::map<std::string, std::vector<MatchPair>> mutual;
  std::map<std::string, std::array<QImage, 2>> pca;  // shown as is: stable cache keys
};

struct PairController::RowResult {
  QString id;
  QVector<ComparedMatch> matches;
  QImage heatmap;
  double min_score = 0.0, max_score = -1.0;
  QVector<QPointF> mutual_source, mutual_target;
  QVector<QColor> mutual_colors;
  QImage pca[2];
  QString error;
};

PairController::PairController(SessionModel* session, PairWorkspace* workspace, JobRunner* jobs,
                               BackendProvider* provider, QObject* parent)
    : QObject(parent),
      session_(session),
      workspace_(workspace),
      jobs_(jobs),
      provider_(provider),
      comparison_(std::make_shared<PairComparison>(provider->Features())),
      extras_(std::make_shared<Extras>()) {
  connect(session_, &SessionModel::modelsChanged, this, &PairController::OnModelsChanged);
  connect(session_, &SessionModel::imagesChanged, this, &PairController::OnImagesChanged);
  connect(session_, &SessionModel::pointsChanged, this, &PairController::RequestUpdate);
  connect(session_, &SessionModel::activePointChanged, this, &PairController::RequestUpdate);
  connect(session_, &SessionModel::viewChanged, this, &PairController::RequestUpdate);
  connect(jobs_, &JobRunner::jobFailed, this,
          [this](quint64 job, const QString&, const QString& error) { OnJobEnded(job, error, true); });
  connect(jobs_, &JobRunner::jobCancelled, this, [this](quint64 job) { OnJobEnded(job, tr("cancelled"), false); });
  connect(jobs_, &JobRunner::jobProgress, this,
          [this](quint64 job, double fraction, const QString&) { OnJobProgress(job, fraction); });
  connect(workspace_, &PairWorkspace::sourceHovered, this, [this](QPointF p) { SetHover(p); });
  connect(workspace_, &PairWorkspace::sourceHoverLeft, this, [this] { SetHover(std::nullopt); });
  OnImagesChanged();
  OnModelsChanged();
}

PairController::~PairController() {
  for (auto& model : models_) {
    if (model->preparing) jobs_->Cancel(model->job);
  }
}

PairController::ModelState* PairController::Find(const QString& id) {
  for (auto& model : models_) {
    if (model->id == id) return model.get();
  }
  return nullptr;
}

void PairController::OnModelsChanged() {
  std::vector<std::unique_ptr<ModelState>> next;
  QStringList titles;
  const QVector<ModelEntry> entries = provider_->Models();
  for (const QString& id : session_->Models()) {
    std::unique_ptr<ModelState> state;
    for (auto& old : models_) {
      if (old && old->id == id) state = std::move(old);
    }
    if (!state) {
      state = std::make_unique<ModelState>();
      state->id = id;
      state->display_name = id;
      for (const ModelEntry& e : entries) {
        if (e.id == id) state->display_name = e.display_name;
      }
    }
    titles << state->display_name;
    next.push_back(std::move(state));
  }
  for (auto& old : models_) {
    if (old && old->preparing) jobs_->Cancel(old->job);
  }
  models_ = std::move(next);
  workspace_->SetRowTitles(titles);  // new rows: they show no status yet
  for (auto& model : models_) model->status.clear();
  for (int i = 0; i < int(models_.size()); ++i) {
    if (!models_[i]->ready) PrepareModel(i);
  }
  RequestUpdate();
}

void PairController::OnImagesChanged() {
  if (!session_->HasImages()) return;
  comparison_->SetImages(MatFromQImage(session_->Image(0)), MatFromQImage(session_->Image(1)));
  extras_ = std::make_shared<Extras>();  // mutual matches and PCA of the old pair are stale
  for (int i = 0; i < int(models_.size()); ++i) {
    models_[i]->ready = false;
    if (models_[i]->preparing) jobs_->Cancel(models_[i]->job);
    models_[i]->preparing = false;
    PrepareModel(i);
  }
  RequestUpdate();
}

void PairController::PrepareModel(int index) {
  ModelState* model = models_[index].get();
  if (!session_->HasImages() || model->preparing) return;
  model->error.clear();
  model->preparing = true;
  SetRowStatus(index, tr("computing features..."));
  auto comparison = comparison_;
  const QString id = model->id;
  QPointer<PairController> self(this);
  model->job = jobs_->Run(
      tr("Features: %1").arg(model->display_name),
      [comparison, id](Progress& progress, const CancelToken& cancel) {
        comparison->Prepare(id.toStdString(), progress, cancel);
      },
      [self, id] {
        if (!self) return;
        ModelState* m = self->Find(id);
        if (!m) return;
        m->preparing = false;
        m->ready = true;
        self->RequestUpdate();
      });
}

void PairController::OnJobEnded(quint64 job, const QString& status, bool is_error) {
  for (size_t i = 0; i < models_.size(); ++i) {
    ModelState* m = models_[i].get();
    if (m->job != job || !m->preparing) continue;
    m->preparing = false;
    m->error = is_error ? status : QString();
    SetRowStatus(int(i), status, is_error);
    emit overlaysUpdated();
  }
}

void PairController::SetRowStatus(int index, const QString& status, bool is_error) {
  ModelState* model = models_[index].get();
  if (model->status == status && model->status_error == is_error) return;  // every click says "ready"
  model->status = status;
  model->status_error = is_error;
  workspace_->Rows()[index]->SetStatus(status, is_error);
  const QString id = model->id;  // a copy: receivers may change the selection
  emit modelStateChanged(id, status, is_error);
}

void PairController::OnJobProgress(quint64 job, double fraction) {
  for (size_t i = 0; i < models_.size(); ++i) {
    if (models_[i]->job == job && models_[i]->preparing)
      SetRowStatus(int(i), tr("computing %1%").arg(int(fraction * 100)));
  }
}

void PairController::SetHover(std::optional<QPointF> hover) {
  if (!session_->View().hover_preview && hover) return;
  if (hover_ == hover) return;
  hover_ = hover;
  RequestUpdate();
}

void PairController::RequestUpdate() {
  const quint64 generation = ++generation_;
  QStringList requests;
  for (auto& model : models_) {
    if (model->ready) requests << model->id;
  }
  std::vector<cv::Point2d> points;
  for (const QPointF& p : session_->Points()) points.emplace_back(p.x(), p.y());
  const int active = session_->ActivePoint();
  std::optional<cv::Point2d> focus;
  if (hover_) focus = cv::Point2d(hover_->x(), hover_->y());
  else if (active >= 0) focus = points[active];
  const ViewSettings view = session_->View();
  auto comparison = comparison_;
  auto extras = extras_;
  QPointer<PairController> self(this);
  worker_.Submit([=](const CancelToken& cancel) {
    std::vector<RowResult> results;
    for (const QString& id : requests) {
      cancel.ThrowIfCancelled();
      RowResult row;
      row.id = id;
      const std::string bid = id.toStdString();
      try {
        for (const ComparedMatch& m : comparison->Match(bid, points)) row.matches.push_back(m);
        if (focus && view.show_heatmap) {
          const Heatmap heatmap = comparison->SimilarityHeatmap(bid, *focus);
          row.heatmap = QImageFromMat(heatmap.rgb);
          row.min_score = heatmap.min;
          row.max_score = heatmap.max;
        }
        if (view.show_mutual) {
          std::vector<MatchPair> mutual;
          {
            std::lock_guard<std::mutex> lock(extras->mutex);
            auto it = extras->mutual.find(bid);
            if (it != extras->mutual.end()) mutual = it->second;
          }
          if (mutual.empty()) {
            mutual = comparison->MutualMatches(bid, cancel);
            std::lock_guard<std::mutex> lock(extras->mutex);
            extras->mutual[bid] = mutual;
          }
          for (const MatchPair& m : mutual) {
            row.mutual_source.push_back(QPointF(m.source.x, m.source.y));
            row.mutual_target.push_back(QPointF(m.target.x, m.target.y));
          }
        }
        if (view.show_pca) {
          std::array<QImage, 2> pca;
          {
            std::lock_guard<std::mutex> lock(extras->mutex);
            auto it = extras->pca.find(bid);
            if (it != extras->pca.end()) pca = it->second;
          }
          if (pca[0].isNull()) {
            const std::array<cv::Mat, 2> mats = comparison->PcaImages(bid);
            pca = {QImageFromMat(mats[0]), QImageFromMat(mats[1])};
            std::lock_guard<std::mutex> lock(extras->mutex);
            extras->pca[bid] = pca;
          }
          row.pca[0] = pca[0];
          row.pca[1] = pca[1];
        }
      } catch (const Cancelled&) {
        throw;
      } catch (const std::exception& e) {
        row.error = QString::fromStdString(e.what());
      }
      results.push_back(std::move(row));
    }
    cancel.ThrowIfCancelled();
    QMetaObject::invokeMethod(
        self.data(), [self, generation, results] {
          if (self) self->ApplyResults(generation, results);
        },
        Qt::QueuedConnection);
  });
}

void PairController::ApplyResults(quint64 generation, const std::vector<RowResult>& results) {
  if (generation < applied_generation_) return;
  applied_generation_ = generation;
  const ViewSettings view = session_->View();
  const QImage& source = session_->Image(0);
  for (size_t i = 0; i < models_.size() && i < workspace_->Rows().size(); ++i) {
    ModelState* model = models_[i].get();
    PairRow* row = workspace_->Rows()[i];
    const RowResult* result = nullptr;
    for (const RowResult& r : results) {
      if (r.id == model->id) result = &r;
    }
    if (!result) continue;
    model->matches = result->matches;
    QVector<Marker> markers;
    for (int k = 0; k < result->matches.size(); ++k) {
      const ComparedMatch& m = result->matches[k];
      markers.push_back({QPointF(m.target.x, m.target.y), SessionModel::PointColor(k), QString::number(k + 1),
                         k != session_->ActivePoint()});
    }
    row->Target()->SetMarkers(markers);
    row->Target()->SetOverlay(result->heatmap, view.heatmap_opacity);
    row->SetLegendRange(result->min_score, result->max_score);
    QVector<QColor> colors;
    for (const QPointF& p : result->mutual_source) {
      colors.push_back(QColor::fromHsvF(std::fmod(p.x() / std::max(1, source.width()) * 0.8 + 1.0, 1.0), 0.9,
                                        0.4 + 0.6 * p.y() / std::max(1, source.height())));
    }
    row->Source()->SetDots(result->mutual_source, colors);
    row->Target()->SetDots(result->mutual_target, colors);
    const bool pca = view.show_pca && !result->pca[0].isNull();
    row->Source()->SetBaseImage(pca ? result->pca[0] : session_->Image(0));
    row->Target()->SetBaseImage(pca ? result->pca[1] : session_->Image(1));
    const int index = int(i);
    if (!result->error.isEmpty()) {
      SetRowStatus(index, result->error, true);
    } else {
      SetRowStatus(index, tr("ready"));
    }
  }
  emit overlaysUpdated();
}

QVector<PairController::ModelMatches> PairController::Matches() const {
  QVector<ModelMatches> out;
  for (const auto& model : models_) out.push_back({model->id, model->display_name, model->matches});
  return out;
}

QString PairController::MatchesCsv() const {
  QString csv = QStringLiteral("model,point,source_x,source_y,target_x,target_y,score\n");
  for (const ModelMatches& m : Matches()) {
    for (int k = 0; k < m.matches.size(); ++k) {
      const ComparedMatch& c = m.matches[k];
      csv += QStringLiteral("%1,%2,%3,%4,%5,%6,%7\n")
                 .arg(m.id)
                 .arg(k + 1)
                 .arg(c.source.x, 0, 'f', 2)
                 .arg(c.source.y, 0, 'f', 2)
                 .arg(c.target.x, 0, 'f', 2)
                 .arg(c.target.y, 0, 'f', 2)
                 .arg(c.score, 0, 'f', 4);
    }
  }
  return csv;
}

QJsonObject PairController::MatchesJson() const {
  QJsonArray models;
  for (const ModelMatches& m : Matches()) {
    QJsonArray matches;
    for (const ComparedMatch& c : m.matches) {
      matches.append(QJsonObject{{"source", QJsonArray{c.source.x, c.source.y}},
                                 {"target", QJsonArray{c.target.x, c.target.y}},
                                 {"score", c.score}});
    }
    models.append(QJsonObject{{"model", m.id}, {"matches", matches}});
  }
  return QJsonObject{{"source", session_->ImagePath(0)}, {"target", session_->ImagePath(1)}, {"models", models}};
}

bool PairController::IsIdle() const {
  for (const auto& model : models_) {
    if (model->preparing) return false;
  }
  return applied_generation_ == generation_;
}

}  // namespace corrlens::ui
