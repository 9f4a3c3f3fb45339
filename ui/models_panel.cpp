#include "ui/models_panel.h"

#include <QComboBox>
#include <QDesktopServices>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QScopedValueRollback>
#include <QSet>
#include <QStyle>
#include <QTimer>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>
#include <QUrl>
#include <QVBoxLayout>

#include "ui/backend_provider.h"
#include "ui/job_runner.h"
#include "ui/session_model.h"

namespace corrlens::ui {
namespace {

constexpr int kIdRole = Qt::UserRole;  // model id on leaves, empty on group rows
constexpr int kDetailsRole = Qt::UserRole + 1;
constexpr int kAvailableRole = Qt::UserRole + 2;
constexpr int kDownloadableRole = Qt::UserRole + 3;
constexpr int kPartialRole = Qt::UserRole + 4;
constexpr int kFolderRole = Qt::UserRole + 5;
constexpr int kFilesRole = Qt::UserRole + 6;
constexpr int kDisplayRole = Qt::UserRole + 7;  // the full name (leaves show a short one)
// The one-click offer: the paper's smallest model with and without its adapter.
const char kOfferModel[] = "dinov2_vits14+3dcorr";
const char kOfferBaseline[] = "dinov2_vits14";

QString FormatSize(qint64 bytes) {
  if (bytes <= 0) return {};
  if (bytes < 1000 * 1000) return QStringLiteral("%1 kB").arg(bytes / 1e3, 0, 'f', 1);
  if (bytes < qint64{1000} * 1000 * 1000) return QStringLiteral("%1 MB").arg(bytes / 1e6, 0, 'f', 1);
  return QStringLiteral("%1 GB").arg(bytes / 1e9, 0, 'f', 2);
}

// A leaf's name below its size row: "DINOv2 ViT-S/14 (registers) + 3DCorrEnhance"
// under "ViT-S/14" reads "registers + 3DCorrEnhance"; the bare model "baseline".
QString LeafName(const ModelEntry& entry) {
  if (entry.group.isEmpty()) return entry.display_name;
  QString rest;
  for (const QString& prefix : {entry.group, entry.family + " " + entry.group})
    if (entry.display_name.startsWith(prefix)) rest = entry.display_name.mid(prefix.size());
  if (rest.isNull()) return entry.display_name;
  rest = rest.remove('(').remove(')').trimmed();
  rest.replace("+ ", "+");  // "registers +3DCorrEnhance"
  return rest.isEmpty() ? QObject::tr("baseline") : rest;
}

}  // namespace

ModelsPanel::ModelsPanel(SessionModel* session, BackendProvider* provider, JobRunner* downloads, QWidget* parent)
    : QWidget(parent), session_(session), provider_(provider), downloads_(downloads) {
  auto* layout = new QVBoxLayout(this);
  tree_ = new QTreeWidget;
  tree_->setHeaderLabels({tr("Model"), tr("State"), tr("Size")});
  tree_->header()->setSectionResizeMode(kNameColumn, QHeaderView::Stretch);
  tree_->header()->setStretchLastSection(false);
  tree_->setContextMenuPolicy(Qt::CustomContextMenu);
  tree_->setToolTip(tr("Tick the models to compare; double-click a missing model to download it"));
  layout->addWidget(CreateOfferBar());
  layout->addWidget(tree_);
  disk_used_ = new QLabel;
  layout->addWidget(disk_used_);
  layout->addLayout(CreateFileButtons());
  auto* buttons = new QHBoxLayout;
  auto* add = new QPushButton(tr("Add custom..."));
  auto* refresh = new QPushButton(tr("Refresh"));
  buttons->addWidget(add);
  buttons->addWidget(refresh);
  layout->addLayout(buttons);
  connect(add, &QPushButton::clicked, this, &ModelsPanel::AddCustomDialog);
  connect(refresh, &QPushButton::clicked, this, &ModelsPanel::Refresh);
  connect(tree_, &QTreeWidget::itemChanged, this, &ModelsPanel::ToSession);
  connect(tree_, &QTreeWidget::itemSelectionChanged, this, &ModelsPanel::UpdateButtons);
  connect(tree_, &QTreeWidget::itemDoubleClicked, this, [this](QTreeWidgetItem* item) {
    if (item->data(kNameColumn, kDownloadableRole).toBool()) DownloadModel(item->data(kNameColumn, kIdRole).toString());
  });
  connect(tree_, &QTreeWidget::customContextMenuRequested, this, &ModelsPanel::OnContextMenu);
  connect(session_, &SessionModel::modelsChanged, this, &ModelsPanel::FromSession);
  if (downloads_) ConnectDownloads();
  Refresh();
}

QWidget* ModelsPanel::CreateOfferBar() {
  offer_ = new QWidget;
  auto* layout = new QHBoxLayout(offer_);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* text = new QLabel(tr("No ViT weights yet. Compare DINOv2 with its 3DCorrEnhance finetuning:"));
  text->setWordWrap(true);
  auto* button = new QPushButton(tr("Download ViT-S/14 (about 90 MB)"));
  button->setObjectName("offer_download");
  layout->addWidget(text, 1);
  layout->addWidget(button);
  offer_->setVisible(false);
  connect(button, &QPushButton::clicked, this, [this] {
    if (DownloadModel(kOfferModel)) tick_when_downloaded_[kOfferModel] = QStringList{kOfferBaseline, kOfferModel};
    offer_->setVisible(false);
  });
  return offer_;
}

QLayout* ModelsPanel::CreateFileButtons() {
  auto* buttons = new QHBoxLayout;
  if (downloads_) {
    download_ = new QPushButton(tr("Download"));
    cancel_ = new QPushButton(tr("Cancel"));
    buttons->addWidget(download_);
    buttons->addWidget(cancel_);
    connect(download_, &QPushButton::clicked, this, [this] { DownloadModel(SelectedId()); });
    connect(cancel_, &QPushButton::clicked, this, [this] { CancelDownload(SelectedId()); });
  }
  remove_ = new QPushButton(tr("Remove"));
  show_folder_ = new QPushButton(tr("Show in folder"));
  buttons->addWidget(remove_);
  buttons->addWidget(show_folder_);
  connect(remove_, &QPushButton::clicked, this, [this] {
    const QString id = SelectedId();
    if (IsCustom(id)) {
      if (QMessageBox::question(this, tr("Remove Custom Model"),
                                tr("Remove %1 from the model list? Its files stay where they are.").arg(id)) ==
          QMessageBox::Yes)
        ForgetModel(id);
      return;
    }
    if (QMessageBox::question(this, tr("Remove Model Files"), tr("Delete the downloaded files of %1?").arg(id)) !=
        QMessageBox::Yes)
      return;
    const QStringList removed = RemoveModel(id);
    QMessageBox::information(this, tr("Remove Model Files"),
                             removed.isEmpty() ? tr("Nothing to remove.") : tr("Removed:\n%1").arg(removed.join('\n')));
  });
  connect(show_folder_, &QPushButton::clicked, this, [this] {
    if (QTreeWidgetItem* item = ItemFor(SelectedId()))
      QDesktopServices::openUrl(QUrl::fromLocalFile(item->data(kNameColumn, kFolderRole).toString()));
  });
  return buttons;
}

void ModelsPanel::ConnectDownloads() {
  auto model_of = [this](quint64 job) { return downloads_by_model_.key(job); };
  connect(downloads_, &JobRunner::jobProgress, this, [this, model_of](quint64 job, double f, const QString& text) {
    if (QTreeWidgetItem* item = ItemFor(model_of(job))) {
      const QScopedValueRollback<bool> guard(updating_, true);
      item->setText(kStateColumn, tr("downloading %1%").arg(qRound(f * 100)));
      item->setToolTip(kStateColumn, text);  // bytes, rate, time left
    }
  });
  connect(downloads_, &JobRunner::jobCancelled, this, [this](quint64 job) { FinishDownload(job, false); });
  connect(downloads_, &JobRunner::jobFinished, this, [this](quint64 job) { FinishDownload(job, true); });
  connect(downloads_, &JobRunner::jobFailed, this, [this, model_of](quint64 job, const QString&, const QString& error) {
    const QString id = model_of(job);
    FinishDownload(job, false);
    if (ItemFor(id)) SetModelState(id, error, true);  // the reason in the row's tooltip
  });
}

void ModelsPanel::FinishDownload(quint64 job, bool succeeded) {
  const QString id = downloads_by_model_.key(job);
  if (id.isEmpty()) return;
  downloads_by_model_.remove(id);
  Refresh();
  if (!succeeded) return;
  // A model downloaded to be compared: tick it (the offer ticks the baseline too).
  const QStringList ticks = tick_when_downloaded_.value(id, QStringList{id});
  tick_when_downloaded_.remove(id);
  QStringList selected = session_->Models();
  for (const QString& tick : ticks) {
    const QTreeWidgetItem* item = ItemFor(tick);
    if (item && item->data(kNameColumn, kAvailableRole).toBool() && !selected.contains(tick)) selected << tick;
  }
  if (selected != session_->Models()) session_->SetModels(selected);
  emit modelDownloaded(id);
}

QTreeWidgetItem* ModelsPanel::GroupItem(const QString& family, const QString& group) {
  const QString family_name = family.isEmpty() ? tr("Other") : family;
  QTreeWidgetItem* top = nullptr;
  for (int i = 0; i < tree_->topLevelItemCount() && !top; ++i)
    if (tree_->topLevelItem(i)->text(kNameColumn) == family_name) top = tree_->topLevelItem(i);
  if (!top) {
    top = new QTreeWidgetItem(tree_, {family_name});
    top->setFlags(Qt::ItemIsEnabled);
    top->setExpanded(true);
  }
  if (group.isEmpty()) return top;
  for (int i = 0; i < top->childCount(); ++i)
    if (top->child(i)->data(kNameColumn, kIdRole).toString().isEmpty() && top->child(i)->text(kNameColumn) == group)
      return top->child(i);
  auto* item = new QTreeWidgetItem(top, {group});
  item->setFlags(Qt::ItemIsEnabled);
  item->setExpanded(true);
  return item;
}

void ModelsPanel::Refresh() {
  const QScopedValueRollback<bool> guard(updating_, true);
  const QString selected_id = SelectedId();
  QSet<QString> collapsed;  // group rows the user folded
  for (QTreeWidgetItemIterator it(tree_); *it; ++it)
    if ((*it)->childCount() > 0 && !(*it)->isExpanded()) collapsed.insert((*it)->text(kNameColumn));
  tree_->clear();
  bool any_vit = false, offer_downloadable = false;
  for (const ModelEntry& entry : provider_->Models()) {
    any_vit = any_vit || (entry.available && (entry.family == "DINOv2" || entry.family == "timm ViTs"));
    offer_downloadable = offer_downloadable || (entry.id == kOfferModel && entry.downloadable && !entry.available);
    auto* item = new QTreeWidgetItem(GroupItem(entry.family, entry.group), {LeafName(entry)});
    item->setData(kNameColumn, kIdRole, entry.id);
    item->setData(kNameColumn, kDetailsRole, entry.display_name + "\n" + entry.details);
    item->setData(kNameColumn, kDisplayRole, entry.display_name);
    item->setData(kNameColumn, kAvailableRole, entry.available);
    item->setData(kNameColumn, kDownloadableRole, !entry.available && entry.downloadable);
    item->setData(kNameColumn, kPartialRole, entry.partial);
    item->setData(kNameColumn, kFolderRole, entry.folder);
    item->setData(kNameColumn, kFilesRole, entry.files);
    item->setToolTip(kNameColumn, item->data(kNameColumn, kDetailsRole).toString());
    item->setText(kSizeColumn, FormatSize(entry.size_bytes));
    item->setTextAlignment(kSizeColumn, Qt::AlignRight | Qt::AlignVCenter);
    // Missing models stay selectable (to download them); ticking a
    // downloadable one offers the download.
    const bool tickable = entry.available || (downloads_ && entry.downloadable);
    item->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled | (tickable ? Qt::ItemIsUserCheckable : Qt::NoItemFlags));
    if (tickable) item->setCheckState(kNameColumn, Qt::Unchecked);
    ShowEntryState(item);
  }
  for (QTreeWidgetItemIterator it(tree_); *it; ++it)
    if ((*it)->childCount() > 0 && collapsed.contains((*it)->text(kNameColumn))) (*it)->setExpanded(false);
  if (QTreeWidgetItem* item = ItemFor(selected_id)) tree_->setCurrentItem(item);
  offer_->setVisible(downloads_ && offer_downloadable && !any_vit && !downloads_by_model_.contains(kOfferModel));
  tree_->resizeColumnToContents(kStateColumn);
  tree_->resizeColumnToContents(kSizeColumn);
  UpdateDiskUsed();
  UpdateButtons();
  FromSession();
}

