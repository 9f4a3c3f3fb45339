// The models panel: a tree of the catalog grouped by family and size
// (DINOv2 -> ViT-S/14 -> baseline, registers, +3DCorrEnhance; timm ViTs;
// classical; custom), with each entry's state and size. Tick available
// models to compare; missing ones download in the background (progress in
// the row, cancellable), downloaded ones can be removed or shown in their
// folder. When no ViT is available a bar offers DINOv2 ViT-S/14 with its
// 3DCorrEnhance adapter in one click. Adds custom models from a weights file
// plus an optional adapter.
#pragma once

#include <QMap>
#include <QWidget>

class QLabel;
class QLayout;
class QPushButton;
class QTreeWidget;
class QTreeWidgetItem;

namespace corrlens::ui {

class BackendProvider;
class JobRunner;
class SessionModel;

class ModelsPanel : public QWidget {
  Q_OBJECT
 public:
  // Columns of the tree.
  enum Column { kNameColumn = 0, kStateColumn = 1, kSizeColumn = 2 };

  // `downloads` runs downloads; without it the panel offers none.
  ModelsPanel(SessionModel* session, BackendProvider* provider, JobRunner* downloads = nullptr,
              QWidget* parent = nullptr);

  // The leaf row of model `id`, nullptr when not listed.
  QTreeWidgetItem* ItemFor(const QString& id) const;
  // True while `id` is downloading.
  bool IsDownloading(const QString& id) const { return downloads_by_model_.contains(id); }

 public slots:
  // Re-scans the catalog (e.g. after weights were copied into a cache folder).
  void Refresh();
  void AddCustomDialog();
  // Shows a selected model's state in its row ("computing 40%", "ready", or
  // "error" with the message in the tooltip).
  void SetModelState(const QString& id, const QString& state, bool is_error);
  // Starts downloading `id` in the background; false when it cannot.
  bool DownloadModel(const QString& id);
  void CancelDownload(const QString& id);
  // Asks whether to download `id` (a ticked missing model) and starts it.
  void OfferDownload(const QString& id);
  // Deletes the downloaded files of `id` (no confirmation) and refreshes.
  QStringList RemoveModel(const QString& id);
  // Takes a custom model off the list and out of the selection (its files
  // stay); false for other models.
  bool ForgetModel(const QString& id);

 signals:
  void errorOccurred(const QString& message);
  // A download finished; the model is now available.
  void modelDownloaded(const QString& id);

 private:
  static bool IsCustom(const QString& id);
  void FromSession();
  void ToSession();
  QTreeWidgetItem* GroupItem(const QString& family, const QString& group);
  void ShowEntryState(QTreeWidgetItem* item);
  void UpdateButtons();
  void UpdateDiskUsed();
  void FinishDownload(quint64 job, bool succeeded);
  QWidget* CreateOfferBar();
  QLayout* CreateFileButtons();
  void ConnectDownloads();
  void OnContextMenu(const QPoint& pos);
  QString SelectedId() const;

  SessionModel* session_;
  BackendProvider* provider_;
  JobRunner* downloads_;
  QTreeWidget* tree_;
  QPushButton* download_ = nullptr;
  QPushButton* cancel_ = nullptr;
  QPushButton* remove_ = nullptr;
  QPushButton* show_folder_ = nullptr;
  QLabel* disk_used_;
  QWidget* offer_;                                   // "no ViT yet: download DINOv2 ViT-S/14 + 3DCorrEnhance" bar
  QMap<QString, QStringList> tick_when_downloaded_;  // ids to tick when a download ends (default: itself)
  QMap<QString, quint64> downloads_by_model_;        // model id -> job id
  bool updating_ = false;
};

}  // namespace corrlens::ui
