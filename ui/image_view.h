// A zoomable, pannable image view with a heatmap overlay and point markers.
// Left click (without dragging) reports an image point; dragging pans; the
// wheel zooms around the cursor; right click asks to remove a point.
#pragma once

#include <QColor>
#include <QGraphicsView>
#include <QImage>
#include <QPointF>
#include <QVector>

class QGraphicsPixmapItem;
class QGraphicsItemGroup;

namespace corrlens::ui {

// One marker drawn on an image.
struct Marker {
  QPointF position;  // image pixels
  QColor color;
  QString label;  // short text next to the marker ("1", "2", ...)
  bool hollow = false;
};

class ImageView : public QGraphicsView {
  Q_OBJECT
 public:
  explicit ImageView(QWidget* parent = nullptr);

  // Sets the image and fits it into the view.
  void SetImage(const QImage& image);
  // Replaces the displayed pixels (same size, e.g. PCA colours) keeping the
  // view; a no-op when `image` (the same pixel buffer) is already shown.
  void SetBaseImage(const QImage& image);
  const QImage& Image() const { return image_; }
  // The pixels shown: Image() or the last base image.
  const QImage& BaseImage() const { return shown_; }
  // Overlay drawn over the image with `opacity`; null image clears it.
  void SetOverlay(const QImage& overlay, double opacity);
  void SetOverlayOpacity(double opacity);
  void SetMarkers(const QVector<Marker>& markers);
  // Small dots in image pixels (e.g. mutual matches), drawn under markers;
  // `colors` has one entry per dot.
  void SetDots(const QVector<QPointF>& dots, const QVector<QColor>& colors);

  // Zoom/pan state as (scale, centre in image pixels), for syncing views.
  double Zoom() const;
  QPointF Center() const;
  void SetView(double zoom, const QPointF& center);
  void FitImage();
  // Fits the image and keeps it fitted on resize, as after SetImage.
  void ResetView();
  // True until the user zooms or pans; fitted views refit on resize.
  bool IsFitted() const { return fitted_; }

 signals:
  void pointClicked(QPointF image_point);
  void removeRequested(QPointF image_point);
  void hovered(QPointF image_point);
  void hoverLeft();
  // The user zoomed or panned (not emitted for programmatic changes).
  void viewChanged(double zoom, QPointF center);

 protected:
  void wheelEvent(QWheelEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void leaveEvent(QEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

 private:
  bool InsideImage(const QPointF& p) const;
  void EmitViewChanged();

  QImage image_;
  QImage shown_;  // keeps the shown buffer alive, so its address identifies it
  QGraphicsPixmapItem* pixmap_ = nullptr;
  QGraphicsPixmapItem* overlay_ = nullptr;
  QGraphicsItemGroup* markers_ = nullptr;
  QGraphicsItemGroup* dots_ = nullptr;
  QPoint press_pos_;
  QPoint last_drag_pos_;
  bool dragging_ = false;
  bool fitted_ = true;
  bool syncing_ = false;
};

}  // namespace corrlens::ui
