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
#include "ui/video_truth.h"

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
  // Ground truth: a thin dotted trail and a cross at the true position, a
  // hollow dashed circle where the truth is occluded.
  struct Truth {
    QPolygonF trail;  // oldest first, the last is the current frame
    bool occluded = false;
    QColor color;
  };
  void SetTruth(const QVector<Truth>& truth);
  int TruthCount() const;

 private:
  QGraphicsItemGroup* truth_;
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
  // `trail_length` frames; `points` are the document's queries; `truth`
  // (TAP-Vid) adds each point's true track and the scores in the header.
  void ShowTracks(const VideoModelTracks* tracks, const QVector<VideoPoint>& points, int frame, int trail_length,
                  const VideoTruth* truth = nullptr);
  QString TruthText() const { return truth_->text(); }
  // The hover heatmap blended over the frame (null clears it).
  void SetHeatmap(const QImage& heatmap);
  const QImage& Heatmap() const { return heatmap_; }

 private:
  QLabel* title_;
  QLabel* status_;
  QLabel* truth_;
  TrackView* view_;
  QImage heatmap_;
};

}  // namespace corrlens::ui
