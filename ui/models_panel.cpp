#include "ui/models_panel.h"

#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QScopedValueRollback>
#include <QVBoxLayout>

#include "ui/backend_provider.h"
#include "ui/session_model.h"

namespace corrlens::ui {
namespace {
constexpr int kNameRole = Qt::UserRole + 1;
constexpr int kDetailsRole = Qt::UserRole + 2;
}  // namespace

ModelsPanel::ModelsPanel(SessionModel* session, BackendProvider* provider, QWidget* parent)
    : QWidget(parent), session_(session), provider_(provider) {
  auto* layout = new QVBoxLayout(this);
  list_ = new QListWidget;
  list_->setToolTip(tr("Tick the models to compare; hover an entry for where its weights are"));
  layout->addWidget(list_);
  auto* buttons = new QHBoxLayout;
  auto* add = new QPushButton(tr("Add custom..."));
  auto* refresh = new QPushButton(tr("Refresh"));
  buttons->addWidget(add);
  buttons->addWidget(refresh);
  layout->addLayout(buttons);
  connect(add, &QPushButton::clicked, this, &ModelsPanel::AddCustomDialog);
  connect(refresh, &QPushButton::clicked, this, &ModelsPanel::Refresh);
  connect(list_, &QListWidget::itemChanged, this, &ModelsPanel::ToSession);
  connect(session_, &SessionModel::modelsChanged, this, &ModelsPanel::FromSession);
  Refresh();
}

void ModelsPanel::Refresh() {
  updating_ = true;
  list_->clear();
  for (const ModelEntry& entry : provider_->Models()) {
    auto* item = new QListWidgetItem(entry.display_name, list_);
    item->setData(Qt::UserRole, entry.id);
    item->setData(kNameRole, entry.display_name);
    item->setData(kDetailsRole, entry.details);
    item->setToolTip(entry.details);
    item->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsSelectable |
                   (entry.available ? Qt::ItemIsEnabled : Qt::NoItemFlags));
    item->setCheckState(Qt::Unchecked);
    if (!entry.available) item->setText(entry.display_name + tr("  (weights missing)"));
  }
  updating_ = false;
  FromSession();
}

void ModelsPanel::FromSession() {
  updating_ = true;
  const QStringList selected = session_->Models();
  for (int i = 0; i < list_->count(); ++i) {
    QListWidgetItem* item = list_->item(i);
    item->setCheckState(selected.contains(item->data(Qt::UserRole).toString()) ? Qt::Checked : Qt::Unchecked);
  }
  updating_ = false;
}

void ModelsPanel::SetModelState(const QString& id, const QString& state, bool is_error) {
  // Text and tooltip edits emit itemChanged; they are not selection changes.
  const QScopedValueRollback<bool> guard(updating_, true);
  for (int i = 0; i < list_->count(); ++i) {
    QListWidgetItem* item = list_->item(i);
    if (item->data(Qt::UserRole).toString() != id || !(item->flags() & Qt::ItemIsEnabled)) continue;
    const QString name = item->data(kNameRole).toString();
    const QString text = name + "  (" + (is_error ? tr("error") : state) + ")";
    if (item->text() != text) item->setText(text);
    const QString details = item->data(kDetailsRole).toString();
    item->setToolTip(is_error ? state + "\n" + details : details);
  }
}

void ModelsPanel::ToSession() {
  if (updating_) return;
  QStringList selected;
  for (int i = 0; i < list_->count(); ++i) {
    if (list_->item(i)->checkState() == Qt::Checked) selected << list_->item(i)->data(Qt::UserRole).toString();
  }
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
