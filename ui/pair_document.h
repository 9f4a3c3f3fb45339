// The Pair workspace's document: the source and target images and the points
// clicked on the source, with the active point whose heatmap is shown. Saved
// as the "pair" section of a session file.
#pragma once

#include <QImage>
#include <QJsonObject>
#include <QObject>
#include <QPointF>
#include <QString>
#include <QVector>

#include "core/compare/pair_comparison.h"

namespace corrlens::ui {

class PairDocument : public QObject {
  Q_OBJECT
 public:
  explicit PairDocument(QObject* parent = nullptr);

  // Loads the image of `side`; returns false and sets `error` ("<file>:
  // <reason>") when it cannot be read, changing nothing. A new source image
  // clears the points.
  bool LoadImage(Side side, const QString& path, QString* error);
  // Loads both images, or neither when one cannot be read.
  bool LoadPair(const QString& source, const QString& target, QString* error);
  const QImage& Image(Side side) const { return images_[Index(side)]; }
  // Absolute path of the image of `side` ("" when none).
  const QString& ImagePath(Side side) const { return paths_[Index(side)]; }
  bool HasImages() const { return !images_[0].isNull() && !images_[1].isNull(); }

  const QVector<QPointF>& Points() const { return points_; }
  void AddPoint(const QPointF& p);
  // Removes the point nearest to `p` within `radius` pixels; false if none.
  bool RemovePointNear(const QPointF& p, double radius);
  void ClearPoints();
  // The point whose heatmap is shown (-1 when none).
  int ActivePoint() const { return active_point_; }
  void SetActivePoint(int index);

  // {"source", "target", "points": [[x, y], ...], "active_point"}.
  QJsonObject ToJson() const;
  // Restores ToJson's layout; relative image paths resolve against
  // `base_dir`; an absent image keeps the current one. All or nothing: on
  // failure `error` says why and the document is unchanged.
  bool FromJson(const QJsonObject& json, const QString& base_dir, QString* error);

 signals:
  void imagesChanged();
  void pointsChanged();
  void activePointChanged(int index);

 private:
  static int Index(Side side) { return static_cast<int>(side); }
  void SetImage(Side side, const QImage& image, const QString& path);

  QImage images_[2];
  QString paths_[2];
  QVector<QPointF> points_;
  int active_point_ = -1;
};

// Reads an image for display (RGB888, EXIF orientation applied, absurd sizes
// refused); null with `error` ("<file>: <reason>") when it cannot be read.
QImage ReadImage(const QString& path, QString* error);

}  // namespace corrlens::ui