void ModelsPanel::ShowEntryState(QTreeWidgetItem* item) {
  const QScopedValueRollback<bool> guard(updating_, true);
  const QString id = item->data(kNameColumn, kIdRole).toString();
  QStyle::StandardPixmap icon = QStyle::SP_MessageBoxWarning;
  QString state = tr("weights missing");
  if (downloads_by_model_.contains(id)) {
    icon = QStyle::SP_ArrowDown;
    state = tr("downloading...");
  } else if (item->data(kNameColumn, kAvailableRole).toBool()) {
    icon = QStyle::SP_DialogApplyButton;
    state = tr("available");
  } else if (item->data(kNameColumn, kPartialRole).toBool()) {
    icon = QStyle::SP_BrowserReload;
    state = tr("partial");
  } else if (item->data(kNameColumn, kDownloadableRole).toBool()) {
    icon = QStyle::SP_ArrowDown;
    state = tr("downloadable");
  }
  item->setIcon(kStateColumn, style()->standardIcon(icon));
  item->setText(kStateColumn, state);
}

QTreeWidgetItem* ModelsPanel::ItemFor(const QString& id) const {
  if (id.isEmpty()) return nullptr;
  for (QTreeWidgetItemIterator it(tree_); *it; ++it)
    if ((*it)->data(kNameColumn, kIdRole).toString() == id) return *it;
  return nullptr;
}

