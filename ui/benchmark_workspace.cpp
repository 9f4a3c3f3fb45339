#include "ui/benchmark_workspace.h"

#include <QAction>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QJsonValue>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>

#include "core/bench/pf_pascal.h"
#include "core/bench/task_catalog.h"
#include "core/bench/transfer_task.h"
#include "core/util/error.h"
#include "ui/backend_provider.h"
#include "ui/benchmark_charts.h"
#include "ui/benchmark_runner.h"
#include "ui/benchmark_setup.h"
#include "ui/benchmark_table.h"
#include "ui/history_view.h"
#include "ui/session_model.h"

namespace corrlens::ui {
namespace {

QString Attribute(const ItemEntry& item, const std::string& key) {
  for (const auto& [k, v] : item.attributes)
    if (k == key) return QString::fromStdString(v);
  return {};
}

}  // namespace

BenchmarkWorkspace::BenchmarkWorkspace(SessionModel* session, JobRunner* jobs, BackendProvider* provider,
                                       const BenchmarkSettings& settings, const QString& database, QWidget* parent)
    : Workspace(parent), session_(session), provider_(provider), store_(std::make_unique<ResultsStore>()) {
  if (!store_->Open(database.isEmpty() ? QStringLiteral(":memory:") : database, &database_error_))
    database_error_ = tr("Runs are not kept: %1").arg(database_error_);
  runner_ = std::make_unique<BenchmarkRunner>(jobs, store_.get());
  setup_ = new BenchmarkSetup(settings);
  setup_->setMinimumWidth(320);
  setup_->setMaximumWidth(440);
  history_ = new HistoryView(store_.get());
  tabs_ = new QTabWidget;
  tabs_->addTab(CreateResultsTab(), tr("Results"));
  tabs_->addTab(history_, tr("History"));
  auto* splitter = new QSplitter(Qt::Horizontal);
  splitter->addWidget(setup_);
  splitter->addWidget(tabs_);
  splitter->setStretchFactor(1, 1);
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(splitter);
  CreateActions();
  ConnectRunner();
  connect(setup_, &BenchmarkSetup::runRequested, this, [this] {
    QString error;
    if (!Run(&error)) emit errorOccurred(error);
  });
  connect(setup_, &BenchmarkSetup::cancelRequested, runner_.get(), &BenchmarkRunner::Cancel);
  connect(setup_, &BenchmarkSetup::settingsChanged, this, [this] { emit settingsChanged(setup_->Settings()); });
  connect(tables_, &BenchmarkTables::itemActivated, this, [this](const ItemEntry& item) {
    QString error;
    if (!OpenItem(item, &error)) emit errorOccurred(error);
  });
  connect(history_, &HistoryView::showRun, this, [this](qint64 id) {
    QString error;
    if (!ShowRun(id, &error)) emit errorOccurred(error);
  });
  connect(history_, &HistoryView::errorOccurred, this, &Workspace::errorOccurred);
  if (session_) connect(session_, &SessionModel::modelsChanged, this, &BenchmarkWorkspace::RefreshModels);
  RefreshModels();
  heading_->setText(database_error_.isEmpty() ? tr("No run shown yet: tick models and tasks, then Run.")
                                              : database_error_);
}

BenchmarkWorkspace::~BenchmarkWorkspace() = default;

QWidget* BenchmarkWorkspace::CreateResultsTab() {
  heading_ = new QLabel;
  heading_->setObjectName("benchmark_heading");
  heading_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  notes_ = new QLabel;
  notes_->setWordWrap(true);
  notes_->setStyleSheet("color: #666");
  charts_ = new BenchmarkCharts;
  auto* scroll = new QScrollArea;
  scroll->setWidget(charts_);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->viewport()->installEventFilter(charts_);  // columns follow the visible width
  tables_ = new BenchmarkTables;
  auto* splitter = new QSplitter(Qt::Vertical);
  splitter->addWidget(scroll);
  splitter->addWidget(tables_);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 2);
  splitter->setSizes({440, 260});
  scroll->setMinimumHeight(320);
  auto* tab = new QWidget;
  auto* layout = new QVBoxLayout(tab);
  layout->addWidget(heading_);
  layout->addWidget(notes_);
  layout->addWidget(splitter, 1);
  return tab;
}

void BenchmarkWorkspace::CreateActions() {
  auto* run = new QAction(tr("&Run Benchmark"), this);
  run->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
  connect(run, &QAction::triggered, setup_, [this] {
    if (setup_->RunButton()->isEnabled()) emit setup_->runRequested();
  });
  auto* cancel = new QAction(tr("Cancel &Benchmark"), this);
  connect(cancel, &QAction::triggered, runner_.get(), &BenchmarkRunner::Cancel);
  edit_actions_ = {run, cancel};
  auto* charts = new QAction(tr("Export Benchmark C&harts..."), this);
  connect(charts, &QAction::triggered, this, &BenchmarkWorkspace::ExportChartsDialog);
  auto* json = new QAction(tr("Export Benchmark Run as &JSON..."), this);
  connect(json, &QAction::triggered, this, [this] { ExportRunDialog(true); });
  auto* csv = new QAction(tr("Export Benchmark Run as CS&V..."), this);
  connect(csv, &QAction::triggered, this, [this] { ExportRunDialog(false); });
  export_actions_ = {charts, json, csv};
}

