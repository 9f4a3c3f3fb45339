// .npz archives: a zip of .npy files (numpy.savez / savez_compressed).
#include <nlohmann/json.hpp>

#include <cstring>
#include <set>

#include "core/io/byte_source.h"
#include "core/io/npy.h"
#include "core/io/utf8.h"
#include "core/io/zip_reader.h"
#include "core/io/zip_writer.h"
#include "core/util/error.h"
#include "core/util/fs.h"

namespace corrlens::io {
namespace {

bool EndsWithNpy(const std::string& name) { return name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0; }

// Listing a deflated entry needs only its .npy header: this much of it is
// inflated (numpy's own headers are far smaller; np.load refuses > 10 kB).
constexpr uint64_t kHeaderPrefix = uint64_t{1} << 20;

// The first bytes of an inflated entry, standing for the whole entry: Size()
// is the entry's size, and reading past the prefix is an error.
class EntryPrefix final : public ByteSource {
 public:
  EntryPrefix(std::vector<uint8_t> prefix, uint64_t size, const std::string& name, const std::string& entry)
      : ByteSource(name), prefix_(std::move(prefix)), size_(size), entry_(entry) {}
  uint64_t Size() const override { return size_; }
  void ReadAt(uint64_t offset, void* dst, uint64_t size) const override {
    CheckRange(offset, size, "data");
    if (offset + size > prefix_.size())
      throw Error("npy header is longer than " + std::to_string(kHeaderPrefix >> 20) + " MiB", {Name(), offset, entry_},
                  "corrupted or crafted npz entry");
    if (size) std::memcpy(dst, prefix_.data() + offset, size);
  }

 private:
  std::vector<uint8_t> prefix_;
  uint64_t size_;
  std::string entry_;
};

// Member names become tensor paths: valid UTF-8 (invalid bytes are U+FFFD),
// unique ("#2", "#3"... when two names sanitise alike).
std::string UniquePath(const std::string& name, std::set<std::string>& used) {
  const std::string base = ValidUtf8(name);
  std::string path = base;
  for (int n = 2; !used.insert(path).second; ++n) path = base + "#" + std::to_string(n);
  return path;
}

}  // namespace

bool IsNpz(const ZipReader& zip) {
  for (const ZipEntry& entry : zip.Entries()) {
    if (!EndsWithNpy(entry.name)) return false;
  }
  return true;
}

TensorFile ReadNpz(const ZipReader& zip, const ReadOptions& options) {
  const ByteSource& source = zip.Source();
  TensorFile file;
  file.format = TensorFormat::kNpz;
  file.source = source.Name();
  file.metadata = std::make_shared<nlohmann::json>(nlohmann::json::object());
  std::set<std::string> used;
  for (const ZipEntry& entry : zip.Entries()) {
    if (!EndsWithNpy(entry.name))
      throw Error("npz entry is not a .npy file", {source.Name(), entry.header_offset, entry.name},
                  "not an npz archive");
    const std::string path = UniquePath(entry.name.substr(0, entry.name.size() - 4), used);
    const bool load = options.WantsData(path);
    if (!load && entry.method == 0) {
      file.tensors.push_back({path, ReadNpyArray(source, entry.data_offset, entry.size, false, entry.name)});
      continue;
    }
    if (!load) {  // deflated: inflate the header only, never the data
      try {
        EntryPrefix prefix(zip.ReadPrefix(entry, kHeaderPrefix), entry.size, source.Name(), entry.name);
        file.tensors.push_back({path, ReadNpyArray(prefix, 0, entry.size, false, entry.name)});
      } catch (const Error& e) {
        throw Error(e.message() + (e.where().offset ? " (offset inside the inflated entry)" : ""),
                    {source.Name(), e.where().offset, entry.name}, e.cause());
      }
      continue;
    }
    // Inflated or CRC-checked copy of the entry, parsed in memory.
    auto bytes = ByteSource::FromBytes(zip.Read(entry), source.Name());
    try {
      file.tensors.push_back({path, ReadNpyArray(*bytes, 0, bytes->Size(), load, entry.name)});
    } catch (const Error& e) {
      // Offsets inside a deflated entry are relative to the entry; say so.
      std::optional<uint64_t> at = e.where().offset;
      if (at && entry.method == 0) at = *at + entry.data_offset;
      throw Error(e.message() + (at && entry.method == 8 ? " (offset inside the inflated entry)" : ""),
                  {source.Name(), at, entry.name}, e.cause());
    }
  }
  return file;
}

void WriteNpz(const std::string& path, const std::vector<NamedTensor>& tensors, bool compress) {
  ZipWriter zip;
  for (const NamedTensor& named : tensors) {
    std::vector<uint8_t> npy;
    try {
      npy = EncodeNpy(named.tensor);
    } catch (const Error& e) {
      throw Error(e.message(), {path, std::nullopt, named.path}, e.cause());
    }
    try {
      zip.Add(named.path + ".npy", npy.data(), npy.size(), compress);
    } catch (const Error& e) {
      throw e.WithFile(path);
    }
  }
  const std::vector<uint8_t> bytes = zip.Finish();
  fs::WriteFileAtomic(path, bytes.data(), bytes.size());
}

}  // namespace corrlens::io
