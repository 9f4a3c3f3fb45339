#include "ui/history_view.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include "ui/benchmark_charts.h"
#include "ui/benchmark_table.h"
#include "ui/results_store.h"

namespace corrlens::ui {
namespace {

QString Q(const std::string& s) { return QString::fromStdString(s); }

QTableWidget* MakeTable(const QStringList& headers) {
  auto* table = new QTableWidget(0, headers.size());
  table->setHorizontalHeaderLabels(headers);
  table->setSelectionBehavior(QAbstractItemView::SelectRows);
  table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table->verticalHeader()->hide();
  table->horizontalHeader()->setStretchLastSection(true);
  return table;
}

void SetRow(QTableWidget* table, int row, const QStringList& cells) {
  for (int c = 0; c < cells.size(); ++c) table->setItem(row, c, new QTableWidgetItem(cells[c]));
}

}  // namespace

QVector<MetricDelta> CompareReports(const std::vector<bench::Report>& a, const std::vector<bench::Report>& b) {
  QVector<MetricDelta> deltas;
  for (const bench::Report& ra : a) {
    for (const bench::Report& rb : b) {
      if (ra.task != rb.task) continue;
      for (const bench::ReportRow& row_a : ra.rows) {
        for (const bench::ReportRow& row_b : rb.rows) {
          if (row_a.model != row_b.model || row_a.method != row_b.method) continue;
          for (const bench::Metric& m : row_a.metrics.values) {
            if (!row_b.metrics.Has(m.name) || m.unit == bench::Unit::kCount || m.unit == bench::Unit::kSeconds)
              continue;
            const double vb = row_b.metrics.Get(m.name);
            deltas.push_back({Q(ra.task), Q(row_a.model), Q(row_a.method), Q(m.name), m.unit, m.value, vb,
                              LowerIsBetter(m) ? vb < m.value : vb > m.value});
          }
        }
      }
    }
  }
  return deltas;
}

QString FormatDelta(const MetricDelta& delta) {
  const double d = delta.b - delta.a;
  const QString sign = d > 0 ? QStringLiteral("+") : QString();
  if (delta.unit == bench::Unit::kFraction) return sign + QString::number(100.0 * d, 'f', 2) + QStringLiteral(" pp");
  if (delta.unit == bench::Unit::kPixels) return sign + QString::number(d, 'f', 2) + QStringLiteral(" px");
  return sign + QString::number(d, 'g', 4);
}

HistoryView::HistoryView(ResultsStore* store, QWidget* parent) : QWidget(parent), store_(store) {
  runs_ = MakeTable({tr("Run"), tr("Started"), tr("Status"), tr("Preset"), tr("Tasks"), tr("Models"), tr("Stored")});
  runs_->setObjectName("history_runs");
  runs_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  deltas_ = MakeTable({tr("Task"), tr("Model"), tr("Method"), tr("Metric"), tr("First"), tr("Second"), tr("Change")});
  deltas_->setObjectName("history_deltas");
  charts_ = new BenchmarkCharts;
  show_ = new QPushButton(tr("&Show"));
  show_->setToolTip(tr("Show the selected run in the Results view"));
  compare_ = new QPushButton(tr("&Compare"));
  compare_->setToolTip(tr("Compare the two selected runs: metric changes and overlaid curves"));
  delete_ = new QPushButton(tr("&Delete"));
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(new QLabel(tr("Select one run to show it, two to compare them.")), 1);
  for (QPushButton* b : {show_, compare_, delete_}) buttons->addWidget(b);
  auto* top = new QWidget;
  auto* top_layout = new QVBoxLayout(top);
  top_layout->setContentsMargins(0, 0, 0, 0);
  top_layout->addWidget(runs_);
  top_layout->addLayout(buttons);
  auto* bottom = new QSplitter(Qt::Horizontal);
  bottom->addWidget(deltas_);
  bottom->addWidget(charts_);
  auto* splitter = new QSplitter(Qt::Vertical);
  splitter->addWidget(top);
  splitter->addWidget(bottom);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(splitter);
  connect(runs_, &QTableWidget::itemSelectionChanged, this, &HistoryView::UpdateButtons);
  connect(runs_, &QTableWidget::cellDoubleClicked, this,
          [this](int row, int) { emit showRun(runs_->item(row, 0)->text().toLongLong()); });
  connect(show_, &QPushButton::clicked, this, [this] {
    if (SelectedRuns().size() == 1) emit showRun(SelectedRuns().front());
  });
  connect(compare_, &QPushButton::clicked, this, &HistoryView::CompareSelected);
  connect(delete_, &QPushButton::clicked, this, &HistoryView::DeleteSelected);
  Refresh();
}

void HistoryView::Refresh() {
  const QVector<RunInfo> runs = store_ && store_->IsOpen() ? store_->ListRuns() : QVector<RunInfo>();
  runs_->setRowCount(runs.size());
  for (int r = 0; r < runs.size(); ++r) {
    const RunInfo& run = runs[r];
    SetRow(runs_, r,
           {QString::number(run.id), run.started.toLocalTime().toString("yyyy-MM-dd hh:mm:ss"),
            RunStatusName(run.status), run.settings.preset, run.settings.tasks.join(", "),
            run.settings.models.join(", "), tr("%1 of %2 tasks").arg(run.reports).arg(run.settings.tasks.size())});
  }
  runs_->resizeColumnsToContents();
  UpdateButtons();
}

QVector<qint64> HistoryView::SelectedRuns() const {
  QVector<qint64> ids;
  for (const QModelIndex& index : runs_->selectionModel()->selectedRows())
    ids << runs_->item(index.row(), 0)->text().toLongLong();
  return ids;
}

void HistoryView::UpdateButtons() {
  const int selected = static_cast<int>(SelectedRuns().size());
  show_->setEnabled(selected == 1);
  compare_->setEnabled(selected == 2);
  delete_->setEnabled(selected >= 1);
}

bool HistoryView::Compare(qint64 a, qint64 b, QString* error) {
  if (!store_ || !store_->IsOpen()) {
    if (error) *error = tr("no results database");
    return false;
  }
  const auto run_a = store_->LoadRun(a, error);
  const auto run_b = run_a ? store_->LoadRun(b, error) : std::nullopt;
  if (!run_a || !run_b) return false;
  const QVector<MetricDelta> deltas = CompareReports(run_a->reports, run_b->reports);
  deltas_->setRowCount(deltas.size());
  deltas_->setHorizontalHeaderLabels(
      {tr("Task"), tr("Model"), tr("Method"), tr("Metric"), tr("Run %1").arg(a), tr("Run %1").arg(b), tr("Change")});
  for (int r = 0; r < deltas.size(); ++r) {
    const MetricDelta& d = deltas[r];
    SetRow(deltas_, r,
           {d.task, d.model, d.method, d.metric, FormatMetric({d.metric.toStdString(), d.a, d.unit}),
            FormatMetric({d.metric.toStdString(), d.b, d.unit}), FormatDelta(d)});
    if (d.a != d.b) deltas_->item(r, 6)->setForeground(d.better ? QColor(0, 128, 0) : QColor(192, 0, 0));
  }
  deltas_->resizeColumnsToContents();
  charts_->SetComparison(run_a->reports, run_b->reports, tr("(run %1)").arg(a), tr("(run %1)").arg(b));
  return true;
}

void HistoryView::CompareSelected() {
  QVector<qint64> ids = SelectedRuns();
  if (ids.size() != 2) return;
  std::sort(ids.begin(), ids.end());  // older first: changes read as "since"
  QString error;
  if (!Compare(ids[0], ids[1], &error)) emit errorOccurred(error);
}

void HistoryView::DeleteSelected() {
  const QVector<qint64> ids = SelectedRuns();
  if (ids.isEmpty() || !store_) return;
  if (isVisible() &&
      QMessageBox::question(this, tr("Delete Runs"), tr("Delete %n run(s) from the history?", "", ids.size())) !=
          QMessageBox::Yes)
    return;
  QString error;
  for (qint64 id : ids) {
    if (!store_->DeleteRun(id, &error)) emit errorOccurred(error);
  }
  Refresh();
}

}  // namespace corrlens::ui
