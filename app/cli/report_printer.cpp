#include "app/cli/report_printer.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "core/util/error.h"
#include "core/util/fs.h"
#ifdef CORRLENS_HAVE_RESULTS_STORE
#include "ui/results_store.h"
#endif

namespace corrlens::cli {

void AddReportOptions(CLI::App* app, ReportArgs* args) {
  app->add_flag("--json", args->json, "Machine-readable report (fractions, not percentages)");
  app->add_option("--csv-out", args->csv_out, "Also write the report as CSV (one line per model and per item)");
  app->add_option("--db", args->db, "Keep the run in this benchmark database (SQLite; the GUI's History)");
}

void PrintReport(const bench::Report& report, const ReportArgs& args) {
  std::cout << (args.json ? report.ToJson() + "\n" : report.ToText());
  if (!args.csv_out.empty()) fs::WriteFileAtomic(args.csv_out, report.ToCsv());
  StoreReports({report}, args);
}

void StoreReports(const std::vector<bench::Report>& reports, const ReportArgs& args) {
  if (args.db.empty()) return;
#ifdef CORRLENS_HAVE_RESULTS_STORE
  ui::ResultsStore store;
  QString error;
  if (!store.Open(QString::fromStdString(args.db), &error))
    throw Error(error.toStdString(), {}, "not a CorrLens database");
  ui::RunSettings settings;
  settings.preset = QString::fromStdString(args.preset);
  settings.versions = QStringLiteral("corrlens-cli");
  for (const bench::Report& report : reports) {
    settings.tasks << QString::fromStdString(report.task);
    for (const bench::ReportRow& row : report.rows)
      if (!settings.models.contains(QString::fromStdString(row.model)))
        settings.models << QString::fromStdString(row.model);
  }
  const qint64 run = store.BeginRun(settings, &error);
  bool ok = run >= 0;
  for (const bench::Report& report : reports) ok = ok && store.AddReport(run, report, &error);
  ok = ok && store.FinishRun(run, ui::RunStatus::kFinished, &error);
  if (!ok) throw Error("cannot store the run: " + error.toStdString(), {args.db});
  std::cerr << "corrlens-cli: stored as run " << run << " in " << args.db << "\n";
#else
  throw Error("this build has no benchmark database", {args.db, std::nullopt, "db"},
              "build with the GUI (CORRLENS_BUILD_GUI=ON), which provides Qt SQL");
#endif
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
