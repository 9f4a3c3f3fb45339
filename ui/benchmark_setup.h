// The left column of the Benchmark workspace: which models (the ticked ones
// by default) and tasks to run, each task's data location (validated with
// bench::ValidateDataset; for public datasets it says which files to
// download and where they go), the preset, Run / Cancel and the progress.
#pragma once

#include <QMap>
#include <QVector>
#include <QWidget>

#include "ui/backend_provider.h"
#include "ui/benchmark_settings.h"
#include "ui/results_store.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QPushButton;

namespace corrlens::ui {

struct BenchmarkProgress;

// What a task needs and where to get it, for the panel ("" when unknown).
QString TaskDataHelp(const QString& task);

class BenchmarkSetup : public QWidget {
  Q_OBJECT
 public:
  explicit BenchmarkSetup(const BenchmarkSettings& settings = {}, QWidget* parent = nullptr);

  // Lists `models`; available ones can be ticked, `ticked` are.
  void SetModels(const QVector<ModelEntry>& models, const QStringList& ticked);
  // Sets a task's data location ("" = its default) and validates it.
  void SetDataset(const QString& task, const QString& location);
  void SetTaskChecked(const QString& task, bool checked);
  void SetPreset(const QString& preset);

  // The run the panel describes (ticked tasks in display order, ticked models).
  RunSettings Plan() const;
  BenchmarkSettings Settings() const;
  // "" when the task's data is usable, else what is missing and where to get it.
  QString Problem(const QString& task) const;

  // Run / Cancel and the progress line follow the run.
  void SetRunning(bool running);
  void ShowProgress(const BenchmarkProgress& progress);

  QPushButton* RunButton() const { return run_; }
  QPushButton* CancelButton() const { return cancel_; }
  QListWidget* ModelList() const { return models_; }
  QComboBox* PresetBox() const { return preset_; }
  QLabel* ProgressLabel() const { return progress_label_; }

 signals:
  void runRequested();
  void cancelRequested();
  // Settings() changed (app/ saves them).
  void settingsChanged();

 private:
  struct TaskRow {
    QCheckBox* check = nullptr;
    QLineEdit* dataset = nullptr;
    QLabel* status = nullptr;
    QString problem;
  };
  QWidget* CreateModels();
  QWidget* CreateTasks(const BenchmarkSettings& settings);
  QWidget* CreateRunControls(const BenchmarkSettings& settings);
  void Browse(const QString& task);
  void Validate(const QString& task);
  void UpdateRunButton();

  QListWidget* models_;
  QMap<QString, TaskRow> tasks_;
  QStringList task_order_;
  QComboBox* preset_ = nullptr;
  QComboBox* protocol_ = nullptr;
  QPushButton* run_ = nullptr;
  QPushButton* cancel_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QLabel* progress_label_ = nullptr;
  QLabel* summary_ = nullptr;
  bool running_ = false;
};

}  // namespace corrlens::ui
