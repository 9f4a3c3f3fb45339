#include "ui/finetune_setup.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>

#include "core/finetune/training_data.h"
#include "core/model/model_catalog.h"
#include "core/util/sample_data.h"

namespace corrlens::ui {
namespace {

const char* kMeshFilter = "Meshes (*.obj *.ply *.glb *.gltf *.fbx *.stl *.off *.dae *.3ds *.blend);;All files (*)";

QStringList ExistingExamples(const QStringList& names) {
  QStringList files;
  const QString root = QString::fromStdString(AssimpModelsDir());
  for (const QString& name : names)
    if (QFileInfo::exists(root + "/" + name)) files << root + "/" + name;
  return files;
}

QJsonArray ToArray(const QStringList& list) { return QJsonArray::fromStringList(list); }

QStringList FromArray(const QJsonValue& value) {
  QStringList list;
  for (const QJsonValue& v : value.toArray()) list << v.toString();
  return list;
}

QSpinBox* Spin(int min, int max, const QString& tip) {
  auto* box = new QSpinBox;
  box->setRange(min, max);
  box->setToolTip(tip);
  return box;
}

// A line edit with a Browse button (a file, or a folder when `folder`).
QWidget* WithBrowse(QLineEdit* edit, bool folder, const QString& filter) {
  auto* row = new QWidget;
  auto* h = new QHBoxLayout(row);
  h->setContentsMargins(0, 0, 0, 0);
  auto* button = new QPushButton(QObject::tr("Browse..."));
  h->addWidget(edit, 1);
  h->addWidget(button);
  QObject::connect(button, &QPushButton::clicked, edit, [edit, folder, filter] {
    const QString path = folder ? QFileDialog::getExistingDirectory(edit, QString(), edit->text())
                                : QFileDialog::getOpenFileName(edit, QString(), edit->text(), filter);
    if (!path.isEmpty()) edit->setText(path);
  });
  return row;
}

}  // namespace

QJsonObject FinetuneSettings::ToJson() const {
  return {{"meshes", ToArray(meshes)},
          {"probe_meshes", ToArray(probe_meshes)},
          {"backbone", backbone},
          {"reg", reg},
          {"weights", weights},
          {"random_init", random_init},
          {"steps", steps},
          {"lr", lr},
          {"batch", batch},
          {"image_size", image_size},
          {"target_res", target_res},
          {"points", points},
          {"augment", augment},
          {"bf16", bf16},
          {"seed", seed},
          {"save_every", save_every},
          {"probe_every", probe_every},
          {"probe_views", probe_views},
          {"probe_size", probe_size},
          {"out_dir", out_dir},
          {"resume", resume}};
}

FinetuneSettings FinetuneSettings::FromJson(const QJsonObject& j) {
  FinetuneSettings s;
  s.meshes = FromArray(j["meshes"]);
  s.probe_meshes = FromArray(j["probe_meshes"]);
  s.backbone = j["backbone"].toString(s.backbone);
  s.reg = j["reg"].toBool(s.reg);
  s.weights = j["weights"].toString();
  s.random_init = j["random_init"].toBool(s.random_init);
  s.steps = j["steps"].toInt(s.steps);
  s.lr = j["lr"].toDouble(s.lr);
  s.batch = j["batch"].toInt(s.batch);
  s.image_size = j["image_size"].toInt(s.image_size);
  s.target_res = j["target_res"].toInt(s.target_res);
  s.points = j["points"].toInt(s.points);
  s.augment = j["augment"].toBool(s.augment);
  s.bf16 = j["bf16"].toBool(s.bf16);
  s.seed = j["seed"].toInteger(s.seed);
  s.save_every = j["save_every"].toInt(s.save_every);
  s.probe_every = j["probe_every"].toInt(s.probe_every);
  s.probe_views = j["probe_views"].toInt(s.probe_views);
  s.probe_size = j["probe_size"].toInt(s.probe_size);
  s.out_dir = j["out_dir"].toString();
  s.resume = j["resume"].toString();
  return s;
}

QStringList ExampleTrainingMeshes() { return ExistingExamples({"OBJ/spider.obj", "OBJ/WusonOBJ.obj"}); }
QStringList ExampleProbeMeshes() { return ExistingExamples({"glTF2/2CylinderEngine-glTF-Binary/2CylinderEngine.glb"}); }

QStringList FinetuneBackbones() { return {"dinov2_vits14", "dinov2_vitb14", "dinov2_vitl14", "dinov2_vitg14"}; }

MeshListEditor::MeshListEditor(const QString& title, QStringList (*examples)(), QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(new QLabel(title));
  list_ = new QListWidget;
  list_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  list_->setMinimumHeight(70);
  layout->addWidget(list_);
  auto* buttons = new QHBoxLayout;
  auto* files = new QPushButton(tr("Files..."));
  auto* folder = new QPushButton(tr("Folder..."));
  auto* example = new QPushButton(tr("Examples"));
  auto* remove = new QPushButton(tr("Remove"));
  example->setToolTip(tr("Meshes of the Debian package assimp-testmodels"));
  for (QPushButton* b : {files, folder, example, remove}) buttons->addWidget(b);
  layout->addLayout(buttons);
  connect(files, &QPushButton::clicked, this,
          [this] { Add(QFileDialog::getOpenFileNames(this, QString(), {}, kMeshFilter)); });
  connect(folder, &QPushButton::clicked, this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(this);
    if (dir.isEmpty()) return;
    try {
      QStringList found;
      for (const std::string& f : finetune::ExpandMeshes(dir.toStdString())) found << QString::fromStdString(f);
      Add(found);
    } catch (const std::exception& e) {
      emit errorOccurred(QString::fromStdString(e.what()));
    }
  });
  connect(example, &QPushButton::clicked, this, [this, examples] {
    const QStringList found = examples();
    if (found.isEmpty())
      emit errorOccurred(tr("No example meshes under %1: install the Debian package assimp-testmodels")
                             .arg(QString::fromStdString(AssimpModelsDir())));
    Add(found);
  });
  connect(remove, &QPushButton::clicked, this, [this] {
    qDeleteAll(list_->selectedItems());
    emit changed();
  });
}

