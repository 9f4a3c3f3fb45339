// The results of one run as tables: one row per model, one column per task
// metric (fractions as percentages with two decimals, the paper's value on a
// second line with its table in the tooltip, the best of each column in
// bold); selecting a model lists its per-item details (per category, pair or
// mesh), sortable by error; double-clicking an item asks to open it.
#pragma once

#include <QAbstractTableModel>
#include <QStringList>
#include <QVector>
#include <QWidget>

#include <utility>
#include <vector>

#include "core/bench/report.h"

class QSortFilterProxyModel;
class QTableView;

namespace corrlens::bench {
class PaperResults;
}

namespace corrlens::ui {

// A metric value as the tables show it: "18.69%", "12.30 px", "1874".
QString FormatMetric(const bench::Metric& metric);
// True for errors and times (smaller is better).
bool LowerIsBetter(const bench::Metric& metric);

class ResultsTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  using QAbstractTableModel::QAbstractTableModel;

  // Shows `reports`; `protocols` gives each task's protocol for the paper's values.
  void SetReports(const std::vector<bench::Report>& reports, const QMap<QString, QString>& protocols = {},
                  const bench::PaperResults* paper = nullptr);
  const QStringList& Models() const { return models_; }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  // Display: the value (+ "\npaper 45.10%"); ToolTip: the paper's table;
  // Font: bold for the column's best; UserRole: the raw value.
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 private:
  struct Column {
    int report = 0;
    std::string method, metric;
    QVector<int> rows;  // per model: index of its row in the report, -1 when absent
    int best = -1;      // model with the best value
  };
  const bench::Metric* Find(const Column& column, int model) const;
  void FindBest(Column& column) const;

  std::vector<bench::Report> reports_;
  QMap<QString, QString> protocols_;
  const bench::PaperResults* paper_ = nullptr;
  QStringList models_;
  std::vector<Column> columns_;
};

// One evaluated item of a run, with where it comes from.
struct ItemEntry {
  QString task, method, item;
  double error = -1.0;  // mean error (px) or APE; < 0 when the item has none
  QString details;      // its other metrics, formatted
  std::vector<std::pair<std::string, std::string>> attributes;
};

class ItemsTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  using QAbstractTableModel::QAbstractTableModel;

  // Lists every item of `model` in `reports`.
  void SetItems(const std::vector<bench::Report>& reports, const QString& model);
  const QVector<ItemEntry>& Items() const { return items_; }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  // UserRole: the sort key (the error is numeric, -1 when none).
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 private:
  QVector<ItemEntry> items_;
};

// The two tables side by side.
class BenchmarkTables : public QWidget {
  Q_OBJECT
 public:
  explicit BenchmarkTables(QWidget* parent = nullptr);

  void SetReports(const std::vector<bench::Report>& reports, const QMap<QString, QString>& protocols = {});
  // Selects the row of `model` (its items fill the details table).
  void SelectModel(const QString& model);

  ResultsTableModel* Results() const { return results_; }
  ItemsTableModel* ItemsModel() const { return items_; }
  QTableView* ResultsView() const { return results_view_; }
  QTableView* ItemsView() const { return items_view_; }
  // The item shown in row `row` of the items view (after sorting).
  const ItemEntry* ItemAt(int row) const;

 signals:
  // An item was double-clicked.
  void itemActivated(const corrlens::ui::ItemEntry& item);

 private:
  void OnModelSelected();

  std::vector<bench::Report> reports_;
  ResultsTableModel* results_;
  ItemsTableModel* items_;
  QSortFilterProxyModel* items_sorted_;
  QTableView* results_view_;
  QTableView* items_view_;
};

}  // namespace corrlens::ui
