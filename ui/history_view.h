// The History view of the Benchmark workspace: every stored run (newest
// first), and the comparison of any two: the change of each metric they
// share and their curves overlaid (the first run solid, the second dashed).
#pragma once

#include <QVector>
#include <QWidget>

#include <vector>

#include "core/bench/report.h"

class QPushButton;
class QTableWidget;

namespace corrlens::ui {

class BenchmarkCharts;
class ResultsStore;

// One metric of one model in both runs.
struct MetricDelta {
  QString task, model, method, metric;
  bench::Unit unit = bench::Unit::kFraction;
  double a = 0.0, b = 0.0;  // the first and the second run
  bool better = false;      // b improves on a (by the metric's direction)
};

// The metrics present in both runs, in `a`'s order (summary rows only).
QVector<MetricDelta> CompareReports(const std::vector<bench::Report>& a, const std::vector<bench::Report>& b);
// "+1.23 pp" for fractions, "-0.50 px" for pixels.
QString FormatDelta(const MetricDelta& delta);

class HistoryView : public QWidget {
  Q_OBJECT
 public:
  // `store` may be closed (the list is then empty).
  explicit HistoryView(ResultsStore* store, QWidget* parent = nullptr);

  // Reloads the list of runs.
  void Refresh();
  // Compares runs `a` and `b` (deltas b - a, overlaid charts); false with `error`.
  bool Compare(qint64 a, qint64 b, QString* error);

  QTableWidget* RunsTable() const { return runs_; }
  QTableWidget* DeltaTable() const { return deltas_; }
  BenchmarkCharts* Charts() const { return charts_; }
  // Ids of the selected runs, in list order.
  QVector<qint64> SelectedRuns() const;

 signals:
  // The user asked to show a run in the Results view.
  void showRun(qint64 run_id);
  void errorOccurred(const QString& message);

 private:
  void CompareSelected();
  void DeleteSelected();
  void UpdateButtons();

  ResultsStore* store_;
  QTableWidget* runs_;
  QTableWidget* deltas_;
  BenchmarkCharts* charts_;
  QPushButton* show_;
  QPushButton* compare_;
  QPushButton* delete_;
};

}  // namespace corrlens::ui
