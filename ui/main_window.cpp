#include "ui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QStatusBar>
#include <QTabWidget>

#include "ui/benchmark_workspace.h"
#ifdef CORRLENS_HAVE_FINETUNE_WORKSPACE
#include "ui/finetune_workspace.h"
#endif
#include "ui/job_runner.h"
#include "ui/job_status_widget.h"
#include "ui/models_panel.h"
#include "ui/pair_document.h"
#include "ui/pair_workspace.h"
#include "ui/pose_workspace.h"
#include "ui/session_file.h"
#include "ui/session_model.h"
#include "ui/video_workspace.h"
#include "ui/workspace.h"

namespace corrlens::ui {
namespace {

const char* kSessionFilter = "CorrLens sessions (*.corrlens.json *.json);;All files (*)";

bool IsSessionFile(const QString& path) { return path.endsWith(".json", Qt::CaseInsensitive); }

}  // namespace

MainWindow::MainWindow(const WindowState& state, const MainWindowServices& services, QWidget* parent)
    : QMainWindow(parent), recent_files_(state.recent_files) {
  setWindowTitle(QStringLiteral("CorrLens"));
  setAcceptDrops(true);
  session_ = new SessionModel(this);
  jobs_ = new JobRunner(this);
  if (services.backends) {
    downloads_ = new JobRunner(this, 2);  // model downloads run beside the computations
    models_ = new ModelsPanel(session_, services.backends, downloads_);
    auto* dock = new QDockWidget(tr("Models"), this);
    dock->setObjectName("models_dock");
    dock->setWidget(models_);
    addDockWidget(Qt::LeftDockWidgetArea, dock);
    connect(models_, &ModelsPanel::errorOccurred, this, [this](const QString& e) { ReportError(e); });
  }
  tabs_ = new QTabWidget;
  tabs_->setDocumentMode(true);
  setCentralWidget(tabs_);
  status_line_ = new QLabel;
  statusBar()->addWidget(status_line_, 1);
  // The workspaces, one line each.
  AddWorkspace(pair_ = new PairWorkspace(session_, jobs_, services.backends));
  auto* video = new VideoWorkspace(session_, jobs_, services.backends);
  AddWorkspace(video);
  auto* pose = new PoseWorkspace(session_, jobs_, services.backends);
  AddWorkspace(pose);
  if (services.backends) {  // the benchmark runs models: nothing to run without backends
    AddWorkspace(benchmark_ = new BenchmarkWorkspace(session_, jobs_, services.backends, services.benchmark,
                                                     services.results_database));
    connect(benchmark_, &BenchmarkWorkspace::openPairRequested, this, &MainWindow::OpenPairWithPoints);
    connect(benchmark_, &BenchmarkWorkspace::openVideoRequested, this, [this, video](const QString& path, int frame) {
      ShowIn(video, [&](QString* error) { return video->OpenVideoAt(path, frame, error); });
    });
    connect(benchmark_, &BenchmarkWorkspace::openPoseFrameRequested, this,
            [this, pose](const QString& folder, const QString& frame) {
              ShowIn(pose, [&](QString* error) { return pose->OpenObjectFrame(folder, frame, error); });
            });
#ifdef CORRLENS_HAVE_FINETUNE_WORKSPACE
    auto* finetune = new FinetuneWorkspace(session_, services.backends);
    AddWorkspace(finetune);
    connect(finetune, &FinetuneWorkspace::modelAdded, models_, &ModelsPanel::Refresh);
#endif
  }
  job_status_ = new JobStatusWidget(jobs_);
  statusBar()->addPermanentWidget(job_status_);
  if (downloads_) {
    statusBar()->addPermanentWidget(new JobStatusWidget(downloads_));
    connect(downloads_, &JobRunner::jobFailed, this,
            [this](quint64, const QString& title, const QString& error) { ReportError(title + ": " + error, false); });
  }
  connect(jobs_, &JobRunner::jobFailed, this,
          [this](quint64, const QString& title, const QString& error) { ReportError(title + ": " + error, false); });
  CreateMenus();
  connect(tabs_, &QTabWidget::currentChanged, this, &MainWindow::OnCurrentWorkspaceChanged);
  OnCurrentWorkspaceChanged();
  resize(1400, 900);
  if (!state.geometry.isEmpty()) restoreGeometry(state.geometry);
  if (!state.layout.isEmpty()) restoreState(state.layout);
}

MainWindow::~MainWindow() {
  // The workspaces go first, while the job runners their controllers hold
  // still exist (children are deleted in creation order, and the runners
  // were created first); no job of theirs is running by then.
  jobs_->CancelAll();
  if (downloads_) downloads_->CancelAll();
  jobs_->WaitForAll();
  if (downloads_) downloads_->WaitForAll();
  workspaces_.clear();
  tabs_->blockSignals(true);  // no tab change reaches this half-destroyed window
  delete tabs_;
}

WindowState MainWindow::State() const { return {saveGeometry(), saveState(), recent_files_}; }

void MainWindow::AddWorkspace(Workspace* workspace) {
  workspaces_.push_back(workspace);
  tabs_->addTab(workspace, workspace->Title());
  connect(workspace, &Workspace::errorOccurred, this, [this](const QString& e) { ReportError(e); });
  connect(workspace, &Workspace::filesOpened, this, [this](const QStringList& files) {
    QStringList names;
    for (const QString& f : files) {
      AddRecent(f);
      names << QFileInfo(f).fileName();
    }
    statusBar()->showMessage(tr("Loaded %1").arg(names.join(tr(" and "))), 5000);
  });
  connect(workspace, &Workspace::statusChanged, this, [this, workspace] {
    if (workspace == CurrentWorkspace()) status_line_->setText(workspace->Status());
  });
  if (models_) connect(workspace, &Workspace::modelStateChanged, models_, &ModelsPanel::SetModelState);
}

Workspace* MainWindow::CurrentWorkspace() const { return qobject_cast<Workspace*>(tabs_->currentWidget()); }

void MainWindow::CreateMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  AddWorkspaceActions(file, WorkspaceMenu::kOpen);
  recent_menu_ = file->addMenu(tr("Open &Recent"));
  RebuildRecentMenu();
  file->addSeparator();
  file->addAction(tr("Open Sess&ion..."), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_O), this,
                  &MainWindow::OpenSessionDialog);
  file->addAction(tr("Sa&ve Session..."), QKeySequence::Save, this, &MainWindow::SaveSessionDialog);
  file->addSeparator();
  AddWorkspaceActions(file, WorkspaceMenu::kExport);
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  AddWorkspaceActions(edit, WorkspaceMenu::kEdit);
  edit->addAction(tr("Cancel &Computations"), QKeySequence(Qt::Key_Escape), jobs_, &JobRunner::CancelAll);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  AddWorkspaceActions(view, WorkspaceMenu::kView);
  if (models_) {
    view->addSeparator();
    view->addAction(tr("&Refresh Models"), QKeySequence::Refresh, models_, &ModelsPanel::Refresh);
    edit->addAction(tr("&Add Custom Model..."), models_, &ModelsPanel::AddCustomDialog);
  }

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&About CorrLens"), this, &MainWindow::ShowAbout);
}

