// The Hugging Face hub cache layout, written exactly as huggingface_hub does
// so that Python and CorrLens find each other's files:
//   <hub>/models--<org>--<name>/blobs/<etag>             the file (etag = SHA-256 for LFS files)
//   <hub>/models--<org>--<name>/blobs/<etag>.incomplete  while downloading
//   <hub>/models--<org>--<name>/snapshots/<commit>/<file> -> ../../blobs/<etag>
//   <hub>/models--<org>--<name>/refs/main                the commit (no newline)
#pragma once

#include <string>
#include <vector>

namespace corrlens::download {

// "qq456cvb/3DCorrEnhance" -> "<hub>/models--qq456cvb--3DCorrEnhance".
std::string HfRepoFolder(const std::string& hub_dir, const std::string& repo);
std::string HfBlobPath(const std::string& hub_dir, const std::string& repo, const std::string& etag);
std::string HfSnapshotPath(const std::string& hub_dir, const std::string& repo, const std::string& commit,
                           const std::string& file);
// "<endpoint>/<repo>/resolve/<revision>/<file>".
std::string HfResolveUrl(const std::string& endpoint, const std::string& repo, const std::string& revision,
                         const std::string& file);

// The commit refs/<revision> points to; "" when there is no ref.
std::string ReadHfRef(const std::string& hub_dir, const std::string& repo, const std::string& revision = "main");

// Links snapshots/<commit>/<file> to blobs/<etag> (relative symlink, replacing
// an old link) and writes refs/<revision> = commit when `revision` is a branch
// name and not the commit itself. Throws corrlens::Error naming the path.
void LinkHfSnapshot(const std::string& hub_dir, const std::string& repo, const std::string& revision,
                    const std::string& commit, const std::string& file, const std::string& etag);

// Removes snapshots/*/<file> of `repo` and each blob they point to that no
// other snapshot entry uses. Returns the removed paths.
std::vector<std::string> RemoveHfFile(const std::string& hub_dir, const std::string& repo, const std::string& file);

}  // namespace corrlens::download
