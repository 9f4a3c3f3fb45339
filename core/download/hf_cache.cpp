#include "core/download/hf_cache.h"

#include <filesystem>
#include <fstream>
#include <set>

#include "core/util/error.h"
#include "core/util/fs.h"

namespace corrlens::download {
namespace {

namespace stdfs = std::filesystem;

// The blob a snapshot entry points to (canonical), "" when it is not a link.
std::string LinkedBlob(const stdfs::path& entry) {
  std::error_code ec;
  if (!stdfs::is_symlink(stdfs::symlink_status(entry, ec))) return "";
  const stdfs::path target = stdfs::read_symlink(entry, ec);
  if (ec) return "";
  return stdfs::weakly_canonical(entry.parent_path() / target, ec).string();
}

}  // namespace

std::string HfRepoFolder(const std::string& hub_dir, const std::string& repo) {
  std::string name = "models--" + repo;
  for (size_t pos = name.find('/'); pos != std::string::npos; pos = name.find('/')) name.replace(pos, 1, "--");
  return (stdfs::path(hub_dir) / name).string();
}

std::string HfBlobPath(const std::string& hub_dir, const std::string& repo, const std::string& etag) {
  return (stdfs::path(HfRepoFolder(hub_dir, repo)) / "blobs" / etag).string();
}

std::string HfSnapshotPath(const std::string& hub_dir, const std::string& repo, const std::string& commit,
                           const std::string& file) {
  return (stdfs::path(HfRepoFolder(hub_dir, repo)) / "snapshots" / commit / file).string();
}

std::string HfResolveUrl(const std::string& endpoint, const std::string& repo, const std::string& revision,
                         const std::string& file) {
  return endpoint + "/" + repo + "/resolve/" + revision + "/" + file;
}

std::string ReadHfRef(const std::string& hub_dir, const std::string& repo, const std::string& revision) {
  std::ifstream in(stdfs::path(HfRepoFolder(hub_dir, repo)) / "refs" / revision);
  std::string commit;
  std::getline(in, commit);
  return commit;
}

void LinkHfSnapshot(const std::string& hub_dir, const std::string& repo, const std::string& revision,
                    const std::string& commit, const std::string& file, const std::string& etag) {
  if (commit.empty() || etag.empty())
    throw Error("the server sent no commit or ETag for the file", {file, std::nullopt, "huggingface cache"},
                "not a Hugging Face resolve endpoint (X-Repo-Commit and ETag headers are needed)");
  const stdfs::path link = HfSnapshotPath(hub_dir, repo, commit, file);
  const stdfs::path blob = HfBlobPath(hub_dir, repo, etag);
  std::error_code ec;
  stdfs::create_directories(link.parent_path(), ec);
  if (ec) throw Error("cannot create the snapshot folder: " + ec.message(), {link.parent_path().string()});
  stdfs::remove(link, ec);
  stdfs::create_symlink(stdfs::relative(blob, link.parent_path()), link, ec);
  if (ec) {  // a file system without symlinks: a copy, as huggingface_hub does there
    ec.clear();
    stdfs::copy_file(blob, link, stdfs::copy_options::overwrite_existing, ec);
  }
  if (ec) throw Error("cannot link the snapshot to its blob: " + ec.message(), {link.string()});
  if (revision != commit) {
    const stdfs::path ref = stdfs::path(HfRepoFolder(hub_dir, repo)) / "refs" / revision;
    stdfs::create_directories(ref.parent_path(), ec);
    fs::WriteFileAtomic(ref.string(), commit);
  }
}

std::vector<std::string> RemoveHfFile(const std::string& hub_dir, const std::string& repo, const std::string& file) {
  const stdfs::path snapshots = stdfs::path(HfRepoFolder(hub_dir, repo)) / "snapshots";
  std::vector<std::string> removed;
  std::error_code ec;
  if (!stdfs::is_directory(snapshots, ec)) return removed;
  std::set<std::string> blobs;  // blobs of the removed entries
  for (const auto& snap : stdfs::directory_iterator(snapshots, ec)) {
    const stdfs::path entry = snap.path() / file;
    if (!stdfs::exists(stdfs::symlink_status(entry, ec))) continue;
    const std::string blob = LinkedBlob(entry);
    if (!blob.empty()) blobs.insert(blob);
    if (stdfs::remove(entry, ec)) removed.push_back(entry.string());
  }
  std::set<std::string> still_used;  // by other files of any snapshot
  for (auto it = stdfs::recursive_directory_iterator(snapshots, ec); it != stdfs::recursive_directory_iterator();
       it.increment(ec))
    if (const std::string blob = LinkedBlob(it->path()); !blob.empty()) still_used.insert(blob);
  for (const std::string& blob : blobs)
    if (!still_used.count(blob) && stdfs::remove(blob, ec)) removed.push_back(blob);
  return removed;
}

}  // namespace corrlens::download
