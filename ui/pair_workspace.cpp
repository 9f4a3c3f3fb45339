#include "ui/pair_workspace.h"

#include <QPainter>
#include <QScrollArea>
#include <QVBoxLayout>

#include "ui/pair_row.h"
#include "ui/session_model.h"

namespace corrlens::ui {

PairWorkspace::PairWorkspace(SessionModel* session, QWidget* parent)
    : QWidget(parent), session_(session) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  rows_container_ = new QWidget;
  auto* rows_layout = new QVBoxLayout(rows_container_);
  rows_layout->setContentsMargins(0, 0, 0, 0);
  rows_layout->setSpacing(2);
  layout->addWidget(rows_container_);
  connect(session_, &SessionModel::imagesChanged, this, &PairWorkspace::RefreshImages);
  connect(session_, &SessionModel::pointsChanged, this, &PairWorkspace::RefreshPoints);
  connect(session_, &SessionModel::activePointChanged, this, &PairWorkspace::RefreshPoints);
  SetRowTitles({});
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
