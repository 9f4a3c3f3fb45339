// .npz archives: a zip of .npy files (numpy.savez / savez_compressed).
#include <nlohmann/json.hpp>

#include "core/io/byte_source.h"
#include "core/io/npy.h"
#include "core/io/zip_reader.h"
#include "core/io/zip_writer.h"
#include "core/util/error.h"
#include "core/util/fs.h"

namespace corrlens::io {
namespace {

bool EndsWithNpy(const std::string& name) {
  return name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0;
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
  for (const ZipEntry& entry : zip.Entries()) {
    if (!EndsWithNpy(entry.name))
      throw Error("npz entry is not a .npy file", {source.Name(), entry.header_offset, entry.name}, "not an npz archive");
    const std::string path = entry.name.substr(0, entry.name.size() - 4);
    const bool load = options.WantsData(path);
    if (!load && entry.method == 0) {
      file.tensors.push_back({path, ReadNpyArray(source, entry.data_offset, entry.size, false, entry.name)});
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
