// The shared state of a pair-comparison session: the two images, the clicked
// points, the models being compared and the view settings. Workspaces and
// panels read it and react to its signals; it saves to and loads from JSON.
#pragma once

#include <QImage>
#include <QJsonObject>
#include <QObject>
#include <QPointF>
#include <QString>
#include <QStringList>
#include <QVector>

namespace corrlens::ui {

struct ViewSettings {
  double heatmap_opacity = 0.55;  // 0 = image only, 1 = heatmap only
  bool show_heatmap = true;       // overlay the similarity of the active point
  bool show_mutual = false;       // overlay mutual nearest-neighbour matches
  bool show_pca = false;          // replace images with PCA false colour
  bool hover_preview = true;      // live heatmap under the mouse
};

class SessionModel : public QObject {
  Q_OBJECT
 public:
  explicit SessionModel(QObject* parent = nullptr);

  // Loads an image for the source (0) or target (1) side; returns false and
  // sets `error` ("<file>: <reason>") when it cannot be read.
  bool LoadImage(int side, const QString& path, QString* error);
  const QImage& Image(int side) const { return images_[side]; }
  const QString& ImagePath(int side) const { return paths_[side]; }
  bool HasImages() const { return !images_[0].isNull() && !images_[1].isNull(); }

  const QVector<QPointF>& Points() const { return points_; }
  void AddPoint(const QPointF& p);
  // Removes the point nearest to `p` within `radius` pixels; false if none.
  bool RemovePointNear(const QPointF& p, double radius);
  void ClearPoints();
  // The point whose heatmap is shown (-1 when none).
  int ActivePoint() const { return active_point_; }
  void SetActivePoint(int index);

  const QStringList& Models() const { return models_; }
  void SetModels(const QStringList& models);

  const ViewSettings& View() const { return view_; }
  void SetView(const ViewSettings& view);

  QJsonObject ToJson() const;
  // Restores a session; relative image paths resolve against `base_dir`.
  bool FromJson(const QJsonObject& json, const QString& base_dir, QString* error);
  bool Save(const QString& path, QString* error) const;
  bool Open(const QString& path, QString* error);

  // A distinct colour for point `index`.
  static QColor PointColor(int index);

 signals:
  void imagesChanged();
  void pointsChanged();
  void activePointChanged(int index);
  void modelsChanged();
  void viewChanged();

 private:
  QImage images_[2];
  QString paths_[2];
  QVector<QPointF> points_;
  int active_point_ = -1;
  QStringList models_;
  ViewSettings view_;
};

}  // namespace corrlens::ui
