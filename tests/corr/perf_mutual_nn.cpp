// Benchmark: mutual nearest neighbours of N x M descriptors (C channels) on
// the CPU, one tiled pass (MutualNearestNeighbors) against the reference's
// two chunked passes (MutualNearestNeighborsTwoPass, ~1 GB chunks).
// Reports wall time and peak temporary memory (growth of the process's peak
// resident set over the inputs, reset before each method via clear_refs).
//   perf_mutual_nn [--n 20000] [--m 120000] [--c 768] [--tile-kb 4096]
//                  [--tile-rows 0] [--method both|tiled|twopass] [--threads T]
#include <sys/resource.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "core/corr/mutual_nn.h"

namespace {

// VmHWM / VmRSS of this process in bytes.
int64_t StatusBytes(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1)) * 1024;
  }
  return -1;
}

// Resets the peak resident set to the current one (Linux >= 4.0).
bool ResetPeak() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  return static_cast<bool>(clear);
}

// User + system CPU seconds of this process so far.
double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + 1e-6 * (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

struct Run {
  double seconds = 0;
  double cpu_seconds = 0;
  int64_t peak_temp = -1;
  corrlens::NearestNeighbors nn;
};

template <typename F>
Run Measure(F&& f) {
  Run run;
  const bool reset = ResetPeak();
  const int64_t before = StatusBytes("VmRSS");
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = CpuSeconds();
  run.nn = f();
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  run.cpu_seconds = CpuSeconds() - cpu_start;
  if (reset) run.peak_temp = StatusBytes("VmHWM") - before;
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t n = 20000, m = 120000, c = 768, tile_kb = 4096, tile_rows = 0;
  std::string method = "both";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--n")
      n = std::stoll(value);
    else if (key == "--m")
      m = std::stoll(value);
    else if (key == "--c")
      c = std::stoll(value);
    else if (key == "--tile-kb")
      tile_kb = std::stoll(value);
    else if (key == "--tile-rows")
      tile_rows = std::stoll(value);
    else if (key == "--method")
      method = value;
    else if (key == "--threads")
      torch::set_num_threads(std::stoi(value));
    else {
      std::fprintf(stderr, "unknown option %s\n", key.c_str());
      return 2;
    }
  }
  c10::InferenceMode guard;
  torch::manual_seed(0);
  namespace F = torch::nn::functional;
  const at::Tensor a = F::normalize(torch::randn({n, c}), F::NormalizeFuncOptions().dim(1));
  const at::Tensor b = F::normalize(torch::randn({m, c}), F::NormalizeFuncOptions().dim(1));
  std::printf("mutual NN %lld x %lld, C=%lld, float32, %d threads; inputs %.0f MB\n", (long long)n, (long long)m,
              (long long)c, torch::get_num_threads(), (n + m) * c * 4 / 1e6);
  corrlens::MutualNNOptions options;
  options.tile_bytes = tile_kb * 1024;
  options.tile_rows = tile_rows;
  Run tiled, twopass;
  if (method == "both" || method == "tiled") {
    tiled = Measure([&] { return corrlens::MutualNearestNeighbors(a, b, options); });
    std::printf("one-pass tiled (%lld KB tiles): %.2f s (CPU %.2f s), peak temporary memory %.1f MB, %lld mutual\n",
                (long long)tile_kb, tiled.seconds, tiled.cpu_seconds, tiled.peak_temp / 1e6,
                (long long)tiled.nn.mutual.sum().item<int64_t>());
  }
  if (method == "both" || method == "twopass") {
    twopass = Measure([&] { return corrlens::MutualNearestNeighborsTwoPass(a, b); });
    std::printf(
        "reference two-pass (25000*10000 chunks): %.2f s (CPU %.2f s), peak temporary memory %.1f MB, %lld mutual\n",
        twopass.seconds, twopass.cpu_seconds, twopass.peak_temp / 1e6,
        (long long)twopass.nn.mutual.sum().item<int64_t>());
  }
  if (method == "both") {
    const int64_t differ = tiled.nn.a_to_b.ne(twopass.nn.a_to_b).sum().item<int64_t>() +
                           tiled.nn.b_to_a.ne(twopass.nn.b_to_a).sum().item<int64_t>();
    std::printf("speed-up %.2fx wall, %.2fx CPU; memory %.1fx less; differing neighbours: %lld\n",
                twopass.seconds / tiled.seconds, twopass.cpu_seconds / tiled.cpu_seconds,
                double(twopass.peak_temp) / std::max<int64_t>(1, tiled.peak_temp), (long long)differ);
  }
  return 0;
}
