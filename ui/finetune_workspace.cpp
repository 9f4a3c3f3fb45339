#include "ui/finetune_workspace.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMetaObject>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QStandardPaths>
#include <QVBoxLayout>

#include <cmath>
#include <memory>

#include "core/finetune/trainer.h"
#include "ui/backend_provider.h"
#include "ui/finetune_charts.h"
#include "ui/finetune_setup.h"
#include "ui/job_runner.h"
#include "ui/session_model.h"

namespace corrlens::ui {
namespace {

const QStringList kMeshSuffixes = {"obj", "ply", "glb", "gltf", "fbx", "stl", "off", "dae", "3ds", "blend"};

QString Duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return QStringLiteral("?");
  const qint64 s = static_cast<qint64>(seconds + 0.5);
  if (s >= 3600)
    return QStringLiteral("%1:%2:%3").arg(s / 3600).arg(s / 60 % 60, 2, 10, QChar('0')).arg(s % 60, 2, 10, QChar('0'));
  return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QChar('0'));
}

std::vector<std::string> ToStd(const QStringList& list) {
  std::vector<std::string> out;
  for (const QString& s : list) out.push_back(s.toStdString());
  return out;
}

finetune::FinetuneOptions ToOptions(const FinetuneSettings& s) {
  finetune::FinetuneOptions o;
  o.backbone = s.backbone.toStdString();
  o.reg = s.reg;
  o.weights = s.random_init ? std::string() : s.weights.toStdString();
  o.random_init = s.random_init;
  o.meshes = ToStd(s.meshes);
  o.steps = s.steps;
  o.batch = s.batch;
  o.lr = s.lr;
  o.seed = static_cast<uint64_t>(s.seed);
  o.target_res = s.target_res;
  o.data.image_size = s.image_size;
  o.data.points = s.points;
  o.data.augment.enabled = s.augment;
  o.bf16 = s.bf16;
  o.checkpoint_every = s.save_every;
  o.resume = s.resume.toStdString();
  o.probe.meshes = ToStd(s.probe_meshes);
  o.probe.every = s.probe_every;
  o.probe.views = s.probe_views;
  o.probe.image_size = s.probe_size;
  return o;
}

// Problems with the settings that the user can fix in the form.
QStringList Problems(const FinetuneSettings& s) {
  QStringList problems;
  if (s.meshes.isEmpty()) problems << QObject::tr("add training meshes");
  if (!s.random_init && s.weights.isEmpty())
    problems << QObject::tr("no backbone weights: choose the file of %1 or tick Random weights").arg(s.backbone);
  else if (!s.random_init && !QFileInfo::exists(s.weights))
    problems << QObject::tr("%1: weights file not found").arg(s.weights);
  if (!s.resume.isEmpty() && !QFileInfo::exists(s.resume))
    problems << QObject::tr("%1: checkpoint to resume from not found").arg(s.resume);
  for (const QString& m : s.meshes + s.probe_meshes)
    if (!QFileInfo::exists(m)) problems << QObject::tr("%1: mesh not found").arg(m);
  return problems;
}

bool HoldsRun(const QString& folder) {
  const QDir dir(folder);
  return dir.exists() && !dir.entryList({"*.ckpt", "log.jsonl", "probe.csv"}, QDir::Files).isEmpty();
}

QString Resolve(const QString& path, const QString& base_dir) {
  return path.isEmpty() || QFileInfo(path).isAbsolute() ? path : QDir(base_dir).filePath(path);
}

}  // namespace

QString FinetuneWorkspace::FreshRunFolder(const QString& wanted, const QString& base, const QString& arch) {
  const QString folder =
      wanted.isEmpty() ? QDir(base).filePath(arch + "-" + QDateTime::currentDateTime().toString("yyyyMMdd-hhmmss"))
                       : QDir::cleanPath(wanted);
  if (!HoldsRun(folder)) return folder;
  for (int n = 2;; ++n)
    if (!HoldsRun(folder + "-" + QString::number(n))) return folder + "-" + QString::number(n);
}

