// The log of a finetuning run, next to its checkpoints: `log.jsonl` (one
// JSON object per step and per probe, {"event": "step"|"probe", ...}) and
// `probe.csv` (step, ape, pcdp@..., matches, seconds). Both are appended to,
// so a resumed run continues the same files. The same JSON lines are what
// `corrlens-cli finetune --json-log` prints.
#pragma once

#include <fstream>
#include <string>

#include "core/finetune/probe.h"

namespace corrlens::finetune {

struct StepInfo;

// One line of JSON (no newline); a NaN loss or APE is written as null.
std::string StepJson(const StepInfo& step);
std::string ProbeJson(const ProbeResult& probe);

class RunLog {
 public:
  // Opens (appends to) the files in `dir`; "" = a log that writes nothing.
  // Throws corrlens::Error naming the file when it cannot be opened.
  explicit RunLog(const std::string& dir);
  void Step(const StepInfo& step);
  void Probe(const ProbeResult& probe);

  static constexpr const char* kJsonName = "log.jsonl";
  static constexpr const char* kProbeCsvName = "probe.csv";

 private:
  std::string dir_;
  std::ofstream json_;
  std::ofstream csv_;
  bool csv_header_ = false;  // probe.csv has its header line
};

}  // namespace corrlens::finetune