void BenchmarkWorkspace::ConnectRunner() {
  BenchmarkRunner* runner = runner_.get();
  connect(runner, &BenchmarkRunner::started, this, [this, runner](qint64 id) {
    setup_->SetRunning(true);
    tabs_->setCurrentIndex(0);
    shown_run_ = id;
    ShowReports({}, runner->Settings(), tr("Run %1: running…").arg(id));
    emit statusChanged();
  });
  connect(runner, &BenchmarkRunner::progressChanged, this, [this, runner] {
    setup_->ShowProgress(runner->LastProgress());
    emit statusChanged();
  });
  auto show_so_far = [this, runner] {
    ShowReports(runner->Reports(), runner->Settings(), tr("Run %1: running…").arg(runner->RunId()), runner->Failures());
  };
  connect(runner, &BenchmarkRunner::taskFinished, this, show_so_far);
  connect(runner, &BenchmarkRunner::failureAdded, this, show_so_far);
  connect(runner, &BenchmarkRunner::finished, this, &BenchmarkWorkspace::OnRunFinished);
}

void BenchmarkWorkspace::OnRunFinished() {
  setup_->SetRunning(false);
  ShowReports(runner_->Reports(), runner_->Settings(),
              tr("Run %1: %2").arg(runner_->RunId()).arg(RunStatusName(runner_->Status())), runner_->Failures());
  history_->Refresh();
  emit statusChanged();
}

void BenchmarkWorkspace::RefreshModels() {
  if (provider_) setup_->SetModels(provider_->Models(), session_ ? session_->Models() : QStringList());
}

void BenchmarkWorkspace::showEvent(QShowEvent* event) {
  Workspace::showEvent(event);
  if (!runner_->IsRunning()) history_->Refresh();
}

bool BenchmarkWorkspace::Run(QString* error) {
  if (!provider_) {
    if (error) *error = tr("Benchmark: no model backends in this window");
    return false;
  }
  if (!runner_->Start(setup_->Plan(), provider_->Features(), error)) {
    if (error) *error = tr("Benchmark: %1").arg(*error);
    return false;
  }
  return true;
}

void BenchmarkWorkspace::ShowReports(const std::vector<bench::Report>& reports, const RunSettings& settings,
                                     const QString& heading, const QVector<TaskFailure>& failures) {
  shown_settings_ = settings;
  heading_->setText(QStringLiteral("%1 · %2 preset · %3 × %4")
                        .arg(heading, settings.preset, settings.tasks.join(", "), settings.models.join(", ")));
  QStringList notes;
  for (const bench::Report& report : reports)
    for (const std::string& note : report.notes)
      if (note.rfind("failed: ", 0) != 0) notes << QString::fromStdString(report.task + ": " + note);
  notes.removeDuplicates();
  for (const TaskFailure& f : failures) notes << tr("failed: %1, %2: %3").arg(f.task, f.model, f.message);
  notes_->setText(notes.join('\n'));
  notes_->setVisible(!notes.isEmpty());
  charts_->SetReports(reports, settings.protocols);
  tables_->SetReports(reports, settings.protocols);
}

bool BenchmarkWorkspace::ShowRun(qint64 run_id, QString* error) {
  const std::optional<StoredRun> run = store_->LoadRun(run_id, error);
  if (!run) return false;
  shown_run_ = run_id;
  ShowReports(run->reports, run->info.settings,
              tr("Run %1 (%2): %3")
                  .arg(run_id)
                  .arg(run->info.started.toLocalTime().toString("yyyy-MM-dd hh:mm"), RunStatusName(run->info.status)),
              run->failures);
  tabs_->setCurrentIndex(0);
  emit statusChanged();
  return true;
}

bool BenchmarkWorkspace::OpenItem(const ItemEntry& item, QString* error) {
  if (item.task == "transfer" && !Attribute(item, "row").isEmpty()) return OpenTransferPair(item, error);
  if (item.task == "tracking") return OpenTrackingVideo(item, error);
  if (item.task == "pose") return OpenPoseFrame(item, error);
  const QString source = Attribute(item, "source"), target = Attribute(item, "target");
  if (!source.isEmpty() && !target.isEmpty()) {
    emit openPairRequested(source, target, {});
    return true;
  }
  if (error) {
    const QString mesh = Attribute(item, "mesh");
    *error = mesh.isEmpty() ? tr("%1: a summary item; open one of its pairs").arg(item.item)
                            : tr("%1: no workspace shows meshes yet").arg(mesh);
  }
  return false;
}

