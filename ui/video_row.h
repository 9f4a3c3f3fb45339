// One row of the Video workspace: a model's name and state next to the
// current frame with that model's tracks. Each point has its colour and
// number; its trail covers the last frames (dashed where predicted
// occluded); the current prediction is a filled disc when visible and a
// hollow ring when occluded; a square marks the query on its own frame.
#pragma once

#include <QColor>
#include <QLabel>
#include <QPolygonF>
#include <QVector>
#include <QWidget>

#include "ui/image_view.h"
#include "ui/video_tracks.h"

class QGraphicsItemGroup;

namespace corrlens::ui {

// An ImageView with trails and query squares under its markers.
class TrackView : public ImageView {
  Q_OBJECT
 public:
  struct Trail {
    QPolygonF points;        // oldest first, video pixels
    QVector<bool> occluded;  // per point
    QColor color;
  };
  explicit TrackView(QWidget* parent = nullptr);
  void SetTrails(const QVector<Trail>& trails);
  // Squares at query positions (shown on the query's own frame).
  void SetQueries(const QVector<QPointF>& positions, const QVector<QColor>& colors);

 private:
  QGraphicsItemGroup* trails_;
  QGraphicsItemGroup* queries_;
};

class VideoRow : public QWidget {
  Q_OBJECT
 public:
  explicit VideoRow(const QString& title, QWidget* parent = nullptr);

  TrackView* View() const { return view_; }
  void SetStatus(const QString& status, bool is_error = false);
  QString StatusText() const { return status_->text(); }

  // Draws `tracks` (null: no model, queries only) at `frame` with trails of
  // `trail_length` frames; `points` are the document's queries.
  void ShowTracks(const VideoModelTracks* tracks, const QVector<VideoPoint>& points, int frame, int trail_length);

 private:
  QLabel* title_;
  QLabel* status_;
  TrackView* view_;
};

}  // namespace corrlens::ui
