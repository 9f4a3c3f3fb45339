// The state every workspace shares: the models being compared and the view
// settings. Workspaces and panels read it and react to its signals; it is the
// neutral part of a session file (ui/session_file.h). What one workspace
// shows (images, points) is its own document (e.g. ui/pair_document.h).
#pragma once

#include <QColor>
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QStringList>

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

  const QStringList& Models() const { return models_; }
  void SetModels(const QStringList& models);

  const ViewSettings& View() const { return view_; }
  void SetView(const ViewSettings& view);

  // {"models": [...], "view": {...}}: the neutral part of a session file.
  QJsonObject ToJson() const;
  // Restores models and view from ToJson's layout; on a malformed value it
  // returns false, sets `error` (the key and the reason) and changes nothing.
  bool FromJson(const QJsonObject& json, QString* error);
  // True when FromJson would accept `json`; otherwise `error` says why.
  static bool Check(const QJsonObject& json, QString* error);

  // A distinct colour for point `index` (the same in every workspace).
  static QColor PointColor(int index);

 signals:
  void modelsChanged();
  void viewChanged();

 private:
  static bool Parse(const QJsonObject& json, QStringList* models, ViewSettings* view, QString* error);

  QStringList models_;
  ViewSettings view_;
};

}  // namespace corrlens::ui
