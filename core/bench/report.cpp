#include "core/bench/report.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <sstream>

#include "core/util/error.h"

namespace corrlens::bench {
namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kUnitNames[] = {"fraction", "px", "count", "s", "value"};

Json MetricsJson(const Metrics& metrics) {
  Json out = Json::object();
  for (const Metric& m : metrics.values) out[m.name] = m.value;
  return out;
}

Json RowJson(const ReportRow& row) {
  Json items = Json::array();
  for (const ReportItem& item : row.items) {
    Json attributes = Json::object();
    for (const auto& [key, value] : item.attributes) attributes[key] = value;
    items.push_back({{"id", item.id}, {"metrics", MetricsJson(item.metrics)}, {"attributes", attributes}});
  }
  Json curves = Json::array();
  for (const Curve& c : row.curves)
    curves.push_back({{"name", c.name}, {"x_unit", c.x_unit}, {"x", c.x}, {"y", c.y}, {"auc", c.auc}});
  Json out = {{"model", row.model}};
  if (!row.method.empty()) out["method"] = row.method;
  out["metrics"] = MetricsJson(row.metrics);
  out["items"] = items;
  out["curves"] = curves;
  out["seconds"] = row.seconds;
  return out;
}

// Units of every metric name in the report (first seen wins).
std::vector<std::pair<std::string, Unit>> CollectUnits(const Report& report) {
  std::vector<std::pair<std::string, Unit>> units;
  auto add = [&](const Metrics& metrics) {
    for (const Metric& m : metrics.values) {
      const bool known = std::any_of(units.begin(), units.end(), [&](const auto& u) { return u.first == m.name; });
      if (!known) units.emplace_back(m.name, m.unit);
    }
  };
  for (const ReportRow& row : report.rows) {
    add(row.metrics);
    for (const ReportItem& item : row.items) add(item.metrics);
  }
  return units;
}

std::string FormatValue(const Metric& m) {
  switch (m.unit) {
    case Unit::kFraction: return fmt::format("{:.2f}", 100.0 * m.value);
    case Unit::kCount: return fmt::format("{:.0f}", m.value);
    case Unit::kSeconds: return fmt::format("{:.2f}", m.value);
    default: return fmt::format("{:.3f}", m.value);
  }
}

std::string ColumnTitle(const Metric& m) {
  return m.unit == Unit::kFraction ? m.name + " %" : m.unit == Unit::kPixels ? m.name + " px" : m.name;
}

std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

Metrics ParseMetrics(const Json& json, const std::map<std::string, Unit>& units) {
  Metrics metrics;
  for (const auto& [name, value] : json.items()) {
    const auto unit = units.find(name);
    metrics.Set(name, value.get<double>(), unit == units.end() ? Unit::kValue : unit->second);
  }
  return metrics;
}

ReportRow ParseRow(const Json& json, const std::map<std::string, Unit>& units) {
  ReportRow row;
  row.model = json.at("model").get<std::string>();
  row.method = json.value("method", "");
  row.metrics = ParseMetrics(json.at("metrics"), units);
  row.seconds = json.value("seconds", 0.0);
  // value() returns a copy: keep it alive while iterating.
  const Json items = json.value("items", Json::array());
  for (const Json& item_json : items) {
    ReportItem item;
    item.id = item_json.at("id").get<std::string>();
    item.metrics = ParseMetrics(item_json.value("metrics", Json::object()), units);
    const Json attributes = item_json.value("attributes", Json::object());
    for (const auto& [key, value] : attributes.items()) item.attributes.emplace_back(key, value.get<std::string>());
    row.items.push_back(std::move(item));
  }
  const Json curves = json.value("curves", Json::array());
  for (const Json& c : curves) {
    row.curves.push_back({c.at("name").get<std::string>(), c.value("x_unit", ""), c.at("x").get<std::vector<double>>(),
                          c.at("y").get<std::vector<double>>(), c.value("auc", 0.0)});
  }
  return row;
}

}  // namespace

const char* UnitName(Unit unit) { return kUnitNames[static_cast<int>(unit)]; }

Unit UnitFromName(const std::string& name) {
  for (int i = 0; i < 5; ++i) {
    if (name == kUnitNames[i]) return static_cast<Unit>(i);
  }
  return Unit::kValue;
}

void Metrics::Set(const std::string& name, double value, Unit unit) {
  for (Metric& m : values) {
    if (m.name == name) {
      m.value = value;
      m.unit = unit;
      return;
    }
  }
  values.push_back({name, value, unit});
}

bool Metrics::Has(const std::string& name) const {
  return std::any_of(values.begin(), values.end(), [&](const Metric& m) { return m.name == name; });
}

double Metrics::Get(const std::string& name) const {
  for (const Metric& m : values) {
    if (m.name == name) return m.value;
  }
  throw Error("no metric '" + name + "' in the report", {"", std::nullopt, name});
}