QStringList MeshListEditor::Files() const {
  QStringList files;
  for (int i = 0; i < list_->count(); ++i) files << list_->item(i)->data(Qt::UserRole).toString();
  return files;
}

void MeshListEditor::SetFiles(const QStringList& files) {
  list_->clear();
  Add(files);
}

void MeshListEditor::Add(const QStringList& files) {
  const QStringList present = Files();
  for (const QString& f : files) {
    if (f.isEmpty() || present.contains(f)) continue;
    auto* item = new QListWidgetItem(QFileInfo(f).fileName(), list_);
    item->setData(Qt::UserRole, f);
    item->setToolTip(f);
  }
  emit changed();
}

FinetuneSetup::FinetuneSetup(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  meshes_ = new MeshListEditor(tr("Training meshes"), &ExampleTrainingMeshes);
  probe_meshes_ = new MeshListEditor(tr("Held-out meshes (probe; optional)"), &ExampleProbeMeshes);
  for (MeshListEditor* m : {meshes_, probe_meshes_}) {
    layout->addWidget(m);
    connect(m, &MeshListEditor::errorOccurred, this, &FinetuneSetup::errorOccurred);
  }
  layout->addWidget(BuildModelBox());
  layout->addWidget(BuildTrainingBox());
  layout->addWidget(BuildOutputBox());
  layout->addStretch(1);
  SetSettings({});
}

QWidget* FinetuneSetup::BuildModelBox() {
  auto* box = new QGroupBox(tr("Backbone"));
  auto* form = new QFormLayout(box);
  backbone_ = new QComboBox;
  backbone_->addItems(FinetuneBackbones());
  reg_ = new QCheckBox(tr("with registers"));
  weights_ = new QLineEdit;
  weights_->setPlaceholderText(tr("torch-hub .pth or safetensors (found in the model caches when present)"));
  random_init_ = new QCheckBox(tr("Random weights (demo only: results mean nothing)"));
  form->addRow(tr("Architecture"), backbone_);
  form->addRow(QString(), reg_);
  form->addRow(tr("Weights"), WithBrowse(weights_, false, tr("Weights (*.pth *.pt *.safetensors);;All files (*)")));
  form->addRow(QString(), random_init_);
  connect(backbone_, &QComboBox::currentTextChanged, this, [this] {
    weights_->clear();
    FindWeights();
  });
  connect(reg_, &QCheckBox::toggled, this, [this] {
    weights_->clear();
    FindWeights();
  });
  connect(random_init_, &QCheckBox::toggled, weights_, &QWidget::setDisabled);
  return box;
}

