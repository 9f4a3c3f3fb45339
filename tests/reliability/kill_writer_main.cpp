// Writer of kill_test.cpp: writes one kind of file in a loop until it is
// killed. Every version it writes is self-consistent (its content is a
// function of one counter), so the test can tell a torn or mixed write from a
// complete one. Prints "ready PID" once the first version is complete.
//
//   kill_writer KIND DIR [URL]   write in this process
//   kill_writer serve            read "KIND DIR [URL]" lines on stdin; fork a
//                                writer per line (libraries are loaded once,
//                                so 100 kills take seconds, not minutes) and
//                                print "exit PID STATUS" when it has died
// KIND: cache|session|checkpoint|results|download (URL: the loopback server).
#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonObject>

#include <torch/types.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>

#include "core/bench/report.h"
#include "core/corr/feature_cache.h"
#include "core/download/http_download.h"
#include "core/finetune/checkpoint.h"
#include "tests/reliability/kill_patterns.h"
#include "ui/results_store.h"
#include "ui/session_file.h"

using namespace corrlens;

namespace {

void Ready(long i) {
  if (i == 0) {
    std::printf("ready %d\n", static_cast<int>(::getpid()));
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

// "base.bin" once (the good state that must survive), then the rotating
// files again and again: each is removed and downloaded anew, resuming what
// a killed writer left.
[[noreturn]] void WriteDownloads(const std::string& dir, const std::string& url) {
  auto downloader = download::Downloader::Create(download::NetworkOptions{});
  Progress progress;
  CancelToken cancel;
  auto fetch = [&](const std::string& name) {
    download::DownloadRequest request;
    request.url = url + "/files/" + name + "?size=" + std::to_string(reliability::kDownloadBytes);
    request.destination = dir + "/" + name;
    request.expected_size = reliability::kDownloadBytes;
    downloader->Fetch(request, progress, cancel);
  };
  if (!std::filesystem::exists(dir + "/base.bin")) fetch("base.bin");
  for (long i = 0;; ++i) {
    const std::string name = reliability::DownloadName(i);
    std::filesystem::remove(dir + "/" + name);
    fetch(name);
    Ready(i);
  }
}

int Write(const std::string& kind, const std::string& dir, const std::string& url) {
  try {
    if (kind == "cache") WriteCache(dir);
    if (kind == "session") WriteSession(dir);
    if (kind == "checkpoint") WriteCheckpoint(dir);
    if (kind == "results") WriteResults(dir);
    if (kind == "download") WriteDownloads(dir, url);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kill_writer: %s\n", e.what());
    return 3;
  }
  std::fprintf(stderr, "kill_writer: unknown kind %s\n", kind.c_str());
  return 2;
}

// Forks one writer per request line; the parent only waits, so the children
// start with every library loaded and no thread running.
int Serve() {
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string kind, dir, url;
    in >> kind >> dir >> url;
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
      std::printf("exit -1 fork failed\n");
    } else if (pid == 0) {
      std::_Exit(Write(kind, dir, url));
    } else {
      int status = 0;
      ::waitpid(pid, &status, 0);
      if (WIFSIGNALED(status))
        std::printf("exit %d signal %d\n", static_cast<int>(pid), WTERMSIG(status));
      else
        std::printf("exit %d code %d\n", static_cast<int>(pid), WEXITSTATUS(status));
    }
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  if (argc == 2 && std::string(argv[1]) == "serve") return Serve();
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr,
                 "usage: kill_writer serve | kill_writer cache|session|checkpoint|results|download DIR [URL]\n");
    return 2;
  }
  return Write(argv[1], argv[2], argc == 4 ? argv[3] : "");
}
