#include "ui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QStatusBar>
#include <QDockWidget>
#include <QTabWidget>
#include <QToolBar>

#include "ui/job_runner.h"
#include "ui/job_status_widget.h"
#include "ui/models_panel.h"
#include "ui/pair_controller.h"
#include "ui/pair_toolbar.h"
#include "ui/pair_workspace.h"
#include "ui/session_model.h"

namespace corrlens::ui {
namespace {

const char* kImageFilter = "Images (*.png *.jpg *.jpeg *.bmp *.tif *.tiff *.ppm *.pgm *.webp);;All files (*)";
const char* kSessionFilter = "CorrLens sessions (*.corrlens.json *.json);;All files (*)";

}  // namespace

MainWindow::MainWindow(const WindowState& state, const MainWindowServices& services, QWidget* parent)
    : QMainWindow(parent), recent_files_(state.recent_files) {
  setWindowTitle(QStringLiteral("CorrLens"));
  setAcceptDrops(true);
  session_ = new SessionModel(this);
  jobs_ = new JobRunner(this);
  pair_ = new PairWorkspace(session_, jobs_, services.backends);
  if (services.backends) {
    models_ = new ModelsPanel(session_, services.backends);
    auto* dock = new QDockWidget(tr("Models"), this);
    dock->setObjectName("models_dock");
    dock->setWidget(models_);
    addDockWidget(Qt::LeftDockWidgetArea, dock);
    connect(models_, &ModelsPanel::errorOccurred, this, [this](const QString& e) { ReportError(e); });
    connect(pair_->Controller(), &PairController::modelStateChanged, models_, &ModelsPanel::SetModelState);
  }
  auto* workspaces = new QTabWidget;
  workspaces->setDocumentMode(true);
  workspaces->addTab(pair_, tr("Pair"));
  setCentralWidget(workspaces);
  job_status_ = new JobStatusWidget(jobs_);
  statusBar()->addPermanentWidget(job_status_);
  connect(jobs_, &JobRunner::jobFailed, this,
          [this](quint64, const QString& title, const QString& error) {
            ReportError(title + ": " + error, false);
          });
  CreateMenus();
  resize(1400, 900);
  if (!state.geometry.isEmpty()) restoreGeometry(state.geometry);
  if (!state.layout.isEmpty()) restoreState(state.layout);
  statusBar()->showMessage(tr("Open two images (File menu or drag and drop) and click points on the source."));
}

MainWindow::~MainWindow() { jobs_->CancelAll(); }

WindowState MainWindow::State() const { return {saveGeometry(), saveState(), recent_files_}; }

void MainWindow::CreateMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("Open &Source Image..."), QKeySequence::Open, this, [this] { OpenImageDialog(0); });
  file->addAction(tr("Open &Target Image..."), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O), this,
                  [this] { OpenImageDialog(1); });
  recent_menu_ = file->addMenu(tr("Open &Recent"));
  RebuildRecentMenu();
  file->addSeparator();
  file->addAction(tr("Open Sess&ion..."), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_O), this,
                  &MainWindow::OpenSessionDialog);
  file->addAction(tr("Sa&ve Session..."), QKeySequence::Save, this, &MainWindow::SaveSessionDialog);
  file->addSeparator();
  file->addActions(pair_->ExportActions());
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  edit->addAction(tr("&Clear Points"), QKeySequence(Qt::CTRL | Qt::Key_Backspace), session_,
                  &SessionModel::ClearPoints);
  edit->addAction(tr("Cancel &Computations"), QKeySequence(Qt::Key_Escape), jobs_, &JobRunner::CancelAll);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  view->addActions(pair_->Toolbar()->actions());
  if (models_) {
    view->addSeparator();
    view->addAction(tr("&Refresh Models"), QKeySequence::Refresh, models_, &ModelsPanel::Refresh);
    edit->addAction(tr("&Add Custom Model..."), models_, &ModelsPanel::AddCustomDialog);
  }

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&About CorrLens"), this, &MainWindow::ShowAbout);
}

bool MainWindow::OpenPair(const QString& source, const QString& target) {
  QString error;
  if (!session_->LoadImage(0, source, &error) || !session_->LoadImage(1, target, &error)) {
    ReportError(error);
    return false;
  }
  AddRecent(source);
  AddRecent(target);
  statusBar()->showMessage(tr("Loaded %1 and %2").arg(QFileInfo(source).fileName(), QFileInfo(target).fileName()), 5000);
  return true;
}

bool MainWindow::OpenSession(const QString& path) {
  QString error;
  if (!session_->Open(path, &error)) {
    ReportError(error);
    return false;
  }
  AddRecent(path);
  statusBar()->showMessage(tr("Opened session %1").arg(path), 5000);
  return true;
}

void MainWindow::ReportError(const QString& message, bool modal) {
  statusBar()->showMessage(message, 15000);
  if (modal && modal_errors_ && isVisible()) QMessageBox::warning(this, tr("CorrLens"), message);
}

void MainWindow::OpenImageDialog(int side) {
  const QString path = QFileDialog::getOpenFileName(
      this, side == 0 ? tr("Open Source Image") : tr("Open Target Image"),
      QFileInfo(session_->ImagePath(side)).absolutePath(), tr(kImageFilter));
  if (path.isEmpty()) return;
  QString error;
  if (!session_->LoadImage(side, path, &error)) {
    ReportError(error);
    return;
  }
  AddRecent(path);
}

void MainWindow::SaveSessionDialog() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Save Session"), QString(), tr(kSessionFilter));
  if (path.isEmpty()) return;
  QString error;
  if (!session_->Save(path, &error)) {
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
    recent_menu_->addAction(QFileInfo(path).fileName(), this, [this, path] {
      if (path.endsWith(".json")) {
        OpenSession(path);
        return;
      }
      QString error;
      const int side = session_->Image(0).isNull() ? 0 : 1;
      if (!session_->LoadImage(side, path, &error)) ReportError(error);
    })->setToolTip(path);
  }
  recent_menu_->setEnabled(!recent_files_.isEmpty());
}

void MainWindow::ShowAbout() {
  QMessageBox::about(
      this, tr("About CorrLens"),
      tr("<h3>CorrLens %1</h3><p>Explore dense correspondences of vision backbones: DINOv2 and "
         "its multiview-equivariance finetuned adapters (Multiview Equivariance Improves 3D "
         "Correspondence Understanding with Minimal Feature Finetuning, ICLR 2025), other ViTs "
         "and classical descriptors, side by side.</p><p>Built with Qt %2, LibTorch and OpenCV.</p>")
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
  if (files.size() >= 2) {
    OpenPair(files[0], files[1]);
  } else if (files.size() == 1) {
    if (files[0].endsWith(".json")) {
      OpenSession(files[0]);
      return;
    }
    // Left half of the window: source; right half: target.
    const int side = event->position().x() < width() / 2 ? 0 : 1;
    QString error;
    if (!session_->LoadImage(side, files[0], &error)) ReportError(error);
    else AddRecent(files[0]);
  }
}

void MainWindow::closeEvent(QCloseEvent* event) {
  jobs_->CancelAll();
  emit stateChanged();
  event->accept();
}

}  // namespace corrlens::ui
