// main() for a fuzz target in the normal build (no clang, no libFuzzer):
//
//   fuzz_replay_<target> [--mutate=SECONDS] [--dict=FILE] [--seed=N]
//                        [--artifact=FILE] FILE_OR_FOLDER...
//
// Replays every file named (folders are walked recursively, in name order)
// through LLVMFuzzerTestOneInput once; with --mutate it then feeds mutations
// of those seeds (tests/fuzz/mutator.h, the target's dictionary) for that
// many seconds. CTest runs both over the target's corpus (label fuzz). An
// input that crashes, aborts (a violated invariant, an uncaught exception),
// runs past 30 s or takes the process past 2 GiB resident is written to the
// artifact file (default: fuzz-failure-<target>.bin in the working folder)
// and the run fails; replaying that file reproduces it.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/fuzz/mutator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

constexpr unsigned kTimeoutSeconds = 30;
constexpr long kRssLimitKb = 2048L * 1024;

// The input being run, for the signal handlers (set before each call).
const uint8_t* g_data = nullptr;
size_t g_size = 0;
char g_artifact[4096] = {};

void SaveInput() {  // async-signal-safe
  const int fd = open(g_artifact, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  for (size_t done = 0; done < g_size;) {
    const ssize_t n = write(fd, g_data + done, g_size - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  close(fd);
  const char* what = "fuzz replay: the failing input is in ";
  (void)!write(STDERR_FILENO, what, std::strlen(what));
  (void)!write(STDERR_FILENO, g_artifact, std::strlen(g_artifact));
  (void)!write(STDERR_FILENO, "\n", 1);
}

void OnFatalSignal(int sig) {
  SaveInput();
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void OnTimeout(int) {
  const char* what = "fuzz replay: an input ran for more than 30 s\n";
  (void)!write(STDERR_FILENO, what, std::strlen(what));
  SaveInput();
  _exit(1);
}

void Run(const std::vector<uint8_t>& bytes) {
  g_data = bytes.data();
  g_size = bytes.size();
  alarm(kTimeoutSeconds);
  LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  alarm(0);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  if (usage.ru_maxrss > kRssLimitKb) {
    std::fprintf(stderr, "fuzz replay: an input took the process to %ld MB resident (limit 2048)\n",
                 usage.ru_maxrss / 1024);
    SaveInput();
    std::exit(1);
  }
}

std::vector<uint8_t> ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool Flag(const std::string& arg, const char* name, std::string* value) {
  const std::string prefix = std::string(name) + "=";
  if (arg.rfind(prefix, 0) != 0) return false;
  *value = arg.substr(prefix.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  double mutate_seconds = 0;
  uint64_t seed = 1;
  std::string dict;
  std::string artifact = "fuzz-failure-" + fs::path(argv[0]).filename().string() + ".bin";
  std::vector<fs::path> files;
  std::string arg;
  try {
    for (int i = 1; i < argc; ++i) {
      arg = argv[i];
      std::string value;
      if (Flag(arg, "--mutate", &value)) {
        mutate_seconds = std::stod(value);
      } else if (Flag(arg, "--seed", &value)) {
        seed = std::stoull(value);
      } else if (Flag(arg, "--dict", &value)) {
        dict = value;
      } else if (Flag(arg, "--artifact", &value)) {
        artifact = value;
      } else if (fs::is_directory(arg)) {
        for (const auto& entry : fs::recursive_directory_iterator(arg))
          if (entry.is_regular_file()) files.push_back(entry.path());
      } else if (fs::is_regular_file(arg)) {
        files.push_back(arg);
      } else {
        std::fprintf(stderr, "fuzz replay: %s: no such file or folder\n", arg.c_str());
        return 1;
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz replay: %s: not a number or not readable (%s)\n", arg.c_str(), e.what());
    return 2;
  }
  std::vector<corrlens::fuzz::Bytes> tokens;
  try {
    if (!dict.empty()) tokens = corrlens::fuzz::ReadDictionary(dict);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz replay: %s\n", e.what());
    return 2;
  }
  std::snprintf(g_artifact, sizeof(g_artifact), "%s", artifact.c_str());
  for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL}) std::signal(sig, OnFatalSignal);
  std::signal(SIGALRM, OnTimeout);

  std::sort(files.begin(), files.end());
  std::vector<std::vector<uint8_t>> seeds;
  for (const fs::path& file : files) {
    seeds.push_back(ReadAll(file));
    std::fprintf(stderr, "replay: %s (%zu bytes)\n", file.c_str(), seeds.back().size());
    Run(seeds.back());
  }
  std::printf("replayed %zu inputs\n", files.size());
  if (files.empty()) return 1;
  if (mutate_seconds <= 0) return 0;

  corrlens::fuzz::Mutator mutator(seed, std::move(tokens), 65536);
  const auto start = std::chrono::steady_clock::now();
  const auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  size_t runs = 0;
  while (elapsed() < mutate_seconds) {
    Run(mutator.Mutate(seeds[mutator.Below(seeds.size())], seeds));
    ++runs;
  }
  std::printf("mutated %zu inputs in %.1f s (seed %llu)\n", runs, elapsed(), static_cast<unsigned long long>(seed));
  return 0;
}
