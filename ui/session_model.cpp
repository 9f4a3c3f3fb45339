#include "ui/session_model.h"

#include <QColor>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImageReader>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

namespace corrlens::ui {
namespace {

constexpr int kSessionVersion = 1;

}  // namespace

SessionModel::SessionModel(QObject* parent) : QObject(parent) {}

bool SessionModel::LoadImage(int side, const QString& path, QString* error) {
  QImageReader reader(path);
  reader.setAutoTransform(true);
  reader.setAllocationLimit(1024);  // MB; refuses absurd images
  QImage image = reader.read();
  if (image.isNull()) {
    if (error) {
      *error = QFileInfo::exists(path) ? QStringLiteral("%1: cannot read image (%2)").arg(path, reader.errorString())
                                       : QStringLiteral("%1: file not found").arg(path);
    }
    return false;
  }
  images_[side] = image.convertToFormat(QImage::Format_RGB888);
  paths_[side] = QFileInfo(path).absoluteFilePath();
  if (side == 0) ClearPoints();
  emit imagesChanged();
  return true;
}

void SessionModel::AddPoint(const QPointF& p) {
  points_.push_back(p);
  active_point_ = points_.size() - 1;
  emit pointsChanged();
  emit activePointChanged(active_point_);
}

bool SessionModel::RemovePointNear(const QPointF& p, double radius) {
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

void SessionModel::ClearPoints() {
  points_.clear();
  active_point_ = -1;
  emit pointsChanged();
  emit activePointChanged(-1);
}

void SessionModel::SetActivePoint(int index) {
  if (index < -1 || index >= points_.size() || index == active_point_) return;
  active_point_ = index;
  emit activePointChanged(index);
}

void SessionModel::SetModels(const QStringList& models) {
  if (models == models_) return;
  models_ = models;
  emit modelsChanged();
}

void SessionModel::SetView(const ViewSettings& view) {
  view_ = view;
  emit viewChanged();
}

QJsonObject SessionModel::ToJson() const {
  QJsonArray points;
  for (const QPointF& p : points_) points.append(QJsonArray{p.x(), p.y()});
  QJsonObject view{{"heatmap_opacity", view_.heatmap_opacity},
                   {"show_heatmap", view_.show_heatmap},
                   {"show_mutual", view_.show_mutual},
                   {"show_pca", view_.show_pca},
                   {"hover_preview", view_.hover_preview}};
  return QJsonObject{{"corrlens_session", kSessionVersion},
                     {"source", paths_[0]},
                     {"target", paths_[1]},
                     {"points", points},
                     {"active_point", active_point_},
                     {"models", QJsonArray::fromStringList(models_)},
                     {"view", view}};
}

bool SessionModel::FromJson(const QJsonObject& json, const QString& base_dir, QString* error) {
  if (json.value("corrlens_session").toInt(0) < 1) {
    if (error) *error = QStringLiteral("not a CorrLens session (missing \"corrlens_session\")");
    return false;
  }
  const QDir base(base_dir);
  for (int side = 0; side < 2; ++side) {
    const QString path = json.value(side == 0 ? "source" : "target").toString();
    if (path.isEmpty()) continue;
    if (!LoadImage(side, base.absoluteFilePath(path), error)) return false;
  }
  points_.clear();
  for (const QJsonValue& v : json.value("points").toArray()) {
    const QJsonArray xy = v.toArray();
    if (xy.size() == 2) points_.push_back(QPointF(xy[0].toDouble(), xy[1].toDouble()));
  }
  active_point_ = std::min<int>(json.value("active_point").toInt(-1), points_.size() - 1);
  models_.clear();
  for (const QJsonValue& v : json.value("models").toArray()) models_.push_back(v.toString());
  const QJsonObject view = json.value("view").toObject();
  view_.heatmap_opacity = std::clamp(view.value("heatmap_opacity").toDouble(0.55), 0.0, 1.0);
  view_.show_heatmap = view.value("show_heatmap").toBool(true);
  view_.show_mutual = view.value("show_mutual").toBool(false);
  view_.show_pca = view.value("show_pca").toBool(false);
  view_.hover_preview = view.value("hover_preview").toBool(true);
  emit pointsChanged();
  emit activePointChanged(active_point_);
  emit modelsChanged();
  emit viewChanged();
  return true;
}

bool SessionModel::Save(const QString& path, QString* error) const {
  QSaveFile file(path);  // atomic: never leaves a half-written session
  if (!file.open(QIODevice::WriteOnly)) {
    if (error) *error = QStringLiteral("%1: cannot write (%2)").arg(path, file.errorString());
    return false;
  }
  file.write(QJsonDocument(ToJson()).toJson());
  if (!file.commit()) {
    if (error) *error = QStringLiteral("%1: cannot write (%2)").arg(path, file.errorString());
    return false;
  }
  return true;
}

bool SessionModel::Open(const QString& path, QString* error) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    if (error) *error = QStringLiteral("%1: cannot open (%2)").arg(path, file.errorString());
    return false;
  }
  QJsonParseError parse;
  const QJsonDocument doc = QJsonDocument::fromJson(file.read(16 << 20), &parse);
  if (!doc.isObject()) {
    if (error) *error = QStringLiteral("%1: not a session file (%2 at byte %3)").arg(path, parse.errorString()).arg(parse.offset);
    return false;
  }
  QString inner;
  if (!FromJson(doc.object(), QFileInfo(path).absolutePath(), &inner)) {
    if (error) *error = QStringLiteral("%1: %2").arg(path, inner);
    return false;
  }
  return true;
}

QColor SessionModel::PointColor(int index) {
  // Golden-angle hues: neighbours stay distinct however many points there are.
  const double hue = std::fmod(0.08 + index * 0.618033988749895, 1.0);
  return QColor::fromHsvF(hue, 0.85, 1.0);
}

}  // namespace corrlens::ui
