// The Pair workspace: one row per compared model (source with the clicked
// points | target with that model's matches and heatmap). Zoom and pan stay
// in sync across rows. With no model selected it shows the image pair.
#pragma once

#include <QList>
#include <QWidget>

#include <memory>
#include <vector>

class QAction;

namespace corrlens::ui {

class BackendProvider;
class JobRunner;
class PairController;
class PairRow;
class PairToolbar;
class SessionModel;

class PairWorkspace : public QWidget {
  Q_OBJECT
 public:
  // Without a provider the workspace shows the image pair only.
  PairWorkspace(SessionModel* session, JobRunner* jobs = nullptr, BackendProvider* provider = nullptr,
                QWidget* parent = nullptr);
  ~PairWorkspace() override;

  PairController* Controller() const { return controller_; }
  PairToolbar* Toolbar() const { return toolbar_; }
  // File-menu actions of this workspace (export PNG, CSV, JSON).
  QList<QAction*> ExportActions() const { return export_actions_; }
  // Writes the comparison as PNG, or the matches as CSV / JSON (by suffix).
  // Returns false and sets `error` ("<file>: <reason>") on failure.
  bool ExportComparison(const QString& path, QString* error) const;
  bool ExportMatches(const QString& path, QString* error) const;

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
  // Fits every image into its view again (undoes zoom and pan).
  void FitAll();

 private:
  void ConnectRow(PairRow* row);
  void SyncViews(int side, double zoom, QPointF center);

  void CreateExportActions();

  SessionModel* session_;
  PairToolbar* toolbar_ = nullptr;
  PairController* controller_ = nullptr;
  QList<QAction*> export_actions_;
  QWidget* rows_container_;
  std::vector<PairRow*> rows_;
};

}  // namespace corrlens::ui