QString ModelsPanel::SelectedId() const {
  const QList<QTreeWidgetItem*> selected = tree_->selectedItems();
  return selected.isEmpty() ? QString() : selected.front()->data(kNameColumn, kIdRole).toString();
}

void ModelsPanel::UpdateButtons() {
  const QString id = SelectedId();
  const QTreeWidgetItem* item = ItemFor(id);
  const bool downloading = downloads_by_model_.contains(id);
  if (download_) download_->setEnabled(item && item->data(kNameColumn, kDownloadableRole).toBool() && !downloading);
  if (cancel_) cancel_->setEnabled(downloading);
  remove_->setEnabled(item && !downloading &&
                      (IsCustom(id) || item->data(kNameColumn, kDownloadableRole).toBool() ||
                       item->data(kNameColumn, kPartialRole).toBool() ||
                       !item->data(kNameColumn, kFilesRole).toStringList().isEmpty()));
  show_folder_->setEnabled(item && !item->data(kNameColumn, kFolderRole).toString().isEmpty());
}

void ModelsPanel::UpdateDiskUsed() {
  QSet<QString> seen;
  qint64 total = 0;
  for (QTreeWidgetItemIterator it(tree_); *it; ++it) {
    for (const QString& file : (*it)->data(kNameColumn, kFilesRole).toStringList()) {
      const QFileInfo info(file);
      if (seen.contains(info.canonicalFilePath())) continue;  // backbones shared by several entries
      seen.insert(info.canonicalFilePath());
      total += info.size();
    }
  }
  disk_used_->setText(tr("Disk used by model files: %1").arg(total > 0 ? FormatSize(total) : tr("none")));
}

