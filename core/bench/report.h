// The one result type of every accuracy evaluation (homography, stereo,
// 3D equivariance, and the dataset benchmarks): per model a row of named
// metrics, per-item details (pair / video / object / mesh / category),
// accuracy-vs-threshold curves and timings. Fractions are stored as 0..1
// everywhere; printers decide how to show them (the CLI prints percentages).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace corrlens::bench {

// What a metric's number means; JSON carries it in the report's "units".
enum class Unit {
  kFraction,  // 0..1 (PCK, AUC, accuracy); printed as a percentage
  kPixels,
  kCount,
  kSeconds,
  kValue,  // anything else
};
const char* UnitName(Unit unit);
Unit UnitFromName(const std::string& name);

struct Metric {
  std::string name;  // e.g. "pck@5px", "auc@20px", "ape", "pcdp@0.05"
  double value = 0.0;
  Unit unit = Unit::kFraction;
};

// An ordered list of metrics with lookup by name.
struct Metrics {
  std::vector<Metric> values;

  void Set(const std::string& name, double value, Unit unit = Unit::kFraction);
  // Value of `name`; throws corrlens::Error when absent.
  double Get(const std::string& name) const;
  bool Has(const std::string& name) const;
};

// Accuracy as a function of a threshold (e.g. PCK vs pixels); `auc` is the
// normalised area under it over [0, x.back()].
struct Curve {
  std::string name;    // "pck", "pcdp", ...
  std::string x_unit;  // "px", "fraction of the shorter side", ...
  std::vector<double> x;
  std::vector<double> y;  // fractions
  double auc = 0.0;
};

// One evaluated item: a pair, a video, an object, a mesh, a category.
struct ReportItem {
  std::string id;
  Metrics metrics;
  // Where the item comes from (paths, indices) so a viewer can open it.
  std::vector<std::pair<std::string, std::string>> attributes;
};

// One model (and matching method, where a task compares several).
struct ReportRow {
  std::string model;
  std::string method;  // "" when the task has one
  Metrics metrics;
  std::vector<ReportItem> items;
  std::vector<Curve> curves;
  double seconds = 0.0;  // features + matching + scoring for this row
};

struct Report {
  std::string task;                // "homography", "stereo", "equivariance", ...
  std::string protocol;            // named protocol, e.g. "grid16-argmax+softargmax35"
  std::string dataset;             // what was evaluated (paths)
  std::vector<std::string> notes;  // caveats the reader must see
  std::vector<ReportRow> rows;

  // {"task", "protocol", "dataset", "notes", "units", "rows": [{"model",
  //  "method", "metrics": {name: value}, "items": [...], "curves": [...],
  //  "seconds"}]}
  std::string ToJson(int indent = 2) const;
  // One line per (row, item): task, model, method, item, then each metric.
  std::string ToCsv() const;
  // A table for terminals; fractions as percentages with two decimals.
  std::string ToText() const;
  // Parses ToJson output; throws corrlens::Error naming `origin` when the
  // text is not a report.
  static Report FromJson(const std::string& text, const std::string& origin = "report");
};

// Scores point errors (pixels) against thresholds: "<prefix>@<t><suffix>"
// fractions with a strict `error < t`, plus the curve over [0, curve_max]
// (`steps` + 1 samples) and its exact AUC (mean of max(0, 1 - e / max)).
struct PckSummary {
  Metrics metrics;
  Curve curve;
};
PckSummary ScoreErrors(const std::vector<double>& errors, const std::vector<double>& thresholds,
                       const std::string& prefix, const std::string& suffix, double curve_max, int steps = 20);

}  // namespace corrlens::bench
