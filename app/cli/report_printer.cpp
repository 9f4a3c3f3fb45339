#include "app/cli/report_printer.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "core/util/fs.h"

namespace corrlens::cli {

void AddReportOptions(CLI::App* app, ReportArgs* args) {
  app->add_flag("--json", args->json, "Machine-readable report (fractions, not percentages)");
  app->add_option("--csv-out", args->csv_out, "Also write the report as CSV (one line per model and per item)");
}

void PrintReport(const bench::Report& report, const ReportArgs& args) {
  std::cout << (args.json ? report.ToJson() + "\n" : report.ToText());
  if (!args.csv_out.empty()) fs::WriteFileAtomic(args.csv_out, report.ToCsv());
}

TerminalProgress::TerminalProgress() : tty(isatty(STDERR_FILENO) != 0) {
  const bool show = tty;
  progress = Progress([show](double fraction, const std::string& message) {
    if (show) std::fprintf(stderr, "\r[%3.0f%%] %-60.60s", 100.0 * fraction, message.c_str());
  });
}

void TerminalProgress::Finish() {
  if (tty) std::fprintf(stderr, "\n");
}

}  // namespace corrlens::cli