void MainWindow::AddWorkspaceActions(QMenu* menu, WorkspaceMenu which) {
  for (Workspace* workspace : workspaces_) menu->addActions(workspace->Actions(which));
}

void MainWindow::OnCurrentWorkspaceChanged() {
  // Only the current workspace's actions show (and take their shortcuts).
  Workspace* current = CurrentWorkspace();
  for (Workspace* workspace : workspaces_) {
    for (WorkspaceMenu which :
         {WorkspaceMenu::kOpen, WorkspaceMenu::kExport, WorkspaceMenu::kEdit, WorkspaceMenu::kView}) {
      for (QAction* action : workspace->Actions(which)) action->setVisible(workspace == current);
    }
  }
  status_line_->setText(current ? current->Status() : QString());
}

bool MainWindow::OpenPair(const QString& source, const QString& target, const std::optional<QVector<QPointF>>& points) {
  QString error;
  tabs_->setCurrentWidget(pair_);
  if (!pair_->OpenPair(source, target, points, &error)) {
    ReportError(error);
    return false;
  }
  return true;  // recent files once both are open (filesOpened)
}

void MainWindow::ShowIn(Workspace* workspace, const std::function<bool(QString*)>& open) {
  tabs_->setCurrentWidget(workspace);
  QString error;
  if (!open(&error)) ReportError(error);
}

Workspace* MainWindow::WorkspaceFor(const QStringList& files) const {
  Workspace* current = CurrentWorkspace();
  if (current && current->CanOpen(files)) return current;
  for (Workspace* workspace : workspaces_) {
    if (workspace->CanOpen(files)) return workspace;
  }
  return current;  // it says why it cannot open them
}

bool MainWindow::OpenFiles(const QStringList& files, std::optional<QPoint> drop_at) {
  if (files.isEmpty()) return false;
  if (files.size() == 1 && IsSessionFile(files[0])) return OpenSession(files[0]);
  Workspace* workspace = WorkspaceFor(files);
  if (!workspace) return false;
  std::optional<QPoint> at;  // only a drop on the shown workspace has a position there
  if (drop_at && workspace == CurrentWorkspace()) at = workspace->mapFrom(this, *drop_at);
  tabs_->setCurrentWidget(workspace);
  QString error;
  if (!workspace->Open(files, at, &error)) {
    ReportError(error);
    return false;
  }
  return true;  // the recent files get them once they are open (filesOpened)
}

