#include "ui/video_row.h"

#include <QGraphicsEllipseItem>
#include <QGraphicsItemGroup>
#include <QGraphicsLineItem>
#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QHBoxLayout>
#include <QVBoxLayout>

#include <algorithm>

#include "ui/row_header.h"
#include "ui/session_model.h"

namespace corrlens::ui {

TrackView::TrackView(QWidget* parent) : ImageView(parent) {
  truth_ = scene()->createItemGroup({});
  truth_->setZValue(2.4);  // under the predictions' trails
  trails_ = scene()->createItemGroup({});
  trails_->setZValue(2.5);  // above the image, under the markers
  queries_ = scene()->createItemGroup({});
  queries_->setZValue(2.6);
}

void TrackView::SetTrails(const QVector<Trail>& trails) {
  for (QGraphicsItem* item : trails_->childItems()) delete item;
  for (const Trail& trail : trails) {
    for (int k = 1; k < trail.points.size(); ++k) {
      QPen pen(trail.color, 2.0);
      pen.setCosmetic(true);  // constant on-screen width at any zoom
      if (trail.occluded.value(k) || trail.occluded.value(k - 1)) pen.setStyle(Qt::DashLine);
      auto* line = new QGraphicsLineItem(QLineF(trail.points[k - 1], trail.points[k]));
      line->setPen(pen);
      trails_->addToGroup(line);
    }
  }
}

void TrackView::SetTruth(const QVector<Truth>& truth) {
  for (QGraphicsItem* item : truth_->childItems()) delete item;
  for (const Truth& t : truth) {
    QPen pen(t.color, 1.0, Qt::DotLine);
    pen.setCosmetic(true);
    for (int k = 1; k < t.trail.size(); ++k) {
      auto* line = new QGraphicsLineItem(QLineF(t.trail[k - 1], t.trail[k]));
      line->setPen(pen);
      truth_->addToGroup(line);
    }
    if (t.trail.isEmpty()) continue;
    const double r = 6.0;
    QPen mark(t.color, 1.5, t.occluded ? Qt::DashLine : Qt::SolidLine);
    QGraphicsItem* item = nullptr;
    if (t.occluded) {
      auto* circle = new QGraphicsEllipseItem(-r, -r, 2 * r, 2 * r);
      circle->setPen(mark);
      item = circle;
    } else {
      auto* cross = new QGraphicsItemGroup;
      for (const QLineF& l : {QLineF(-r, -r, r, r), QLineF(-r, r, r, -r)}) {
        auto* line = new QGraphicsLineItem(l);
        line->setPen(mark);
        cross->addToGroup(line);
      }
      item = cross;
    }
    item->setFlag(QGraphicsItem::ItemIgnoresTransformations);
    item->setPos(t.trail.last());
    truth_->addToGroup(item);
  }
}

int TrackView::TruthCount() const {
  int marks = 0;
  for (QGraphicsItem* item : truth_->childItems())
    marks += item->flags().testFlag(QGraphicsItem::ItemIgnoresTransformations);
  return marks;
}

void TrackView::SetQueries(const QVector<QPointF>& positions, const QVector<QColor>& colors) {
  for (QGraphicsItem* item : queries_->childItems()) delete item;
  for (int i = 0; i < positions.size(); ++i) {
    const double r = 9.0;
    auto* square = new QGraphicsRectItem(-r, -r, 2 * r, 2 * r);
    square->setPen(QPen(colors.value(i, Qt::yellow), 2.0));
    square->setFlag(QGraphicsItem::ItemIgnoresTransformations);
    square->setPos(positions[i]);
    queries_->addToGroup(square);
  }
}

VideoRow::VideoRow(const QString& title, QWidget* parent) : QWidget(parent) {
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  QWidget* header_widget = MakeRowHeader(title, 130, &title_, &status_);
  truth_ = new QLabel;
  truth_->setWordWrap(true);
  truth_->setVisible(false);
  static_cast<QBoxLayout*>(header_widget->layout())->insertWidget(2, truth_);
  view_ = new TrackView;
  layout->addWidget(header_widget);
  layout->addWidget(view_, 1);
}

void VideoRow::SetHeatmap(const QImage& heatmap) {
  if (heatmap.isNull() && heatmap_.isNull()) return;
  heatmap_ = heatmap;
  view_->SetOverlay(heatmap, 0.5);
}

void VideoRow::SetStatus(const QString& status, bool is_error) { SetRowStatus(status_, status, is_error); }

void VideoRow::ShowTracks(const VideoModelTracks* tracks, const QVector<VideoPoint>& points, int frame,
                          int trail_length, const VideoTruth* truth) {
  QVector<TrackView::Truth> truths;
  if (truth) {
    for (int i = 0; i < points.size(); ++i) {
      const TruthTrack* t = truth->Find(points[i]);
      if (!t || frame < 0 || frame >= t->positions.size()) continue;
      TrackView::Truth mark;
      mark.color = SessionModel::PointColor(i);
      mark.occluded = t->occluded[frame];
      for (int k = std::max(0, frame - trail_length); k <= frame; ++k) mark.trail << t->positions[k];
      truths << mark;
    }
    QString tooltip;
    truth_->setText(TruthSummary(*truth, tracks, points, frame, &tooltip));
    truth_->setToolTip(tooltip);
  }
  truth_->setVisible(truth != nullptr);
  view_->SetTruth(truths);
  QVector<Marker> markers;
  QVector<TrackView::Trail> trails;
  QVector<QPointF> queries;
  QVector<QColor> query_colors;
  for (int i = 0; i < points.size(); ++i) {
    const QColor color = SessionModel::PointColor(i);
    if (points[i].frame == frame) {
      queries << points[i].position;
      query_colors << color;
    }
    const PointTrack* track = tracks && i < tracks->points.size() ? &tracks->points[i] : nullptr;
    if (!track || frame >= track->positions.size()) {
      // No prediction here (yet): the query itself stands for it on its frame.
      if (!tracks && points[i].frame == frame) markers.push_back({points[i].position, color, QString::number(i + 1)});
      continue;
    }
    TrackView::Trail trail;
    trail.color = color;
    for (int t = std::max(0, frame - trail_length); t <= frame; ++t) {
      trail.points << track->positions[t];
      trail.occluded << track->occluded[t];
    }
    trails << trail;
    markers.push_back({track->positions[frame], color, QString::number(i + 1), bool(track->occluded[frame])});
  }
  view_->SetTrails(trails);
  view_->SetQueries(queries, query_colors);
  view_->SetMarkers(markers);
}

}  // namespace corrlens::ui
