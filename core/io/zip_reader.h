// A strict reader for the zip archives used by torch.save and numpy.savez:
// it parses the central directory itself (zip64 included), refuses entries
// that reach past the end, overlap each other or the directory, duplicate
// names and encryption, and verifies CRC-32 when it reads an entry. Stored
// entries are copied straight from the file; deflated ones go through zlib
// with a size cap.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/io/byte_source.h"

namespace corrlens::io {

struct ZipEntry {
  std::string name;
  uint64_t header_offset = 0;  // local file header
  uint64_t data_offset = 0;    // first byte of the (compressed) data
  uint64_t compressed_size = 0;
  uint64_t size = 0;    // uncompressed
  uint16_t method = 0;  // 0 stored, 8 deflated
  uint32_t crc32 = 0;
};

struct ZipReadOptions {
  // Verify CRC-32 of every entry read (catches bit flips in tensor data).
  bool verify_crc = true;
  // Largest uncompressed size accepted for a deflated entry (bytes).
  uint64_t max_inflated_bytes = uint64_t{16} << 30;

  bool Check() const { return max_inflated_bytes > 0; }
};

class ZipReader {
 public:
  // Parses and validates the directory; throws Error naming the file,
  // offset and likely cause (truncated download, not a zip, ...).
  static std::unique_ptr<ZipReader> Open(std::shared_ptr<const ByteSource> source, const ZipReadOptions& options = {});

  // Entries in central-directory order.
  const std::vector<ZipEntry>& Entries() const { return entries_; }
  // Entry by exact name, or nullptr.
  const ZipEntry* Find(const std::string& name) const;
  // Whole uncompressed content of `entry`, CRC-checked.
  std::vector<uint8_t> Read(const ZipEntry& entry) const;
  // Copies the content of a stored entry into `dst` (entry.size bytes), CRC-checked.
  void ReadInto(const ZipEntry& entry, uint8_t* dst) const;
  // The first min(entry.size, max_bytes) bytes of `entry` (inflated only as
  // far as needed; not CRC-checked, the rest of the entry is never read).
  std::vector<uint8_t> ReadPrefix(const ZipEntry& entry, uint64_t max_bytes) const;
  const ByteSource& Source() const { return *source_; }

 private:
  ZipReader(std::shared_ptr<const ByteSource> source, const ZipReadOptions& options)
      : source_(std::move(source)), options_(options) {}
  void ParseDirectory();
  void ParseEntries(const std::vector<uint8_t>& directory, uint64_t directory_offset, uint64_t count);
  void LocateData(ZipEntry& entry) const;
  void CheckLayout(uint64_t directory_offset) const;
  void CheckInflatedSize(const ZipEntry& entry) const;
  void Inflate(const ZipEntry& entry, uint8_t* dst) const;
  // Inflates up to `limit` bytes into `dst`; returns how many were produced
  // and whether the deflate stream ended.
  uint64_t InflateSome(const ZipEntry& entry, uint8_t* dst, uint64_t limit, bool* ended) const;

  std::shared_ptr<const ByteSource> source_;
  ZipReadOptions options_;
  std::vector<ZipEntry> entries_;
  std::unordered_map<std::string, size_t> index_;  // name -> entries_ position
};

// True when `bytes` start like a zip archive (local header or empty archive).
bool LooksLikeZip(const uint8_t* bytes, uint64_t size);

}  // namespace corrlens::io
