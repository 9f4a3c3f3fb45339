// The Pair workspace: one row per compared model (source with the clicked
// points | target with that model's matches and heatmap). Zoom and pan stay
// in sync across rows. With no model selected it shows the image pair.
#pragma once

#include <QWidget>

#include <vector>

namespace corrlens::ui {

class PairRow;
class SessionModel;

class PairWorkspace : public QWidget {
  Q_OBJECT
 public:
  explicit PairWorkspace(SessionModel* session, QWidget* parent = nullptr);

  // Rows in display order (one per model; a single image row when none).
  const std::vector<PairRow*>& Rows() const { return rows_; }
  // Renders the whole workspace (all rows) into an image for export.
  QImage Snapshot() const;

 signals:
  // Hover over a source view at an image point (for the live preview).
  void sourceHovered(QPointF image_point);
  void sourceHoverLeft();

 public slots:
  // Rebuilds the rows for `titles` (model display names).
  void SetRowTitles(const QStringList& titles);
  void RefreshImages();
  void RefreshPoints();

 private:
  void ConnectRow(PairRow* row);
  void SyncViews(int side, double zoom, QPointF center);

  SessionModel* session_;
  QWidget* rows_container_;
  std::vector<PairRow*> rows_;
};

}  // namespace corrlens::ui