void ModelsPanel::OnContextMenu(const QPoint& pos) {
  QTreeWidgetItem* item = tree_->itemAt(pos);
  const QString id = item ? item->data(kNameColumn, kIdRole).toString() : QString();
  if (id.isEmpty()) return;
  tree_->setCurrentItem(item);
  QMenu menu(this);
  if (download_ && download_->isEnabled()) menu.addAction(download_->text(), this, [this, id] { DownloadModel(id); });
  if (cancel_ && cancel_->isEnabled()) menu.addAction(tr("Cancel download"), this, [this, id] { CancelDownload(id); });
  if (remove_->isEnabled()) menu.addAction(remove_->text(), remove_, &QPushButton::click);
  if (show_folder_->isEnabled()) menu.addAction(show_folder_->text(), show_folder_, &QPushButton::click);
  if (!menu.isEmpty()) menu.exec(tree_->viewport()->mapToGlobal(pos));
}

bool ModelsPanel::DownloadModel(const QString& id) {
  QTreeWidgetItem* item = ItemFor(id);
  if (!downloads_ || !item || !item->data(kNameColumn, kDownloadableRole).toBool() || downloads_by_model_.contains(id))
    return false;
  BackendProvider* provider = provider_;
  const quint64 job = downloads_->Run(
      tr("Downloading %1").arg(item->data(kNameColumn, kDisplayRole).toString()),
      [provider, id](Progress& progress, const CancelToken& cancel) { provider->Download(id, progress, cancel); });
  downloads_by_model_.insert(id, job);
  ShowEntryState(item);
  UpdateButtons();
  return true;
}

