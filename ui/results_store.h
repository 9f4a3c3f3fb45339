// Every benchmark run kept in one SQLite file (Qt SQL, QSQLITE): the run's
// settings, each task's Report (its JSON, plus one indexed row per metric),
// and the failures. Each write is one transaction, so a crash loses at most
// the task that was running; a run a crash left 'running' is marked
// 'incomplete' the next time the file is opened. No widgets: the GUI's
// Benchmark workspace and `corrlens-cli eval --db FILE` share it.
#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QVector>

#include <optional>
#include <vector>

#include "core/bench/report.h"

namespace corrlens::ui {

// What a run was asked to do; stored with it as JSON.
struct RunSettings {
  QStringList tasks;                 // bench::TaskNames() entries, in run order
  QStringList models;                // model names
  QString preset = "paper";          // "paper" or "quick"
  QMap<QString, QString> datasets;   // task -> data location ("" or absent = the task's default)
  QMap<QString, QString> protocols;  // task -> protocol (transfer: "paper" or "standard")
  QString versions;                  // program and library versions that produced the run

  QJsonObject ToJson() const;
  // Reads ToJson's layout; absent keys keep their defaults.
  static RunSettings FromJson(const QJsonObject& json);
};

// Where a run stands.
enum class RunStatus { kRunning, kFinished, kCancelled, kFailed, kIncomplete };
QString RunStatusName(RunStatus status);
RunStatus RunStatusFromName(const QString& name);  // unknown names: kIncomplete

// One model of one task that failed (the other models and tasks go on).
struct TaskFailure {
  QString task;
  QString model;  // "" when the whole task failed
  QString message;
};

// A run as listed in the history.
struct RunInfo {
  qint64 id = -1;
  QDateTime started, finished;  // finished is null while running
  RunStatus status = RunStatus::kRunning;
  RunSettings settings;
  int reports = 0;  // tasks stored
};

// A run with everything stored for it.
struct StoredRun {
  RunInfo info;
  std::vector<bench::Report> reports;  // in the order they were added
  QVector<TaskFailure> failures;
};

class ResultsStore {
 public:
  // Version of the schema this build writes (SQLite's user_version).
  static constexpr int kSchemaVersion = 1;

  ResultsStore();
  ~ResultsStore();
  ResultsStore(const ResultsStore&) = delete;
  ResultsStore& operator=(const ResultsStore&) = delete;

  // Opens (or creates) the database file, ":memory:" for a private one;
  // creates or migrates the schema and marks runs left running as
  // incomplete. False with `error` ("<file>: <reason>"), e.g. a file written
  // by a newer CorrLens or not a database.
  bool Open(const QString& path, QString* error = nullptr);
  void Close();
  bool IsOpen() const;
  QString Path() const { return path_; }
  // How many runs the last Open() found 'running' and marked 'incomplete'.
  int MarkedIncompleteOnOpen() const { return marked_incomplete_; }

  // Starts a run (status 'running'); its id, or -1 with `error`.
  qint64 BeginRun(const RunSettings& settings, QString* error = nullptr);
  // Stores one task's report and its metric rows in one transaction.
  bool AddReport(qint64 run_id, const bench::Report& report, QString* error = nullptr);
  // Stores a failure of one task (or one model of it).
  bool AddFailure(qint64 run_id, const TaskFailure& failure, QString* error = nullptr);
  // Sets the run's final status and end time.
  bool FinishRun(qint64 run_id, RunStatus status, QString* error = nullptr);
  // Removes a run and everything stored for it.
  bool DeleteRun(qint64 run_id, QString* error = nullptr);

  // Every run, newest first.
  QVector<RunInfo> ListRuns() const;
  // One run with its reports and failures; nullopt with `error` when absent
  // or a stored report cannot be read.
  std::optional<StoredRun> LoadRun(qint64 run_id, QString* error = nullptr) const;

  // {"run": {id, started, finished, status, settings}, "reports": [...],
  //  "failures": [...]}, written atomically.
  bool ExportRunJson(qint64 run_id, const QString& path, QString* error = nullptr) const;
  // One line per metric: run, task, model, method, item ("" = the row's
  // summary), metric, value, unit; written atomically.
  bool ExportRunCsv(qint64 run_id, const QString& path, QString* error = nullptr) const;

 private:
  bool CreateOrMigrate(QString* error);
  int MarkIncompleteOnOpen();
  bool Fail(const QString& what, const QString& reason, QString* error) const;

  QString connection_;  // the QSqlDatabase connection name of this store
  QString path_;
  int marked_incomplete_ = 0;
};

}  // namespace corrlens::ui
