#include "ui/session_model.h"

#include <QJsonArray>

#include <algorithm>
#include <cmath>

namespace corrlens::ui {
namespace {

// The models list: an array of non-empty strings.
bool ReadModels(const QJsonValue& value, QStringList* models, QString* error) {
  if (value.isUndefined()) return true;
  if (!value.isArray()) {
    if (error) *error = QStringLiteral("\"models\" is not a list");
    return false;
  }
  for (const QJsonValue& v : value.toArray()) {
    if (!v.isString() || v.toString().isEmpty()) {
      if (error) *error = QStringLiteral("\"models\" holds something other than a model name");
      return false;
    }
    *models << v.toString();
  }
  return true;
}

// View settings; absent keys keep their defaults.
bool ReadView(const QJsonValue& value, ViewSettings* view, QString* error) {
  if (value.isUndefined()) return true;
  if (!value.isObject()) {
    if (error) *error = QStringLiteral("\"view\" is not an object");
    return false;
  }
  const QJsonObject json = value.toObject();
  view->heatmap_opacity = std::clamp(json.value("heatmap_opacity").toDouble(0.55), 0.0, 1.0);
  view->show_heatmap = json.value("show_heatmap").toBool(true);
  view->show_mutual = json.value("show_mutual").toBool(false);
  view->show_pca = json.value("show_pca").toBool(false);
  view->hover_preview = json.value("hover_preview").toBool(true);
  return true;
}

}  // namespace

SessionModel::SessionModel(QObject* parent) : QObject(parent) {}

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
  QJsonObject view{{"heatmap_opacity", view_.heatmap_opacity},
                   {"show_heatmap", view_.show_heatmap},
                   {"show_mutual", view_.show_mutual},
                   {"show_pca", view_.show_pca},
                   {"hover_preview", view_.hover_preview}};
  return QJsonObject{{"models", QJsonArray::fromStringList(models_)}, {"view", view}};
}

bool SessionModel::Parse(const QJsonObject& json, QStringList* models, ViewSettings* view, QString* error) {
  return ReadModels(json.value("models"), models, error) && ReadView(json.value("view"), view, error);
}

bool SessionModel::Check(const QJsonObject& json, QString* error) {
  QStringList models;
  ViewSettings view;
  return Parse(json, &models, &view, error);
}

bool SessionModel::FromJson(const QJsonObject& json, QString* error) {
  QStringList models;
  ViewSettings view;
  if (!Parse(json, &models, &view, error)) return false;
  models_ = models;
  view_ = view;
  emit modelsChanged();
  emit viewChanged();
  return true;
}

QColor SessionModel::PointColor(int index) {
  // Golden-angle hues: neighbours stay distinct however many points there are.
  const double hue = std::fmod(0.08 + index * 0.618033988749895, 1.0);
  return QColor::fromHsvF(hue, 0.85, 1.0);
}

}  // namespace corrlens::ui
