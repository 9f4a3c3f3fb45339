// Small file helpers shared by core modules: whole-file reads with a size
// limit, atomic writes (temporary file + rename), and content hashing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace corrlens::fs {

// Reads a whole file; throws Error naming the file when it is missing,
// unreadable or larger than `max_bytes`.
std::vector<uint8_t> ReadFile(const std::string& path, uint64_t max_bytes = uint64_t{1} << 40);

// Writes `size` bytes to `path` atomically: a temporary file in the same
// folder is written, flushed and renamed over `path`. Throws Error on failure
// and leaves any existing `path` untouched.
void WriteFileAtomic(const std::string& path, const void* data, size_t size);
void WriteFileAtomic(const std::string& path, const std::string& text);

// 64-bit FNV-1a style hash of bytes, as 16 hex digits (cache keys, not crypto).
std::string HashHex(const void* data, size_t size);

// $XDG_CACHE_HOME/corrlens or ~/.cache/corrlens; $CORRLENS_CACHE_DIR wins.
std::string CacheDir();

}  // namespace corrlens::fs
