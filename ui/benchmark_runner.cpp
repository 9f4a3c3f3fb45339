#include "ui/benchmark_runner.h"

#include <QCoreApplication>

#include <algorithm>

#include "core/feature/feature_provider.h"
#include "ui/job_runner.h"

namespace corrlens::ui {
namespace {

QString Duration(double seconds) {
  const int s = static_cast<int>(seconds + 0.5);
  if (s >= 3600)
    return QStringLiteral("%1:%2:%3").arg(s / 3600).arg(s / 60 % 60, 2, 10, QChar('0')).arg(s % 60, 2, 10, QChar('0'));
  return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QChar('0'));
}

// Appends `from`'s rows (and notes not yet present) to `into`.
void Merge(bench::Report& into, const bench::Report& from) {
  if (into.rows.empty() && into.task.empty()) {
    into = from;
    return;
  }
  into.rows.insert(into.rows.end(), from.rows.begin(), from.rows.end());
  for (const std::string& note : from.notes)
    if (std::find(into.notes.begin(), into.notes.end(), note) == into.notes.end()) into.notes.push_back(note);
}

}  // namespace

QString BenchmarkProgress::Text() const {
  if (task.isEmpty()) return {};
  QString text = QStringLiteral("%1 %2/%3 · %4 %5/%6 · %7%")
                     .arg(task)
                     .arg(task_index + 1)
                     .arg(task_count)
                     .arg(model)
                     .arg(model_index + 1)
                     .arg(model_count)
                     .arg(static_cast<int>(fraction * 100));
  if (eta_seconds >= 0) text += QStringLiteral(" · ETA %1").arg(Duration(eta_seconds));
  return text;
}

bench::TaskSpec TaskSpecFor(const RunSettings& settings, const QString& task, const QStringList& models) {
  bench::TaskSpec spec;
  spec.task = task.toStdString();
  for (const QString& m : models) spec.models.push_back(m.toStdString());
  spec.dataset = settings.datasets.value(task).toStdString();
  spec.preset = settings.preset.toStdString();
  spec.protocol = settings.protocols.value(task).toStdString();
  return spec;
}

BenchmarkRunner::BenchmarkRunner(JobRunner* jobs, ResultsStore* store, QObject* parent)
    : QObject(parent), jobs_(jobs), store_(store) {
  connect(jobs, &JobRunner::jobProgress, this, [this](quint64 id, double fraction, const QString& message) {
    if (running_ && id == job_) UpdateProgress(fraction, message);
  });
  connect(jobs, &JobRunner::jobFailed, this, [this](quint64 id, const QString&, const QString& error) {
    if (running_ && id == job_) OnUnitFailed(error);
  });
  connect(jobs, &JobRunner::jobCancelled, this, [this](quint64 id) {
    if (running_ && id == job_) End(RunStatus::kCancelled);
  });
}

BenchmarkRunner::~BenchmarkRunner() {
  if (!running_) return;
  if (jobs_) jobs_->Cancel(job_);
  if (store_ && store_->IsOpen() && run_id_ >= 0) store_->FinishRun(run_id_, RunStatus::kCancelled);
}

bool BenchmarkRunner::Start(const RunSettings& settings, std::shared_ptr<FeatureProvider> features, QString* error) {
  QStringList problems;
  if (running_) problems << tr("a benchmark is already running");
  if (settings.tasks.isEmpty()) problems << tr("no task selected");
  if (settings.models.isEmpty()) problems << tr("no model selected");
  if (!features) problems << tr("no feature provider");
  for (const QString& task : settings.tasks) {
    const std::string invalid = bench::ValidateDataset(TaskSpecFor(settings, task, settings.models));
    if (!invalid.empty()) problems << task + ": " + QString::fromStdString(invalid);
  }
  if (!problems.isEmpty()) {
    if (error) *error = problems.join('\n');
    return false;
  }
  settings_ = settings;
  if (settings_.versions.isEmpty())
    settings_.versions = QStringLiteral("CorrLens %1, Qt %2").arg(QCoreApplication::applicationVersion(), qVersion());
  run_id_ = -1;
  if (store_ && store_->IsOpen()) {
    QString store_error;
    run_id_ = store_->BeginRun(settings_, &store_error);
    if (run_id_ < 0) {
      if (error) *error = store_error;
      return false;
    }
  }
  features_ = std::move(features);
  running_ = true;
  cancel_requested_ = false;
  status_ = RunStatus::kRunning;
  task_ = model_ = 0;
  current_ = {};
  current_failures_.clear();
  reports_.clear();
  failures_.clear();
  clock_.start();
  emit started(run_id_);
  StartUnit();
  return true;
}

