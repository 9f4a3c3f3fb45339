#include "core/download/model_files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/download/hf_cache.h"
#include "core/download/sha256.h"
#include "core/util/error.h"
#include "core/util/fs.h"

namespace corrlens::download {
namespace {

namespace stdfs = std::filesystem;
const char kOfficialDinov2[] = "https://dl.fbaipublicfiles.com/dinov2";

uint64_t SizeOf(const std::string& path) {
  std::error_code ec;
  const auto size = stdfs::file_size(path, ec);  // follows snapshot links
  return ec ? 0 : static_cast<uint64_t>(size);
}

bool IsHf(const model::WeightSource& s) { return !s.repo.empty(); }

std::string RecordsDir(const ModelFilesOptions& options) {
  return options.records_dir.empty() ? fs::CacheDir() + "/downloads" : options.records_dir;
}

// One JSON record per downloaded file: its partial file, size and SHA-256.
std::string RecordPath(const ModelFilesOptions& options, const model::WeightSource& s) {
  std::string key = IsHf(s) ? "hf--" + s.repo + "--" + s.file_name : "torch-hub--" + s.file_name;
  for (char& c : key) c = c == '/' ? '-' : c;
  return RecordsDir(options) + "/" + key + ".json";
}

nlohmann::json ReadRecord(const std::string& path) {
  std::ifstream in(path);
  if (!in) return nlohmann::json::object();
  try {
    return nlohmann::json::parse(in);
  } catch (const std::exception&) {
    return nlohmann::json::object();  // a damaged record only loses the size hint
  }
}

void WriteRecord(const std::string& path, const nlohmann::json& record) {
  std::error_code ec;
  stdfs::create_directories(stdfs::path(path).parent_path(), ec);
  fs::WriteFileAtomic(path, record.dump(2) + "\n");
}

std::string DownloadUrl(const model::WeightSource& s, const ModelFilesOptions& options) {
  if (IsHf(s)) return HfResolveUrl(options.network.hf_endpoint, s.repo, options.revision, s.file_name);
  std::string url = s.url;
  if (url.rfind(kOfficialDinov2, 0) == 0)
    url = options.network.dinov2_base_url + url.substr(sizeof(kOfficialDinov2) - 1);
  return url;
}

ModelFile Describe(const std::string& role, const std::vector<model::WeightSource>& sources,
                   const ModelFilesOptions& options) {
  ModelFile file;
  file.role = role;
  file.source = sources.front();
  file.url = DownloadUrl(file.source, options);
  const model::FoundWeights found = model::FindWeights(sources, options.discovery);
  file.found_path = found.path;
  file.found_location = found.location;
  if (!found.path.empty()) {
    file.size = SizeOf(found.path);
    return file;
  }
  const nlohmann::json record = ReadRecord(RecordPath(options, file.source));
  file.size = record.value("size", uint64_t{0});
  std::string partial = record.value("partial", std::string());
  if (!IsHf(file.source)) partial = options.discovery.torch_hub_dir + "/" + file.source.file_name + ".incomplete";
  if (!partial.empty() && stdfs::exists(partial)) {
    file.partial_path = partial;
    file.partial_bytes = SizeOf(partial);
  }
  return file;
}

// An exclusive flock() on `path` for one download, the lock huggingface_hub
// takes too (<hub>/.locks/models--<org>--<name>/<etag>.lock): a second
// download of the same file (another thread, the CLI, Python) waits.
class FileLock {
 public:
  FileLock(const std::string& path, Progress& progress, const CancelToken& cancel) {
    std::error_code ec;
    stdfs::create_directories(stdfs::path(path).parent_path(), ec);
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error("cannot create the lock file: " + std::string(std::strerror(errno)), {path});
    for (bool told = false; ::flock(fd_, LOCK_EX | LOCK_NB) != 0;) {
      if (errno != EWOULDBLOCK && errno != EINTR) {
        ::close(fd_);
        throw Error("cannot lock the download: " + std::string(std::strerror(errno)), {path});
      }
      if (!told) progress.Report(0.0, "waiting for another download of the same file");
      told = true;
      if (cancel.IsCancelled()) {
        ::close(fd_);
        throw Cancelled();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  ~FileLock() { ::close(fd_); }  // releases the lock
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

// Downloads one Hugging Face file into blobs/ and links its snapshot entry.
DownloadResult FetchHf(const ModelFile& file, const ModelFilesOptions& options, Downloader& downloader,
                       Progress& progress, const CancelToken& cancel) {
  const model::WeightSource& s = file.source;
  const std::string& hub = options.discovery.hf_hub_dir;
  const RemoteFileInfo info = downloader.Head(file.url, cancel);
  if (info.repo_commit.empty() || info.etag.empty())
    throw Error("the server sent no X-Repo-Commit or ETag", {info.url, std::nullopt, "huggingface cache"},
                "HF_ENDPOINT must point to a Hugging Face hub (or a mirror of it)");
  const std::string blob = HfBlobPath(hub, s.repo, info.etag);
  const std::string repo_folder = stdfs::path(HfRepoFolder(hub, s.repo)).filename().string();
  const FileLock lock((stdfs::path(hub) / ".locks" / repo_folder / (info.etag + ".lock")).string(), progress, cancel);
  const std::string record_path = RecordPath(options, s);
  nlohmann::json record = {{"url", file.url},
                           {"repo", s.repo},
                           {"file", s.file_name},
                           {"commit", info.repo_commit},
                           {"etag", info.etag},
                           {"size", info.size},
                           {"partial", blob + ".incomplete"},
                           {"destination", blob}};
  DownloadResult result;
  if (stdfs::exists(blob) && (!info.size || SizeOf(blob) == info.size)) {  // already in the cache (another snapshot)
    result.path = blob;
    result.bytes = SizeOf(blob);
    result.sha256 = IsSha256Hex(info.etag) ? info.etag : Sha256OfFile(blob, &cancel);
  } else {
    WriteRecord(record_path, record);
    DownloadRequest request;
    request.url = info.location.empty() ? info.url : info.location;
    request.destination = blob;
    request.partial = blob + ".incomplete";
    request.expected_size = info.size;
    if (IsSha256Hex(info.etag)) request.expected_sha256 = info.etag;  // LFS: the ETag is the SHA-256
    result = downloader.Fetch(request, progress, cancel);
  }
  LinkHfSnapshot(hub, s.repo, options.revision, info.repo_commit, s.file_name, info.etag);
  result.path = HfSnapshotPath(hub, s.repo, info.repo_commit, s.file_name);
  record["sha256"] = result.sha256;
  record["verified"] = result.verified || (IsSha256Hex(info.etag) && result.sha256 == info.etag);
  record["size"] = result.bytes;
  record["path"] = result.path;
  record.erase("partial");
  WriteRecord(record_path, record);
  return result;
}

DownloadResult FetchTorchHub(const ModelFile& file, const ModelFilesOptions& options, Downloader& downloader,
                             Progress& progress, const CancelToken& cancel) {
  DownloadRequest request;
  request.url = file.url;
  request.destination = options.discovery.torch_hub_dir + "/" + file.source.file_name;
  const std::string record_path = RecordPath(options, file.source);
  const FileLock lock(RecordsDir(options) + "/locks/torch-hub--" + file.source.file_name + ".lock", progress, cancel);
  if (stdfs::exists(request.destination)) {  // another download finished while this one waited
    DownloadResult done;
    done.path = request.destination;
    done.bytes = SizeOf(done.path);
    done.sha256 = Sha256OfFile(done.path, &cancel);
    return done;
  }
  bool size_recorded = false;  // once the server said it: "partial 12 MB of 88 MB" after an interruption
  request.on_transfer = [&](const TransferStats& stats) {
    if (size_recorded || stats.total == 0) return;
    size_recorded = true;
    WriteRecord(record_path, {{"url", file.url}, {"size", stats.total}, {"partial", request.PartialPath()}});
  };
  DownloadResult result = downloader.Fetch(request, progress, cancel);
  WriteRecord(record_path, {{"url", file.url},
                            {"path", result.path},
                            {"size", result.bytes},
                            {"sha256", result.sha256},
                            {"verified", result.verified}});
  return result;
}

}  // namespace

const char* StateName(ModelState state) {
  switch (state) {
    case ModelState::kAvailable: return "available";
    case ModelState::kPartial: return "partial";
    default: return "downloadable";
  }
}

bool ModelFilesOptions::Check() const {
  return network.Check() && !revision.empty() && !discovery.torch_hub_dir.empty() && !discovery.hf_hub_dir.empty();
}

ModelFilesOptions ModelFilesOptions::FromEnvironment() {
  ModelFilesOptions options;
  options.discovery = model::DiscoveryOptions::FromEnvironment();
  options.network = NetworkOptions::FromEnvironment();
  return options;
}

ModelFilesStatus InspectModelFiles(const model::CatalogEntry& entry, const ModelFilesOptions& options) {
  ModelFilesStatus status;
  status.entry = entry;
  if (!options.adapter_only || !entry.has_adapter())
    status.files.push_back(Describe("backbone", entry.backbone, options));
  if (entry.has_adapter()) status.files.push_back(Describe("adapter", entry.adapter, options));
  bool all_found = true, any_partial = false;
  for (const ModelFile& f : status.files) {
    if (!f.found_path.empty()) {
      status.disk_bytes += f.size;
      continue;
    }
    all_found = false;
    any_partial = any_partial || !f.partial_path.empty();
    status.missing_bytes += f.size;
    status.missing_size_known = status.missing_size_known && f.size > 0;
  }
  status.state = all_found ? ModelState::kAvailable : any_partial ? ModelState::kPartial : ModelState::kDownloadable;
  return status;
}

std::vector<DownloadResult> FetchModelFiles(const model::CatalogEntry& entry, const ModelFilesOptions& options,
                                            Downloader& downloader, Progress& progress, const CancelToken& cancel) {
  if (!options.Check())
    throw Error("invalid download options", {"", std::nullopt, "model"}, "cache folders and revision must be set");
  const ModelFilesStatus status = InspectModelFiles(entry, options);
  std::vector<const ModelFile*> missing;
  for (const ModelFile& f : status.files)
    if (f.found_path.empty()) missing.push_back(&f);
  std::vector<DownloadResult> results;
  for (size_t i = 0; i < missing.size(); ++i) {
    Progress part = progress.Sub(double(i) / missing.size(), double(i + 1) / missing.size());
    const ModelFile& file = *missing[i];
    results.push_back(IsHf(file.source) ? FetchHf(file, options, downloader, part, cancel)
                                        : FetchTorchHub(file, options, downloader, part, cancel));
  }
  progress.Report(1.0, entry.name + ": " + (missing.empty() ? "already available" : "downloaded"));
  return results;
}

void LearnMissingSizes(const model::CatalogEntry& entry, const ModelFilesOptions& options, Downloader& downloader,
                       const CancelToken& cancel) {
  for (const ModelFile& file : InspectModelFiles(entry, options).files) {
    if (!file.found_path.empty() || file.size > 0) continue;
    const RemoteFileInfo info = downloader.Head(file.url, cancel);
    if (info.size == 0) continue;
    const std::string path = RecordPath(options, file.source);
    nlohmann::json record = ReadRecord(path);
    record["url"] = file.url;
    record["size"] = info.size;
    WriteRecord(path, record);
  }
}

std::vector<std::string> RemoveModelFiles(const model::CatalogEntry& entry, const ModelFilesOptions& options) {
  std::vector<const model::WeightSource*> sources;
  if (!options.adapter_only || !entry.has_adapter()) sources.push_back(&entry.backbone.front());
  if (entry.has_adapter()) sources.push_back(&entry.adapter.front());
  std::vector<std::string> removed;
  std::error_code ec;
  auto remove = [&](const std::string& path) {
    if (!path.empty() && stdfs::remove(path, ec)) removed.push_back(path);
  };
  for (const model::WeightSource* s : sources) {
    const std::string record_path = RecordPath(options, *s);
    const nlohmann::json record = ReadRecord(record_path);
    if (IsHf(*s)) {
      for (const std::string& path : RemoveHfFile(options.discovery.hf_hub_dir, s->repo, s->file_name))
        removed.push_back(path);
      remove(record.value("partial", std::string()));
    } else {
      const std::string path = options.discovery.torch_hub_dir + "/" + s->file_name;
      remove(path);
      remove(path + ".incomplete");
    }
    remove(record_path);
  }
  return removed;
}

}  // namespace corrlens::download
