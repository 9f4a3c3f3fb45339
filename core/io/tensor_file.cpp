#include "core/io/tensor_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/io/byte_source.h"
#include "core/io/npy.h"
#include "core/io/safetensors.h"
#include "core/io/torch_checkpoint.h"
#include "core/io/zip_reader.h"
#include "core/util/error.h"

namespace corrlens::io {
namespace {

bool StartsWith(const std::vector<uint8_t>& bytes, const char* text) {
  const size_t n = std::strlen(text);
  return bytes.size() >= n && std::memcmp(bytes.data(), text, n) == 0;
}

// A likely explanation for bytes that are no tensor format at all.
std::string GuessCause(const std::vector<uint8_t>& head, uint64_t size) {
  if (size == 0) return "empty file (interrupted download?)";
  std::string text(head.begin(), head.end());
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  if (text.find("<!doctype") != std::string::npos || text.find("<html") != std::string::npos)
    return "a web page was saved instead of the file (failed or redirected download)";
  if (text.rfind("version https://git-lfs", 0) == 0) return "a Git LFS pointer, not the real file (run git lfs pull)";
  if (head.size() > 262 && std::memcmp(head.data() + 257, "ustar", 5) == 0)
    return "an old tar-format torch checkpoint (re-save it with a recent torch)";
  return "not a checkpoint: expected torch .pth/.ckpt, safetensors, npy/npz or pickle";
}

std::string HexHead(const std::vector<uint8_t>& head) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < head.size() && i < 8; ++i) {
    out += kDigits[head[i] >> 4];
    out += kDigits[head[i] & 15];
  }
  return out;
}

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string FormatName(TensorFormat format) {
  switch (format) {
    case TensorFormat::kTorchZip: return "torch zip";
    case TensorFormat::kTorchLegacy: return "torch legacy";
    case TensorFormat::kSafetensors: return "safetensors";
    case TensorFormat::kNpy: return "npy";
    case TensorFormat::kNpz: return "npz";
    case TensorFormat::kPickle: return "pickle";
  }
  return "?";
}

const TensorData* TensorFile::Find(const std::string& path) const {
  for (const NamedTensor& t : tensors) {
    if (t.path == path) return &t.tensor;
  }
  return nullptr;
}

std::vector<std::string> TensorFile::Suggest(const std::string& path, size_t limit) const {
  std::vector<std::pair<size_t, std::string>> scored;
  // Edit distances cost |a| * |b| each; a file with millions of tensors gets
  // them for its first ones only, then cheap substring and suffix matches.
  uint64_t cells_left = uint64_t{1} << 27;
  const std::string query = path.substr(0, 256);
  for (const NamedTensor& t : tensors) {
    const std::string candidate = t.path.substr(0, 256);
    const uint64_t cells = static_cast<uint64_t>(query.size() + 1) * (candidate.size() + 1);
    size_t score = SIZE_MAX;
    if (cells <= cells_left) {
      cells_left -= cells;
      score = EditDistance(query, candidate);
    }
    if (!path.empty() && t.path.find(path) != std::string::npos) score = std::min<size_t>(score, 1);
    const size_t dot = t.path.rfind('.');
    if (dot != std::string::npos && t.path.compare(dot + 1, std::string::npos, path) == 0) score = 0;
    if (score <= std::max<size_t>(3, path.size() / 3)) scored.emplace_back(score, t.path);
  }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (size_t i = 0; i < scored.size() && i < limit; ++i) out.push_back(scored[i].second);
  return out;
}

TensorFormat DetectTensorFormat(const ByteSource& source) {
  const uint64_t size = source.Size();
  const std::vector<uint8_t> head = source.ReadVector(0, std::min<uint64_t>(size, 512));
  if (LooksLikeZip(head.data(), head.size())) {
    auto zip = ZipReader::Open(std::shared_ptr<const ByteSource>(&source, [](const ByteSource*) {}));
    if (IsTorchZip(*zip)) return TensorFormat::kTorchZip;
    if (IsNpz(*zip)) return TensorFormat::kNpz;
    std::string names;
    for (size_t i = 0; i < zip->Entries().size() && i < 3; ++i) names += (i ? ", " : "") + zip->Entries()[i].name;
    throw Error("zip archive is neither a torch checkpoint nor an npz (entries: " + names + ")", {source.Name()},
                "not a checkpoint");
  }
  if (StartsWith(head, "\x93NUMPY")) return TensorFormat::kNpy;
  if (IsTorchLegacy(head.data(), head.size())) return TensorFormat::kTorchLegacy;
  if (LooksLikeSafetensors(head.data(), head.size(), size)) return TensorFormat::kSafetensors;
  if (head.size() >= 2 && head[0] == 0x80 && head[1] >= 2 && head[1] <= 5) return TensorFormat::kPickle;
  throw Error("unrecognised file format (first bytes " + HexHead(head) + ")", {source.Name(), 0},
              GuessCause(head, size));
}

TensorFile ReadTensorSource(std::shared_ptr<const ByteSource> source, const ReadOptions& options) {
  if (!options.Check()) throw Error("invalid read options", {source->Name()});
  ZipReadOptions zip_options;
  zip_options.verify_crc = options.verify_crc;
  zip_options.max_inflated_bytes = options.max_inflated_bytes;
  try {
    switch (DetectTensorFormat(*source)) {
      case TensorFormat::kTorchZip: return ReadTorchZip(*ZipReader::Open(source, zip_options), options);
      case TensorFormat::kNpz: return ReadNpz(*ZipReader::Open(source, zip_options), options);
      case TensorFormat::kNpy: return ReadNpy(*source, options);
      case TensorFormat::kTorchLegacy: return ReadTorchLegacy(*source, options);
      case TensorFormat::kPickle: return ReadPlainPickle(*source, options);
      case TensorFormat::kSafetensors: return ReadSafetensors(*source, options);
    }
  } catch (const Error& e) {
    throw e.WithFile(source->Name());
  } catch (const std::bad_alloc&) {
    throw Error("out of memory while reading", {source->Name()}, "file too large for this machine, or crafted sizes");
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("malformed content: ") + e.what(), {source->Name()}, "corrupted file");
  } catch (const std::logic_error& e) {  // out_of_range, length_error...: a size no reader expected
    throw Error(std::string("malformed content: ") + e.what(), {source->Name()}, "corrupted or crafted file");
  }
  throw Error("unknown tensor format", {source->Name()});
}

TensorFile ReadTensorFile(const std::string& path, const ReadOptions& options) {
  return ReadTensorSource(ByteSource::OpenFile(path), options);
}

}  // namespace corrlens::io
