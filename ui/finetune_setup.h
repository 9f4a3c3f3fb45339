// The form of the Finetune workspace: training and held-out meshes (files,
// folders, the assimp-testmodels examples), backbone and weights, the main
// hyper-parameters with the reference's defaults, probe, output folder and
// resume checkpoint. Plain Qt; the workspace turns its settings into
// finetune::FinetuneOptions.
#pragma once

#include <QJsonObject>
#include <QStringList>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QListWidget;
class QSpinBox;

namespace corrlens::ui {

// What the form holds (defaults: the reference's, PROTOCOLS.md section 3).
struct FinetuneSettings {
  QStringList meshes;        // training meshes
  QStringList probe_meshes;  // held-out meshes of the probe ("" = no probe)
  QString backbone = QStringLiteral("dinov2_vits14");
  bool reg = false;          // registers variant
  QString weights;           // backbone weights file
  bool random_init = false;  // random backbone (demos and tests only)
  int steps = 1000;
  double lr = 1e-5;
  int batch = 1;         // the reference's (only 1)
  int image_size = 512;  // renders
  int target_res = 640;  // model input: longer side / 8 tokens
  int points = 3000;     // per view
  bool augment = true;
  bool bf16 = false;  // bfloat16 autocast in the trained blocks
  qint64 seed = 42;
  int save_every = 0;   // steps between checkpoints (0: only the last)
  int probe_every = 0;  // steps between probes (0: before and after only)
  int probe_views = 6;
  int probe_size = 256;
  QString out_dir;  // run folder
  QString resume;   // checkpoint to continue from ("" = new run)

  QJsonObject ToJson() const;
  // Missing keys keep their defaults.
  static FinetuneSettings FromJson(const QJsonObject& json);
};

// The examples: assimp-testmodels meshes that exist on this machine.
QStringList ExampleTrainingMeshes();
QStringList ExampleProbeMeshes();

// The DINOv2 backbones the trainer takes.
QStringList FinetuneBackbones();

// A list of mesh files with Add files / Add folder / Examples / Remove.
class MeshListEditor : public QWidget {
  Q_OBJECT
 public:
  MeshListEditor(const QString& title, QStringList (*examples)(), QWidget* parent = nullptr);
  QStringList Files() const;
  void SetFiles(const QStringList& files);
  // Adds files not yet listed.
  void Add(const QStringList& files);

 signals:
  void changed();
  void errorOccurred(const QString& message);

 private:
  QListWidget* list_;
};

class FinetuneSetup : public QWidget {
  Q_OBJECT
 public:
  explicit FinetuneSetup(QWidget* parent = nullptr);

  FinetuneSettings Settings() const;
  void SetSettings(const FinetuneSettings& settings);
  MeshListEditor* TrainingMeshes() const { return meshes_; }
  MeshListEditor* ProbeMeshes() const { return probe_meshes_; }
  // Fills the weights field from the model caches when a file is found
  // for the chosen backbone and the field is empty.
  void FindWeights();

 signals:
  void errorOccurred(const QString& message);

 private:
  QWidget* BuildModelBox();
  QWidget* BuildTrainingBox();
  QWidget* BuildOutputBox();

  MeshListEditor* meshes_;
  MeshListEditor* probe_meshes_;
  QComboBox* backbone_;
  QCheckBox* reg_;
  QLineEdit* weights_;
  QCheckBox* random_init_;
  QSpinBox* steps_;
  QDoubleSpinBox* lr_;
  QSpinBox* batch_;
  QSpinBox* image_size_;
  QSpinBox* target_res_;
  QSpinBox* points_;
  QCheckBox* augment_;
  QCheckBox* bf16_;
  QSpinBox* seed_;
  QSpinBox* save_every_;
  QSpinBox* probe_every_;
  QSpinBox* probe_views_;
  QSpinBox* probe_size_;
  QLineEdit* out_dir_;
  QLineEdit* resume_;
};

}  // namespace corrlens::ui
