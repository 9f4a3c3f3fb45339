// A minimal zip writer for torch checkpoints and npz files: stored entries
// aligned like torch.save does (so data can be memory-mapped), optional
// deflate, zip64 when sizes or offsets need it. Builds the archive in memory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace corrlens::io {

struct ZipWriteOptions {
  // Alignment of stored entry data (torch.save uses 64); 1 disables padding.
  uint32_t align = 64;
  // Write zip64 records even when nothing needs them (tests, interop).
  bool force_zip64 = false;

  bool Check() const { return align >= 1 && align <= 4096; }
};

class ZipWriter {
 public:
  explicit ZipWriter(const ZipWriteOptions& options = {});
  // Appends an entry; `deflate` compresses it with zlib (level 6).
  void Add(const std::string& name, const uint8_t* data, uint64_t size, bool deflate = false);
  void Add(const std::string& name, const std::string& text) {
    Add(name, reinterpret_cast<const uint8_t*>(text.data()), text.size());
  }
  // Writes the central directory and returns the whole archive.
  std::vector<uint8_t> Finish();

 private:
  struct Record {
    std::string name;
    uint64_t offset, size, compressed_size;
    uint32_t crc;
    uint16_t method;
  };
  ZipWriteOptions options_;
  std::vector<uint8_t> out_;
  std::vector<Record> records_;
  bool finished_ = false;
};

}  // namespace corrlens::io
