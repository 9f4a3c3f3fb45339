#include "ui/pair_workspace.h"

#include <QAction>
#include <QFileDialog>
#include <QFileInfo>
#include <QImageReader>
#include <QJsonDocument>
#include <QMenu>
#include <QPainter>
#include <QSaveFile>
#include <QVBoxLayout>

#include <cmath>

#include "ui/examples_menu.h"
#include "ui/model_status.h"
#include "ui/pair_controller.h"
#include "ui/pair_document.h"
#include "ui/pair_row.h"
#include "ui/pair_toolbar.h"
#include "ui/session_model.h"

namespace corrlens::ui {
namespace {

const char* kImageFilter = "Images (*.png *.jpg *.jpeg *.bmp *.tif *.tiff *.ppm *.pgm *.webp);;All files (*)";

bool IsImageFile(const QString& path) {
  return QImageReader::supportedImageFormats().contains(QFileInfo(path).suffix().toLower().toLatin1());
}

}  // namespace

PairWorkspace::PairWorkspace(SessionModel* session, JobRunner* jobs, BackendProvider* provider, QWidget* parent)
    : Workspace(parent), session_(session), document_(new PairDocument(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  toolbar_ = new PairToolbar(session_);
  layout->addWidget(toolbar_);
  rows_container_ = new QWidget;
  auto* rows_layout = new QVBoxLayout(rows_container_);
  rows_layout->setContentsMargins(0, 0, 0, 0);
  rows_layout->setSpacing(2);
  layout->addWidget(rows_container_);
  connect(document_, &PairDocument::imagesChanged, this, &PairWorkspace::RefreshImages);
  connect(document_, &PairDocument::pointsChanged, this, &PairWorkspace::RefreshPoints);
  connect(document_, &PairDocument::activePointChanged, this, &PairWorkspace::RefreshPoints);
  connect(document_, &PairDocument::imagesChanged, this, &Workspace::statusChanged);
  connect(document_, &PairDocument::pointsChanged, this, &Workspace::statusChanged);
  connect(document_, &PairDocument::loadFailed, this, &Workspace::errorOccurred);
  connect(document_, &PairDocument::opened, this, &Workspace::filesOpened);
  connect(document_, &PairDocument::loadingChanged, this, [this](bool loading) {
    if (loading) {
      setCursor(Qt::BusyCursor);
    } else {
      unsetCursor();
    }
    emit statusChanged();
  });
  SetRows({}, {});
  if (jobs && provider) {
    controller_ = new PairController(session_, document_, jobs, provider, this);
    ConnectController();
  }
  CreateActions();
}

PairWorkspace::~PairWorkspace() = default;

void PairWorkspace::ConnectController() {
  connect(controller_, &PairController::rowsChanged, this, &PairWorkspace::SetRows);
  connect(controller_, &PairController::resultsReady, this, &PairWorkspace::ApplyResults);
  connect(controller_, &PairController::modelStateChanged, this, &PairWorkspace::SetRowStatus);
  connect(controller_, &PairController::modelStateChanged, this, &Workspace::modelStateChanged);
  connect(this, &PairWorkspace::sourceHovered, controller_, [this](QPointF p) { controller_->SetHover(p); });
  connect(this, &PairWorkspace::sourceHoverLeft, controller_, [this] { controller_->SetHover(std::nullopt); });
  // The controller announced its rows and states before these connections.
  QStringList ids, titles;
  for (const ModelMatches& m : controller_->Matches()) {
    ids << m.id;
    titles << m.display_name;
  }
  SetRows(ids, titles);
  for (const QString& id : ids) SetRowStatus(id, controller_->Status()->Text(id), controller_->Status()->IsError(id));
}

void PairWorkspace::CreateActions() {
  auto* source = new QAction(tr("Open &Source Image..."), this);
  source->setShortcut(QKeySequence::Open);
  connect(source, &QAction::triggered, this, [this] { OpenImageDialog(Side::kSource); });
  auto* target = new QAction(tr("Open &Target Image..."), this);
  target->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
  connect(target, &QAction::triggered, this, [this] { OpenImageDialog(Side::kTarget); });
  examples_menu_ = CreateExamplesMenu(Examples(), this, [this](const ExamplePair& example) {
    QString error;
    if (!OpenExample(example, &error)) emit errorOccurred(error);
  });
  open_actions_ = {source, target, examples_menu_->menuAction()};

  auto* png = new QAction(tr("Export Comparison as &PNG..."), this);
  png->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
  connect(png, &QAction::triggered, this, &PairWorkspace::ExportComparisonDialog);
  auto* matches = new QAction(tr("Export &Matches (CSV/JSON)..."), this);
  matches->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
  matches->setEnabled(controller_ != nullptr);
  connect(matches, &QAction::triggered, this, &PairWorkspace::ExportMatchesDialog);
  export_actions_ = {png, matches};

  auto* clear = new QAction(tr("&Clear Points"), this);
  clear->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Backspace));
  connect(clear, &QAction::triggered, document_, &PairDocument::ClearPoints);
  edit_actions_ = {clear};

