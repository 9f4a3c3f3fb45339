// The main window only assembles panels: the models panel (dock), the
// workspaces (tabs), menus and the status bar with job progress. It loops
// over its workspaces for menus, drops, the status line and session files;
// each workspace owns its own logic. They share the SessionModel.
#pragma once

#include <QByteArray>
#include <QList>
#include <QMainWindow>
#include <QPoint>
#include <QPointF>
#include <QStringList>
#include <QVector>

#include <functional>
#include <optional>

#include "ui/benchmark_settings.h"

class QLabel;
class QTabWidget;

namespace corrlens::ui {

class BackendProvider;
class BenchmarkWorkspace;
class JobRunner;
class ModelsPanel;
class JobStatusWidget;
class PairWorkspace;
class SessionModel;
class Workspace;
enum class WorkspaceMenu;

// Window layout and recent files; app/ loads and saves it with QSettings.
struct WindowState {
  QByteArray geometry;
  QByteArray layout;
  QStringList recent_files;
  static constexpr int kMaxRecent = 10;
};

// Services the window's panels use; all optional (tests pass what they need).
struct MainWindowServices {
  BackendProvider* backends = nullptr;  // models panel and model rows; the Benchmark workspace needs it
  BenchmarkSettings benchmark;          // the Benchmark workspace's last choices
  QString results_database;             // benchmark runs' SQLite file ("" = in memory)
};

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(const WindowState& state, const MainWindowServices& services = {}, QWidget* parent = nullptr);
  ~MainWindow() override;

  SessionModel* Session() const { return session_; }
  JobRunner* Jobs() const { return jobs_; }
  PairWorkspace* Pair() const { return pair_; }
  // The Benchmark workspace; null without backends (nothing to run).
  BenchmarkWorkspace* Benchmark() const { return benchmark_; }
  // The workspaces in tab order, and the one shown.
  const QList<Workspace*>& Workspaces() const { return workspaces_; }
  Workspace* CurrentWorkspace() const;
  WindowState State() const;

  // Opens both images in the Pair workspace, then `points` on the source
  // when given; errors go to a message box and the status bar. The images
  // are decoded off the GUI thread: a decode error is reported when it comes.
  bool OpenPair(const QString& source, const QString& target,
                const std::optional<QVector<QPointF>>& points = std::nullopt);
  // Opens a session (.json) or files a workspace takes (the current one
  // first), dropped at `drop_at` (window coordinates) when given.
  bool OpenFiles(const QStringList& files, std::optional<QPoint> drop_at = std::nullopt);
  // Loads every workspace's section and the shared part; a file that cannot
  // be read or loaded is refused with its name and the reason, and leaves
  // the current state as it was.
  bool OpenSession(const QString& path);
  // OpenSession without reporting: false with `error` ("<file>: <reason>").
  bool LoadSession(const QString& path, QString* error);
  // Writes the shared part and every workspace's section (atomically).
  bool SaveSession(const QString& path, QString* error);
  // Shows `message` in the status bar and, when `modal`, a dialog.
  void ReportError(const QString& message, bool modal = true);

 signals:
  void stateChanged();

 protected:
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;
  void closeEvent(QCloseEvent* event) override;

 private:
  // Adds a tab; one call per workspace, before CreateMenus.
  void AddWorkspace(Workspace* workspace);
  void CreateMenus();
  void AddWorkspaceActions(QMenu* menu, WorkspaceMenu which);
  void OnCurrentWorkspaceChanged();
  // Shows a pair in the Pair workspace with `points` on the source.
  void OpenPairWithPoints(const QString& source, const QString& target, const QVector<QPointF>& points) {
    OpenPair(source, target, points);
  }
  // Makes `workspace` current and runs `open` there; its error is reported.
  void ShowIn(Workspace* workspace, const std::function<bool(QString*)>& open);
  Workspace* WorkspaceFor(const QStringList& files) const;
  void SaveSessionDialog();
  void OpenSessionDialog();
  void AddRecent(const QString& path);
  void RebuildRecentMenu();
  void ShowAbout();

  SessionModel* session_;
  JobRunner* jobs_;
  JobRunner* downloads_ = nullptr;  // the models panel's downloads
  PairWorkspace* pair_ = nullptr;
  BenchmarkWorkspace* benchmark_ = nullptr;
  QList<Workspace*> workspaces_;
  QTabWidget* tabs_;
  ModelsPanel* models_ = nullptr;
  JobStatusWidget* job_status_;
  QLabel* status_line_;
  QMenu* recent_menu_ = nullptr;
  QStringList recent_files_;
  bool modal_errors_ = true;
};

}  // namespace corrlens::ui
