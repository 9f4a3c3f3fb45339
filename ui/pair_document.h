// The Pair workspace's document: the source and target images and the points
// clicked on the source, with the active point whose heatmap is shown. Saved
// as the "pair" section of a session file.
#pragma once

#include <QImage>
#include <QJsonObject>
#include <QObject>
#include <QPointF>
#include <QString>
#include <QStringList>
#include <QVector>

#include <functional>
#include <optional>

#include "core/compare/pair_comparison.h"

namespace corrlens::ui {

// Reads an image for display (RGB888, EXIF orientation applied, absurd sizes
// refused); null with `error` ("<file>: <reason>") when it cannot be read.
// Thread-safe.
QImage ReadImage(const QString& path, QString* error);
// What a read can tell from the file's header alone (fast): false with the
// error ReadImage would give for a missing file or an unknown format.
bool CheckImageFile(const QString& path, QString* error);

// Images to decode off the GUI thread (PairDocument::StartLoad).
struct PairLoadRequest {
  QString paths[2];                        // per side (source, target); "" keeps that side
  std::optional<QVector<QPointF>> points;  // replaces the points once the images are in
  int active_point = -1;                   // with `points`; clamped
  bool remember = false;                   // emit opened() with the paths set (recent files)
};

class PairDocument : public QObject {
  Q_OBJECT
 public:
  explicit PairDocument(QObject* parent = nullptr);

  // Decodes the request's images on the thread pool and returns at once
  // (the GUI thread is not blocked). False with `error` ("<file>: <reason>")
  // when a file is missing or its header is no image: nothing starts. Once
  // decoded, back on this thread, each side is set unless a newer load (or a
  // synchronous one) claimed it meanwhile: a newer load supersedes an older
  // one in flight, no stale image wins. The points apply only when every
  // side of the request did. A decode error goes to loadFailed, all or
  // nothing, unless the request was superseded.
  bool StartLoad(const PairLoadRequest& request, QString* error);
  // FromJson through StartLoad: the points are checked now and applied with
  // the images (at once when the section names none).
  bool StartFromJson(const QJsonObject& json, const QString& base_dir, QString* error);
  // True while a load started for `side` (either side when none) is running.
  bool IsLoading(std::optional<Side> side = std::nullopt) const;
  // File names being loaded (for the status line).
  QStringList LoadingFiles() const;
  // Replaces ReadImage for the loads (tests make it slow); thread-safe copy.
  using ImageReader = std::function<QImage(const QString& path, QString* error)>;
  void SetImageReader(ImageReader reader) { reader_ = std::move(reader); }

  // Loads the image of `side` on the calling thread; returns false and sets `error` ("<file>:
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
  // A load started (true) or the last one running ended (false).
  void loadingChanged(bool loading);
  // An asynchronous load failed: "<file>: <reason>"; nothing changed.
  void loadFailed(const QString& error);
  // A load with `remember` set its images (the paths of the sides it set).
  void opened(const QStringList& paths);

 private:
  struct Decoded {
    QImage images[2];
    QString error;
  };
  struct Running {
    quint64 generation;
    PairLoadRequest request;
  };

  static int Index(Side side) { return static_cast<int>(side); }
  // Sets the image of `side` and claims it (older loads of it become stale).
  void SetImage(Side side, const QImage& image, const QString& path);
  void FinishLoad(quint64 generation, const Decoded& decoded);
  void SetPoints(const QVector<QPointF>& points, int active_point);

  QImage images_[2];
  QString paths_[2];
  quint64 claims_[2] = {0, 0};  // generation of the newest load of each side
  quint64 generation_ = 0;
  QVector<Running> running_;
  ImageReader reader_ = ReadImage;
  QVector<QPointF> points_;
  int active_point_ = -1;
};

}  // namespace corrlens::ui