  QAction* fit = toolbar_->addAction(tr("Fit"), this, &PairWorkspace::FitAll);
  fit->setShortcut(QKeySequence(Qt::Key_F));
  fit->setToolTip(tr("Fit the images into their views (F)"));
  view_actions_ = {toolbar_->HeatmapAction(), toolbar_->HoverAction(), toolbar_->MutualAction(), toolbar_->PcaAction(),
                   fit};
}

QList<QAction*> PairWorkspace::Actions(WorkspaceMenu menu) const {
  switch (menu) {
    case WorkspaceMenu::kOpen: return open_actions_;
    case WorkspaceMenu::kExport: return export_actions_;
    case WorkspaceMenu::kEdit: return edit_actions_;
    case WorkspaceMenu::kView: return view_actions_;
  }
  return {};
}

bool PairWorkspace::CanOpen(const QStringList& files) const {
  if (files.isEmpty()) return false;
  for (int i = 0; i < std::min<int>(2, files.size()); ++i) {
    if (!IsImageFile(files[i])) return false;
  }
  return true;
}

bool PairWorkspace::Open(const QStringList& files, std::optional<QPoint> drop_at, QString* error) {
  if (files.size() >= 2) return OpenPair(files[0], files[1], std::nullopt, error);
  if (files.isEmpty()) {
    if (error) *error = tr("no image given");
    return false;
  }
  const bool source_empty = document_->Image(Side::kSource).isNull() && !document_->IsLoading(Side::kSource);
  Side side = source_empty ? Side::kSource : Side::kTarget;
  // Dropped on the left half: source; on the right half: target.
  if (drop_at) side = drop_at->x() < width() / 2 ? Side::kSource : Side::kTarget;
  PairLoadRequest request;
  request.paths[static_cast<int>(side)] = files[0];
  request.remember = true;
  return document_->StartLoad(request, error);
}

bool PairWorkspace::OpenPair(const QString& source, const QString& target, std::optional<QVector<QPointF>> points,
                             QString* error) {
  PairLoadRequest request{{source, target}, std::move(points)};
  request.remember = true;
  return document_->StartLoad(request, error);
}

bool PairWorkspace::OpenExample(const ExamplePair& example, QString* error) {
  if (!example.Available()) {
    if (error) *error = tr("Example %1: %2").arg(QString(example.title).remove('&'), example.missing);
    return false;
  }
  return OpenPair(example.source, example.target, example.points, error);
}

QJsonObject PairWorkspace::SaveDocument() const { return document_->ToJson(); }

QString PairWorkspace::NotSavable() const {
  return document_->IsLoading() ? tr("%1 still opening").arg(document_->LoadingFiles().join(tr(" and "))) : QString();
}

bool PairWorkspace::LoadDocument(const QJsonObject& json, const QString& base_dir, QString* error) {
  return document_->StartFromJson(json, base_dir, error);
}

QString PairWorkspace::Status() const {
  if (document_->IsLoading()) return tr("Loading %1...").arg(document_->LoadingFiles().join(tr(" and ")));
  if (!document_->HasImages())
    return tr("Open two images (File menu or drag and drop) and click points on the source.");
  return tr("%1 and %2: %n point(s). Click the source to add a point, right click to remove one.", "",
            int(document_->Points().size()))
      .arg(QFileInfo(document_->ImagePath(Side::kSource)).fileName(),
           QFileInfo(document_->ImagePath(Side::kTarget)).fileName());
}

void PairWorkspace::OpenImageDialog(Side side) {
  const QString path =
      QFileDialog::getOpenFileName(this, side == Side::kSource ? tr("Open Source Image") : tr("Open Target Image"),
                                   QFileInfo(document_->ImagePath(side)).absolutePath(), tr(kImageFilter));
  if (path.isEmpty()) return;
  PairLoadRequest request;
  request.paths[static_cast<int>(side)] = path;
  request.remember = true;
  QString error;
  if (!document_->StartLoad(request, &error)) emit errorOccurred(error);  // filesOpened once it is open
}

void PairWorkspace::ExportComparisonDialog() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export Comparison"), "comparison.png", tr("PNG (*.png)"));
  QString error;
  if (!path.isEmpty() && !ExportComparison(path, &error)) emit errorOccurred(error);
}

void PairWorkspace::ExportMatchesDialog() {
  const QString path =
      QFileDialog::getSaveFileName(this, tr("Export Matches"), "matches.csv", tr("CSV (*.csv);;JSON (*.json)"));
  QString error;
  if (!path.isEmpty() && !ExportMatches(path, &error)) emit errorOccurred(error);
}

bool PairWorkspace::ExportComparison(const QString& path, QString* error) const {
  const QImage image = Snapshot();
  if (image.isNull() || !image.save(path, "PNG")) {
    if (error) *error = tr("%1: cannot write PNG").arg(path);
    return false;
  }
  return true;
}

bool PairWorkspace::ExportMatches(const QString& path, QString* error) const {
  if (!controller_) {
    if (error) *error = tr("no models are being compared");
    return false;
  }
  const QByteArray data = path.endsWith(".json", Qt::CaseInsensitive)
                              ? QJsonDocument(controller_->MatchesJson()).toJson()
                              : controller_->MatchesCsv().toUtf8();
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size() || !file.commit()) {
    if (error) *error = tr("%1: cannot write (%2)").arg(path, file.errorString());
    return false;
  }
  return true;
}

