// The models panel: catalog entries with their state (ready, weights missing,
// computing), tick the ones to compare, add a custom model from a weights
// file plus an optional adapter.
#pragma once

#include <QWidget>

class QListWidget;
class QListWidgetItem;

namespace corrlens::ui {

class BackendProvider;
class SessionModel;

class ModelsPanel : public QWidget {
  Q_OBJECT
 public:
  ModelsPanel(SessionModel* session, BackendProvider* provider, QWidget* parent = nullptr);

 public slots:
  // Re-scans the catalog (e.g. after weights were copied into a cache folder).
  void Refresh();
  void AddCustomDialog();
  // Shows a selected model's state next to its name ("computing 40%",
  // "ready", or "error" with the message in the tooltip).
  void SetModelState(const QString& id, const QString& state, bool is_error);

 signals:
  void errorOccurred(const QString& message);

 private:
  void FromSession();
  void ToSession();

  SessionModel* session_;
  BackendProvider* provider_;
  QListWidget* list_;
  bool updating_ = false;
};

}  // namespace corrlens::ui
