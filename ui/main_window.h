// The main window only assembles panels: the models panel (dock), the
// workspaces (tabs), menus and the status bar with job progress. Each
// workspace owns its own logic; they share the SessionModel.
#pragma once

#include <QByteArray>
#include <QMainWindow>
#include <QStringList>

namespace corrlens::ui {

class BackendProvider;
class JobRunner;
class ModelsPanel;
class JobStatusWidget;
class PairWorkspace;
class SessionModel;

// Window layout and recent files; app/ loads and saves it with QSettings.
struct WindowState {
  QByteArray geometry;
  QByteArray layout;
  QStringList recent_files;
  static constexpr int kMaxRecent = 10;
};

// Services the window's panels use; all optional (tests pass what they need).
struct MainWindowServices {
  BackendProvider* backends = nullptr;  // models panel and model rows
};

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(const WindowState& state, const MainWindowServices& services = {},
                      QWidget* parent = nullptr);
  ~MainWindow() override;

  SessionModel* Session() const { return session_; }
  JobRunner* Jobs() const { return jobs_; }
  PairWorkspace* Pair() const { return pair_; }
  WindowState State() const;

  // Opens both images; errors go to a message box and the status bar.
  bool OpenPair(const QString& source, const QString& target);
  bool OpenSession(const QString& path);
  // Shows `message` in the status bar and, when `modal`, a dialog.
  void ReportError(const QString& message, bool modal = true);

 signals:
  void stateChanged();

 protected:
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;
  void closeEvent(QCloseEvent* event) override;

 private:
  void CreateMenus();
  void OpenImageDialog(int side);
  void SaveSessionDialog();
  void OpenSessionDialog();
  void AddRecent(const QString& path);
  void RebuildRecentMenu();
  void ShowAbout();

  SessionModel* session_;
  JobRunner* jobs_;
  PairWorkspace* pair_;
  ModelsPanel* models_ = nullptr;
  JobStatusWidget* job_status_;
  QMenu* recent_menu_ = nullptr;
  QStringList recent_files_;
  bool modal_errors_ = true;
};

}  // namespace corrlens::ui