void ModelsPanel::OfferDownload(const QString& id) {
  const QTreeWidgetItem* item = ItemFor(id);
  if (!item || downloads_by_model_.contains(id)) return;
  const QString size = item->text(kSizeColumn);
  const QString question =
      tr("The weights of %1 are not on this computer. Download them%2?")
          .arg(item->data(kNameColumn, kDisplayRole).toString(), size.isEmpty() ? QString() : " (" + size + ")");
  if (QMessageBox::question(this, tr("Download Model"), question) != QMessageBox::Yes) return;
  DownloadModel(id);  // ticked when done
}

void ModelsPanel::CancelDownload(const QString& id) {
  if (downloads_ && downloads_by_model_.contains(id)) downloads_->Cancel(downloads_by_model_.value(id));
}

QStringList ModelsPanel::RemoveModel(const QString& id) {
  if (id.isEmpty() || downloads_by_model_.contains(id)) return {};
  const QStringList removed = provider_->Remove(id);
  Refresh();
  return removed;
}

bool ModelsPanel::IsCustom(const QString& id) { return id.startsWith(QStringLiteral("custom:")); }

bool ModelsPanel::ForgetModel(const QString& id) {
  if (!IsCustom(id) || !provider_->Forget(id)) return false;
  QStringList models = session_->Models();
  if (models.removeAll(id) > 0) session_->SetModels(models);
  Refresh();
  return true;
}

void ModelsPanel::FromSession() {
  const QScopedValueRollback<bool> guard(updating_, true);
  const QStringList selected = session_->Models();
  for (QTreeWidgetItemIterator it(tree_); *it; ++it) {
    if (!((*it)->flags() & Qt::ItemIsUserCheckable)) continue;
    const bool on = (*it)->data(kNameColumn, kAvailableRole).toBool() &&
                    selected.contains((*it)->data(kNameColumn, kIdRole).toString());
    (*it)->setCheckState(kNameColumn, on ? Qt::Checked : Qt::Unchecked);
  }
}

