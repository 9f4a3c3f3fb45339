#include "core/util/fs.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/util/error.h"

namespace corrlens::fs {

std::vector<uint8_t> ReadFile(const std::string& path, uint64_t max_bytes) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error("file not found", {path}, "wrong path");
  if (std::filesystem::is_directory(path, ec)) throw Error("is a directory, expected a file", {path});
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(std::string("cannot open: ") + std::strerror(errno), {path}, "permissions");
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size < 0) throw Error("cannot determine file size", {path});
  if (static_cast<uint64_t>(size) > max_bytes)
    throw Error("file too large (" + std::to_string(size) + " bytes, limit " + std::to_string(max_bytes) + ")", {path});
  in.seekg(0);
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size))
    throw Error("read failed", {path}, "I/O error or file changed while reading");
  return bytes;
}

void WriteFileAtomic(const std::string& path, const void* data, size_t size) {
  namespace stdfs = std::filesystem;
  stdfs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) stdfs::create_directories(target.parent_path(), ec);
  std::random_device rd;
  std::string tmp = path + ".tmp" + std::to_string(rd());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(std::string("cannot write: ") + std::strerror(errno), {tmp}, "folder missing or read-only");
    out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.flush();
    if (!out) {
      out.close();
      stdfs::remove(tmp, ec);
      throw Error("write failed", {tmp}, "disk full?");
    }
  }
  stdfs::rename(tmp, target, ec);
  if (ec) {
    stdfs::remove(tmp, ec);
    throw Error("cannot rename temporary file into place: " + ec.message(), {path});
  }
}

void WriteFileAtomic(const std::string& path, const std::string& text) {
  WriteFileAtomic(path, text.data(), text.size());
}

std::string HashHex(const void* data, size_t size) {
  // Two independent 64-bit FNV-1a lanes folded together; fast and stable.
  const auto* p = static_cast<const uint8_t*>(data);
  uint64_t h1 = 1469598103934665603ull, h2 = 0x84222325cbf29ce4ull;
  for (size_t i = 0; i < size; ++i) {
    h1 = (h1 ^ p[i]) * 1099511628211ull;
    h2 = (h2 ^ p[i] ^ (i & 0xff)) * 0x100000001b3ull;
  }
  uint64_t h = h1 ^ (h2 << 1) ^ (static_cast<uint64_t>(size) * 0x9e3779b97f4a7c15ull);
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string CacheDir() {
  if (const char* env = std::getenv("CORRLENS_CACHE_DIR"); env && *env) return env;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/corrlens";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/corrlens";
  return "/tmp/corrlens-cache";
}

}  // namespace corrlens::fs