void BenchmarkRunner::Cancel() {
  if (!running_) return;
  cancel_requested_ = true;
  if (jobs_) jobs_->Cancel(job_);
}

void BenchmarkRunner::StartUnit() {
  const QString task = settings_.tasks[task_];
  const QString model = settings_.models[model_];
  const bench::TaskSpec spec = TaskSpecFor(settings_, task, {model});
  auto result = std::make_shared<bench::Report>();
  std::shared_ptr<FeatureProvider> features = features_;
  QPointer<BenchmarkRunner> self(this);
  job_ = jobs_->Run(
      tr("Benchmark %1: %2").arg(task, model),
      [spec, features, result](Progress& progress, const CancelToken& cancel) {
        *result = bench::RunTask(spec, *features, progress, cancel);
      },
      [self, result] {
        if (self) self->OnUnitDone(*result);
      });
  UpdateProgress(0.0, tr("starting"));
}

void BenchmarkRunner::OnUnitDone(const bench::Report& report) {
  Merge(current_, report);
  NextUnit();
}

void BenchmarkRunner::OnUnitFailed(const QString& error) {
  const TaskFailure failure{settings_.tasks[task_], settings_.models[model_], error};
  failures_.push_back(failure);
  current_failures_ << failure.model + ": " + error;
  if (store_ && store_->IsOpen() && run_id_ >= 0) {
    QString store_error;
    if (!store_->AddFailure(run_id_, failure, &store_error)) StoreError(store_error);
  }
  emit failureAdded(QStringLiteral("%1, %2: %3").arg(failure.task, failure.model, error));
  NextUnit();
}

void BenchmarkRunner::NextUnit() {
  if (++model_ == settings_.models.size()) {
    FinishTask();
    ++task_;
    model_ = 0;
  }
  if (cancel_requested_) return End(RunStatus::kCancelled);
  if (task_ == settings_.tasks.size()) {
    return End(reports_.empty() && !failures_.isEmpty() ? RunStatus::kFailed : RunStatus::kFinished);
  }
  StartUnit();
}

void BenchmarkRunner::FinishTask() {
  bench::Report report = std::move(current_);
  current_ = {};
  const QStringList failed = std::move(current_failures_);
  current_failures_.clear();
  if (report.rows.empty()) return;  // every model failed: the failures say why
  for (const QString& f : failed) report.notes.push_back(("failed: " + f).toStdString());
  if (store_ && store_->IsOpen() && run_id_ >= 0) {
    QString store_error;
    if (!store_->AddReport(run_id_, report, &store_error)) StoreError(store_error);
  }
  reports_.push_back(std::move(report));
  emit taskFinished(static_cast<int>(reports_.size()) - 1);
}

void BenchmarkRunner::End(RunStatus status) {
  running_ = false;
  status_ = status;
  job_ = 0;
  if (store_ && store_->IsOpen() && run_id_ >= 0) {
    QString store_error;
    if (!store_->FinishRun(run_id_, status, &store_error)) StoreError(store_error);
  }
  progress_.fraction = status == RunStatus::kFinished ? 1.0 : progress_.fraction;
  progress_.eta_seconds = -1.0;
  progress_.message = RunStatusName(status);
  emit progressChanged();
  emit finished(run_id_);
}

void BenchmarkRunner::UpdateProgress(double unit_fraction, const QString& message) {
  const int units = static_cast<int>(settings_.tasks.size() * settings_.models.size());
  const int done = task_ * static_cast<int>(settings_.models.size()) + model_;
  progress_.task = settings_.tasks[task_];
  progress_.model = settings_.models[model_];
  progress_.task_index = task_;
  progress_.task_count = static_cast<int>(settings_.tasks.size());
  progress_.model_index = model_;
  progress_.model_count = static_cast<int>(settings_.models.size());
  progress_.unit_fraction = unit_fraction;
  progress_.fraction = units > 0 ? (done + unit_fraction) / units : 0.0;
  progress_.message = message;
  const double elapsed = clock_.elapsed() / 1000.0;
  progress_.eta_seconds =
      progress_.fraction > 0.01 && elapsed > 1.0 ? elapsed * (1.0 - progress_.fraction) / progress_.fraction : -1.0;
  emit progressChanged();
}

void BenchmarkRunner::StoreError(const QString& error) { emit failureAdded(tr("results database: %1").arg(error)); }

}  // namespace corrlens::ui
