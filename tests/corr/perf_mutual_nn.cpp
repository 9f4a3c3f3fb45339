// Benchmark: mutual nearest neighbours of N x M descriptors (C channels) on
// the CPU, in one run:
//   - SGEMM: plain at::mm of the same sizes (row chunks of ~1 GB of output,
//     nothing else), the machine's GEMM rate for these shapes;
//   - the one-pass tiled kernel (MutualNearestNeighbors): time, effective
//     GFLOP/s (2 N M C flops) and its share of the SGEMM rate;
//   - the reference's two chunked passes in C++ (MutualNearestNeighborsTwoPass)
//     and in python3-torch (tests/perf/mutual_nn_reference.py), same sizes
//     and threads.
// Reports wall time and peak temporary memory (growth of the process's peak
// resident set over the inputs, reset before each method via clear_refs).
//   perf_mutual_nn [--n 16384] [--m 120000] [--c 768] [--tile-kb 0 (default)]
//                  [--tile-rows 0] [--threads T] [--python /usr/bin/python3]
//                  [--reference-script PATH (default: tests/perf/mutual_nn_reference.py)]
//                  [--method sgemm,tiled,twopass,python (default all)]
#include <sys/resource.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
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

// 2 N M C: the flops of one N x M x C similarity matrix.
double Flops(int64_t n, int64_t m, int64_t c) { return 2.0 * double(n) * double(m) * double(c); }

