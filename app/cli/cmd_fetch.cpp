// corrlens-cli fetch: downloads the weight files of catalog models into the
// torch-hub and Hugging Face caches, with a progress line on stderr.
#include <fmt/format.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <iostream>

#include "app/cli/command.h"
#include "core/download/model_files.h"
#include "core/util/error.h"

namespace corrlens::cli {
namespace {

struct FetchArgs {
  std::vector<std::string> models;
  bool adapter_only = false;
  bool json = false;
};

CancelToken* g_cancel = nullptr;  // set while fetching; Ctrl-C cancels (the partial file stays)

extern "C" void OnInterrupt(int) {
  if (g_cancel) g_cancel->Cancel();
}

// One progress line on stderr: rewritten in place on a terminal, at most
// one line per second otherwise (logs, tests).
class ProgressLine {
 public:
  ProgressLine() : tty_(isatty(STDERR_FILENO) != 0) {}
  void Show(const std::string& text) {
    const auto now = std::chrono::steady_clock::now();
    if (tty_) {
      std::cerr << "\r\033[K" << text << std::flush;
      shown_ = true;
    } else if (now - last_ >= std::chrono::seconds(1)) {
      if (last_ != std::chrono::steady_clock::time_point{}) std::cerr << text << "\n";  // not the 0 B start
      last_ = now;
    }
  }
  // Ends the line with `text` (or just clears it when empty).
  void Finish(const std::string& text) {
    if (tty_ && shown_) std::cerr << "\r\033[K";
    shown_ = false;
    if (!text.empty()) std::cerr << text << std::endl;
  }

 private:
  bool tty_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point last_{};
};

const model::CatalogEntry& Entry(const std::string& name) {
  const model::CatalogEntry* entry = model::FindCatalogEntry(name);
  if (entry) return *entry;
  std::string known;
  for (const model::CatalogEntry& e : model::CatalogEntries()) known += (known.empty() ? "" : ", ") + e.name;
  throw Error("no downloadable model named '" + name + "'", {"", std::nullopt, "model"},
              "classical descriptors need no download; known: " + known);
}

nlohmann::json ResultJson(const download::DownloadResult& r) {
  return {{"path", r.path},         {"bytes", r.bytes},     {"sha256", r.sha256},
          {"verified", r.verified}, {"resumed", r.resumed}, {"attempts", r.attempts}};
}

int RunFetch(const FetchArgs& args) {
  download::ModelFilesOptions options = download::ModelFilesOptions::FromEnvironment();
  options.adapter_only = args.adapter_only;
  std::vector<const model::CatalogEntry*> entries;
  for (const std::string& name : args.models) entries.push_back(&Entry(name));  // all names checked first
  const auto downloader = download::Downloader::Create(options.network);
  CancelToken cancel;
  g_cancel = &cancel;
  std::signal(SIGINT, OnInterrupt);
  ProgressLine line;
  nlohmann::json out = {{"models", nlohmann::json::array()}};
  for (const model::CatalogEntry* entry : entries) {
    Progress progress([&](double, const std::string& message) { line.Show(entry->name + ": " + message); });
    std::vector<download::DownloadResult> results;
    try {
      results = download::FetchModelFiles(*entry, options, *downloader, progress, cancel);
    } catch (...) {
      line.Finish("");
      g_cancel = nullptr;
      throw;
    }
    const download::ModelFilesStatus status = download::InspectModelFiles(*entry, options);
    line.Finish(
        fmt::format("{}: {} ({} file(s) downloaded)", entry->name, download::StateName(status.state), results.size()));
    nlohmann::json model = {{"name", entry->name},
                            {"state", download::StateName(status.state)},
                            {"downloaded", nlohmann::json::array()},
                            {"files", nlohmann::json::array()}};
    for (const download::DownloadResult& r : results) model["downloaded"].push_back(ResultJson(r));
    for (const download::ModelFile& f : status.files)
      model["files"].push_back({{"role", f.role}, {"path", f.found_path}, {"bytes", f.size}});
    out["models"].push_back(model);
    if (args.json) continue;
    for (const download::DownloadResult& r : results)
      std::cout << fmt::format("{}  {}  sha256 {} ({})\n", r.path, download::FormatBytes(r.bytes), r.sha256,
                               r.verified ? "verified" : "recorded");
    for (const download::ModelFile& f : status.files)
      std::cout << fmt::format("{:<24} {:<8} {}\n", entry->name, f.role, f.found_path);
  }
  g_cancel = nullptr;
  std::signal(SIGINT, SIG_DFL);
  if (args.json) std::cout << out.dump(2) << std::endl;
  return 0;
}

}  // namespace

void AddFetchCommand(Commands& commands) {
  auto args = std::make_shared<FetchArgs>();
  CLI::App* app = commands.Add("fetch", "Download catalog models' weights into the torch-hub / Hugging Face caches",
                               [args] { return RunFetch(*args); });
  app->add_option("model", args->models, "Catalog names, e.g. dinov2_vits14+3dcorr (see `corrlens-cli models`)")
      ->required();
  app->add_flag("--adapter-only", args->adapter_only, "Only the 3DCorrEnhance adapter of a +3dcorr model");
  app->add_flag("--json", args->json, "Machine-readable result on stdout (paths, sizes, SHA-256)");
  app->footer(
      "Environment: HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE=1, HF_HOME/HF_HUB_CACHE, TORCH_HOME, HTTPS_PROXY/"
      "HTTP_PROXY/NO_PROXY, CORRLENS_DINOV2_URL. Ctrl-C keeps the partial file; fetching again resumes it.\n");
}

}  // namespace corrlens::cli
