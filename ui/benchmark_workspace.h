// The Benchmark workspace: pick models x tasks, their data and a preset, run
// them through the JobRunner (per task and model progress, ETA, cancel), and
// read the results as charts (accuracy curves with the paper's numbers, AUC
// bars) and tables (per model, per item). Every run is kept in the results
// database; the History tab lists and compares them. Double-clicking an
// item opens it where it can be seen: a pair in the Pair workspace, a
// tracking video at its worst frame in the Video workspace, a pose frame in
// the Pose workspace (the open*Requested signals; MainWindow routes them).
#pragma once

#include <QPointF>
#include <QVector>

#include <memory>
#include <vector>

#include "core/bench/report.h"
#include "ui/benchmark_settings.h"
#include "ui/results_store.h"
#include "ui/workspace.h"

class QLabel;
class QTabWidget;

namespace corrlens::ui {

class BackendProvider;
class BenchmarkCharts;
class BenchmarkRunner;
class BenchmarkSetup;
class BenchmarkTables;
class HistoryView;
class JobRunner;
class SessionModel;
struct ItemEntry;

class BenchmarkWorkspace : public Workspace {
  Q_OBJECT
 public:
  // `database`: the results file ("" = kept in memory until the program ends).
  BenchmarkWorkspace(SessionModel* session, JobRunner* jobs, BackendProvider* provider,
                     const BenchmarkSettings& settings = {}, const QString& database = {}, QWidget* parent = nullptr);
  ~BenchmarkWorkspace() override;

  QString Id() const override { return QStringLiteral("benchmark"); }
  QString Title() const override { return tr("Benchmark"); }
  QList<QAction*> Actions(WorkspaceMenu menu) const override;
  // The workspace opens no files (its data locations are chosen in the panel).
  bool CanOpen(const QStringList&) const override { return false; }
  bool Open(const QStringList& files, std::optional<QPoint> drop_at, QString* error) override;
  // {"run": id of the run shown}.
  QJsonObject SaveDocument() const override;
  bool LoadDocument(const QJsonObject& json, const QString& base_dir, QString* error) override;
  QString Status() const override;

  // Starts a run of what the panel shows; false with `error`.
  bool Run(QString* error);
  // Shows a stored run in the Results tab; false with `error`.
  bool ShowRun(qint64 run_id, QString* error);
  // Opens an item in the workspace that shows it (pairs: the Pair
  // workspace, PF-PASCAL pairs with their source keypoints; tracking videos
  // at their worst frame; pose objects and frames); false with `error`.
  bool OpenItem(const ItemEntry& item, QString* error);

  BenchmarkSetup* Setup() const { return setup_; }
  BenchmarkRunner* Runner() const { return runner_.get(); }
  BenchmarkCharts* Charts() const { return charts_; }
  BenchmarkTables* Tables() const { return tables_; }
  HistoryView* History() const { return history_; }
  ResultsStore* Store() const { return store_.get(); }
  QTabWidget* Tabs() const { return tabs_; }
  // Why the results database could not be opened ("" when it is open).
  const QString& DatabaseError() const { return database_error_; }

 signals:
  // Open `source` and `target` in the Pair workspace with `points` on the source.
  void openPairRequested(const QString& source, const QString& target, const QVector<QPointF>& points);
  // Show `frame` of the video file or frames folder `path` in the Video workspace.
  void openVideoRequested(const QString& path, int frame);
  // Show test frame `frame` (image stem; "" = the first) of the OnePose
  // object folder `folder` in the Pose workspace.
  void openPoseFrameRequested(const QString& folder, const QString& frame);
  // The panel's choices changed (app/ saves them).
  void settingsChanged(const corrlens::ui::BenchmarkSettings& settings);

 protected:
  void showEvent(QShowEvent* event) override;

 private:
  QWidget* CreateResultsTab();
  void CreateActions();
  void ConnectRunner();
  void RefreshModels();
  void ShowReports(const std::vector<bench::Report>& reports, const RunSettings& settings, const QString& heading,
                   const QVector<TaskFailure>& failures = {});
  void OnRunFinished();
  bool OpenTransferPair(const ItemEntry& item, QString* error);
  bool OpenTrackingVideo(const ItemEntry& item, QString* error);
  bool OpenPoseFrame(const ItemEntry& item, QString* error);
  void ExportChartsDialog();
  void ExportRunDialog(bool json);

  SessionModel* session_;
  BackendProvider* provider_;
  std::unique_ptr<ResultsStore> store_;  // before runner_: it outlives it
  std::unique_ptr<BenchmarkRunner> runner_;
  QString database_error_;
  BenchmarkSetup* setup_;
  QTabWidget* tabs_;
  BenchmarkCharts* charts_;
  BenchmarkTables* tables_;
  HistoryView* history_;
  QLabel* heading_;
  QLabel* notes_;
  qint64 shown_run_ = -1;
  RunSettings shown_settings_;
  QList<QAction*> export_actions_, edit_actions_;
};

}  // namespace corrlens::ui
