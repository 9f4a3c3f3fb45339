// Runs a benchmark (tasks x models) through the JobRunner, one job per task
// and model, in order: reports per task and per model progress with an ETA,
// cancels, and keeps going when one model or task fails. Each finished task
// is merged into one Report (all models) and stored in the ResultsStore at
// once, so a crash or a cancel loses at most the running task.
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QString>

#include <memory>
#include <vector>

#include "core/bench/report.h"
#include "core/bench/task_catalog.h"
#include "ui/results_store.h"

namespace corrlens {
class FeatureProvider;
}

namespace corrlens::ui {

class JobRunner;

// Where a run stands, for progress bars and status lines.
struct BenchmarkProgress {
  QString task, model;  // running now
  int task_index = 0, task_count = 0;
  int model_index = 0, model_count = 0;
  double unit_fraction = 0.0;  // of this task x model job
  double fraction = 0.0;       // of the whole run
  double eta_seconds = -1.0;   // remaining time; < 0 while unknown
  QString message;             // the task's own progress message

  // "homography 1/2 · dense_sift 2/2 · 43% · ETA 0:12"
  QString Text() const;
};

// The task spec of `task` for `models` under `settings` (dataset, preset,
// protocol).
bench::TaskSpec TaskSpecFor(const RunSettings& settings, const QString& task, const QStringList& models);

class BenchmarkRunner : public QObject {
  Q_OBJECT
 public:
  // `store` may be null or closed: runs are then kept in memory only.
  BenchmarkRunner(JobRunner* jobs, ResultsStore* store, QObject* parent = nullptr);
  ~BenchmarkRunner() override;  // cancels a running run and stores it as cancelled

  // Starts a run; false with `error` when one is running, nothing is
  // selected, a task's data is not usable (ValidateDataset's line per task)
  // or the database refuses the run.
  bool Start(const RunSettings& settings, std::shared_ptr<FeatureProvider> features, QString* error);
  // Cancels the running job; finished tasks stay stored.
  void Cancel();
  bool IsRunning() const { return running_; }

  // The current (or last) run: database id (-1 without a database),
  // settings, the finished tasks' reports, failures and status.
  qint64 RunId() const { return run_id_; }
  const RunSettings& Settings() const { return settings_; }
  const std::vector<bench::Report>& Reports() const { return reports_; }
  const QVector<TaskFailure>& Failures() const { return failures_; }
  RunStatus Status() const { return status_; }
  const BenchmarkProgress& LastProgress() const { return progress_; }

 signals:
  void started(qint64 run_id);
  void progressChanged();
  // A task finished with at least one model; it is in Reports() and stored.
  void taskFinished(int index);
  // A model of a task (or a whole task) failed; the run goes on.
  void failureAdded(const QString& message);
  void finished(qint64 run_id);

 private:
  void StartUnit();
  void OnUnitDone(const bench::Report& report);
  void OnUnitFailed(const QString& error);
  void NextUnit();
  void FinishTask();
  void End(RunStatus status);
  void UpdateProgress(double unit_fraction, const QString& message);
  void StoreError(const QString& error);

  QPointer<JobRunner> jobs_;
  ResultsStore* store_;
  std::shared_ptr<FeatureProvider> features_;
  RunSettings settings_;
  qint64 run_id_ = -1;
  bool running_ = false;
  bool cancel_requested_ = false;
  RunStatus status_ = RunStatus::kFinished;
  int task_ = 0, model_ = 0;
  quint64 job_ = 0;
  bench::Report current_;  // the running task's rows so far
  QStringList current_failures_;
  std::vector<bench::Report> reports_;
  QVector<TaskFailure> failures_;
  BenchmarkProgress progress_;
  QElapsedTimer clock_;
};

}  // namespace corrlens::ui