bool BenchmarkWorkspace::OpenTransferPair(const ItemEntry& item, QString* error) {
  bench::TransferTaskOptions options;
  const QString dataset = shown_settings_.datasets.value("transfer");
  options.dataset = dataset.isEmpty() ? bench::DefaultDataset("transfer") : dataset.toStdString();
  try {
    options.protocol =
        bench::TransferProtocolFromName(shown_settings_.protocols.value("transfer", "paper").toStdString());
    const bench::PfPascalPairs pairs = bench::ReadPfPascalPairs(options.PairsPath());
    const int row = Attribute(item, "row").toInt();
    for (const bench::PfPascalPair& pair : pairs.pairs) {
      if (pair.row != row) continue;
      QVector<QPointF> points;
      for (const cv::Point2d& p : pair.source_points) points << QPointF(p.x, p.y);
      emit openPairRequested(QString::fromStdString(pairs.ImagePath(pair.source_image)),
                             QString::fromStdString(pairs.ImagePath(pair.target_image)), points);
      return true;
    }
    if (error) *error = tr("%1: no row %2").arg(QString::fromStdString(pairs.csv)).arg(row);
  } catch (const Error& e) {
    if (error) *error = QString::fromStdString(e.what());
  }
  return false;
}

bool BenchmarkWorkspace::OpenTrackingVideo(const ItemEntry& item, QString* error) {
  const QString source = Attribute(item, "source");
  if (source.isEmpty() || !QFileInfo::exists(source)) {
    // The official pickle embeds its videos ("<pickle>:<name>"): no file to open.
    if (error)
      *error = source.isEmpty() ? tr("%1: the item names no video").arg(item.item)
                                : tr("%1: not a video file or frames folder (videos inside tapvid_davis.pkl cannot be "
                                     "opened; the strided layout's tapvid-davis/<idx>/video folders can)")
                                      .arg(source);
    return false;
  }
  emit openVideoRequested(source, Attribute(item, "worst_frame").toInt());  // 0 when unknown
  return true;
}

bool BenchmarkWorkspace::OpenPoseFrame(const ItemEntry& item, QString* error) {
  QString folder = Attribute(item, "folder");
  const QString object = Attribute(item, "object");
  if (folder.isEmpty() && !object.isEmpty()) {  // runs stored before frames named their folder
    const QString dataset = shown_settings_.datasets.value("pose");
    folder = QDir(dataset.isEmpty() ? QString::fromStdString(bench::DefaultDataset("pose")) : dataset)
                 .filePath("lowtexture_test_data/" + object);
  }
  if (folder.isEmpty()) {
    if (error) *error = tr("%1: the item names no object").arg(item.item);
    return false;
  }
  emit openPoseFrameRequested(folder, Attribute(item, "frame"));
  return true;
}

QList<QAction*> BenchmarkWorkspace::Actions(WorkspaceMenu menu) const {
  if (menu == WorkspaceMenu::kExport) return export_actions_;
  if (menu == WorkspaceMenu::kEdit) return edit_actions_;
  return {};
}

bool BenchmarkWorkspace::Open(const QStringList& files, std::optional<QPoint>, QString* error) {
  if (error) *error = tr("%1: the Benchmark workspace opens no files").arg(files.value(0));
  return false;
}

QJsonObject BenchmarkWorkspace::SaveDocument() const {
  QJsonObject json;
  if (shown_run_ >= 0) json.insert("run", shown_run_);
  return json;
}

bool BenchmarkWorkspace::LoadDocument(const QJsonObject& json, const QString&, QString* error) {
  const QJsonValue run = json.value("run");
  if (run.isUndefined()) return true;
  if (!run.isDouble()) {
    if (error) *error = tr("\"run\" is not a run number");
    return false;
  }
  QString ignored;  // a run deleted since the session was saved is not an error
  ShowRun(run.toInteger(), &ignored);
  return true;
}

QString BenchmarkWorkspace::Status() const {
  if (runner_->IsRunning()) return tr("Benchmark: %1").arg(runner_->LastProgress().Text());
  if (!database_error_.isEmpty()) return database_error_;
  if (shown_run_ >= 0) return tr("Benchmark run %1 shown; double-click an item to open it").arg(shown_run_);
  return tr("Tick models and tasks, then Run (Ctrl+R)");
}

void BenchmarkWorkspace::ExportChartsDialog() {
  const QString path =
      QFileDialog::getSaveFileName(this, tr("Export Benchmark Charts"), QStringLiteral("benchmark.png"),
                                   tr("PNG images (*.png);;SVG drawings (*.svg)"));
  QString error;
  if (!path.isEmpty() && !charts_->ExportAll(path, &error)) emit errorOccurred(error);
}

void BenchmarkWorkspace::ExportRunDialog(bool json) {
  if (shown_run_ < 0) {
    emit errorOccurred(tr("No benchmark run is shown"));
    return;
  }
  const QString path =
      QFileDialog::getSaveFileName(this, tr("Export Benchmark Run"),
                                   QStringLiteral("benchmark-run-%1.%2").arg(shown_run_).arg(json ? "json" : "csv"),
                                   json ? tr("JSON (*.json)") : tr("CSV (*.csv)"));
  if (path.isEmpty()) return;
  QString error;
  if (!(json ? store_->ExportRunJson(shown_run_, path, &error) : store_->ExportRunCsv(shown_run_, path, &error)))
    emit errorOccurred(error);
}

}  // namespace corrlens::ui
