#include "ui/model_status.h"

#include "ui/job_runner.h"

namespace corrlens::ui {

ModelStatus::ModelStatus(JobRunner* jobs, QObject* parent) : QObject(parent), jobs_(jobs) {
  connect(jobs, &JobRunner::jobProgress, this, [this](quint64 job, double fraction, const QString&) {
    QString id;
    if (FindJob(job, &id)) Show(id, tr("computing %1%").arg(int(fraction * 100)));
  });
  connect(jobs, &JobRunner::jobFailed, this,
          [this](quint64 job, const QString&, const QString& error) { OnJobEnded(job, Phase::kFailed, error, true); });
  connect(jobs, &JobRunner::jobCancelled, this,
          [this](quint64 job) { OnJobEnded(job, Phase::kCancelled, tr("cancelled"), false); });
  connect(jobs, &JobRunner::jobFinished, this, [this](quint64 job) {
    QString id;
    if (Entry* entry = FindJob(job, &id)) {
      entry->phase = Phase::kPrepared;
      emit prepared(id);
    }
  });
}

ModelStatus::~ModelStatus() {
  for (const auto& [id, entry] : entries_) {
    if (entry.phase == Phase::kComputing && jobs_) jobs_->Cancel(entry.job);
  }
}

void ModelStatus::SetModels(const QStringList& ids) {
  std::map<QString, Entry> next;
  for (const QString& id : ids) {
    auto it = entries_.find(id);
    next[id] = it == entries_.end() ? Entry{} : it->second;
  }
  for (const auto& [id, entry] : entries_) {
    if (!next.count(id) && entry.phase == Phase::kComputing && jobs_) jobs_->Cancel(entry.job);
  }
  for (auto& [id, entry] : next) {
    entry.text.clear();
    entry.is_error = false;
  }
  entries_ = std::move(next);
}

void ModelStatus::Track(const QString& id, quint64 job) {
  Entry& entry = entries_[id];
  entry.phase = Phase::kComputing;
  entry.job = job;
  Show(id, tr("computing features..."));
}

void ModelStatus::Reset(const QString& id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  if (it->second.phase == Phase::kComputing && jobs_) jobs_->Cancel(it->second.job);
  it->second.phase = Phase::kIdle;
  it->second.job = 0;
}

void ModelStatus::Show(const QString& id, const QString& text, bool is_error) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  Entry& entry = it->second;
  if (entry.text == text && entry.is_error == is_error) return;  // every click says "ready"
  entry.text = text;
  entry.is_error = is_error;
  const QString model = id;  // a copy: receivers may change the selection
  emit changed(model, text, is_error);
}

ModelStatus::Phase ModelStatus::PhaseOf(const QString& id) const {
  auto it = entries_.find(id);
  return it == entries_.end() ? Phase::kIdle : it->second.phase;
}

QString ModelStatus::Text(const QString& id) const {
  auto it = entries_.find(id);
  return it == entries_.end() ? QString() : it->second.text;
}

bool ModelStatus::IsError(const QString& id) const {
  auto it = entries_.find(id);
  return it != entries_.end() && it->second.is_error;
}

bool ModelStatus::Busy() const {
  for (const auto& [id, entry] : entries_) {
    if (entry.phase == Phase::kComputing) return true;
  }
  return false;
}

ModelStatus::Entry* ModelStatus::FindJob(quint64 job, QString* id) {
  for (auto& [model, entry] : entries_) {
    if (entry.job == job && entry.phase == Phase::kComputing) {
      *id = model;
      return &entry;
    }
  }
  return nullptr;
}

void ModelStatus::OnJobEnded(quint64 job, Phase phase, const QString& text, bool is_error) {
  QString id;
  Entry* entry = FindJob(job, &id);
  if (!entry) return;
  entry->phase = phase;
  Show(id, text, is_error);
}

}  // namespace corrlens::ui
