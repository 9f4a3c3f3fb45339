#include "core/bench/paper_results.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/util/error.h"

namespace corrlens::bench {
namespace {

// Splits one CSV line with double-quoted fields ("" inside quotes = ").
std::vector<std::string> CsvFields(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"')
        fields.back() += '"', ++i;
      else if (c == '"')
        quoted = false;
      else
        fields.back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

bool MainTable(const std::string& table) {
  for (int t = 5; t <= 12; ++t)
    if (table.rfind("Table " + std::to_string(t) + " ", 0) == 0) return true;
  return false;
}

// Our metric name -> the paper's label.
std::string PaperMetric(const std::string& metric) {
  if (metric.rfind("pck_", 0) == 0) return "PCK@" + metric.substr(4);
  if (metric.rfind("pcdp@", 0) == 0) return "PCDP@" + metric.substr(5);
  if (metric == "ape") return "APE";
  if (metric.rfind("pose_", 0) == 0) {  // "pose_1cm_1deg" -> "1cm-1deg"
    std::string label = metric.substr(5);
    const size_t sep = label.find("cm_");
    if (sep != std::string::npos) label[sep + 2] = '-';
    return label;
  }
  return metric;
}

std::vector<std::string> PaperTasks(const std::string& task, const std::string& protocol) {
  if (task == "transfer")
    return {protocol == "standard" ? "semantic_transfer_PF-PASCAL_same_view"
                                   : "semantic_transfer_PF-PASCAL_different_view"};
  if (task == "equivariance") return {"3D_equivariance_Objaverse"};
  if (task == "pose") return {"pose_estimation_OnePose-LowTexture"};
  if (task == "tracking") return {"tracking_TAP-Vid-DAVIS"};
  return {};
}

}  // namespace

std::pair<std::string, std::string> PaperBackbone(const std::string& model) {
  const bool finetuned = model.size() > 7 && model.compare(model.size() - 7, 7, "+3dcorr") == 0;
  const std::string base = finetuned ? model.substr(0, model.size() - 7) : model;
  const std::string variant = finetuned ? "finetuned" : "baseline";
  static const std::pair<const char*, const char*> kNames[] = {{"dinov2_vits14", "DINOv2-S"},
                                                               {"dinov2_vitb14", "DINOv2"},
                                                               {"dinov2_vitl14", "DINOv2-L"},
                                                               {"dinov2_vitg14", "DINOv2-G"},
                                                               {"dinov2_vits14_reg", "DINOv2-S-reg"},
                                                               {"dinov2_vitb14_reg", "DINOv2-Reg"},
                                                               {"dinov2_vitl14_reg", "DINOv2-L-reg"},
                                                               {"dinov2_vitg14_reg", "DINOv2-G-reg"},
                                                               {"clip_vitb16", "CLIP"},
                                                               {"mae_vitb16", "MAE"},
                                                               {"deit3_vitb16", "DeiT"}};
  for (const auto& [ours, paper] : kNames)
    if (base == ours) return {paper, variant};
  return {"", ""};
}

std::string PaperResults::DefaultPath() {
  const char* env = std::getenv("CORRLENS_DATA_DIR");
  std::vector<std::string> candidates;
  if (env && *env) candidates.push_back(std::string(env) + "/paper/paper_results.csv");
#ifdef CORRLENS_SOURCE_RESOURCES
  candidates.push_back(std::string(CORRLENS_SOURCE_RESOURCES) + "/data/paper/paper_results.csv");
#endif
  candidates.push_back("/usr/share/corrlens/data/paper/paper_results.csv");
  for (const std::string& c : candidates) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(c, ec)) return c;
  }
  return candidates.back();
}

PaperResults PaperResults::Read(const std::string& csv) {
  std::ifstream in(csv);
  if (!in) throw Error("cannot open the paper's results", {csv}, "missing file; reinstall or set CORRLENS_DATA_DIR");
  std::string line;
  std::getline(in, line);
  if (line.rfind("table,backbone,variant,task,metric,value", 0) != 0)
    throw Error("unexpected header", {csv, std::nullopt, "line 1"}, "not paper_results.csv");
  PaperResults results;
  for (int number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    const std::vector<std::string> f = CsvFields(line);
    if (f.size() < 9) throw Error("expected 9 fields", {csv, std::nullopt, "line " + std::to_string(number)});
    char* end = nullptr;
    const double value = std::strtod(f[5].c_str(), &end);
    if (end == f[5].c_str())
      throw Error("bad value '" + f[5] + "'", {csv, std::nullopt, "line " + std::to_string(number)});
    const bool percent =
        f[6].find('%') != std::string::npos || f[4].rfind("PCK", 0) == 0 || f[4].rfind("PCDP", 0) == 0 || f[4] == "APE";
    results.values_.push_back({f[0], f[1], f[2], f[3], f[4], percent ? value / 100.0 : value, f[8]});
  }
  return results;
}

std::optional<PaperValue> PaperResults::Find(const std::string& task, const std::string& protocol,
                                             const std::string& metric, const std::string& model) const {
  const auto [backbone, variant] = PaperBackbone(model);
  if (backbone.empty()) return std::nullopt;
  const std::string label = PaperMetric(metric);
  for (const std::string& paper_task : PaperTasks(task, protocol)) {
    for (const PaperValue& v : values_) {
      if (v.task == paper_task && v.metric == label && v.backbone == backbone && v.variant == variant &&
          MainTable(v.table))
        return v;
    }
  }
  return std::nullopt;
}

}  // namespace corrlens::bench
