// The Finetune workspace: trains the 3DCorrEnhance adapter (core/finetune)
// on the meshes and settings of its form, off the GUI thread (its own
// JobRunner, so the other workspaces keep computing), with percentage,
// step/loss/ETA, Cancel, a live loss chart and the held-out probe's chart.
// A run never writes into a folder that already holds checkpoints (it takes
// a new "<folder>-N") unless it resumes from a checkpoint of that folder (a
// cancelled run offers exactly that). When a run has a checkpoint, "Use in
// Pair workspace" registers backbone + adapter as a custom model and ticks it.
#pragma once

#include <QString>

#include "ui/workspace.h"

class QLabel;
class QProgressBar;
class QPushButton;

namespace corrlens::ui {

class BackendProvider;
class FinetuneCharts;
class FinetuneSetup;
class JobRunner;
class SessionModel;
struct FinetuneSettings;

class FinetuneWorkspace : public Workspace {
  Q_OBJECT
 public:
  // `provider` may be null (then trained adapters cannot be added as models).
  FinetuneWorkspace(SessionModel* session, BackendProvider* provider, QWidget* parent = nullptr);
  ~FinetuneWorkspace() override;  // cancels a run and waits for it

  QString Id() const override { return QStringLiteral("finetune"); }
  QString Title() const override { return tr("Finetune"); }
  QList<QAction*> Actions(WorkspaceMenu menu) const override;
  // Mesh files (by suffix): added to the training meshes.
  bool CanOpen(const QStringList& files) const override;
  bool Open(const QStringList& files, std::optional<QPoint> drop_at, QString* error) override;
  // The form's settings.
  QJsonObject SaveDocument() const override;
  bool LoadDocument(const QJsonObject& json, const QString& base_dir, QString* error) override;
  QString Status() const override;

  // Starts a run of the form's settings; false with `error`, nothing started.
  bool Start(QString* error);
  void Cancel();
  bool Running() const { return job_ != 0; }
  // Adds the last checkpoint (with its backbone) as a model and ticks it in
  // the session (loading runs off the GUI thread; modelAdded follows).
  bool AddTrainedModel(QString* error);

  FinetuneSetup* Setup() const { return setup_; }
  FinetuneCharts* Charts() const { return charts_; }
  // Folder of the current or last run, and its newest checkpoint ("" = none).
  QString RunFolder() const { return run_folder_; }
  QString LastCheckpoint() const { return checkpoint_; }

  // `wanted` when it holds no checkpoint or run log, else the first free
  // "<wanted>-N"; an empty `wanted` gives "<base>/<arch>-<date-time>".
  static QString FreshRunFolder(const QString& wanted, const QString& base, const QString& arch);

 signals:
  // A run ended (finished, failed or cancelled).
  void runEnded(bool finished);
  // A trained adapter was added as the model `id` (the models panel refreshes).
  void modelAdded(const QString& id);

 private:
  void OnStep(qint64 step, qint64 total, double loss, double steps_per_s, double eta_s, const QString& checkpoint);
  void OnProbe(qint64 step, double ape, double pcdp);
  void OnEnded(bool finished, const QString& message);
  void SetStatus(const QString& text);
  void UpdateButtons();

  SessionModel* session_;
  BackendProvider* provider_;
  JobRunner* jobs_;
  FinetuneSetup* setup_;
  FinetuneCharts* charts_;
  QProgressBar* progress_;
  QLabel* step_line_;
  QLabel* probe_line_;
  QPushButton* start_;
  QPushButton* cancel_;
  QPushButton* add_model_;
  quint64 job_ = 0;
  quint64 add_job_ = 0;
  QString run_folder_;
  QString checkpoint_;
  QString arch_;
  QString backbone_weights_;  // of the last run (random init: its backbone.pth)
  QString status_;
};

}  // namespace corrlens::ui
