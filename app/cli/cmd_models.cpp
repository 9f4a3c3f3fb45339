// corrlens-cli models: the ViT catalog, the state of each entry (available,
// downloadable with its size when known, partial), where its files were found
// and every place searched; --remove deletes the files `fetch` downloads.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

#include "app/cli/command.h"
#include "core/download/model_files.h"
#include "core/model/model_catalog.h"
#include "core/model/vit_config.h"
#include "core/util/error.h"
#include "plugins/registry/builtin_backends.h"
#include "plugins/torchscript/torchscript_plugin.h"

namespace corrlens::cli {
namespace {

struct ModelsArgs {
  std::vector<std::string> model_dirs;
  bool json = false;
  bool verbose = false;
  std::vector<std::string> remove;  // models whose downloaded files are removed
  bool adapter_only = false;        // with remove: only the adapter
  bool online = false;              // ask the servers for the sizes of missing files
};

// "available", "downloadable 88.0 MB", "partial 12.0 MB of 88.0 MB".
std::string StateText(const download::ModelFilesStatus& s) {
  uint64_t partial = 0;
  for (const download::ModelFile& f : s.files) partial += f.partial_bytes;
  const std::string size = s.missing_size_known && s.missing_bytes ? download::FormatBytes(s.missing_bytes) : "";
  switch (s.state) {
    case download::ModelState::kAvailable: return "available";
    case download::ModelState::kPartial:
      return "partial " + download::FormatBytes(partial) + (size.empty() ? "" : " of " + size);
    default: return "downloadable" + (size.empty() ? "" : " " + size);
  }
}

int RunRemove(const ModelsArgs& args) {
  download::ModelFilesOptions options = download::ModelFilesOptions::FromEnvironment();
  options.discovery.extra_dirs = args.model_dirs;
  options.adapter_only = args.adapter_only;
  for (const std::string& name : args.remove) {
    const model::CatalogEntry* entry = model::FindCatalogEntry(name);
    if (!entry) throw Error("unknown model '" + name + "'", {"", std::nullopt, "remove"}, "see `corrlens-cli models`");
    const std::vector<std::string> removed = download::RemoveModelFiles(*entry, options);
    if (removed.empty()) std::cout << entry->name << ": nothing to remove (no downloaded files in the caches)\n";
    for (const std::string& path : removed) std::cout << entry->name << ": removed " << path << "\n";
  }
  return 0;
}

nlohmann::json SourcesJson(const std::vector<model::WeightSource>& sources) {
  nlohmann::json out = nlohmann::json::array();
  for (const model::WeightSource& s : sources)
    out.push_back(
        {{"kind", s.kind}, {"file", s.file_name}, {"repo", s.repo}, {"url", s.url}, {"local_name", s.LocalName()}});
  return out;
}

nlohmann::json FoundJson(const model::FoundWeights& found, const std::vector<model::WeightSource>& sources) {
  return {{"found", !found.path.empty()},    {"path", found.path},
          {"location", found.location},      {"kind", found.source.kind},
          {"sources", SourcesJson(sources)}, {"searched", found.searched}};
}

// float32 constants printed with their decimal spelling (0.485, not 0.48500001).
std::vector<double> Decimal(const std::array<float, 3>& values) {
  std::vector<double> out;
  for (float v : values) out.push_back(std::stod(fmt::format("{:.8g}", v)));
  return out;
}

nlohmann::json EntryJson(const model::ResolvedModel& r, const download::ModelFilesStatus& s) {
  const model::VitConfig c = model::VitConfig::ForArch(r.entry.arch);
  nlohmann::json out = {{"name", r.entry.name},
                        {"arch", r.entry.arch},
                        {"display_name", r.entry.display_name},
                        {"family", c.family},
                        {"dim", c.embed_dim},
                        {"depth", c.depth},
                        {"heads", c.num_heads},
                        {"patch", c.patch_size},
                        {"registers", c.num_register_tokens},
                        {"parameters", c.NumParameters()},
                        {"mean", Decimal(c.mean)},
                        {"std", Decimal(c.std)},
                        {"complete", r.Complete()},
                        {"state", download::StateName(s.state)},
                        {"download_bytes", s.missing_size_known ? nlohmann::json(s.missing_bytes) : nlohmann::json()},
                        {"disk_bytes", s.disk_bytes},
                        {"backbone", FoundJson(r.backbone, r.entry.backbone)},
                        {"adapter", nullptr}};
  if (r.entry.has_adapter()) out["adapter"] = FoundJson(r.adapter, r.entry.adapter);
  return out;
}

std::string Describe(const model::FoundWeights& found, const std::vector<model::WeightSource>& sources) {
  if (!found.path.empty()) return found.path + " (" + found.location + ")";
  return "missing: " + sources.front().url;
}

int RunModels(const ModelsArgs& args) {
  if (!args.remove.empty()) return RunRemove(args);
  download::ModelFilesOptions files = download::ModelFilesOptions::FromEnvironment();
  files.discovery.extra_dirs = args.model_dirs;
  const model::DiscoveryOptions& discovery = files.discovery;
  std::vector<model::ResolvedModel> resolved;
  std::vector<download::ModelFilesStatus> states;
  std::unique_ptr<download::Downloader> downloader;
  if (args.online) downloader = download::Downloader::Create(files.network);
  for (const model::CatalogEntry& entry : model::CatalogEntries()) {
    if (downloader) download::LearnMissingSizes(entry, files, *downloader, CancelToken());
    resolved.push_back(model::ResolveModel(entry, discovery));
    states.push_back(download::InspectModelFiles(entry, files));
  }
  RegisterTorchScriptModels(BuiltinBackends(), args.model_dirs);
  std::vector<BackendDescription> scripted;
  for (const BackendDescription& d : ListBackends(args.model_dirs))
    if (d.family == "torchscript" && d.name != "torchscript") scripted.push_back(d);
  if (args.json) {
    nlohmann::json torchscript = nlohmann::json::array();
    for (const BackendDescription& d : scripted)
      torchscript.push_back({{"name", d.name}, {"available", d.available}, {"files", d.weights}});
    nlohmann::json out = {{"torchscript", torchscript},
                          {"searched",
                           {{"folders", discovery.extra_dirs},
                            {"corrlens_models", discovery.models_dirs},
                            {"torch_hub", discovery.torch_hub_dir},
                            {"huggingface", discovery.hf_hub_dir}}},
                          {"models", nlohmann::json::array()}};
    for (size_t i = 0; i < resolved.size(); ++i) out["models"].push_back(EntryJson(resolved[i], states[i]));
    std::cout << out.dump(2) << std::endl;
    return 0;
  }
  std::cout << "Weights are looked for, in this order, in:\n";
  for (const std::string& dir : discovery.extra_dirs) std::cout << "  --models-dir    " << dir << "\n";
  for (const std::string& dir : discovery.models_dirs) std::cout << "  $CORRLENS_MODELS " << dir << "\n";
  if (discovery.models_dirs.empty()) std::cout << "  $CORRLENS_MODELS (not set)\n";
  std::cout << "  torch-hub cache " << discovery.torch_hub_dir << "\n"
            << "  HF cache        " << discovery.hf_hub_dir << "/models--<org>--<repo>/snapshots/*/\n\n";
  int found = 0;
  for (size_t i = 0; i < resolved.size(); ++i) {
    const model::ResolvedModel& r = resolved[i];
    const model::VitConfig c = model::VitConfig::ForArch(r.entry.arch);
    found += r.Complete() ? 1 : 0;
    std::cout << fmt::format("{:<24} {:<30} dim {:<4} {:>7.1f}M  {}\n", r.entry.name, StateText(states[i]), c.embed_dim,
                             c.NumParameters() / 1e6, r.entry.display_name);
    if (r.Complete() || args.verbose) {
      std::cout << "    backbone: " << Describe(r.backbone, r.entry.backbone) << "\n";
      if (r.entry.has_adapter()) std::cout << "    adapter:  " << Describe(r.adapter, r.entry.adapter) << "\n";
    }
  }
  std::cout << fmt::format(
      "\n{} of {} models available. `corrlens-cli fetch MODEL` downloads one; --verbose lists the URL of each "
      "missing file.\n",
      found, resolved.size());
  if (!scripted.empty()) std::cout << "\nTorchScript models (corrlens.json manifests):\n";
  for (const BackendDescription& d : scripted)
    std::cout << fmt::format("{:<24} {:<5} {}\n", d.name, d.available ? "ready" : "-", d.weights);
  return 0;
}

}  // namespace

void AddModelsCommand(Commands& commands) {
  auto args = std::make_shared<ModelsArgs>();
  CLI::App* app =
      commands.Add("models", "List the ViT catalog, the state of each entry and the weight files found on disk",
                   [args] { return RunModels(*args); });
  app->add_option("--models-dir", args->model_dirs, "Extra folder searched first (repeatable)");
  app->add_flag("--json", args->json, "Machine-readable output (catalog, files, searched places, URLs)");
  app->add_flag("-v,--verbose", args->verbose, "Show files and URLs of models that are not available too");
  app->add_option("--remove", args->remove,
                  "Delete the files `fetch` downloads for MODEL (repeatable); other files are never touched");
  app->add_flag("--adapter-only", args->adapter_only, "With --remove: only the 3DCorrEnhance adapter");
  app->add_flag("--online", args->online, "Ask the servers for the download size of each missing file (HEAD)");
}

}  // namespace corrlens::cli
