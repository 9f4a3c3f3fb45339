// Printing a bench::Report from the CLI (text table, JSON, CSV file) and a
// one-line progress display on terminals.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "core/bench/report.h"
#include "core/util/progress.h"

namespace corrlens::cli {

struct ReportArgs {
  bool json = false;             // --json: the Report JSON on stdout
  std::string csv_out;           // --csv-out FILE: the Report as CSV (written atomically)
  std::string db;                // --db FILE: keep the run in the benchmark database (the GUI's history)
  std::string preset = "paper";  // recorded with the run in --db
};

// Adds --json, --csv-out and --db to `app`.
void AddReportOptions(CLI::App* app, ReportArgs* args);

// Prints `report` (JSON or the text table), writes the CSV and stores the
// run in the database when asked.
void PrintReport(const bench::Report& report, const ReportArgs& args);

// Stores `reports` as one finished run in args.db (no-op when unset).
// Throws corrlens::Error naming the file when it cannot be written.
void StoreReports(const std::vector<bench::Report>& reports, const ReportArgs& args);

// "[ 42%] message" on stderr when it is a terminal; silent otherwise.
struct TerminalProgress {
  TerminalProgress();
  void Finish();
  Progress progress;
  bool tty = false;
};

}  // namespace corrlens::cli
