#include "core/io/safetensors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <set>

#include "core/io/byte_source.h"
#include "core/util/error.h"
#include "core/util/fs.h"

namespace corrlens::io {
namespace {

using nlohmann::json;
constexpr const char* kBadHeader = "corrupted safetensors file, or not written by a safetensors library";

const std::pair<const char*, DType> kNames[] = {
    {"F32", DType::kFloat32}, {"F16", DType::kFloat16}, {"BF16", DType::kBFloat16}, {"F64", DType::kFloat64},
    {"I64", DType::kInt64},   {"I32", DType::kInt32},   {"I16", DType::kInt16},     {"I8", DType::kInt8},
    {"U8", DType::kUInt8},    {"BOOL", DType::kBool}};

struct Entry {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  uint64_t begin, end;
};

uint64_t ReadU64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

json ParseHeader(const std::string& text, const std::string& file, size_t max_depth) {
  std::set<std::string> seen;
  json::parser_callback_t callback = [&](int depth, json::parse_event_t event, json& parsed) {
    if (depth > static_cast<int>(max_depth))
      throw Error("safetensors header nests too deeply", {file, 8}, "crafted file");
    if (event == json::parse_event_t::key && depth == 1 && !seen.insert(parsed.get<std::string>()).second)
      throw Error("safetensors header lists '" + parsed.get<std::string>() + "' twice",
                  {file, 8, parsed.get<std::string>()}, kBadHeader);
    return true;
  };
  try {
    return json::parse(text, callback);
  } catch (const json::exception& e) {
    throw Error(std::string("safetensors header is not valid JSON: ") + e.what(), {file, 8},
                "truncated or corrupted file");
  }
}

Entry ParseEntry(const std::string& name, const json& info, const std::string& file) {
  auto bad = [&](const std::string& what) -> Error { return Error(what, {file, 8, name}, kBadHeader); };
  if (!info.is_object() || !info.contains("dtype") || !info.contains("shape") || !info.contains("data_offsets"))
    throw bad("tensor entry needs dtype, shape and data_offsets");
  const json& dtype = info["dtype"];
  const json& shape = info["shape"];
  const json& offsets = info["data_offsets"];
  if (!dtype.is_string()) throw bad("dtype is not a string");
  Entry entry{name, DType::kUInt8, {}, 0, 0};
  const auto* hit = std::find_if(std::begin(kNames), std::end(kNames), [&](const auto& p) { return dtype == p.first; });
  if (hit == std::end(kNames))
    throw Error("unsupported safetensors dtype '" + dtype.get<std::string>() + "'", {file, 8, name},
                "a dtype CorrLens does not handle (F32/F16/BF16/F64/I64/I32/I16/I8/U8/BOOL are)");
  entry.dtype = hit->second;
  if (!shape.is_array() || shape.size() > 64) throw bad("shape is not a list of sizes");
  for (const json& size : shape) {
    if (!size.is_number_unsigned() || size.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
      throw bad("shape holds a non-size");
    entry.shape.push_back(size.get<int64_t>());
  }
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned())
    throw bad("data_offsets is not [begin, end]");
  entry.begin = offsets[0].get<uint64_t>();
  entry.end = offsets[1].get<uint64_t>();
  if (entry.end < entry.begin) throw bad("data_offsets end before they begin");
  TensorData probe;
  probe.dtype = entry.dtype;
  probe.shape = entry.shape;
  uint64_t bytes = 0;
  try {
    bytes = probe.NumBytes();
  } catch (const Error&) {
    throw bad("shape " + ShapeString(entry.shape) + " overflows");
  }
  if (bytes != entry.end - entry.begin)
    throw bad("shape " + ShapeString(entry.shape) + " of " + hit->first + " needs " + std::to_string(bytes) +
              " bytes but data_offsets span " + std::to_string(entry.end - entry.begin));
  return entry;
}

}  // namespace

std::string SafetensorsDTypeName(DType dtype) {
  for (const auto& [name, d] : kNames) {
    if (d == dtype) return name;
  }
  return "U8";
}

bool LooksLikeSafetensors(const uint8_t* bytes, uint64_t size, uint64_t file_size) {
  if (size < 9 || file_size < 10) return false;
  const uint64_t n = ReadU64(bytes);
  return n >= 2 && n <= kSafetensorsMaxHeader && n <= file_size - 8 && bytes[8] == '{';
}

TensorFile ReadSafetensors(const ByteSource& source, const ReadOptions& options) {
  const std::string file = source.Name();
  const uint64_t size = source.Size();
  if (size < 8) throw Error("file too small for a safetensors header", {file, size}, "truncated download");
  uint8_t prefix[8];
  source.ReadAt(0, prefix, 8);
  const uint64_t header_size = ReadU64(prefix);
  if (header_size > kSafetensorsMaxHeader)
    throw Error("safetensors header announces " + std::to_string(header_size) + " bytes (limit 100 MB)", {file, 0},
                "not a safetensors file, or a corrupted one");
  if (header_size > size - 8)
    throw Error("safetensors header announces " + std::to_string(header_size) + " bytes but the file has " +
                    std::to_string(size - 8) + " after the length",
                {file, 0}, "truncated download");
  const std::vector<uint8_t> header_bytes = source.ReadVector(8, header_size);
  const json header = ParseHeader(std::string(header_bytes.begin(), header_bytes.end()), file, options.max_depth);
  if (!header.is_object()) throw Error("safetensors header is not a JSON object", {file, 8}, kBadHeader);
  TensorFile result;
  result.format = TensorFormat::kSafetensors;
  result.source = file;
  result.metadata = std::make_shared<json>(json::object());
  std::vector<Entry> entries;
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__") {
      if (!info.is_object()) throw Error("__metadata__ is not a map", {file, 8, name}, kBadHeader);
      for (const auto& [key, value] : info.items()) {
        if (!value.is_string()) throw Error("__metadata__ value is not a string", {file, 8, key}, kBadHeader);
      }
      (*result.metadata)["__metadata__"] = info;
      continue;
    }
    entries.push_back(ParseEntry(name, info, file));
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : (a.end != b.end ? a.end < b.end : a.name < b.name);
  });
  const uint64_t data_start = 8 + header_size, data_size = size - data_start;
  uint64_t expected = 0;
  for (const Entry& e : entries) {
    if (e.begin != expected)
      throw Error("tensor data starts at " + std::to_string(e.begin) + ", expected " + std::to_string(expected) +
                      " (offsets must be contiguous, without holes or overlaps)",
                  {file, data_start + std::min(e.begin, data_size), e.name}, kBadHeader);
    expected = e.end;
  }
  if (expected != data_size)
    throw Error(
        "tensors cover " + std::to_string(expected) + " data bytes but the file holds " + std::to_string(data_size),
        {file, data_start}, expected > data_size ? "truncated download" : kBadHeader);
  for (const Entry& e : entries) {
    NamedTensor named{e.name, {}};
    named.tensor.dtype = e.dtype;
    named.tensor.shape = e.shape;
    if (options.WantsData(e.name))
      named.tensor.storage =
          std::make_shared<const std::vector<uint8_t>>(source.ReadVector(data_start + e.begin, e.end - e.begin));
    result.tensors.push_back(std::move(named));
  }
  return result;
}

