#include "ui/pair_workspace.h"

#include <QAction>
#include <QFileDialog>
#include <QFileInfo>
#include <QJsonDocument>
#include <QMessageBox>
#include <QPainter>
#include <QSaveFile>
#include <QVBoxLayout>

#include "ui/pair_controller.h"
#include "ui/pair_row.h"
#include "ui/pair_toolbar.h"
#include "ui/session_model.h"

namespace corrlens::ui {

PairWorkspace::PairWorkspace(SessionModel* session, JobRunner* jobs, BackendProvider* provider,
                             QWidget* parent)
    : QWidget(parent), session_(session) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  toolbar_ = new PairToolbar(session_);
  QAction* fit = toolbar_->addAction(tr("Fit"), this, &PairWorkspace::FitAll);
  fit->setShortcut(QKeySequence(Qt::Key_F));
  fit->setToolTip(tr("Fit the images into their views (F)"));
  layout->addWidget(toolbar_);
  rows_container_ = new QWidget;
  auto* rows_layout = new QVBoxLayout(rows_container_);
  rows_layout->setContentsMargins(0, 0, 0, 0);
  rows_layout->setSpacing(2);
  layout->addWidget(rows_container_);
  connect(session_, &SessionModel::imagesChanged, this, &PairWorkspace::RefreshImages);
  connect(session_, &SessionModel::pointsChanged, this, &PairWorkspace::RefreshPoints);
  connect(session_, &SessionModel::activePointChanged, this, &PairWorkspace::RefreshPoints);
  SetRowTitles({});
  if (jobs && provider) controller_ = new PairController(session_, this, jobs, provider, this);
  CreateExportActions();
}

PairWorkspace::~PairWorkspace() = default;

void PairWorkspace::CreateExportActions() {
  auto* png = new QAction(tr("Export Comparison as &PNG..."), this);
  png->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
  connect(png, &QAction::triggered, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export Comparison"), "comparison.png", tr("PNG (*.png)"));
    QString error;
    if (!path.isEmpty() && !ExportComparison(path, &error)) QMessageBox::warning(this, tr("Export"), error);
  });
  auto* matches = new QAction(tr("Export &Matches (CSV/JSON)..."), this);
  matches->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
  matches->setEnabled(controller_ != nullptr);
  connect(matches, &QAction::triggered, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export Matches"), "matches.csv",
                                                      tr("CSV (*.csv);;JSON (*.json)"));
    QString error;
    if (!path.isEmpty() && !ExportMatches(path, &error)) QMessageBox::warning(this, tr("Export"), error);
  });
  export_actions_ = {png, matches};
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

void PairWorkspace::SetRowTitles(const QStringList& titles) {
  for (PairRow* row : rows_) row->deleteLater();
  rows_.clear();
  const QStringList names = titles.isEmpty() ? QStringList{tr("Images")} : titles;
  for (const QString& name : names) {
    auto* row = new PairRow(name, rows_container_);
    rows_container_->layout()->addWidget(row);
    rows_.push_back(row);
    ConnectRow(row);
  }
  RefreshImages();
}

void PairWorkspace::ConnectRow(PairRow* row) {
  connect(row->Source(), &ImageView::pointClicked, session_, &SessionModel::AddPoint);
  connect(row->Source(), &ImageView::removeRequested, this,
          [this, row](QPointF p) { session_->RemovePointNear(p, 12.0 / row->Source()->Zoom()); });
  connect(row->Source(), &ImageView::hovered, this, &PairWorkspace::sourceHovered);
  connect(row->Source(), &ImageView::hoverLeft, this, &PairWorkspace::sourceHoverLeft);
  connect(row->Source(), &ImageView::viewChanged, this,
          [this](double zoom, QPointF center) { SyncViews(0, zoom, center); });
  connect(row->Target(), &ImageView::viewChanged, this,
          [this](double zoom, QPointF center) { SyncViews(1, zoom, center); });
}

void PairWorkspace::SyncViews(int side, double zoom, QPointF center) {
  for (PairRow* row : rows_) {
    ImageView* view = side == 0 ? row->Source() : row->Target();
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
    row->Source()->SetImage(session_->Image(0));
    row->Target()->SetImage(session_->Image(1));
  }
  RefreshPoints();
}

void PairWorkspace::RefreshPoints() {
  QVector<Marker> markers;
  const auto& points = session_->Points();
  for (int i = 0; i < points.size(); ++i) {
    markers.push_back({points[i], SessionModel::PointColor(i), QString::number(i + 1),
                       i != session_->ActivePoint()});
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
