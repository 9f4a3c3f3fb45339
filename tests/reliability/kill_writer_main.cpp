// Child process of kill_test.cpp: writes one kind of file in a loop until it
// is killed. Every version it writes is self-consistent (its content is a
// function of one counter), so the parent can tell a torn or mixed write
// from a complete one. Prints "ready" once the first version is complete.
//
//   kill_writer cache|session|checkpoint|results DIR
#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonObject>

#include <torch/types.h>

#include <cstdio>
#include <string>

#include "core/bench/report.h"
#include "core/corr/feature_cache.h"
#include "core/finetune/checkpoint.h"
#include "tests/reliability/kill_patterns.h"
#include "ui/results_store.h"
#include "ui/session_file.h"

using namespace corrlens;

namespace {

void Ready(long i) {
  if (i == 0) {
    std::printf("ready\n");
    std::fflush(stdout);
  }
}

[[noreturn]] void WriteCache(const std::string& dir) {
  FeatureCacheOptions options;
  options.directory = dir;
  options.memory_bytes = 0;
  FeatureCache cache(options);
  for (long i = 0;; ++i) {
    cache.Insert(reliability::CacheKey(i), reliability::CacheMap(i));
    Ready(i);
  }
}

[[noreturn]] void WriteSession(const std::string& dir) {
  const QString path = QString::fromStdString(dir + "/session.corrlens");
  for (long i = 0;; ++i) {
    QString error;
    if (!ui::WriteSessionFile(path, reliability::SessionVersion(i), &error)) {
      std::fprintf(stderr, "%s\n", qPrintable(error));
      std::exit(3);
    }
    Ready(i);
  }
}

[[noreturn]] void WriteCheckpoint(const std::string& dir) {
  for (long i = 0;; ++i) {
    finetune::WriteFinetuneCheckpoint(dir + "/last.ckpt", reliability::CheckpointVersion(i));
    Ready(i);
  }
}

[[noreturn]] void WriteResults(const std::string& dir) {
  ui::ResultsStore store;
  QString error;
  if (!store.Open(QString::fromStdString(dir + "/results.sqlite"), &error)) {
    std::fprintf(stderr, "%s\n", qPrintable(error));
    std::exit(3);
  }
  for (long i = 0;; ++i) {
    const qint64 run = store.BeginRun(ui::RunSettings{}, &error);
    if (run < 0 || !store.AddReport(run, reliability::ResultsReport(i), &error) ||
        !store.FinishRun(run, ui::RunStatus::kFinished, &error)) {
      std::fprintf(stderr, "%s\n", qPrintable(error));
      std::exit(3);
    }
    Ready(i);
  }
}

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  if (argc != 3) {
    std::fprintf(stderr, "usage: kill_writer cache|session|checkpoint|results DIR\n");
    return 2;
  }
  const std::string kind = argv[1], dir = argv[2];
  try {
    if (kind == "cache") WriteCache(dir);
    if (kind == "session") WriteSession(dir);
    if (kind == "checkpoint") WriteCheckpoint(dir);
    if (kind == "results") WriteResults(dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kill_writer: %s\n", e.what());
    return 3;
  }
  std::fprintf(stderr, "kill_writer: unknown kind %s\n", kind.c_str());
  return 2;
}