std::string Report::ToJson(int indent) const {
  Json units = Json::object();
  for (const auto& [name, unit] : CollectUnits(*this)) units[name] = UnitName(unit);
  Json rows_json = Json::array();
  for (const ReportRow& row : rows) rows_json.push_back(RowJson(row));
  const Json out = {{"task", task},   {"protocol", protocol}, {"dataset", dataset},
                    {"notes", notes}, {"units", units},       {"rows", rows_json}};
  return out.dump(indent);
}

std::string Report::ToCsv() const {
  const auto units = CollectUnits(*this);
  std::ostringstream out;
  out << "task,protocol,model,method,item";
  for (const auto& u : units) out << "," << CsvField(u.first);
  out << ",seconds\n";
  auto line = [&](const ReportRow& row, const std::string& item, const Metrics& metrics, const std::string& seconds) {
    out << CsvField(task) << "," << CsvField(protocol) << "," << CsvField(row.model) << "," << CsvField(row.method)
        << "," << CsvField(item);
    for (const auto& u : units)
      out << "," << (metrics.Has(u.first) ? fmt::format("{:.10g}", metrics.Get(u.first)) : "");
    out << "," << seconds << "\n";
  };
  for (const ReportRow& row : rows) {
    line(row, "", row.metrics, fmt::format("{:.6g}", row.seconds));
    for (const ReportItem& item : row.items) line(row, item.id, item.metrics, "");
  }
  return out.str();
}

std::string Report::ToText() const {
  std::ostringstream out;
  out << fmt::format("task {} (protocol {}): {}\n", task, protocol, dataset);
  for (const std::string& note : notes) out << "note: " << note << "\n";
  if (rows.empty()) return out.str();
  std::vector<std::string> header = {"model", "method"};
  for (const Metric& m : rows.front().metrics.values) header.push_back(ColumnTitle(m));
  header.push_back("sec");
  std::vector<std::vector<std::string>> table = {header};
  for (const ReportRow& row : rows) {
    std::vector<std::string> cells = {row.model, row.method.empty() ? "-" : row.method};
    for (const Metric& m : rows.front().metrics.values)
      cells.push_back(row.metrics.Has(m.name) ? FormatValue({m.name, row.metrics.Get(m.name), m.unit}) : "-");
    cells.push_back(fmt::format("{:.2f}", row.seconds));
    table.push_back(cells);
  }
  std::vector<size_t> width(header.size(), 0);
  for (const auto& cells : table)
    for (size_t i = 0; i < cells.size(); ++i) width[i] = std::max(width[i], cells[i].size());
  for (const auto& cells : table) {
    for (size_t i = 0; i < cells.size(); ++i)
      out << (i ? "  " : "")
          << (i < 2 ? fmt::format("{:<{}}", cells[i], width[i]) : fmt::format("{:>{}}", cells[i], width[i]));
    out << "\n";
  }
  return out.str();
}

Report Report::FromJson(const std::string& text, const std::string& origin) {
  try {
    const Json json = Json::parse(text);
    std::map<std::string, Unit> units;
    const Json unit_names = json.value("units", Json::object());
    for (const auto& [name, unit] : unit_names.items()) units[name] = UnitFromName(unit.get<std::string>());
    Report report;
    report.task = json.at("task").get<std::string>();
    report.protocol = json.value("protocol", "");
    report.dataset = json.value("dataset", "");
    report.notes = json.value("notes", std::vector<std::string>{});
    for (const Json& row : json.at("rows")) report.rows.push_back(ParseRow(row, units));
    return report;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("not a CorrLens report: ") + e.what(), {origin},
                "the JSON lacks task/rows or has wrong types");
  }
}

PckSummary ScoreErrors(const std::vector<double>& errors, const std::vector<double>& thresholds,
                       const std::string& prefix, const std::string& suffix, double curve_max, int steps) {
  if (curve_max <= 0.0 || steps < 1) throw Error("PCK curve needs a positive range and steps");
  PckSummary out;
  const double n = static_cast<double>(errors.size());
  auto share_below = [&](double t) {
    if (errors.empty()) return 0.0;
    return std::count_if(errors.begin(), errors.end(), [t](double e) { return e < t; }) / n;
  };
  for (double t : thresholds) out.metrics.Set(fmt::format("{}@{:g}{}", prefix, t, suffix), share_below(t));
  // The integral of the step function [e < t] over [0, T] is max(0, T - e).
  double auc = 0.0;
  for (double e : errors) auc += std::max(0.0, 1.0 - e / curve_max);
  out.curve.auc = errors.empty() ? 0.0 : auc / n;
  out.metrics.Set(fmt::format("auc@{:g}{}", curve_max, suffix), out.curve.auc);
  out.curve.name = prefix;
  out.curve.x_unit = suffix;
  for (int i = 0; i <= steps; ++i) {
    const double t = curve_max * i / steps;
    out.curve.x.push_back(t);
    out.curve.y.push_back(share_below(t));
  }
  return out;
}

}  // namespace corrlens::bench