// at::mm of a [N, C] x b^T [C, M] in row chunks writing ~1 GB of output each
// (the reference's chunk size), into one preallocated, pre-touched buffer.
// Returns wall seconds; *cpu_seconds gets the process's CPU seconds.
double SgemmSeconds(const at::Tensor& a, const at::Tensor& b, double* cpu_seconds) {
  const int64_t n = a.size(0), m = b.size(0);
  const int64_t chunk = std::clamp<int64_t>(int64_t{250000000} / m, 1, n);
  at::Tensor out = torch::zeros({chunk, m});
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = CpuSeconds();
  for (int64_t i0 = 0; i0 < n; i0 += chunk) {
    const int64_t rows = std::min(chunk, n - i0);
    at::Tensor o = out.narrow(0, 0, rows);
    at::mm_out(o, a.narrow(0, i0, rows), b.t());
  }
  *cpu_seconds = CpuSeconds() - cpu_start;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  int64_t n = 16384, m = 120000, c = 768, tile_kb = 0, tile_rows = 0;
  std::string method = "sgemm,tiled,twopass,python", python = "/usr/bin/python3", script_arg;
  for (int i = 1; i < argc; i += 2) {
    const std::string key = argv[i];
    if (key == "--help" || i + 1 >= argc) {
      std::printf(
          "perf_mutual_nn [--n 16384] [--m 120000] [--c 768] [--tile-kb 0] [--tile-rows 0] [--threads T]\n"
          "               [--python /usr/bin/python3] [--reference-script tests/perf/mutual_nn_reference.py]\n"
          "               [--method sgemm,tiled,twopass,python]\n");
      return key == "--help" ? 0 : 2;
    }
    const std::string value = argv[i + 1];
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
    else if (key == "--python")
      python = value;
    else if (key == "--reference-script")
      script_arg = value;
    else if (key == "--threads")
      torch::set_num_threads(std::stoi(value));
    else {
      std::fprintf(stderr, "unknown option %s\n", key.c_str());
      return 2;
    }
  }
  auto wants = [&method](const char* what) { return method.find(what) != std::string::npos; };
  c10::InferenceMode guard;
  torch::manual_seed(0);
  namespace F = torch::nn::functional;
  const at::Tensor a = F::normalize(torch::randn({n, c}), F::NormalizeFuncOptions().dim(1));
  const at::Tensor b = F::normalize(torch::randn({m, c}), F::NormalizeFuncOptions().dim(1));
  const int threads = torch::get_num_threads();
  const double flops = Flops(n, m, c);
  std::printf("mutual NN %lld x %lld, C=%lld, float32, %d threads; inputs %.0f MB; %.2f TFLOP per similarity pass\n",
              (long long)n, (long long)m, (long long)c, threads, (n + m) * c * 4 / 1e6, flops / 1e12);
  std::fflush(stdout);
  double sgemm = 0, sgemm_cpu = 0;
  if (wants("sgemm")) {
    sgemm = SgemmSeconds(a, b, &sgemm_cpu);
    std::printf("SGEMM (at::mm, ~1 GB output chunks): %.2f s (CPU %.2f s), %.1f GFLOP/s\n", sgemm, sgemm_cpu,
                flops / sgemm / 1e9);
    std::fflush(stdout);
  }
  corrlens::MutualNNOptions options;
  if (tile_kb > 0) options.tile_bytes = tile_kb * 1024;
  options.tile_rows = tile_rows;
  Run tiled, twopass;
  if (wants("tiled")) {
    tiled = Measure([&] { return corrlens::MutualNearestNeighbors(a, b, options); });
    std::printf(
        "one-pass tiled (%.1f MB tiles, %lld rows): %.2f s (CPU %.2f s), %.1f GFLOP/s, peak temporary memory %.1f "
        "MB, %lld mutual\n",
        options.tile_bytes / 1048576.0, (long long)options.tile_rows, tiled.seconds, tiled.cpu_seconds,
        flops / tiled.seconds / 1e9, tiled.peak_temp / 1e6, (long long)tiled.nn.mutual.sum().item<int64_t>());
    if (sgemm > 0)
      std::printf("  = %.1f%% of the SGEMM rate measured above (%.1f%% in CPU time)\n", 100.0 * sgemm / tiled.seconds,
                  100.0 * sgemm_cpu / tiled.cpu_seconds);
    std::fflush(stdout);
  }
  if (wants("sgemm") && wants("tiled")) {  // again, to see how much the machine's load moved
    double again_cpu = 0;
    const double again = SgemmSeconds(a, b, &again_cpu);
    std::printf(
        "SGEMM again: %.2f s (CPU %.2f s), %.1f GFLOP/s; tiled = %.1f%% of the mean SGEMM rate (%.1f%% in CPU "
        "time)\n",
        again, again_cpu, flops / again / 1e9, 100.0 * 0.5 * (sgemm + again) / tiled.seconds,
        100.0 * 0.5 * (sgemm_cpu + again_cpu) / tiled.cpu_seconds);
    std::fflush(stdout);
  }
  if (wants("twopass")) {
    twopass = Measure([&] { return corrlens::MutualNearestNeighborsTwoPass(a, b); });
    std::printf(
        "reference two-pass in C++ (25000*10000 chunks): %.2f s (CPU %.2f s), peak temporary memory %.1f MB, %lld "
        "mutual\n",
        twopass.seconds, twopass.cpu_seconds, twopass.peak_temp / 1e6,
        (long long)twopass.nn.mutual.sum().item<int64_t>());
    std::fflush(stdout);
  }
  if (wants("tiled") && wants("twopass")) {
    const int64_t differ = tiled.nn.a_to_b.ne(twopass.nn.a_to_b).sum().item<int64_t>() +
                           tiled.nn.b_to_a.ne(twopass.nn.b_to_a).sum().item<int64_t>();
    std::printf("speed-up %.2fx wall, %.2fx CPU; memory %.1fx less; differing neighbours: %lld\n",
                twopass.seconds / tiled.seconds, twopass.cpu_seconds / tiled.cpu_seconds,
                double(twopass.peak_temp) / std::max<int64_t>(1, tiled.peak_temp), (long long)differ);
    std::fflush(stdout);
  }
  if (wants("python")) {
    // The script sits in tests/perf, next to this file's directory. __FILE__
    // may be relative to the build directory (two levels above this binary).
    const std::filesystem::path rel =
        std::filesystem::path(__FILE__).parent_path().parent_path() / "perf" / "mutual_nn_reference.py";
    std::filesystem::path script = script_arg.empty() ? rel : std::filesystem::path(script_arg);
    if (script_arg.empty() && rel.is_relative()) {
      std::error_code error;
      const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", error);
      if (!error && !std::filesystem::exists(rel)) script = exe.parent_path().parent_path().parent_path() / rel;
    }
    if (!std::filesystem::exists(script)) {
      std::printf("python reference skipped: %s not found\n", script.c_str());
    } else {
      const std::string command = python + " " + script.string() + " --n " + std::to_string(n) + " --m " +
                                  std::to_string(m) + " --c " + std::to_string(c) + " --threads " +
                                  std::to_string(threads);
      const int rc = std::system(command.c_str());
      if (rc != 0) std::printf("python reference failed (%s): status %d\n", command.c_str(), rc);
    }
  }
  return 0;
}
