#include "core/finetune/run_log.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>

#include "core/finetune/trainer.h"
#include "core/util/error.h"

namespace corrlens::finetune {
namespace {

nlohmann::ordered_json Number(double v) {
  return std::isnan(v) ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(v);
}

std::ofstream OpenAppend(const std::filesystem::path& path) {
  std::ofstream out(path, std::ios::app);
  if (!out) throw Error("cannot write the run log", {path.string()}, "check the run folder's permissions");
  return out;
}

}  // namespace

std::string StepJson(const StepInfo& s) {
  nlohmann::ordered_json j = {{"event", "step"},
                              {"step", s.step},
                              {"total", s.total},
                              {"loss", Number(s.loss)},
                              {"positives", s.positives},
                              {"grad_norm", s.grad_norm},
                              {"steps_per_s", s.steps_per_s},
                              {"eta_s", s.eta_s},
                              {"data_s", s.data_seconds},
                              {"train_s", s.train_seconds},
                              {"train_cpu_s", s.train_cpu_seconds},
                              {"precision", s.bf16 ? "bf16" : "fp32"},
                              {"mesh", s.mesh}};
  if (!s.checkpoint.empty()) j["checkpoint"] = s.checkpoint;
  return j.dump();
}

std::string ProbeJson(const ProbeResult& p) {
  nlohmann::ordered_json j = {{"event", "probe"}, {"step", p.step}, {"ape", Number(p.ape)}};
  for (const auto& [name, value] : p.pcdp) j[name] = Number(value);
  j["matches"] = p.matches;
  j["seconds"] = p.seconds;
  return j.dump();
}

RunLog::RunLog(const std::string& dir) : dir_(dir) {
  if (dir_.empty()) return;
  std::filesystem::create_directories(dir_);
  const std::filesystem::path csv = std::filesystem::path(dir_) / kProbeCsvName;
  csv_header_ = std::filesystem::exists(csv) && std::filesystem::file_size(csv) > 0;
  json_ = OpenAppend(std::filesystem::path(dir_) / kJsonName);
  csv_ = OpenAppend(csv);
}

void RunLog::Step(const StepInfo& step) {
  if (dir_.empty()) return;
  json_ << StepJson(step) << '\n';
  json_.flush();
}

void RunLog::Probe(const ProbeResult& p) {
  if (dir_.empty()) return;
  json_ << ProbeJson(p) << '\n';
  json_.flush();
  if (!csv_header_) {
    csv_ << "step,ape";
    for (const auto& entry : p.pcdp) csv_ << ',' << entry.first;
    csv_ << ",matches,seconds\n";
    csv_header_ = true;
  }
  csv_ << p.step << ',' << (std::isnan(p.ape) ? std::string() : fmt::format("{:.6f}", p.ape));
  for (const auto& entry : p.pcdp) csv_ << ',' << (std::isnan(entry.second) ? "" : fmt::format("{:.6f}", entry.second));
  csv_ << ',' << p.matches << ',' << fmt::format("{:.3f}", p.seconds) << '\n';
  csv_.flush();
}

}  // namespace corrlens::finetune