void ModelsPanel::SetModelState(const QString& id, const QString& state, bool is_error) {
  // Text and tooltip edits emit itemChanged; they are not selection changes.
  const QScopedValueRollback<bool> guard(updating_, true);
  QTreeWidgetItem* item = ItemFor(id);
  if (!item || downloads_by_model_.contains(id)) return;
  if (!item->data(kNameColumn, kAvailableRole).toBool() && !is_error) return;  // missing entries keep their state
  const QString text = is_error ? tr("error") : state;
  if (item->text(kStateColumn) != text) item->setText(kStateColumn, text);
  const QString details = item->data(kNameColumn, kDetailsRole).toString();
  item->setToolTip(kStateColumn, is_error ? state : QString());
  item->setToolTip(kNameColumn, is_error ? state + "\n" + details : details);
}

void ModelsPanel::ToSession() {
  if (updating_) return;
  QStringList selected;
  QSet<QString> listed;  // tickable ids; other selected ids (e.g. weights gone) stay selected
  for (QTreeWidgetItemIterator it(tree_); *it; ++it) {
    if (!((*it)->flags() & Qt::ItemIsUserCheckable)) continue;
    const QString id = (*it)->data(kNameColumn, kIdRole).toString();
    if (!(*it)->data(kNameColumn, kAvailableRole).toBool()) {  // a missing model: offer its download instead
      if ((*it)->checkState(kNameColumn) != Qt::Checked) continue;
      const QScopedValueRollback<bool> guard(updating_, true);
      (*it)->setCheckState(kNameColumn, Qt::Unchecked);
      QTimer::singleShot(0, this, [this, id] { OfferDownload(id); });
      continue;
    }
    listed.insert(id);
    if ((*it)->checkState(kNameColumn) == Qt::Checked) selected << id;
  }
  for (const QString& id : session_->Models())
    if (!listed.contains(id) && !selected.contains(id)) selected << id;
  if (selected != session_->Models()) session_->SetModels(selected);
}

void ModelsPanel::AddCustomDialog() {
  QDialog dialog(this);
  dialog.setWindowTitle(tr("Add Custom Model"));
  auto* form = new QFormLayout(&dialog);
  auto* arch = new QComboBox;
  arch->addItems(provider_->Architectures());
  auto* weights = new QLineEdit;
  auto* adapter = new QLineEdit;
  adapter->setPlaceholderText(tr("optional 3DCorrEnhance .ckpt"));
  auto browse = [&dialog](QLineEdit* edit, const QString& filter) {
    auto* row = new QWidget;
    auto* h = new QHBoxLayout(row);
    h->setContentsMargins(0, 0, 0, 0);
    auto* button = new QPushButton(QObject::tr("Browse..."));
    h->addWidget(edit);
    h->addWidget(button);
    QObject::connect(button, &QPushButton::clicked, &dialog, [&dialog, edit, filter] {
      const QString path = QFileDialog::getOpenFileName(&dialog, QString(), QString(), filter);
      if (!path.isEmpty()) edit->setText(path);
    });
    return row;
  };
  form->addRow(tr("Architecture"), arch);
  form->addRow(tr("Weights"), browse(weights, tr("Weights (*.pth *.pt *.safetensors *.bin);;All files (*)")));
  form->addRow(tr("Adapter"), browse(adapter, tr("Checkpoints (*.ckpt *.pth);;All files (*)")));
  auto* box = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  form->addRow(box);
  connect(box, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
  connect(box, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  if (dialog.exec() != QDialog::Accepted) return;
  try {
    const ModelEntry entry = provider_->AddCustom(arch->currentText(), weights->text(), adapter->text());
    Refresh();
    QStringList selected = session_->Models();
    if (!selected.contains(entry.id)) selected << entry.id;
    session_->SetModels(selected);
  } catch (const std::exception& e) {
    emit errorOccurred(QString::fromStdString(e.what()));
  }
}

}  // namespace corrlens::ui
