// corrlens-cli perf (alias: bench): ViT feature-extraction speed and memory (random
// weights), side by side with the Python reference (optional), plus the
// machine's SGEMM rate and an optional bfloat16-vs-float32 check. Each case
// runs in a fresh child process (this executable with --child) so that peak
// RSS is per case.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <ATen/Parallel.h>

#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "app/cli/command.h"
#include "core/io/image.h"
#include "core/perf/vit_perf.h"
#include "core/util/error.h"
#include "core/util/sample_data.h"

namespace corrlens::cli {
namespace {

struct BenchCase {
  const char* name;
  const char* arch;
  int width, height;  // exact model input (multiples of 14)
  int stride = 0;     // 7: the tracking preset (x_prenorm tokens)
};
// "448" = 448x336, "640" = 644x476 (nearest multiples of 14 to 640x480),
// "1120" = 1120x840 = 80x60 tokens, the reference 640-px pipeline of a 4:3 image,
// "854s7" = the paper's tracking preset: 854x476 at stride 7 = 121x67 tokens.
constexpr BenchCase kCases[] = {{"s448", "dinov2_vits14", 448, 336},     {"s640", "dinov2_vits14", 644, 476},
                                {"b448", "dinov2_vitb14", 448, 336},     {"b640", "dinov2_vitb14", 644, 476},
                                {"b1120", "dinov2_vitb14", 1120, 840},   {"s854s7", "dinov2_vits14", 854, 476, 7},
                                {"b854s7", "dinov2_vitb14", 854, 476, 7}};
constexpr const char* kCaseNames = "s448, s640, b448, b640, b1120, s854s7, b854s7";

struct BenchArgs {
  std::vector<std::string> cases = {"s448", "s640", "b448", "b640", "b1120"};
  std::string reference, python = "/usr/bin/python3", dtype = "float32", device = "cpu", child;
  int runs = 3, warmup = 1, threads = 0;
  bool json = false, bf16_check = false;
};

const BenchCase& FindCase(const std::string& name) {
  for (const BenchCase& c : kCases)
    if (name == c.name) return c;
  throw Error("unknown bench case '" + name + "'", {"", std::nullopt, "cases"}, std::string("use ") + kCaseNames);
}

nlohmann::json ChildCase(const BenchArgs& args) {
  const BenchCase& c = FindCase(args.child);
  perf::TimingOptions options;
  options.arch = c.arch;
  options.width = c.width, options.height = c.height;
  options.stride = c.stride, options.prenorm = c.stride != 0;
  options.runs = args.runs, options.warmup = args.warmup;
  options.device = args.device, options.dtype = args.dtype;
  const perf::ExtractionTiming t = perf::TimeExtraction(options);
  return {{"ms", t.ms_median},  {"ms_min", t.ms_min}, {"peak_rss_mb", t.peak_rss_mb},
          {"tokens", t.tokens}, {"gflops", t.gflop},  {"threads", t.threads}};
}

// bfloat16 vs float32 on ViT-B at 448x336 with two real images (graf1 ->
// graf3 of opencv-doc when installed).
nlohmann::json ChildBf16(const BenchArgs& args) {
  const std::string data = OpenCvSampleDir() + "/";
  if (!std::filesystem::exists(data + "graf1.png"))
    throw Error("bf16 check needs opencv-doc's graf1.png and graf3.png", {data, std::nullopt, ""});
  const perf::PrecisionCheck p = perf::CompareBfloat16("dinov2_vitb14", io::ReadImageRgb(data + "graf1.png"),
                                                       io::ReadImageRgb(data + "graf3.png"), 448, 336, args.device);
  return {{"cos_min", p.cos_min}, {"cos_mean", p.cos_mean}, {"nn_agree", p.nn_agree}};
}

// Runs `command` and parses the last line of its stdout as JSON.
nlohmann::json RunJson(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw Error("cannot run: " + command);
  std::string output;
  std::array<char, 4096> buffer;
  while (size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) output.append(buffer.data(), n);
  const int status = pclose(pipe);
  // The result is the last line that starts with '{'.
  std::string last;
  size_t begin = 0;
  while (begin < output.size()) {
    const size_t end = std::min(output.find('\n', begin), output.size());
    if (output[begin] == '{') last = output.substr(begin, end - begin);
    begin = end + 1;
  }
  if (status != 0 || last.empty())
    throw Error("benchmark child failed: " + command, {"", std::nullopt, ""}, "see its stderr above");
  return nlohmann::json::parse(last);
}

std::string ChildCommand(const BenchArgs& args, const std::string& child) {
  return fmt::format("/proc/{}/exe perf --child {} --runs {} --warmup {} --threads {} --dtype {} --device {}", getpid(),
                     child, args.runs, args.warmup, args.threads, args.dtype, args.device);
}

std::string PythonCommand(const BenchArgs& args, const BenchCase& c) {
  return fmt::format("'{}' '{}' --arch {} --synthetic {}x{} --input-size {}x{} --bench {} --warmup {} --threads {}{}",
                     args.python, args.reference, c.arch, c.width, c.height, c.width, c.height, args.runs, args.warmup,
                     std::max(args.threads, 0),
                     c.stride ? fmt::format(" --stride {} --layer prenorm", c.stride) : std::string());
}

int RunParent(BenchArgs args) {
  if (!args.reference.empty() && !std::filesystem::exists(args.reference))
    throw Error("reference script not found", {args.reference, std::nullopt, "--reference"});
  nlohmann::json out = {{"threads", args.threads}, {"dtype", args.dtype}, {"device", args.device}};
  out["sgemm"] = RunJson(ChildCommand(args, "sgemm"));
  const double sgemm = out["sgemm"]["gflops_per_s"];
  if (!args.json)
    std::cout << fmt::format("SGEMM 2048^3 float32: {:.1f} GFLOP/s ({} intra-op threads{})\n", sgemm,
                             out["sgemm"]["threads"].get<int>(), args.threads > 0 ? "" : ", LibTorch default")
              << fmt::format("{:<6} {:<14} {:>9} {:>6} {:>8} {:>8} {:>7} {:>8} {:>8} {:>8} {:>6}\n", "case", "model",
                             "input", "tokens", "C++ ms", "Py ms", "C++/Py", "C++ MB", "Py MB", "GFLOP/s", "SGEMM");
  for (const std::string& name : args.cases) {
    const BenchCase& c = FindCase(name);
    nlohmann::json row = {{"case", name}, {"arch", c.arch}, {"input", {c.width, c.height}}};
    row["cpp"] = RunJson(ChildCommand(args, name));
    if (!args.reference.empty()) row["python"] = RunJson(PythonCommand(args, c));
    const double ms = row["cpp"]["ms"], rate = row["cpp"]["gflops"].get<double>() / (ms / 1000.0);
    row["cpp"]["gflops_per_s"] = rate;
    row["cpp"]["sgemm_share"] = rate / sgemm;
    out["cases"].push_back(row);
    if (args.json) continue;
    const bool py = row.contains("python");
    std::cout << fmt::format("{:<6} {:<14} {:>9} {:>6} {:>8.0f} {:>8} {:>7} {:>8.0f} {:>8} {:>8.1f} {:>5.0f}%\n", name,
                             c.arch, fmt::format("{}x{}", c.width, c.height), row["cpp"]["tokens"].get<int64_t>(), ms,
                             py ? fmt::format("{:.0f}", row["python"]["ms"].get<double>()) : "-",
                             py ? fmt::format("{:.2f}", ms / row["python"]["ms"].get<double>()) : "-",
                             row["cpp"]["peak_rss_mb"].get<double>(),
                             py ? fmt::format("{:.0f}", row["python"]["peak_rss_mb"].get<double>()) : "-", rate,
                             100.0 * rate / sgemm);
    std::cout.flush();
  }
  if (args.bf16_check) {
    out["bf16_check"] = RunJson(ChildCommand(args, "bf16check"));
    const auto& b = out["bf16_check"];
    out["bf16_check"]["pass"] = b["cos_min"].get<double>() >= 0.999 && b["nn_agree"].get<double>() >= 0.99;
    if (!args.json)
      std::cout << fmt::format(
          "bfloat16 vs float32 (ViT-B, 448x336, graf1 -> graf3): cosine min {:.5f} mean {:.5f}, "
          "same nearest neighbour {:.2f}% -> {}\n",
          b["cos_min"].get<double>(), b["cos_mean"].get<double>(), 100 * b["nn_agree"].get<double>(),
          out["bf16_check"]["pass"].get<bool>() ? "pass" : "FAIL");
  }
  if (args.json) std::cout << out.dump(2) << std::endl;
  return 0;
}

int RunBench(const BenchArgs& args) {
  if (args.child.empty()) return RunParent(args);
  if (args.threads > 0) at::set_num_threads(args.threads);
  nlohmann::json result;
  if (args.child == "sgemm")
    result = {{"gflops_per_s", perf::MeasureSgemmGflops()}, {"threads", at::get_num_threads()}};
  else if (args.child == "bf16check")
    result = ChildBf16(args);
  else
    result = ChildCase(args);
  std::cout << result.dump() << std::endl;
  return 0;
}

}  // namespace

void AddPerfCommand(Commands& commands) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* app = commands.Add("perf", "Time ViT feature extraction (random weights) against the Python reference",
                               [args] { return RunBench(*args); });
  app->alias("bench");  // the command's earlier name
  app->add_option("--cases", args->cases,
                  "s448 s640 b448 b640 b1120 s854s7 b854s7 (ViT-S/B at 448x336, 644x476, 1120x840; 854x476 at "
                  "stride 7 = the tracking preset)")
      ->delimiter(',');
  app->add_option("--reference", args->reference,
                  "also time a Python reference: scripts/bench/dinov2_hub_bench.py (the official DINOv2 hub code; "
                  "set CORRLENS_DINOV2_REPO) or scripts/reference/dinov2_reference.py");
  app->add_option("--python", args->python, "Python with torch for --reference");
  app->add_option("--runs", args->runs, "Timed runs per case (median reported)");
  app->add_option("--warmup", args->warmup, "Untimed runs first");
  app->add_option("--threads", args->threads, "Intra-op threads for both sides (0 = LibTorch's default)");
  app->add_option("--dtype", args->dtype, "float32 or bfloat16 (C++ side)");
  app->add_option("--device", args->device, "cpu, cuda, cuda:N (C++ side)");
  app->add_flag("--bf16-check", args->bf16_check, "Validate bfloat16 against float32 (cosine, nearest neighbours)");
  app->add_flag("--json", args->json, "Machine-readable output");
  app->add_option("--child", args->child, "Internal: run one case in this process")->group("");
}

}  // namespace corrlens::cli
