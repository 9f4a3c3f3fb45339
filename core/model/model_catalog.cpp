#include "core/model/model_catalog.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/model/vit_config.h"
#include "core/util/error.h"

namespace corrlens::model {
namespace {

namespace stdfs = std::filesystem;

const char kDinov2Url[] = "https://dl.fbaipublicfiles.com/dinov2";
const char kHfUrl[] = "https://huggingface.co";
const char kAdapterRepo[] = "qq456cvb/3DCorrEnhance";

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::string(value) : std::string();
}

WeightSource HubPth(const std::string& arch_dir, const std::string& file) {
  return {"torch-hub", file, "", std::string(kDinov2Url) + "/" + arch_dir + "/" + file};
}

WeightSource HfFile(const std::string& kind, const std::string& repo, const std::string& file) {
  return {kind, file, repo, std::string(kHfUrl) + "/" + repo + "/resolve/main/" + file};
}

CatalogEntry Dinov2Entry(const std::string& size, const std::string& hf_size, bool reg) {
  const std::string base = "dinov2_vit" + size + "14";
  CatalogEntry e;
  e.arch = base + (reg ? "_reg" : "");
  e.name = e.arch;
  e.display_name = "DINOv2 ViT-" + std::string(size == "g" ? "g" : std::string(1, char(std::toupper(size[0])))) +
                   "/14" + (reg ? " (registers)" : "");
  e.backbone.push_back(HubPth(base, base + (reg ? "_reg4" : "") + "_pretrain.pth"));
  e.backbone.push_back(HfFile("huggingface", std::string("facebook/dinov2-") + (reg ? "with-registers-" : "") + hf_size,
                              "model.safetensors"));
  return e;
}

CatalogEntry TimmEntry(const std::string& arch, const std::string& display, const std::string& timm_name) {
  CatalogEntry e;
  e.arch = e.name = arch;
  e.display_name = display;
  e.backbone.push_back(HfFile("timm", "timm/" + timm_name, "model.safetensors"));
  return e;
}

std::vector<CatalogEntry> BuildCatalog() {
  std::vector<CatalogEntry> plain;
  const std::pair<const char*, const char*> sizes[] = {{"s", "small"}, {"b", "base"}, {"l", "large"}, {"g", "giant"}};
  for (bool reg : {false, true})
    for (const auto& [size, hf] : sizes) plain.push_back(Dinov2Entry(size, hf, reg));
  plain.push_back(
      TimmEntry("clip_vitb16", "CLIP ViT-B/16 (LAION-2B, timm)", "vit_base_patch16_clip_384.laion2b_ft_in12k_in1k"));
  plain.push_back(TimmEntry("mae_vitb16", "MAE ViT-B/16 (timm)", "vit_base_patch16_224.mae"));
  plain.push_back(TimmEntry("deit3_vitb16", "DeiT3 ViT-B/16 (timm)", "deit3_base_patch16_224.fb_in1k"));
  // Adapter file of each backbone in the 3DCorrEnhance Hugging Face repo.
  auto adapter_file = [](const std::string& arch) -> std::string {
    static const std::pair<const char*, const char*> kFiles[] = {{"dinov2_vits14", "dinov2_small.ckpt"},
                                                                 {"dinov2_vitb14", "dinov2_base.ckpt"},
                                                                 {"dinov2_vitl14", "dinov2_large.ckpt"},
                                                                 {"dinov2_vitg14", "dinov2_giant.ckpt"},
                                                                 {"dinov2_vits14_reg", "dinov2_reg_small.ckpt"},
                                                                 {"dinov2_vitb14_reg", "dinov2_reg_base.ckpt"},
                                                                 {"dinov2_vitl14_reg", "dinov2_reg_large.ckpt"},
                                                                 {"dinov2_vitg14_reg", "dinov2_reg_giant.ckpt"},
                                                                 {"clip_vitb16", "clip.ckpt"},
                                                                 {"mae_vitb16", "mae.ckpt"},
                                                                 {"deit3_vitb16", "deit.ckpt"}};
    for (const auto& [a, f] : kFiles)
      if (arch == a) return f;
    return "";
  };
  std::vector<CatalogEntry> all = plain;
  for (const CatalogEntry& base : plain) {
    CatalogEntry e = base;
    e.name = base.name + "+3dcorr";
    e.display_name = base.display_name + " + 3DCorrEnhance";
    e.adapter.push_back(HfFile("huggingface", kAdapterRepo, adapter_file(base.arch)));
    all.push_back(e);
  }
  return all;
}

std::string RepoCacheDir(const std::string& repo) {
  std::string dir = "models--" + repo;
  for (size_t pos = dir.find('/'); pos != std::string::npos; pos = dir.find('/')) dir.replace(pos, 1, "--");
  return dir;
}

bool IsFile(const stdfs::path& path) {
  std::error_code ec;
  return stdfs::is_regular_file(path, ec);  // follows symlinks (HF snapshots are links to blobs)
}

// <hf>/models--a--b/snapshots/<refs/main>/<file> as huggingface_hub resolves
// it, else snapshots/*/<file>, newest snapshot first.
std::string FindInHfCache(const std::string& hf_dir, const WeightSource& s, std::vector<std::string>* searched) {
  const stdfs::path repo = stdfs::path(hf_dir) / RepoCacheDir(s.repo);
  const stdfs::path snapshots = repo / "snapshots";
  searched->push_back((snapshots / "*" / s.file_name).string());
  std::error_code ec;
  if (!stdfs::is_directory(snapshots, ec)) return "";
  std::ifstream ref(repo / "refs" / "main");
  std::string commit;
  if (std::getline(ref, commit) && !commit.empty() && IsFile(snapshots / commit / s.file_name))
    return (snapshots / commit / s.file_name).string();
  std::vector<std::pair<stdfs::file_time_type, stdfs::path>> hits;
  for (const auto& snap : stdfs::directory_iterator(snapshots, ec)) {
    const stdfs::path candidate = snap.path() / s.file_name;
    if (IsFile(candidate)) hits.emplace_back(stdfs::last_write_time(snap.path(), ec), candidate);
  }
  if (hits.empty()) return "";
  std::sort(hits.begin(), hits.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  return hits.front().second.string();
}

// A flat folder: <dir>/<local name>, <dir>/<file name>, <dir>/<repo name>/<file name>.
std::string FindInFolder(const std::string& dir, const WeightSource& s, std::vector<std::string>* searched) {
  std::vector<stdfs::path> candidates = {stdfs::path(dir) / s.LocalName()};
  if (s.LocalName() != s.file_name)  // a Hugging Face backbone kept in its own folder
    candidates.push_back(stdfs::path(dir) / s.repo.substr(s.repo.find('/') + 1) / s.file_name);
  for (const stdfs::path& c : candidates) {
    searched->push_back(c.string());
    if (IsFile(c)) return c.string();
  }
  return "";
}

}  // namespace

std::string WeightSource::LocalName() const {
  if (repo.empty() || file_name != "model.safetensors") return file_name;
  return repo.substr(repo.find('/') + 1) + ".safetensors";
}

DiscoveryOptions DiscoveryOptions::FromEnvironment() {
  DiscoveryOptions options;
  const std::string home = Env("HOME");
  const std::string xdg = Env("XDG_CACHE_HOME").empty() ? home + "/.cache" : Env("XDG_CACHE_HOME");
  const std::string torch_home = Env("TORCH_HOME").empty() ? xdg + "/torch" : Env("TORCH_HOME");
  options.torch_hub_dir = torch_home + "/hub/checkpoints";
  if (!Env("HF_HUB_CACHE").empty())
    options.hf_hub_dir = Env("HF_HUB_CACHE");
  else if (!Env("HF_HOME").empty())
    options.hf_hub_dir = Env("HF_HOME") + "/hub";
  else
    options.hf_hub_dir = xdg + "/huggingface/hub";
  std::stringstream dirs(Env("CORRLENS_MODELS"));
  for (std::string dir; std::getline(dirs, dir, ':');)
    if (!dir.empty()) options.models_dirs.push_back(dir);
  return options;
}

const std::vector<CatalogEntry>& CatalogEntries() {
  static const std::vector<CatalogEntry> catalog = BuildCatalog();
  return catalog;
}

const CatalogEntry* FindCatalogEntry(const std::string& name) {
  const std::string suffix = "+3dcorr";
  const bool adapter =
      name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  std::string arch = adapter ? name.substr(0, name.size() - suffix.size()) : name;
  try {
    arch = VitConfig::ForArch(arch).arch;  // canonical spelling of aliases
  } catch (const Error&) {
    return nullptr;
  }
  const std::string canonical = arch + (adapter ? suffix : "");
  for (const CatalogEntry& e : CatalogEntries())
    if (e.name == canonical) return &e;
  return nullptr;
}

FoundWeights FindWeights(const std::vector<WeightSource>& sources, const DiscoveryOptions& options) {
  FoundWeights found;
  for (const WeightSource& s : sources) {
    auto take = [&](const std::string& path, const char* where) {
      if (path.empty() || !found.path.empty()) return;
      found.path = path;
      found.source = s;
      found.location = where;
    };
    for (const std::string& dir : options.extra_dirs) take(FindInFolder(dir, s, &found.searched), "folder");
    for (const std::string& dir : options.models_dirs) take(FindInFolder(dir, s, &found.searched), "$CORRLENS_MODELS");
    if (s.kind == "torch-hub" || s.file_name != "model.safetensors") {
      const std::string path = (stdfs::path(options.torch_hub_dir) / s.file_name).string();
      found.searched.push_back(path);
      if (IsFile(path)) take(path, "torch-hub cache");
    }
    if (!s.repo.empty()) take(FindInHfCache(options.hf_hub_dir, s, &found.searched), "huggingface cache");
    if (!found.path.empty()) break;
  }
  return found;
}

ResolvedModel ResolveModel(const CatalogEntry& entry, const DiscoveryOptions& options) {
  ResolvedModel resolved;
  resolved.entry = entry;
  resolved.backbone = FindWeights(entry.backbone, options);
  if (entry.has_adapter()) resolved.adapter = FindWeights(entry.adapter, options);
  return resolved;
}

ResolvedModel RequireModel(const std::string& name, const DiscoveryOptions& options) {
  const CatalogEntry* entry = FindCatalogEntry(name);
  if (!entry) {
    std::string known;
    for (const CatalogEntry& e : CatalogEntries()) known += (known.empty() ? "" : ", ") + e.name;
    throw Error("unknown model '" + name + "'", {"", std::nullopt, "model"}, "known: " + known);
  }
  return RequireModel(*entry, options);
}

ResolvedModel RequireModel(const CatalogEntry& entry, const DiscoveryOptions& options) {
  ResolvedModel resolved = ResolveModel(entry, options);
  auto missing = [&](const FoundWeights& found, const std::vector<WeightSource>& sources, const char* what) {
    const std::string where =
        found.searched.empty() ? ""
                               : found.searched.front() + " and " + std::to_string(found.searched.size() - 1) + " more";
    const WeightSource& first = sources.front();
    const std::string folder = first.kind == "torch-hub" || first.file_name != "model.safetensors"
                                   ? options.torch_hub_dir
                                   : "a $CORRLENS_MODELS folder as " + first.LocalName();
    throw Error(std::string(what) + " weights of " + entry.name + " not found (looked in " + where + ")",
                {"", std::nullopt, "model"},
                "run `corrlens-cli fetch " + entry.name + "` (or download " + first.url + " into " + folder +
                    "), or pass --weights/--adapter");
  };
  if (!entry.backbone.empty() && resolved.backbone.path.empty()) missing(resolved.backbone, entry.backbone, "backbone");
  if (entry.has_adapter() && resolved.adapter.path.empty()) missing(resolved.adapter, entry.adapter, "adapter");
  return resolved;
}

}  // namespace corrlens::model