bool MainWindow::OpenSession(const QString& path) {
  QString error;
  if (!LoadSession(path, &error)) {
    ReportError(error);
    return false;
  }
  AddRecent(path);
  statusBar()->showMessage(tr("Opened session %1").arg(path), 5000);
  return true;
}

bool MainWindow::LoadSession(const QString& path, QString* error) {
  SessionContents contents;
  if (!ReadSessionFile(path, &contents, error)) return false;
  QString reason;
  if (!SessionModel::Check(contents.shared, &reason)) {  // before anything changes
    *error = QStringLiteral("%1: %2").arg(path, reason);
    return false;
  }
  // Each workspace loads its section all or nothing; the shared part (models,
  // view) comes last, once every section loaded.
  for (Workspace* workspace : workspaces_) {
    auto section = contents.workspaces.constFind(workspace->Id());
    if (section == contents.workspaces.constEnd()) continue;
    if (!workspace->LoadDocument(*section, QFileInfo(path).absolutePath(), &reason)) {
      *error = QStringLiteral("%1: %2").arg(path, reason);
      return false;
    }
  }
  return session_->FromJson(contents.shared, error);
}

bool MainWindow::SaveSession(const QString& path, QString* error) {
  for (Workspace* workspace : workspaces_) {
    const QString busy = workspace->NotSavable();
    if (!busy.isEmpty()) {
      if (error) *error = tr("%1: not saved: %2; save again once it is open").arg(path, busy);
      return false;
    }
  }
  SessionContents contents;
  contents.shared = session_->ToJson();
  for (Workspace* workspace : workspaces_) contents.workspaces.insert(workspace->Id(), workspace->SaveDocument());
  return WriteSessionFile(path, contents, error);
}

void MainWindow::ReportError(const QString& message, bool modal) {
  statusBar()->showMessage(message, 15000);
  if (modal && modal_errors_ && isVisible()) QMessageBox::warning(this, tr("CorrLens"), message);
}

void MainWindow::SaveSessionDialog() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Save Session"), QString(), tr(kSessionFilter));
  if (path.isEmpty()) return;
  QString error;
  if (!SaveSession(path, &error)) {
    ReportError(error);
    return;
  }
  AddRecent(path);
  statusBar()->showMessage(tr("Saved session %1").arg(path), 5000);
}

void MainWindow::OpenSessionDialog() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Open Session"), QString(), tr(kSessionFilter));
  if (!path.isEmpty()) OpenSession(path);
}

void MainWindow::AddRecent(const QString& path) {
  const QString absolute = QFileInfo(path).absoluteFilePath();
  recent_files_.removeAll(absolute);
  recent_files_.prepend(absolute);
  while (recent_files_.size() > WindowState::kMaxRecent) recent_files_.removeLast();
  RebuildRecentMenu();
  emit stateChanged();
}

void MainWindow::RebuildRecentMenu() {
  recent_menu_->clear();
  for (const QString& path : recent_files_) {
    recent_menu_->addAction(QFileInfo(path).fileName(), this, [this, path] { OpenFiles({path}); })->setToolTip(path);
  }
  recent_menu_->setEnabled(!recent_files_.isEmpty());
}

void MainWindow::ShowAbout() {
  QMessageBox::about(
      this, tr("About CorrLens"),
      tr("<h3>CorrLens %1</h3><p>Explore dense correspondences of vision backbones: DINOv2 and "
         "its multiview-equivariance finetuned adapters (Multiview Equivariance Improves 3D "
         "Correspondence Understanding with Minimal Feature Finetuning, ICLR 2025), other ViTs "
         "and classical descriptors, side by side.</p><p>Built with Qt %2, LibTorch and OpenCV.</p>"
         "<p>Example images (File &gt; Examples): the tricycle, bench and cats pairs are from the online "
         "demo of 3DCorrEnhance (github.com/qq456cvb/3DCorrEnhance), MIT License, Copyright (c) 2025 "
         "Yang You; graf1/graf3 are OpenCV sample data (Debian package opencv-doc).</p>")
          .arg(QApplication::applicationVersion(), QString::fromLatin1(qVersion())));
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  QStringList files;
  for (const QUrl& url : event->mimeData()->urls()) {
    if (url.isLocalFile()) files << url.toLocalFile();
  }
  OpenFiles(files, event->position().toPoint());
}

void MainWindow::closeEvent(QCloseEvent* event) {
  jobs_->CancelAll();
  emit stateChanged();
  event->accept();
}

}  // namespace corrlens::ui
