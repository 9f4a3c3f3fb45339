#include "ui/image_view.h"

#include <QGraphicsEllipseItem>
#include <QGraphicsItemGroup>
#include <QGraphicsLineItem>
#include <QGraphicsPixmapItem>
#include <QGraphicsSimpleTextItem>
#include <QMouseEvent>
#include <QScrollBar>
#include <QWheelEvent>

#include <cmath>

namespace corrlens::ui {

ImageView::ImageView(QWidget* parent) : QGraphicsView(parent) {
  setScene(new QGraphicsScene(this));
  setRenderHints(QPainter::Antialiasing | QPainter::SmoothPixmapTransform);
  setTransformationAnchor(QGraphicsView::NoAnchor);
  setResizeAnchor(QGraphicsView::AnchorViewCenter);
  setMouseTracking(true);
  setBackgroundBrush(QColor(40, 40, 40));
  setMinimumSize(160, 120);
  setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);  // drag pans, the wheel zooms
  setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  pixmap_ = scene()->addPixmap(QPixmap());
  overlay_ = scene()->addPixmap(QPixmap());
  overlay_->setZValue(1);
  dots_ = scene()->createItemGroup({});
  dots_->setZValue(2);
  markers_ = scene()->createItemGroup({});
  markers_->setZValue(3);
}

void ImageView::SetImage(const QImage& image) {
  image_ = image;
  pixmap_->setPixmap(QPixmap::fromImage(image));
  shown_ = image;
  scene()->setSceneRect(QRectF(QPointF(0, 0), image.size()));
  fitted_ = true;
  FitImage();
}

void ImageView::SetBaseImage(const QImage& image) {
  if (image.isNull() || (image.constBits() == shown_.constBits() && image.size() == shown_.size())) return;
  pixmap_->setPixmap(QPixmap::fromImage(image.size() == image_.size() ? image : image.scaled(image_.size())));
  shown_ = image;
}

void ImageView::SetOverlay(const QImage& overlay, double opacity) {
  if (overlay.isNull()) {
    overlay_->setPixmap(QPixmap());
    return;
  }
  QImage scaled = overlay.size() == image_.size()
                      ? overlay
                      : overlay.scaled(image_.size(), Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
  overlay_->setPixmap(QPixmap::fromImage(scaled));
  overlay_->setOpacity(opacity);
}

void ImageView::SetOverlayOpacity(double opacity) { overlay_->setOpacity(opacity); }

void ImageView::SetMarkers(const QVector<Marker>& markers) {
  for (QGraphicsItem* item : markers_->childItems()) delete item;
  // Markers keep a constant on-screen size.
  for (const Marker& m : markers) {
    const double r = 6.0;
    auto* ring = new QGraphicsEllipseItem(-r, -r, 2 * r, 2 * r);
    ring->setPen(QPen(Qt::black, 3.5));
    auto* inner = new QGraphicsEllipseItem(-r, -r, 2 * r, 2 * r, ring);
    inner->setPen(QPen(m.color, 2.0));
    if (!m.hollow) inner->setBrush(QColor(m.color.red(), m.color.green(), m.color.blue(), 110));
    ring->setFlag(QGraphicsItem::ItemIgnoresTransformations);
    ring->setPos(m.position);
    if (!m.label.isEmpty()) {
      auto* text = new QGraphicsSimpleTextItem(m.label, ring);
      text->setBrush(Qt::white);
      text->setPen(QPen(Qt::black, 0.6));
      QFont font = text->font();
      font.setBold(true);
      text->setFont(font);
      text->setPos(r + 1, -r - 4);
    }
    markers_->addToGroup(ring);
  }
}

void ImageView::SetDots(const QVector<QPointF>& dots, const QVector<QColor>& colors) {
  for (QGraphicsItem* item : dots_->childItems()) delete item;
  for (int i = 0; i < dots.size(); ++i) {
    const QColor color = i < colors.size() ? colors[i] : QColor(Qt::yellow);
    auto* dot = new QGraphicsEllipseItem(-3, -3, 6, 6);
    dot->setPen(QPen(Qt::black, 1));
    dot->setBrush(color);
    dot->setFlag(QGraphicsItem::ItemIgnoresTransformations);
    dot->setPos(dots[i]);
    dots_->addToGroup(dot);
  }
}

double ImageView::Zoom() const { return transform().m11(); }

QPointF ImageView::Center() const { return mapToScene(viewport()->rect().center()); }

void ImageView::SetView(double zoom, const QPointF& center) {
  syncing_ = true;
  fitted_ = false;
  setTransform(QTransform::fromScale(zoom, zoom));
  centerOn(center);
  syncing_ = false;
}

void ImageView::ResetView() {
  fitted_ = true;
  FitImage();
}

void ImageView::FitImage() {
  if (image_.isNull()) return;
  syncing_ = true;
  fitInView(scene()->sceneRect(), Qt::KeepAspectRatio);
  syncing_ = false;
}

void ImageView::wheelEvent(QWheelEvent* event) {
  const double factor = std::pow(1.0015, event->angleDelta().y());
  const QPointF before = mapToScene(event->position().toPoint());
  const double zoom = std::clamp(Zoom() * factor, 0.02, 64.0);
  setTransform(QTransform::fromScale(zoom, zoom));
  const QPointF after = mapToScene(event->position().toPoint());
  const QPointF shift = (after - before) * zoom;
  horizontalScrollBar()->setValue(horizontalScrollBar()->value() - int(std::lround(shift.x())));
  verticalScrollBar()->setValue(verticalScrollBar()->value() - int(std::lround(shift.y())));
  fitted_ = false;
  EmitViewChanged();
  event->accept();
}

void ImageView::mousePressEvent(QMouseEvent* event) {
  press_pos_ = last_drag_pos_ = event->pos();
  dragging_ = false;
  event->accept();
}

void ImageView::mouseMoveEvent(QMouseEvent* event) {
  if (event->buttons() & Qt::LeftButton) {
    if (!dragging_ && (event->pos() - press_pos_).manhattanLength() > 4) dragging_ = true;
    if (dragging_) {
      const QPoint delta = event->pos() - last_drag_pos_;
      horizontalScrollBar()->setValue(horizontalScrollBar()->value() - delta.x());
      verticalScrollBar()->setValue(verticalScrollBar()->value() - delta.y());
      fitted_ = false;
      last_drag_pos_ = event->pos();
      EmitViewChanged();
      return;
    }
  }
  const QPointF p = mapToScene(event->pos());
  if (InsideImage(p)) {
    emit hovered(p);
  } else {
    emit hoverLeft();
  }
}

void ImageView::mouseReleaseEvent(QMouseEvent* event) {
  const QPointF p = mapToScene(event->pos());
  if (!dragging_ && InsideImage(p)) {
    if (event->button() == Qt::LeftButton) emit pointClicked(p);
    if (event->button() == Qt::RightButton) emit removeRequested(p);
  }
  dragging_ = false;
}

void ImageView::leaveEvent(QEvent* event) {
  emit hoverLeft();
  QGraphicsView::leaveEvent(event);
}

void ImageView::resizeEvent(QResizeEvent* event) {
  QGraphicsView::resizeEvent(event);
  if (fitted_) FitImage();
}

bool ImageView::InsideImage(const QPointF& p) const {
  return !image_.isNull() && p.x() >= 0 && p.y() >= 0 && p.x() < image_.width() && p.y() < image_.height();
}

void ImageView::EmitViewChanged() {
  if (!syncing_) emit viewChanged(Zoom(), Center());
}

}  // namespace corrlens::ui
