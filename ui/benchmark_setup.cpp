#include "ui/benchmark_setup.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>

#include "core/bench/task_catalog.h"
#include "ui/benchmark_runner.h"

namespace corrlens::ui {
namespace {

QString Q(const std::string& s) { return QString::fromStdString(s); }

// Tasks whose data is a sample that Debian ships: nothing to choose.
bool HasFixedData(const QString& task) { return task == "homography" || task == "stereo"; }

}  // namespace

QString TaskDataHelp(const QString& task) {
  if (task == "transfer")
    return QObject::tr(
        "PF-PASCAL (public): download PF-dataset-PASCAL.zip from "
        "https://www.di.ens.fr/willow/research/proposalflow/dataset/PF-dataset-PASCAL.zip and unpack it into the "
        "folder chosen here, so that <folder>/PF-dataset-PASCAL/JPEGImages/ exists; then copy "
        "test_pairs_pf_different_views.csv and test_pairs_pf_same_views.csv from CorrLens's "
        "resources/data/pf-pascal/ into <folder>/PF-dataset-PASCAL/.");
  if (task == "tracking")
    return QObject::tr(
        "TAP-Vid DAVIS (public): download tapvid_davis.zip from "
        "https://storage.googleapis.com/dm-tapnet/tapvid_davis.zip, unpack it and choose the tapvid_davis.pkl it "
        "holds; or choose the folder holding tapvid_davis_data_strided.pkl and tapvid-davis/ (the frames of "
        "davis_480.zip), as the 3DCorrEnhance reference lays them out.");
  if (task == "pose")
    return QObject::tr(
        "OnePose-LowTexture (public): download the LowTexture test objects of OnePose++ "
        "(https://github.com/zju3dv/OnePose_Plus_Plus, dataset section) into <folder>/lowtexture_test_data/ and "
        "run its SfM preprocessing (sfm_inference_lowtexture) so that "
        "<folder>/sfm_output/outputs_softmax_loftr_loftr/<object>/anno/anno_3d_average.npz exists; or write an "
        "object from any mesh with corrlens-cli render --format onepose --out <folder>. Metric: per object the "
        "share of test frames whose rotation AND translation errors are below 1/3/5 deg and cm, averaged over "
        "objects; the chart shows it for k = 0..10.");
  if (task == "equivariance")
    return QObject::tr(
        "A mesh file or a folder of meshes (.obj, .glb, .gltf, .ply, .dae, .fbx), rendered from many views. "
        "Default: OBJ/spider.obj of the Debian package assimp-testmodels.");
  if (HasFixedData(task))
    return QObject::tr(
        "Debian's opencv-doc sample pair (graf1/graf3 with H1to3p.xml; aloeL/aloeR with aloeGT.png): "
        "works out of the box once opencv-doc is installed.");
  return {};
}

BenchmarkSetup::BenchmarkSetup(const BenchmarkSettings& settings, QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(CreateModels(), 2);
  layout->addWidget(CreateTasks(settings), 3);
  layout->addWidget(CreateRunControls(settings));
  for (const QString& task : task_order_) Validate(task);
  if (settings.tasks.isEmpty()) {  // first use: every task whose data is present
    for (const QString& task : task_order_) tasks_[task].check->setChecked(tasks_[task].problem.isEmpty());
  }
  UpdateRunButton();
}

QWidget* BenchmarkSetup::CreateModels() {
  auto* box = new QGroupBox(tr("Models"));
  models_ = new QListWidget;
  models_->setObjectName("benchmark_models");
  auto* layout = new QVBoxLayout(box);
  layout->addWidget(models_);
  connect(models_, &QListWidget::itemChanged, this, [this] { UpdateRunButton(); });
  return box;
}

QWidget* BenchmarkSetup::CreateTasks(const BenchmarkSettings& settings) {
  auto* box = new QGroupBox(tr("Tasks and data"));
  auto* grid = new QGridLayout(box);
  int line = 0;
  for (const std::string& name : bench::TaskNames()) {
    const QString task = Q(name);
    task_order_ << task;
    TaskRow row;
    row.check = new QCheckBox(task);
    row.check->setObjectName("task_" + task);
    row.check->setToolTip(Q(bench::TaskDescription(name)));
    row.check->setChecked(settings.tasks.contains(task));
    row.dataset = new QLineEdit(settings.datasets.value(task));
    row.dataset->setPlaceholderText(Q(bench::DefaultDataset(name)));
    row.dataset->setToolTip(TaskDataHelp(task));
    row.dataset->setEnabled(!HasFixedData(task));
    auto* browse = new QToolButton;
    browse->setText(QStringLiteral("…"));
    browse->setToolTip(tr("Choose the %1 data").arg(task));
    browse->setEnabled(!HasFixedData(task));
    row.status = new QLabel;
    row.status->setWordWrap(true);
    row.status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    grid->addWidget(row.check, line, 0);
    grid->addWidget(row.dataset, line, 1);
    grid->addWidget(browse, line, 2);
    grid->addWidget(row.status, line + 1, 0, 1, 3);
    line += 2;
    tasks_.insert(task, row);
    connect(row.check, &QCheckBox::toggled, this, [this] {
      UpdateRunButton();
      emit settingsChanged();
    });
    connect(row.dataset, &QLineEdit::editingFinished, this,
            [this, task] { SetDataset(task, tasks_[task].dataset->text()); });
    connect(browse, &QToolButton::clicked, this, [this, task] { Browse(task); });
  }
  grid->setColumnStretch(1, 1);
  grid->setRowStretch(line, 1);
  return box;
}

QWidget* BenchmarkSetup::CreateRunControls(const BenchmarkSettings& settings) {
  auto* box = new QWidget;
  auto* form = new QFormLayout;
  preset_ = new QComboBox;
  preset_->setObjectName("benchmark_preset");
  preset_->addItem(tr("quick: a small subset for a first look"), "quick");
  preset_->addItem(tr("paper: the full protocol"), "paper");
  preset_->setCurrentIndex(std::max(0, preset_->findData(settings.preset)));
  protocol_ = new QComboBox;
  protocol_->setObjectName("benchmark_protocol");
  protocol_->addItem(tr("paper (3DCorrEnhance, different views)"), "paper");
  protocol_->addItem(tr("standard (same views)"), "standard");
  protocol_->setCurrentIndex(std::max(0, protocol_->findData(settings.transfer_protocol)));
  form->addRow(tr("Preset:"), preset_);
  form->addRow(tr("Transfer protocol:"), protocol_);
  run_ = new QPushButton(tr("&Run"));
  run_->setObjectName("benchmark_run");
  run_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
  run_->setToolTip(tr("Run the ticked tasks on the ticked models (Ctrl+R)"));
  cancel_ = new QPushButton(tr("Cancel"));
  cancel_->setEnabled(false);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(run_, 1);
  buttons->addWidget(cancel_);
  progress_ = new QProgressBar;
  progress_->setRange(0, 1000);
  progress_->setFormat(QStringLiteral("%p%"));
  progress_->setValue(0);
  progress_label_ = new QLabel;
  progress_label_->setWordWrap(true);
  summary_ = new QLabel;
  summary_->setWordWrap(true);
  auto* layout = new QVBoxLayout(box);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(form);
  layout->addLayout(buttons);
  layout->addWidget(progress_);
  layout->addWidget(progress_label_);
  layout->addWidget(summary_);
  connect(run_, &QPushButton::clicked, this, &BenchmarkSetup::runRequested);
  connect(cancel_, &QPushButton::clicked, this, &BenchmarkSetup::cancelRequested);
  connect(preset_, &QComboBox::currentIndexChanged, this, &BenchmarkSetup::settingsChanged);
  connect(protocol_, &QComboBox::currentIndexChanged, this, [this] {
    Validate("transfer");  // the protocol picks the pair list
    UpdateRunButton();
    emit settingsChanged();
  });
  return box;
}

void BenchmarkSetup::SetModels(const QVector<ModelEntry>& models, const QStringList& ticked) {
  const QSignalBlocker block(models_);
  models_->clear();
  for (const ModelEntry& entry : models) {
    auto* item = new QListWidgetItem(entry.display_name.isEmpty() ? entry.id : entry.display_name, models_);
    item->setData(Qt::UserRole, entry.id);
    item->setToolTip(entry.details.isEmpty() ? entry.id : entry.id + "\n" + entry.details);
    item->setFlags(entry.available ? Qt::ItemIsEnabled | Qt::ItemIsUserCheckable : Qt::ItemIsUserCheckable);
    item->setCheckState(entry.available && ticked.contains(entry.id) ? Qt::Checked : Qt::Unchecked);
  }
  UpdateRunButton();
}

void BenchmarkSetup::SetDataset(const QString& task, const QString& location) {
  if (!tasks_.contains(task)) return;
  tasks_[task].dataset->setText(location);
  Validate(task);
  UpdateRunButton();
  emit settingsChanged();
}

void BenchmarkSetup::SetTaskChecked(const QString& task, bool checked) {
  if (tasks_.contains(task)) tasks_[task].check->setChecked(checked);
}

void BenchmarkSetup::SetPreset(const QString& preset) {
  preset_->setCurrentIndex(std::max(0, preset_->findData(preset)));
}

void BenchmarkSetup::Browse(const QString& task) {
  const QString start = tasks_[task].dataset->text();
  QString chosen;
  if (task == "equivariance" || task == "tracking") {  // a file, or cancel for a folder
    chosen = QFileDialog::getOpenFileName(this, tr("Choose the %1 file (or cancel to pick a folder)").arg(task), start,
                                          task == "tracking"
                                              ? tr("TAP-Vid pickles (*.pkl);;All files (*)")
                                              : tr("Meshes (*.obj *.glb *.gltf *.ply *.dae *.fbx);;All files (*)"));
  }
  if (chosen.isEmpty())
    chosen = QFileDialog::getExistingDirectory(this, tr("Choose the %1 data folder").arg(task), start);
  if (!chosen.isEmpty()) SetDataset(task, chosen);
}

void BenchmarkSetup::Validate(const QString& task) {
  TaskRow& row = tasks_[task];
  RunSettings plan;
  plan.datasets.insert(task, row.dataset->text().trimmed());
  plan.protocols.insert("transfer", protocol_ ? protocol_->currentData().toString() : QStringLiteral("paper"));
  row.problem = Q(bench::ValidateDataset(TaskSpecFor(plan, task, {})));
  if (row.problem.isEmpty()) {
    const QString location =
        row.dataset->text().trimmed().isEmpty() ? row.dataset->placeholderText() : row.dataset->text();
    row.status->setText(tr("<span style='color:#2a7d2a'>✔ data found</span>"));
    row.status->setToolTip(location);
  } else {
    row.status->setText(tr("<span style='color:#b00020'>✘ %1</span><br><small>%2</small>")
                            .arg(row.problem.toHtmlEscaped(), TaskDataHelp(task).toHtmlEscaped()));
    row.status->setToolTip(row.problem);
  }
}

QString BenchmarkSetup::Problem(const QString& task) const { return tasks_.value(task).problem; }

RunSettings BenchmarkSetup::Plan() const {
  RunSettings plan;
  for (const QString& task : task_order_) {
    const TaskRow& row = tasks_[task];
    if (!row.check->isChecked()) continue;
    plan.tasks << task;
    plan.datasets.insert(task, row.dataset->text().trimmed());
  }
  for (int i = 0; i < models_->count(); ++i) {
    const QListWidgetItem* item = models_->item(i);
    if (item->checkState() == Qt::Checked && (item->flags() & Qt::ItemIsEnabled))
      plan.models << item->data(Qt::UserRole).toString();
  }
  plan.preset = preset_->currentData().toString();
  if (plan.tasks.contains("transfer")) plan.protocols.insert("transfer", protocol_->currentData().toString());
  return plan;
}

BenchmarkSettings BenchmarkSetup::Settings() const {
  BenchmarkSettings settings;
  for (const QString& task : task_order_) {
    if (tasks_[task].check->isChecked()) settings.tasks << task;
    if (!tasks_[task].dataset->text().trimmed().isEmpty())
      settings.datasets.insert(task, tasks_[task].dataset->text().trimmed());
  }
  settings.preset = preset_->currentData().toString();
  settings.transfer_protocol = protocol_->currentData().toString();
  return settings;
}

void BenchmarkSetup::SetRunning(bool running) {
  running_ = running;
  cancel_->setEnabled(running);
  if (running) progress_->setValue(0);
  UpdateRunButton();
}

void BenchmarkSetup::ShowProgress(const BenchmarkProgress& progress) {
  progress_->setValue(static_cast<int>(progress.fraction * 1000));
  QString text = progress.Text();
  if (!progress.message.isEmpty()) text += (text.isEmpty() ? QString() : QStringLiteral("\n")) + progress.message;
  progress_label_->setText(text);
}

void BenchmarkSetup::UpdateRunButton() {
  const RunSettings plan = Plan();
  QStringList why;
  if (plan.tasks.isEmpty()) why << tr("tick a task");
  if (plan.models.isEmpty()) why << tr("tick a model");
  for (const QString& task : plan.tasks)
    if (!tasks_[task].problem.isEmpty()) why << tr("%1: data missing").arg(task);
  run_->setEnabled(!running_ && why.isEmpty());
  summary_->setText(running_        ? QString()
                    : why.isEmpty() ? tr("%n task(s) × %1 model(s)", "", plan.tasks.size()).arg(plan.models.size())
                                    : why.join(QStringLiteral("; ")));
}

}  // namespace corrlens::ui
