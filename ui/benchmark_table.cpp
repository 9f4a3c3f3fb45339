#include "ui/benchmark_table.h"

#include <QFont>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

#include "core/bench/paper_results.h"
#include "ui/benchmark_charts.h"

namespace corrlens::ui {
namespace {

QString Q(const std::string& s) { return QString::fromStdString(s); }

// Counts and times describe the run, not the accuracy: no column of their own.
bool IsTableMetric(const bench::Metric& m) { return m.unit != bench::Unit::kCount && m.unit != bench::Unit::kSeconds; }

// The item's error, the larger the worse: its mean pixel error, its APE, a
// pose frame's k of k cm-k deg (the larger of its two errors), a tracking
// video's 1 - average Jaccard; -1 when it has none.
double ItemError(const bench::ReportItem& item) {
  const bench::Metrics& m = item.metrics;
  if (m.Has("mean_error_px")) return m.Get("mean_error_px");
  if (m.Has("ape")) return m.Get("ape");
  if (m.Has("rotation_error_deg") && m.Has("translation_error_cm"))
    return std::max(m.Get("rotation_error_deg"), m.Get("translation_error_cm"));
  if (m.Has("average_jaccard")) return 1.0 - m.Get("average_jaccard");
  return -1.0;
}

}  // namespace

QString FormatMetric(const bench::Metric& metric) {
  switch (metric.unit) {
    case bench::Unit::kFraction: return QString::number(100.0 * metric.value, 'f', 2) + '%';
    case bench::Unit::kPixels: return QString::number(metric.value, 'f', 2) + QStringLiteral(" px");
    case bench::Unit::kCount: return QString::number(metric.value, 'f', 0);
    case bench::Unit::kSeconds: return QString::number(metric.value, 'f', 2) + QStringLiteral(" s");
    case bench::Unit::kValue: break;
  }
  return QString::number(metric.value, 'g', 4);
}

bool LowerIsBetter(const bench::Metric& metric) {
  return metric.unit == bench::Unit::kPixels || metric.unit == bench::Unit::kSeconds || metric.name == "ape" ||
         metric.name.find("error") != std::string::npos;
}

void ResultsTableModel::SetReports(const std::vector<bench::Report>& reports, const QMap<QString, QString>& protocols,
                                   const bench::PaperResults* paper) {
  beginResetModel();
  reports_ = reports;
  protocols_ = protocols;
  paper_ = paper;
  models_.clear();
  columns_.clear();
  for (const bench::Report& report : reports_)
    for (const bench::ReportRow& row : report.rows)
      if (!models_.contains(Q(row.model))) models_ << Q(row.model);
  for (size_t r = 0; r < reports_.size(); ++r) {
    std::vector<std::string> methods;
    for (const bench::ReportRow& row : reports_[r].rows)
      if (std::find(methods.begin(), methods.end(), row.method) == methods.end()) methods.push_back(row.method);
    for (const std::string& method : methods) {
      std::vector<std::string> metrics;
      QVector<int> rows(models_.size(), -1);
      for (size_t i = 0; i < reports_[r].rows.size(); ++i) {
        const bench::ReportRow& row = reports_[r].rows[i];
        if (row.method != method) continue;
        rows[models_.indexOf(Q(row.model))] = static_cast<int>(i);
        for (const bench::Metric& m : row.metrics.values)
          if (IsTableMetric(m) && std::find(metrics.begin(), metrics.end(), m.name) == metrics.end())
            metrics.push_back(m.name);
      }
      // The curve's AUC first: the one number that sums up a row.
      std::stable_partition(metrics.begin(), metrics.end(),
                            [](const std::string& m) { return m.rfind("auc", 0) == 0; });
      for (const std::string& metric : metrics) {
        columns_.push_back({static_cast<int>(r), method, metric, rows, -1});
        FindBest(columns_.back());
      }
    }
  }
  endResetModel();
}

const bench::Metric* ResultsTableModel::Find(const Column& column, int model) const {
  const int row = column.rows.value(model, -1);
  if (row < 0) return nullptr;
  for (const bench::Metric& m : reports_[column.report].rows[row].metrics.values)
    if (m.name == column.metric) return &m;
  return nullptr;
}

void ResultsTableModel::FindBest(Column& column) const {
  int count = 0;
  for (int m = 0; m < models_.size(); ++m) {
    const bench::Metric* metric = Find(column, m);
    if (!metric) continue;
    ++count;
    const bench::Metric* best = column.best >= 0 ? Find(column, column.best) : nullptr;
    if (!best || (LowerIsBetter(*metric) ? metric->value < best->value : metric->value > best->value)) column.best = m;
  }
  if (count < 2) column.best = -1;  // nothing to compare
}

int ResultsTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : models_.size(); }

int ResultsTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(columns_.size());
}

QVariant ResultsTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid()) return {};
  const Column& column = columns_[index.column()];
  const bench::Metric* metric = Find(column, index.row());
  if (!metric) return role == Qt::DisplayRole ? QVariant(QStringLiteral("–")) : QVariant();
  const bench::Report& report = reports_[column.report];
  std::optional<bench::PaperValue> paper;
  if (paper_ && (role == Qt::DisplayRole || role == Qt::ToolTipRole))
    paper = paper_->Find(report.task, protocols_.value(Q(report.task)).toStdString(), metric->name,
                         models_[index.row()].toStdString());
  switch (role) {
    case Qt::DisplayRole:
      return paper ? FormatMetric(*metric) +
                         tr("\npaper %1").arg(FormatMetric({metric->name, paper->value, metric->unit}))
                   : FormatMetric(*metric);
    case Qt::ToolTipRole:
      if (!paper) return {};
      return tr("%1: %2 %3, %4 = %5")
          .arg(Q(paper->table), Q(paper->backbone), Q(paper->variant), Q(paper->metric),
               FormatMetric({metric->name, paper->value, metric->unit}));
    case Qt::FontRole: {
      QFont font;
      font.setBold(index.row() == column.best);
      return font;
    }
    case Qt::TextAlignmentRole: return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::UserRole: return metric->value;
    default: return {};
  }
}

