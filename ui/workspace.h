// A workspace: one tab of the main window (Pair; later Video, Pose,
// Benchmarks, Finetune). It owns its widget, its actions, the files it
// opens, its exports and its document (one section of a session file); the
// main window loops over its workspaces for menus, drops, the status bar and
// session files, and knows nothing else about them.
#pragma once

#include <QAction>
#include <QJsonObject>
#include <QList>
#include <QPoint>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <optional>

namespace corrlens::ui {

// Where the main window puts a workspace's actions.
enum class WorkspaceMenu {
  kOpen,    // File menu, top: open files of this workspace
  kExport,  // File menu: export results
  kEdit,    // Edit menu
  kView,    // View menu (the workspace's toolbar toggles)
};

class Workspace : public QWidget {
  Q_OBJECT
 public:
  using QWidget::QWidget;

  // Stable key of the workspace's section in session files ("pair").
  virtual QString Id() const = 0;
  // Tab title ("Pair").
  virtual QString Title() const = 0;
  // Actions for one menu; the main window shows them while this tab is current.
  virtual QList<QAction*> Actions(WorkspaceMenu menu) const = 0;

  // True when Open() takes these files (by count and suffix, not content).
  virtual bool CanOpen(const QStringList& files) const = 0;
  // Opens `files`, dropped at `drop_at` (this widget's coordinates) when
  // given. False with `error` ("<file>: <reason>") and nothing changed.
  // True once the open has started: filesOpened follows when the files are
  // open (at once, or when an asynchronous load succeeds), errorOccurred
  // when a load fails later.
  virtual bool Open(const QStringList& files, std::optional<QPoint> drop_at, QString* error) = 0;

  // The document as its session section, and back; relative paths in it
  // resolve against `base_dir`. LoadDocument is all or nothing.
  virtual QJsonObject SaveDocument() const = 0;
  virtual bool LoadDocument(const QJsonObject& json, const QString& base_dir, QString* error) = 0;
  // Why SaveDocument cannot be trusted now ("graf1.png is still opening"),
  // or "" when it can.
  virtual QString NotSavable() const { return {}; }

  // One line for the status bar: what is shown, or what to do next.
  virtual QString Status() const = 0;

 signals:
  // Status() changed.
  void statusChanged();
  // Files the user opened are open (recent files): after Open() or the
  // workspace's own open actions, not after LoadDocument.
  void filesOpened(const QStringList& files);
  // Something the user asked for failed; the main window reports it.
  void errorOccurred(const QString& message);
  // A selected model's state in this workspace ("computing 40%", "ready",
  // or an error), for the models panel.
  void modelStateChanged(const QString& id, const QString& state, bool is_error);
};

}  // namespace corrlens::ui