void PairWorkspace::SetRows(const QStringList& ids, const QStringList& titles) {
  for (PairRow* row : rows_) row->deleteLater();
  rows_.clear();
  row_ids_ = ids.isEmpty() ? QStringList{QString()} : ids;
  for (int i = 0; i < row_ids_.size(); ++i) {
    const QString title = ids.isEmpty() ? tr("Images") : titles.value(i, ids[i]);
    auto* row = new PairRow(title, rows_container_);
    rows_container_->layout()->addWidget(row);
    rows_.push_back(row);
    ConnectRow(row);
  }
  RefreshImages();
}

void PairWorkspace::ConnectRow(PairRow* row) {
  connect(row->Source(), &ImageView::pointClicked, document_, &PairDocument::AddPoint);
  connect(row->Source(), &ImageView::removeRequested, this,
          [this, row](QPointF p) { document_->RemovePointNear(p, 12.0 / row->Source()->Zoom()); });
  connect(row->Source(), &ImageView::hovered, this, &PairWorkspace::sourceHovered);
  connect(row->Source(), &ImageView::hoverLeft, this, &PairWorkspace::sourceHoverLeft);
  connect(row->Source(), &ImageView::viewChanged, this,
          [this](double zoom, QPointF center) { SyncViews(Side::kSource, zoom, center); });
  connect(row->Target(), &ImageView::viewChanged, this,
          [this](double zoom, QPointF center) { SyncViews(Side::kTarget, zoom, center); });
}

void PairWorkspace::ApplyResults(const PairResults& results) {
  for (size_t i = 0; i < rows_.size(); ++i) {
    for (const PairRowResult& result : results) {
      if (result.id == row_ids_[int(i)]) ApplyRow(rows_[i], result);
    }
  }
}

void PairWorkspace::ApplyRow(PairRow* row, const PairRowResult& result) {
  const ViewSettings& view = session_->View();
  QVector<Marker> markers;
  for (int k = 0; k < result.matches.size(); ++k) {
    const ComparedMatch& m = result.matches[k];
    markers.push_back({QPointF(m.target.x, m.target.y), SessionModel::PointColor(k), QString::number(k + 1),
                       k != document_->ActivePoint()});
  }
  row->Target()->SetMarkers(markers);
  row->Target()->SetOverlay(result.heatmap, view.heatmap_opacity);
  row->SetLegendRange(result.min_score, result.max_score);
  // Mutual matches coloured by their source position: hue across, value down.
  const QImage& source = document_->Image(Side::kSource);
  QVector<QColor> colors;
  for (const QPointF& p : result.mutual_source) {
    colors.push_back(QColor::fromHsvF(std::fmod(p.x() / std::max(1, source.width()) * 0.8 + 1.0, 1.0), 0.9,
                                      0.4 + 0.6 * p.y() / std::max(1, source.height())));
  }
  row->Source()->SetDots(result.mutual_source, colors);
  row->Target()->SetDots(result.mutual_target, colors);
  const bool pca = view.show_pca && !result.pca[0].isNull();
  row->Source()->SetBaseImage(pca ? result.pca[0] : source);
  row->Target()->SetBaseImage(pca ? result.pca[1] : document_->Image(Side::kTarget));
}

void PairWorkspace::SetRowStatus(const QString& id, const QString& status, bool is_error) {
  for (size_t i = 0; i < rows_.size(); ++i) {
    if (row_ids_[int(i)] == id) rows_[i]->SetStatus(status, is_error);
  }
}

void PairWorkspace::SyncViews(Side side, double zoom, QPointF center) {
  for (PairRow* row : rows_) {
    ImageView* view = side == Side::kSource ? row->Source() : row->Target();
    if (std::abs(view->Zoom() - zoom) > 1e-9 || view->Center() != center) view->SetView(zoom, center);
  }
}

void PairWorkspace::FitAll() {
  for (PairRow* row : rows_) {
    row->Source()->ResetView();
    row->Target()->ResetView();
  }
}

void PairWorkspace::RefreshImages() {
  for (PairRow* row : rows_) {
    row->Source()->SetImage(document_->Image(Side::kSource));
    row->Target()->SetImage(document_->Image(Side::kTarget));
  }
  RefreshPoints();
}

void PairWorkspace::RefreshPoints() {
  QVector<Marker> markers;
  const auto& points = document_->Points();
  for (int i = 0; i < points.size(); ++i) {
    markers.push_back({points[i], SessionModel::PointColor(i), QString::number(i + 1), i != document_->ActivePoint()});
  }
  for (PairRow* row : rows_) row->Source()->SetMarkers(markers);
}

QImage PairWorkspace::Snapshot() const {
  QImage image(rows_container_->size(), QImage::Format_RGB888);
  image.fill(palette().color(QPalette::Window));
  QPainter painter(&image);
  rows_container_->render(&painter);
  return image;
}

}  // namespace corrlens::ui