std::vector<uint8_t> EncodeSafetensors(const std::vector<NamedTensor>& tensors,
                                       const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<std::vector<uint8_t>> blobs;
  uint64_t offset = 0;
  for (const NamedTensor& named : tensors) {
    if (named.path == "__metadata__" || header.contains(named.path))
      throw Error("tensor name used twice or reserved", {"", std::nullopt, named.path}, "rename the tensor");
    try {
      blobs.push_back(named.tensor.ContiguousBytes());
    } catch (const Error& e) {
      throw Error(e.message(), {"", std::nullopt, named.path}, e.cause());
    }
    header[named.path] = {{"dtype", SafetensorsDTypeName(named.tensor.dtype)},
                          {"shape", named.tensor.shape},
                          {"data_offsets", {offset, offset + blobs.back().size()}}};
    offset += blobs.back().size();
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::vector<uint8_t> out(8 + text.size() + offset);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(static_cast<uint64_t>(text.size()) >> (8 * i));
  std::memcpy(out.data() + 8, text.data(), text.size());
  size_t pos = 8 + text.size();
  for (const auto& blob : blobs) {
    if (!blob.empty()) std::memcpy(out.data() + pos, blob.data(), blob.size());
    pos += blob.size();
  }
  return out;
}

void WriteSafetensors(const std::string& path, const std::vector<NamedTensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  std::vector<uint8_t> bytes;
  try {
    bytes = EncodeSafetensors(tensors, metadata);
  } catch (const Error& e) {
    throw e.WithFile(path);
  }
  fs::WriteFileAtomic(path, bytes.data(), bytes.size());
}

}  // namespace corrlens::io
