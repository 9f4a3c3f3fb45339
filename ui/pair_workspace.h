// The Pair workspace: one row per compared model (source with the clicked
// points | target with that model's matches and heatmap). Zoom and pan stay
// in sync across rows. With no model selected it shows the image pair. Its
// document is a PairDocument; a PairController computes what rows show.
#pragma once

#include <QList>
#include <QPointF>
#include <QVector>

#include <optional>
#include <vector>

#include "ui/pair_results.h"
#include "ui/workspace.h"

class QMenu;

namespace corrlens::ui {

class BackendProvider;
struct ExamplePair;
class JobRunner;
class PairController;
class PairDocument;
class PairRow;
class PairToolbar;
class SessionModel;

// File -> Examples (kOpen actions) lists the built-in example pairs
// (ui/examples_menu.h); choosing one opens it with its points.
class PairWorkspace : public Workspace {
  Q_OBJECT
 public:
  // Without jobs and a provider the workspace shows the image pair only.
  PairWorkspace(SessionModel* session, JobRunner* jobs = nullptr, BackendProvider* provider = nullptr,
                QWidget* parent = nullptr);
  ~PairWorkspace() override;

  PairDocument* Document() const { return document_; }
  PairController* Controller() const { return controller_; }
  PairToolbar* Toolbar() const { return toolbar_; }

  QString Id() const override { return QStringLiteral("pair"); }
  QString Title() const override { return tr("Pair"); }
  QList<QAction*> Actions(WorkspaceMenu menu) const override;
  // One or two images (more: the first two); a single one goes to the half
  // it was dropped on, else to the first empty side (not being loaded), else
  // to the target. Opening checks the files and returns at once; the images
  // are decoded off the GUI thread (PairDocument::StartLoad; "Loading..." in
  // the status line meanwhile) and a decode error comes as errorOccurred.
  bool CanOpen(const QStringList& files) const override;
  bool Open(const QStringList& files, std::optional<QPoint> drop_at, QString* error) override;
  QJsonObject SaveDocument() const override;
  bool LoadDocument(const QJsonObject& json, const QString& base_dir, QString* error) override;
  QString NotSavable() const override;
  QString Status() const override;

  // Opens both images, then shows `points` on the source when given (a new
  // source clears them otherwise). Returns at once, as Open().
  bool OpenPair(const QString& source, const QString& target, std::optional<QVector<QPointF>> points, QString* error);
  // Opens a built-in example: both images and its points on the source.
  // False with `error` (and nothing changed) when its files are missing.
  bool OpenExample(const ExamplePair& example, QString* error);
  // The File -> Examples submenu (its menuAction() is among the kOpen actions).
  QMenu* ExamplesMenu() const { return examples_menu_; }

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
  // Rebuilds the rows: one per model id with its title; none: the images.
  void SetRows(const QStringList& ids, const QStringList& titles);
  // Shows the controller's results in the rows of their models.
  void ApplyResults(const corrlens::ui::PairResults& results);
  void RefreshImages();
  void RefreshPoints();
  // Fits every image into its view again (undoes zoom and pan).
  void FitAll();

 private:
  void CreateActions();
  void ConnectController();
  void ConnectRow(PairRow* row);
  void ApplyRow(PairRow* row, const PairRowResult& result);
  void SetRowStatus(const QString& id, const QString& status, bool is_error);
  void SyncViews(Side side, double zoom, QPointF center);
  void OpenImageDialog(Side side);
  void ExportComparisonDialog();
  void ExportMatchesDialog();

  SessionModel* session_;
  PairDocument* document_;
  PairToolbar* toolbar_ = nullptr;
  PairController* controller_ = nullptr;
  QList<QAction*> open_actions_, export_actions_, edit_actions_, view_actions_;
  QMenu* examples_menu_ = nullptr;
  QWidget* rows_container_;
  std::vector<PairRow*> rows_;
  QStringList row_ids_;  // model id of each row (empty: the image row)
};

}  // namespace corrlens::ui
