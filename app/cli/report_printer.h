// Printing a bench::Report from the CLI (text table, JSON, CSV file) and a
// one-line progress display on terminals.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "core/bench/report.h"
#include "core/util/progress.h"

namespace corrlens::cli {

struct ReportArgs {
  bool json = false;    // --json: the Report JSON on stdout
  std::string csv_out;  // --csv-out FILE: the Report as CSV (written atomically)
};

// Adds --json and --csv-out to `app`.
void AddReportOptions(CLI::App* app, ReportArgs* args);

// Prints `report` (JSON or the text table) and writes the CSV when asked.
void PrintReport(const bench::Report& report, const ReportArgs& args);

// "[ 42%] message" on stderr when it is a terminal; silent otherwise.
struct TerminalProgress {
  TerminalProgress();
  void Finish();
  Progress progress;
  bool tty = false;
};

}  // namespace corrlens::cli
