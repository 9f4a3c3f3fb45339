#include "ui/pair_document.h"

#include <QDir>
#include <QFileInfo>
#include <QImageReader>
#include <QJsonArray>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>

namespace corrlens::ui {
namespace {

// Points as [[x, y], ...]; anything else is refused.
bool ReadPoints(const QJsonValue& value, QVector<QPointF>* points, QString* error) {
  if (value.isUndefined()) return true;
  if (!value.isArray()) {
    if (error) *error = QStringLiteral("\"points\" is not a list");
    return false;
  }
  for (const QJsonValue& v : value.toArray()) {
    const QJsonArray xy = v.toArray();
    if (xy.size() != 2 || !xy[0].isDouble() || !xy[1].isDouble()) {
      if (error) *error = QStringLiteral("\"points\" holds something other than [x, y]");
      return false;
    }
    points->push_back(QPointF(xy[0].toDouble(), xy[1].toDouble()));
  }
  return true;
}

// The decodes' own threads: they never wait behind other work of the global
// pool, and a few slow files do not hold up a newer one.
Q_GLOBAL_STATIC(QThreadPool, decode_pool)

QThreadPool* DecodePool() {
  if (decode_pool->maxThreadCount() < 4) decode_pool->setMaxThreadCount(4);
  return decode_pool;
}

}  // namespace

bool CheckImageFile(const QString& path, QString* error) {
  if (!QFileInfo::exists(path)) {
    if (error) *error = QStringLiteral("%1: file not found").arg(path);
    return false;
  }
  QImageReader reader(path);
  if (!reader.canRead()) {
    if (error) *error = QStringLiteral("%1: cannot read image (%2)").arg(path, reader.errorString());
    return false;
  }
  return true;
}

QImage ReadImage(const QString& path, QString* error) {
  QImageReader reader(path);
  reader.setAutoTransform(true);
  reader.setAllocationLimit(1024);  // MB; refuses absurd images
  const QImage image = reader.read();
  if (image.isNull()) {
    if (error) {
      *error = QFileInfo::exists(path) ? QStringLiteral("%1: cannot read image (%2)").arg(path, reader.errorString())
                                       : QStringLiteral("%1: file not found").arg(path);
    }
    return {};
  }
  return image.convertToFormat(QImage::Format_RGB888);
}

PairDocument::PairDocument(QObject* parent) : QObject(parent) {}

bool PairDocument::StartLoad(const PairLoadRequest& request, QString* error) {
  for (const QString& path : request.paths) {
    if (!path.isEmpty() && !CheckImageFile(path, error)) return false;
  }
  const quint64 generation = ++generation_;
  for (int i = 0; i < 2; ++i) {
    if (!request.paths[i].isEmpty()) claims_[i] = generation;
  }
  running_.push_back({generation, request});
  if (running_.size() == 1) emit loadingChanged(true);
  QtConcurrent::run(DecodePool(), [reader = reader_, paths = QStringList{request.paths[0], request.paths[1]}] {
    Decoded decoded;
    for (int i = 0; i < 2 && decoded.error.isEmpty(); ++i) {
      if (!paths[i].isEmpty()) decoded.images[i] = reader(paths[i], &decoded.error);
      if (!paths[i].isEmpty() && decoded.images[i].isNull() && decoded.error.isEmpty())
        decoded.error = QStringLiteral("%1: cannot read image").arg(paths[i]);
    }
    return decoded;
  }).then(this, [this, generation](const Decoded& decoded) { FinishLoad(generation, decoded); });
  return true;
}

void PairDocument::FinishLoad(quint64 generation, const Decoded& decoded) {
  auto it =
      std::find_if(running_.begin(), running_.end(), [&](const Running& r) { return r.generation == generation; });
  if (it == running_.end()) return;
  const PairLoadRequest request = it->request;
  running_.erase(it);
  bool current[2], any = false, all = true;
  for (int i = 0; i < 2; ++i) {
    const bool mine = !request.paths[i].isEmpty();
    current[i] = mine && claims_[i] == generation;
    any = any || current[i];
    all = all && (!mine || current[i]);
  }
  if (!decoded.error.isEmpty()) {
    if (any) emit loadFailed(decoded.error);
  } else if (any) {
    QStringList set;
    for (Side side : {Side::kSource, Side::kTarget}) {
      if (!current[Index(side)]) continue;
      SetImage(side, decoded.images[Index(side)], request.paths[Index(side)]);
      set << request.paths[Index(side)];
    }
    emit imagesChanged();
    if (all && request.points) SetPoints(*request.points, request.active_point);
    if (request.remember) emit opened(set);
  }
  if (running_.isEmpty()) emit loadingChanged(false);
}

bool PairDocument::StartFromJson(const QJsonObject& json, const QString& base_dir, QString* error) {
  PairLoadRequest request;
  QVector<QPointF> points;
  if (!ReadPoints(json.value("points"), &points, error)) return false;
  request.points = points;
  request.active_point = json.value("active_point").toInt(-1);
  const QDir base(base_dir);
  bool any = false;
  for (Side side : {Side::kSource, Side::kTarget}) {
    const QString path = json.value(side == Side::kSource ? "source" : "target").toString();
    if (!path.isEmpty()) request.paths[Index(side)] = base.absoluteFilePath(path);
    any = any || !path.isEmpty();
  }
  if (any) return StartLoad(request, error);
  SetPoints(points, request.active_point);
  return true;
}

bool PairDocument::IsLoading(std::optional<Side> side) const {
  for (const Running& r : running_) {
    if (!side || !r.request.paths[Index(*side)].isEmpty()) return true;
  }
  return false;
}

QStringList PairDocument::LoadingFiles() const {
  QStringList names;
  for (const Running& r : running_) {
    for (const QString& path : r.request.paths) {
      if (!path.isEmpty()) names << QFileInfo(path).fileName();
    }
  }
  return names;
}

void PairDocument::SetPoints(const QVector<QPointF>& points, int active_point) {
  points_ = points;
  active_point_ = std::clamp<int>(active_point, -1, points_.size() - 1);
  emit pointsChanged();
  emit activePointChanged(active_point_);
}

bool PairDocument::LoadImage(Side side, const QString& path, QString* error) {
  const QImage image = ReadImage(path, error);
  if (image.isNull()) return false;
  SetImage(side, image, path);
  emit imagesChanged();
  return true;
}

bool PairDocument::LoadPair(const QString& source, const QString& target, QString* error) {
  const QImage source_image = ReadImage(source, error);
  if (source_image.isNull()) return false;
  const QImage target_image = ReadImage(target, error);
  if (target_image.isNull()) return false;
  SetImage(Side::kSource, source_image, source);
  SetImage(Side::kTarget, target_image, target);
  emit imagesChanged();
  return true;
}

void PairDocument::SetImage(Side side, const QImage& image, const QString& path) {
  images_[Index(side)] = image;
  paths_[Index(side)] = QFileInfo(path).absoluteFilePath();
  claims_[Index(side)] = ++generation_;
  if (side == Side::kSource) ClearPoints();
}

void PairDocument::AddPoint(const QPointF& p) {
  points_.push_back(p);
  active_point_ = points_.size() - 1;
  emit pointsChanged();
  emit activePointChanged(active_point_);
}

bool PairDocument::RemovePointNear(const QPointF& p, double radius) {
  int best = -1;
  double best_d2 = radius * radius;
  for (int i = 0; i < points_.size(); ++i) {
    const QPointF d = points_[i] - p;
    const double d2 = d.x() * d.x() + d.y() * d.y();
    if (d2 <= best_d2) {
      best_d2 = d2;
      best = i;
    }
  }
  if (best < 0) return false;
  points_.removeAt(best);
  active_point_ = points_.isEmpty() ? -1 : std::min<int>(active_point_, points_.size() - 1);
  emit pointsChanged();
  emit activePointChanged(active_point_);
  return true;
}

void PairDocument::ClearPoints() {
  points_.clear();
  active_point_ = -1;
  emit pointsChanged();
  emit activePointChanged(-1);
}

void PairDocument::SetActivePoint(int index) {
  if (index < -1 || index >= points_.size() || index == active_point_) return;
  active_point_ = index;
  emit activePointChanged(index);
}

QJsonObject PairDocument::ToJson() const {
  QJsonArray points;
  for (const QPointF& p : points_) points.append(QJsonArray{p.x(), p.y()});
  return QJsonObject{{"source", paths_[0]}, {"target", paths_[1]}, {"points", points}, {"active_point", active_point_}};
}

bool PairDocument::FromJson(const QJsonObject& json, const QString& base_dir, QString* error) {
  QVector<QPointF> points;
  if (!ReadPoints(json.value("points"), &points, error)) return false;
  const QDir base(base_dir);
  QImage images[2];
  QString paths[2];
  for (Side side : {Side::kSource, Side::kTarget}) {
    const QString path = json.value(side == Side::kSource ? "source" : "target").toString();
    if (path.isEmpty()) continue;
    paths[Index(side)] = base.absoluteFilePath(path);
    images[Index(side)] = ReadImage(paths[Index(side)], error);
    if (images[Index(side)].isNull()) return false;
  }
  for (Side side : {Side::kSource, Side::kTarget}) {
    if (!images[Index(side)].isNull()) SetImage(side, images[Index(side)], paths[Index(side)]);
  }
  if (!images[0].isNull() || !images[1].isNull()) emit imagesChanged();
  SetPoints(points, json.value("active_point").toInt(-1));
  return true;
}

}  // namespace corrlens::ui