QVariant ResultsTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
  if (orientation == Qt::Vertical) return section < models_.size() ? models_[section] : QVariant();
  if (section < 0 || section >= static_cast<int>(columns_.size())) return {};
  const Column& column = columns_[section];
  QString task = Q(reports_[column.report].task);
  if (!column.method.empty()) task += QStringLiteral(" · ") + Q(column.method);
  if (role == Qt::ToolTipRole) return Q(reports_[column.report].protocol);
  return task + '\n' + Q(column.metric);
}

void ItemsTableModel::SetItems(const std::vector<bench::Report>& reports, const QString& model) {
  beginResetModel();
  items_.clear();
  for (const bench::Report& report : reports) {
    for (const bench::ReportRow& row : report.rows) {
      if (Q(row.model) != model) continue;
      for (const bench::ReportItem& item : row.items) {
        QStringList details;
        for (const bench::Metric& m : item.metrics.values) details << Q(m.name) + ' ' + FormatMetric(m);
        items_.push_back({Q(report.task), Q(row.method), Q(item.id), ItemError(item),
                          details.join(QStringLiteral(" · ")), item.attributes});
      }
    }
  }
  endResetModel();
}

int ItemsTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : items_.size(); }
int ItemsTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : 5; }

QVariant ItemsTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid()) return {};
  const ItemEntry& item = items_[index.row()];
  const QString error = item.error < 0 ? QString() : QString::number(item.error, 'f', item.error < 1 ? 4 : 2);
  if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
    switch (index.column()) {
      case 0: return item.task;
      case 1: return item.method;
      case 2: return item.item;
      case 3: return error;
      case 4: return item.details;
    }
  }
  if (role == Qt::UserRole) {
    if (index.column() == 3) return item.error;  // none (-1) sorts after every error, worst first
    return data(index, Qt::DisplayRole);
  }
  if (role == Qt::UserRole + 1) return index.row();  // the entry behind a sorted row
  return {};
}

QVariant ItemsTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  static const char* const kTitles[] = {"Task", "Method", "Item", "Error", "Metrics"};
  return section >= 0 && section < 5 ? tr(kTitles[section]) : QVariant();
}

BenchmarkTables::BenchmarkTables(QWidget* parent) : QWidget(parent) {
  results_ = new ResultsTableModel(this);
  items_ = new ItemsTableModel(this);
  items_sorted_ = new QSortFilterProxyModel(this);
  items_sorted_->setSourceModel(items_);
  items_sorted_->setSortRole(Qt::UserRole);
  results_view_ = new QTableView;
  results_view_->setObjectName("benchmark_results");
  results_view_->setModel(results_);
  results_view_->setSelectionBehavior(QAbstractItemView::SelectRows);
  results_view_->setSelectionMode(QAbstractItemView::SingleSelection);
  results_view_->setWordWrap(true);
  items_view_ = new QTableView;
  items_view_->setObjectName("benchmark_items");
  items_view_->setModel(items_sorted_);
  items_view_->setSortingEnabled(true);
  items_view_->setSelectionBehavior(QAbstractItemView::SelectRows);
  items_view_->horizontalHeader()->setStretchLastSection(true);
  items_view_->verticalHeader()->hide();
  items_view_->setToolTip(tr("Double-click an item to open it"));
  auto* splitter = new QSplitter(Qt::Horizontal);
  splitter->addWidget(results_view_);
  splitter->addWidget(items_view_);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 2);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(splitter);
  connect(results_view_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
          &BenchmarkTables::OnModelSelected);
  connect(items_view_, &QTableView::doubleClicked, this, [this](const QModelIndex& index) {
    if (const ItemEntry* item = ItemAt(index.row())) emit itemActivated(*item);
  });
}

void BenchmarkTables::SetReports(const std::vector<bench::Report>& reports, const QMap<QString, QString>& protocols) {
  reports_ = reports;
  results_->SetReports(reports, protocols, DefaultPaperResults());
  results_view_->resizeColumnsToContents();
  results_view_->resizeRowsToContents();
  items_->SetItems({}, QString());
  if (!results_->Models().isEmpty()) SelectModel(results_->Models().front());
}

void BenchmarkTables::SelectModel(const QString& model) {
  const int row = results_->Models().indexOf(model);
  if (row >= 0) results_view_->selectRow(row);
}

void BenchmarkTables::OnModelSelected() {
  const QModelIndexList rows = results_view_->selectionModel()->selectedRows();
  items_->SetItems(reports_, rows.isEmpty() ? QString() : results_->Models().value(rows.front().row()));
  items_view_->sortByColumn(3, Qt::DescendingOrder);  // worst first
  items_view_->resizeColumnsToContents();
}

const ItemEntry* BenchmarkTables::ItemAt(int row) const {
  const QModelIndex index = items_sorted_->index(row, 0);
  if (!index.isValid()) return nullptr;
  const int source = items_sorted_->mapToSource(index).row();
  return source >= 0 && source < items_->Items().size() ? &items_->Items()[source] : nullptr;
}

}  // namespace corrlens::ui