QWidget* FinetuneSetup::BuildTrainingBox() {
  auto* box = new QGroupBox(tr("Training (defaults: the reference's)"));
  auto* form = new QFormLayout(box);
  steps_ = Spin(1, 10000000, tr("Optimizer steps in total (a resumed run counts its earlier steps)"));
  lr_ = new QDoubleSpinBox;
  lr_->setDecimals(7);
  lr_->setRange(1e-7, 1.0);
  lr_->setSingleStep(1e-6);
  lr_->setToolTip(tr("AdamW learning rate (reference: 1e-5; weight decay 1e-4, clipping 1.0)"));
  batch_ = Spin(1, 1, tr("Pairs per step: only 1, the reference's"));
  image_size_ = Spin(32, 4096, tr("Render size in pixels (reference: 512; intrinsics scale with it)"));
  target_res_ = Spin(8, 4096, tr("Model input: longer side / 8 tokens (reference: 640)"));
  points_ = Spin(1, 100000, tr("Foreground points per view (reference: 3000)"));
  augment_ = new QCheckBox(tr("Augmentations"));
  bf16_ = new QCheckBox(tr("bfloat16 autocast (trained blocks; weights and optimizer stay float32)"));
  seed_ = Spin(0, 2147483647, tr("Seed of the adapter init, pairs and augmentations"));
  probe_every_ = Spin(0, 10000000, tr("Steps between probes (0: only before and after training)"));
  probe_views_ = Spin(2, 200, tr("Views per held-out mesh (all ordered pairs are scored)"));
  probe_size_ = Spin(16, 4096, tr("Probe render size in pixels"));
  form->addRow(tr("Steps"), steps_);
  form->addRow(tr("Learning rate"), lr_);
  form->addRow(tr("Batch"), batch_);
  form->addRow(tr("Render size"), image_size_);
  form->addRow(tr("Model resolution"), target_res_);
  form->addRow(tr("Points per view"), points_);
  form->addRow(QString(), augment_);
  form->addRow(QString(), bf16_);
  form->addRow(tr("Seed"), seed_);
  form->addRow(tr("Probe every"), probe_every_);
  form->addRow(tr("Probe views"), probe_views_);
  form->addRow(tr("Probe render size"), probe_size_);
  return box;
}

QWidget* FinetuneSetup::BuildOutputBox() {
  auto* box = new QGroupBox(tr("Checkpoints"));
  auto* form = new QFormLayout(box);
  out_dir_ = new QLineEdit;
  out_dir_->setPlaceholderText(tr("run folder (last.ckpt, step-NNNNNN.ckpt, log.jsonl, probe.csv)"));
  save_every_ = Spin(0, 10000000, tr("Steps between checkpoints (0: only the last)"));
  resume_ = new QLineEdit;
  resume_->setPlaceholderText(tr("optional: continue from a checkpoint (optimizer state included)"));
  form->addRow(tr("Output folder"), WithBrowse(out_dir_, true, {}));
  form->addRow(tr("Save every"), save_every_);
  form->addRow(tr("Resume from"), WithBrowse(resume_, false, tr("Checkpoints (*.ckpt);;All files (*)")));
  return box;
}

FinetuneSettings FinetuneSetup::Settings() const {
  FinetuneSettings s;
  s.meshes = meshes_->Files();
  s.probe_meshes = probe_meshes_->Files();
  s.backbone = backbone_->currentText();
  s.reg = reg_->isChecked();
  s.weights = weights_->text().trimmed();
  s.random_init = random_init_->isChecked();
  s.steps = steps_->value();
  s.lr = lr_->value();
  s.batch = batch_->value();
  s.image_size = image_size_->value();
  s.target_res = target_res_->value();
  s.points = points_->value();
  s.augment = augment_->isChecked();
  s.bf16 = bf16_->isChecked();
  s.seed = seed_->value();
  s.save_every = save_every_->value();
  s.probe_every = probe_every_->value();
  s.probe_views = probe_views_->value();
  s.probe_size = probe_size_->value();
  s.out_dir = out_dir_->text().trimmed();
  s.resume = resume_->text().trimmed();
  return s;
}

void FinetuneSetup::SetSettings(const FinetuneSettings& s) {
  meshes_->SetFiles(s.meshes);
  probe_meshes_->SetFiles(s.probe_meshes);
  const QSignalBlocker block_backbone(backbone_), block_reg(reg_);
  backbone_->setCurrentText(s.backbone);
  reg_->setChecked(s.reg);
  weights_->setText(s.weights);
  random_init_->setChecked(s.random_init);
  weights_->setDisabled(s.random_init);
  steps_->setValue(s.steps);
  lr_->setValue(s.lr);
  batch_->setValue(s.batch);
  image_size_->setValue(s.image_size);
  target_res_->setValue(s.target_res);
  points_->setValue(s.points);
  augment_->setChecked(s.augment);
  bf16_->setChecked(s.bf16);
  seed_->setValue(static_cast<int>(s.seed));
  save_every_->setValue(s.save_every);
  probe_every_->setValue(s.probe_every);
  probe_views_->setValue(s.probe_views);
  probe_size_->setValue(s.probe_size);
  out_dir_->setText(s.out_dir);
  resume_->setText(s.resume);
  FindWeights();
}

void FinetuneSetup::FindWeights() {
  if (!weights_->text().isEmpty()) return;
  const std::string arch = backbone_->currentText().toStdString() + (reg_->isChecked() ? "_reg" : "");
  const model::CatalogEntry* entry = model::FindCatalogEntry(arch);
  if (!entry) return;
  const model::FoundWeights found = model::FindWeights(entry->backbone, model::DiscoveryOptions::FromEnvironment());
  weights_->setText(QString::fromStdString(found.path));
}

}  // namespace corrlens::ui