FinetuneWorkspace::FinetuneWorkspace(SessionModel* session, BackendProvider* provider, QWidget* parent)
    : Workspace(parent), session_(session), provider_(provider) {
  jobs_ = new JobRunner(this, 2);  // a run, and adding its adapter as a model
  setup_ = new FinetuneSetup;
  connect(setup_, &FinetuneSetup::errorOccurred, this, &Workspace::errorOccurred);
  auto* scroll = new QScrollArea;
  scroll->setWidget(setup_);
  scroll->setWidgetResizable(true);
  scroll->setMinimumWidth(setup_->sizeHint().width() + 24);  // no horizontal scrolling
  charts_ = new FinetuneCharts;
  progress_ = new QProgressBar;
  progress_->setRange(0, 1000);
  progress_->setFormat(QStringLiteral("%p%"));
  step_line_ = new QLabel(tr("Choose meshes and a backbone, then Start."));
  probe_line_ = new QLabel;
  for (QLabel* l : {step_line_, probe_line_}) l->setTextInteractionFlags(Qt::TextSelectableByMouse);
  start_ = new QPushButton(tr("Start"));
  cancel_ = new QPushButton(tr("Cancel"));
  add_model_ = new QPushButton(tr("Use in Pair workspace"));
  add_model_->setToolTip(tr("Adds the backbone with the newest checkpoint as a model and ticks it"));
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(start_);
  buttons->addWidget(cancel_);
  buttons->addStretch(1);
  buttons->addWidget(add_model_);
  auto* right = new QWidget;
  auto* column = new QVBoxLayout(right);
  column->addWidget(charts_, 1);
  column->addWidget(progress_);
  column->addWidget(step_line_);
  column->addWidget(probe_line_);
  column->addLayout(buttons);
  auto* splitter = new QSplitter;
  splitter->addWidget(scroll);
  splitter->addWidget(right);
  splitter->setStretchFactor(1, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(splitter);
  connect(start_, &QPushButton::clicked, this, [this] {
    QString error;
    if (!Start(&error)) emit errorOccurred(error);
  });
  connect(cancel_, &QPushButton::clicked, this, &FinetuneWorkspace::Cancel);
  connect(add_model_, &QPushButton::clicked, this, [this] {
    QString error;
    if (!AddTrainedModel(&error)) emit errorOccurred(error);
  });
  connect(jobs_, &JobRunner::jobProgress, this, [this](quint64 id, double fraction, const QString& message) {
    if (id != job_) return;
    progress_->setValue(static_cast<int>(fraction * 1000));
    if (message.startsWith("probe")) SetStatus(tr("Finetune: %1").arg(message));
  });
  connect(jobs_, &JobRunner::jobFailed, this, [this](quint64 id, const QString&, const QString& error) {
    if (id == job_) OnEnded(false, tr("failed: %1").arg(error));
    if (id != add_job_) return;
    add_job_ = 0;
    UpdateButtons();
    emit errorOccurred(tr("Adding the trained model failed: %1").arg(error));
  });
  connect(jobs_, &JobRunner::jobCancelled, this, [this](quint64 id) {
    if (id == job_) OnEnded(false, tr("cancelled"));
    if (id != add_job_) return;
    add_job_ = 0;
    UpdateButtons();
  });
  UpdateButtons();
}

FinetuneWorkspace::~FinetuneWorkspace() {
  jobs_->CancelAll();
  jobs_->WaitForAll();
}

QList<QAction*> FinetuneWorkspace::Actions(WorkspaceMenu) const { return {}; }

bool FinetuneWorkspace::CanOpen(const QStringList& files) const {
  if (files.isEmpty()) return false;
  for (const QString& f : files)
    if (!kMeshSuffixes.contains(QFileInfo(f).suffix().toLower())) return false;
  return true;
}

bool FinetuneWorkspace::Open(const QStringList& files, std::optional<QPoint>, QString* error) {
  for (const QString& f : files) {
    if (!QFileInfo::exists(f)) {
      if (error) *error = tr("%1: no such file").arg(f);
      return false;
    }
  }
  setup_->TrainingMeshes()->Add(files);
  return true;
}

QJsonObject FinetuneWorkspace::SaveDocument() const { return setup_->Settings().ToJson(); }

bool FinetuneWorkspace::LoadDocument(const QJsonObject& json, const QString& base_dir, QString*) {
  FinetuneSettings s = FinetuneSettings::FromJson(json);
  for (QStringList* list : {&s.meshes, &s.probe_meshes})
    for (QString& m : *list) m = Resolve(m, base_dir);
  for (QString* path : {&s.weights, &s.out_dir, &s.resume}) *path = Resolve(*path, base_dir);
  setup_->SetSettings(s);
  return true;
}

QString FinetuneWorkspace::Status() const { return status_; }

void FinetuneWorkspace::SetStatus(const QString& text) {
  if (text == status_) return;
  status_ = text;
  emit statusChanged();
}

void FinetuneWorkspace::UpdateButtons() {
  start_->setEnabled(!Running());
  cancel_->setEnabled(Running());
  setup_->setEnabled(!Running());
  add_model_->setEnabled(provider_ && !checkpoint_.isEmpty() && add_job_ == 0);
}

bool FinetuneWorkspace::Start(QString* error) {
  const FinetuneSettings s = setup_->Settings();
  QStringList problems = Problems(s);
  if (Running()) problems.prepend(tr("a run is already going"));
  finetune::FinetuneOptions options = ToOptions(s);
  const QString arch = QString::fromStdString(options.Arch());
  const QString base = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/finetune";
  // Resuming from a checkpoint of the output folder continues that run there.
  const bool continuing = !s.resume.isEmpty() && !s.out_dir.isEmpty() &&
                          QFileInfo(s.resume).absolutePath() == QDir(s.out_dir).absolutePath();
  const QString folder = continuing ? QDir::cleanPath(s.out_dir) : FreshRunFolder(s.out_dir, base, arch);
  options.out_dir = folder.toStdString();
  options.save_backbone = s.random_init;  // so the result can be loaded as a model
  if (problems.isEmpty() && !options.Check()) problems << tr("invalid settings");
  if (!problems.isEmpty()) {
    if (error) *error = tr("Cannot start finetuning: %1").arg(problems.join("; "));
    return false;
  }
  run_folder_ = folder;
  arch_ = arch;
  backbone_weights_ = s.random_init ? QDir(folder).filePath(finetune::kBackboneFileName) : s.weights;
  checkpoint_.clear();
  charts_->Clear();
  progress_->setValue(0);
  probe_line_->clear();
  const bool renamed = !s.out_dir.isEmpty() && QDir::cleanPath(s.out_dir) != folder;
  step_line_->setText(renamed ? tr("%1 already holds a run: writing to %2").arg(s.out_dir, folder)
                              : tr("Writing to %1").arg(folder));
  finetune::FinetuneHooks hooks;
  hooks.on_step = [this](const finetune::StepInfo& i) {
    QMetaObject::invokeMethod(
        this,
        [this, step = i.step, total = i.total, loss = i.loss, rate = i.steps_per_s, eta = i.eta_s,
         checkpoint = QString::fromStdString(i.checkpoint)] { OnStep(step, total, loss, rate, eta, checkpoint); },
        Qt::QueuedConnection);
  };
  hooks.on_probe = [this](const finetune::ProbeResult& p) {
    const double pcdp = p.pcdp.size() > 1 ? p.pcdp[1].second : std::nan("");  // PCDP@0.1
    QMetaObject::invokeMethod(
        this, [this, step = p.step, ape = p.ape, pcdp] { OnProbe(step, ape, pcdp); }, Qt::QueuedConnection);
  };
  hooks.on_warning = [this](const std::string& w) {
    QMetaObject::invokeMethod(
        this, [this, text = QString::fromStdString(w)] { emit errorOccurred(text); }, Qt::QueuedConnection);
  };
  auto last = std::make_shared<std::string>();
  job_ = jobs_->Run(
      tr("Finetune %1").arg(arch),
      [options, hooks, last](Progress& progress, const CancelToken& cancel) {
        *last = finetune::RunFinetune(options, progress, cancel, hooks).checkpoint;
      },
      [this, last] {
        checkpoint_ = QString::fromStdString(*last);
        OnEnded(true, tr("finished"));
      });
  SetStatus(tr("Finetune: starting %1 on %n mesh(es)", nullptr, s.meshes.size()).arg(arch));
  UpdateButtons();
  return true;
}

void FinetuneWorkspace::Cancel() {
  if (Running()) jobs_->Cancel(job_);
}

void FinetuneWorkspace::OnStep(qint64 step, qint64 total, double loss, double steps_per_s, double eta_s,
                               const QString& checkpoint) {
  charts_->AddLoss(step, loss);
  if (!checkpoint.isEmpty()) checkpoint_ = checkpoint;
  const QString text = tr("step %1/%2 · loss %3 · %4 steps/s · ETA %5")
                           .arg(step)
                           .arg(total)
                           .arg(std::isnan(loss) ? tr("n/a (no positive pair)") : QString::number(loss, 'f', 4))
                           .arg(steps_per_s, 0, 'g', 3)
                           .arg(Duration(eta_s));
  step_line_->setText(text);
  SetStatus(tr("Finetune: %1").arg(text));
  UpdateButtons();
}

void FinetuneWorkspace::OnProbe(qint64 step, double ape, double pcdp) {
  charts_->AddProbe(step, ape, pcdp);
  probe_line_->setText(
      tr("probe at step %1: APE %2% · PCDP@0.1 %3%").arg(step).arg(100 * ape, 0, 'f', 2).arg(100 * pcdp, 0, 'f', 2));
}

void FinetuneWorkspace::OnEnded(bool finished, const QString& message) {
  job_ = 0;
  if (checkpoint_.isEmpty() && QFileInfo::exists(QDir(run_folder_).filePath("last.ckpt")))
    checkpoint_ = QDir(run_folder_).filePath("last.ckpt");  // written when a run is cancelled
  if (finished) progress_->setValue(progress_->maximum());
  QString where = checkpoint_.isEmpty() ? tr("no checkpoint") : tr("checkpoint %1").arg(checkpoint_);
  if (!finished && !checkpoint_.isEmpty()) {  // Start continues the run (a pause)
    FinetuneSettings s = setup_->Settings();
    s.resume = checkpoint_;
    s.out_dir = run_folder_;
    setup_->SetSettings(s);
    where += tr("; Start continues from it, clear Resume from for a new run");
  }
  step_line_->setText(tr("Run %1 (%2)").arg(message, where));
  SetStatus(tr("Finetune: %1").arg(message));
  UpdateButtons();
  emit runEnded(finished);
}

bool FinetuneWorkspace::AddTrainedModel(QString* error) {
  QString problem;
  if (!provider_)
    problem = tr("no model registry in this window");
  else if (checkpoint_.isEmpty())
    problem = tr("no checkpoint yet");
  else if (add_job_ != 0)
    problem = tr("the model is being added");
  if (!problem.isEmpty()) {
    if (error) *error = tr("Cannot add the trained model: %1").arg(problem);
    return false;
  }
  auto entry = std::make_shared<ModelEntry>();
  BackendProvider* provider = provider_;
  const QString arch = arch_, weights = backbone_weights_, adapter = checkpoint_;
  add_job_ = jobs_->Run(
      tr("Load %1").arg(QFileInfo(adapter).fileName()),
      [provider, arch, weights, adapter, entry](Progress&, const CancelToken&) {
        *entry = provider->AddCustom(arch, weights, adapter);
      },
      [this, entry] {
        add_job_ = 0;
        QStringList models = session_->Models();
        if (!models.contains(entry->id)) models << entry->id;
        emit modelAdded(entry->id);  // the models panel lists it first, then it is ticked
        session_->SetModels(models);
        SetStatus(tr("Finetune: added %1; it is ticked in the models panel").arg(entry->display_name));
        UpdateButtons();
      });
  UpdateButtons();
  return true;
}

}  // namespace corrlens::ui
