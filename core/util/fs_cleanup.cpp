#include "core/util/fs_cleanup.h"

#include <cctype>
#include <filesystem>

namespace corrlens::fs {

int RemoveStaleTemporaries(const std::string& path, std::chrono::seconds age) {
  namespace stdfs = std::filesystem;
  const stdfs::path target(path);
  const stdfs::path folder = target.has_parent_path() ? target.parent_path() : stdfs::path(".");
  const std::string prefix = target.filename().string() + ".tmp";
  const auto stale = stdfs::file_time_type::clock::now() - age;
  int removed = 0;
  std::error_code ec;
  for (const auto& entry : stdfs::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    bool digits = true;
    for (size_t i = prefix.size(); i < name.size(); ++i) digits = digits && std::isdigit(uint8_t(name[i]));
    std::error_code item_ec;
    if (!digits || !entry.is_regular_file(item_ec)) continue;
    const auto time = entry.last_write_time(item_ec);
    if (item_ec || time >= stale) continue;
    if (stdfs::remove(entry.path(), item_ec)) ++removed;
  }
  return removed;
}

}  // namespace corrlens::fs
