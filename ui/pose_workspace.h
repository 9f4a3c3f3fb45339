// The Pose workspace: an object's reference set (a OnePose-layout object
// folder, or a mesh rendered into one), a query image (a test frame, stepped
// with the arrow keys, or any image), and one row per ticked model with the
// query, that model's inlier matches, its estimated box and axes (yellow),
// the true box (green) when known and the errors; beside the rows a 3D view
// of the object's points with the reference cameras and every model's
// estimated camera in its row colour. A PoseController does the work.
#pragma once

#include <QList>
#include <QPointF>

#include <vector>

#include "ui/workspace.h"

class QLabel;

namespace corrlens::ui {

class BackendProvider;
class ImageView;
class JobRunner;
class PoseController;
class PoseScene;
class SessionModel;

class PoseWorkspace : public Workspace {
  Q_OBJECT
 public:
  PoseWorkspace(SessionModel* session, JobRunner* jobs = nullptr, BackendProvider* provider = nullptr,
                QWidget* parent = nullptr);
  ~PoseWorkspace() override;

  PoseController* Controller() const { return controller_; }
  PoseScene* Scene() const { return scene_; }
  // Model id of each row, and a row's status text and image view.
  const QStringList& RowIds() const { return row_ids_; }
  QString RowStatus(const QString& id) const;
  ImageView* RowView(const QString& id) const;
  // The tooltip of a row's clicked-match thumbnail ("" before a click).
  QString RowMatchText(const QString& id) const;

  QString Id() const override { return QStringLiteral("pose"); }
  QString Title() const override { return tr("Pose"); }
  QList<QAction*> Actions(WorkspaceMenu menu) const override;
  // A mesh file (by suffix) or a folder of the OnePose layout.
  bool CanOpen(const QStringList& files) const override;
  bool Open(const QStringList& files, std::optional<QPoint> drop_at, QString* error) override;
  // Shows the test frame with image stem `frame` ("" = the first) of the
  // OnePose object folder `folder`, loading it unless it is shown already;
  // false with `error`.
  bool OpenObjectFrame(const QString& folder, const QString& frame, QString* error);
  QJsonObject SaveDocument() const override;
  bool LoadDocument(const QJsonObject& json, const QString& base_dir, QString* error) override;
  QString Status() const override;

  // A row colour for row `index` (also the colour of its camera in 3D).
  static QColor RowColor(int index);

 public slots:
  void SetRows(const QStringList& ids, const QStringList& titles);

 private:
  struct Row;
  void CreateActions();
  QAction* AddAction(QList<QAction*>* list, const QString& text, const QKeySequence& key);
  void ShowQuery();
  void ShowResult(const QString& id);
  void UpdateScene();
  // Under each row: the reference view where the match nearest to the
  // clicked query pixel came from, with the keypoint circled.
  void ShowMatchesAt(QPointF pixel);
  Row* FindRow(const QString& id) const;

  PoseController* controller_;
  PoseScene* scene_;
  QLabel* info_;
  QWidget* rows_container_;
  std::vector<Row*> rows_;
  QStringList row_ids_;
  QList<QAction*> open_actions_, edit_actions_, view_actions_;
  QString mesh_;  // the opened mesh, if the reference came from one
};

}  // namespace corrlens::ui
