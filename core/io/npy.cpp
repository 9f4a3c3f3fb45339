#include "core/io/npy.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/io/byte_source.h"
#include "core/io/numpy_dtype.h"
#include "core/io/view_limits.h"
#include "core/util/error.h"
#include "core/util/fs.h"

namespace corrlens::io {
namespace {

using nlohmann::json;
constexpr const char* kBadNpy = "corrupted .npy file, or not written by numpy";

// Parses the Python literal subset numpy writes: dicts, tuples, lists,
// strings, ints, True/False/None. Never evaluates anything.
class LiteralParser {
 public:
  LiteralParser(const std::string& text, const ByteCursor& where) : text_(text), where_(where) {}

  json Parse() {
    json value = Value(0);
    Skip();
    if (pos_ != text_.size()) Fail("unexpected text after the header dict");
    return value;
  }

 private:
  [[noreturn]] void Fail(const std::string& message) const { where_.Fail("npy header: " + message, kBadNpy); }
  void Skip() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool Eat(char c) {
    Skip();
    if (pos_ < text_.size() && text_[pos_] == c) return ++pos_, true;
    return false;
  }

  json Value(int depth) {
    if (depth > 16) Fail("nesting too deep");
    Skip();
    if (pos_ >= text_.size()) Fail("unexpected end");
    const char c = text_[pos_];
    if (c == '{') return Sequence(depth, '}', true);
    if (c == '(' || c == '[') return Sequence(depth, c == '(' ? ')' : ']', false);
    if (c == '\'' || c == '"') return String();
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '-') return Int();
    for (const char* word : {"True", "False", "None"}) {
      if (text_.compare(pos_, std::strlen(word), word) == 0) {
        pos_ += std::strlen(word);
        return word[0] == 'N' ? json(nullptr) : json(word[0] == 'T');
      }
    }
    Fail(std::string("unexpected character '") + c + "'");
  }

  json Sequence(int depth, char close, bool dict) {
    ++pos_;
    json out = dict ? json::object() : json::array();
    while (!Eat(close)) {
      if (dict) {
        json key = Value(depth + 1);
        if (!key.is_string()) Fail("dict key is not a string");
        if (!Eat(':')) Fail("expected ':'");
        out[key.get<std::string>()] = Value(depth + 1);
      } else {
        out.push_back(Value(depth + 1));
      }
      if (!Eat(',')) {
        if (!Eat(close)) Fail(std::string("expected ',' or '") + close + "'");
        break;
      }
    }
    return out;
  }

  json String() {
    const char quote = text_[pos_++];
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
      out += text_[pos_++];
    }
    if (pos_ >= text_.size()) Fail("unterminated string");
    ++pos_;
    return out;
  }

  json Int() {
    const size_t start = pos_;
    if (text_[pos_] == '-') ++pos_;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    const std::string digits = text_.substr(start, pos_ - start);
    if (pos_ < text_.size() && text_[pos_] == 'L') ++pos_;  // Python 2 long
    int64_t value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end != digits.data() + digits.size()) Fail("integer out of range");
    return value;
  }

  const std::string& text_;
  const ByteCursor& where_;
  size_t pos_ = 0;
};

}  // namespace

NpyHeader ParseNpyHeader(const ByteSource& source, uint64_t base, uint64_t size, const std::string& key) {
  const uint64_t head = std::min<uint64_t>(size, 12);
  const std::vector<uint8_t> prefix = source.ReadVector(base, head);
  ByteCursor cursor(prefix.data(), prefix.size(), source.Name(), base, key);
  if (head < 10 || std::memcmp(prefix.data(), "\x93NUMPY", 6) != 0)
    cursor.Fail("missing .npy magic", "not a .npy file");
  cursor.Seek(6);
  const uint8_t major = cursor.U8();
  cursor.U8();
  if (major < 1 || major > 3)
    cursor.Fail("unsupported .npy version " + std::to_string(major), "file from a newer numpy");
  const uint64_t header_len = major == 1 ? cursor.U16() : cursor.U32();
  const uint64_t header_at = cursor.Position();
  if (header_len > size - header_at)
    cursor.Fail("npy header of " + std::to_string(header_len) + " bytes runs past the end", "truncated download");
  const std::vector<uint8_t> text_bytes = source.ReadVector(base + header_at, header_len);
  const std::string text(text_bytes.begin(), text_bytes.end());
  ByteCursor where(text_bytes.data(), text_bytes.size(), source.Name(), base + header_at, key);
  const json dict = LiteralParser(text, where).Parse();
  if (!dict.is_object() || !dict.contains("descr") || !dict.contains("shape") || !dict.contains("fortran_order"))
    where.Fail("npy header lacks descr, fortran_order or shape", kBadNpy);
  NpyHeader header;
  if (!dict["descr"].is_string()) where.Fail("structured numpy arrays are refused", "unsupported .npy content");
  std::string why;
  const auto dtype = ParseNumpyDescr(dict["descr"].get<std::string>(), &why);
  if (!dtype) where.Fail(why, "unsupported .npy content");
  header.dtype = dtype->dtype;
  header.big_endian = dtype->big_endian;
  if (!dict["fortran_order"].is_boolean()) where.Fail("fortran_order is not a bool", kBadNpy);
  header.fortran_order = dict["fortran_order"].get<bool>();
  if (!dict["shape"].is_array()) where.Fail("shape is not a tuple", kBadNpy);
  for (const json& dim : dict["shape"]) {
    if (!dim.is_number_integer() || dim.get<int64_t>() < 0) where.Fail("shape holds a non-size", kBadNpy);
    header.shape.push_back(dim.get<int64_t>());
  }
  header.data_offset = header_at + header_len;
  return header;
}

TensorData ReadNpyArray(const ByteSource& source, uint64_t base, uint64_t size, bool load, const std::string& key) {
  const NpyHeader header = ParseNpyHeader(source, base, size, key);
  TensorData tensor;
  tensor.dtype = header.dtype;
  tensor.shape = header.shape;
  uint64_t bytes = 0;
  try {
    bytes = tensor.NumBytes();
  } catch (const Error& e) {
    throw Error(e.message(), {source.Name(), base, key}, e.cause());
  }
  const uint64_t available = size - header.data_offset;
  if (bytes != available)
    throw Error("npy shape " + ShapeString(header.shape) + " needs " + std::to_string(bytes) +
                    " data bytes, the file holds " + std::to_string(available),
                {source.Name(), base + header.data_offset, key},
                bytes > available ? "truncated download or corrupted header" : "corrupted file (extra bytes)");
  if (header.fortran_order && header.shape.size() > 1) {
    const std::vector<int64_t> reversed(header.shape.rbegin(), header.shape.rend());
    const std::vector<int64_t> strides = ContiguousStrides(reversed);
    tensor.strides.assign(strides.rbegin(), strides.rend());
  }
  if (load) {
    std::vector<uint8_t> data = source.ReadVector(base + header.data_offset, bytes);
    if (header.big_endian) SwapBytes(data, DTypeSize(header.dtype));
    tensor.storage = std::make_shared<const std::vector<uint8_t>>(std::move(data));
  }
  return tensor;
}

TensorFile ReadNpy(const ByteSource& source, const ReadOptions& options) {
  TensorFile file;
  file.format = TensorFormat::kNpy;
  file.source = source.Name();
  file.metadata = std::make_shared<json>(json::object());
  file.tensors.push_back({"", ReadNpyArray(source, 0, source.Size(), options.WantsData(""))});
  return file;
}

namespace {

// Magic, version, header length and the header dict of a C-order .npy.
std::vector<uint8_t> NpyPrefix(DType dtype, const std::vector<int64_t>& dims) {
  const std::string descr = NumpyDescr(dtype);
  std::string shape = "(";
  for (size_t i = 0; i < dims.size(); ++i) shape += (i ? ", " : "") + std::to_string(dims[i]);
  shape += dims.size() == 1 ? ",)" : ")";
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  const bool v2 = header.size() + 1 + 10 > 65535;
  const size_t prefix = v2 ? 12 : 10;
  header.append((64 - (prefix + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<uint8_t>(v2 ? 2 : 1), 0};
  for (size_t i = 0; i < (v2 ? 4u : 2u); ++i) out.push_back(static_cast<uint8_t>(header.size() >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  return out;
}

// Calls `sink` with the elements of the view in row-major order, in pieces
// of about kChunk bytes (whole elements), without copying the whole view.
constexpr size_t kChunk = size_t{1} << 20;

template <typename Sink>
void StreamElements(const TensorData& tensor, Sink&& sink) {
  const size_t elem = DTypeSize(tensor.dtype);
  const int64_t numel = tensor.NumElements();
  if (numel == 0) return;
  const uint8_t* base = tensor.storage->data();
  if (tensor.IsContiguous()) {
    const uint8_t* p = base + static_cast<size_t>(tensor.storage_offset) * elem;
    for (uint64_t left = static_cast<uint64_t>(numel) * elem; left > 0;) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(left, kChunk / elem * elem));
      sink(p, n);
      p += n;
      left -= n;
    }
    return;
  }
  const std::vector<int64_t> st = tensor.EffectiveStrides();
  const std::vector<int64_t>& shape = tensor.shape;
  const size_t dims = shape.size();
  const int64_t inner = shape[dims - 1], inner_stride = st[dims - 1];
  std::vector<int64_t> index(dims, 0);
  std::vector<uint8_t> buffer(kChunk / elem * elem);
  size_t fill = 0;
  for (int64_t row = 0; row < numel / inner; ++row) {
    int64_t offset = tensor.storage_offset;
    for (size_t d = 0; d + 1 < dims; ++d) offset += index[d] * st[d];
    for (int64_t k = 0; k < inner; ++k) {
      if (fill == buffer.size()) {
        sink(buffer.data(), fill);
        fill = 0;
      }
      std::memcpy(buffer.data() + fill, base + static_cast<size_t>(offset + k * inner_stride) * elem, elem);
      fill += elem;
    }
    for (size_t d = dims - 1; d-- > 0;) {  // odometer over all but the last dim
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  if (fill) sink(buffer.data(), fill);
}

}  // namespace

std::vector<uint8_t> EncodeNpy(const TensorData& tensor) {
  std::vector<uint8_t> out = NpyPrefix(tensor.dtype, tensor.shape);
  const std::vector<uint8_t> data = tensor.ContiguousBytes();
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

void WriteNpyAs(const std::string& path, const TensorData& tensor, DType dtype) {
  namespace stdfs = std::filesystem;
  std::vector<uint8_t> prefix;
  try {
    tensor.Validate();
    CheckMaterialisable(tensor, DTypeSize(dtype));
    prefix = NpyPrefix(dtype, tensor.shape);
  } catch (const Error& e) {
    throw e.WithFile(path);
  }
  std::error_code ec;
  const stdfs::path target(path);
  if (target.has_parent_path()) stdfs::create_directories(target.parent_path(), ec);
  const std::string tmp = path + ".tmp" + std::to_string(std::random_device()());
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(std::string("cannot write: ") + std::strerror(errno), {tmp}, "folder missing or read-only");
  auto fail = [&](const std::string& message, const std::string& cause) {
    out.close();
    stdfs::remove(tmp, ec);
    throw Error(message, {path}, cause);
  };
  auto write = [&](const uint8_t* p, size_t n) {
    out.write(reinterpret_cast<const char*>(p), static_cast<std::streamsize>(n));
    if (!out) fail("write failed", "disk full?");
  };
  try {
    write(prefix.data(), prefix.size());
    if (dtype == tensor.dtype) {
      StreamElements(tensor, write);
    } else {
      const size_t elem = DTypeSize(tensor.dtype);
      StreamElements(tensor, [&](const uint8_t* p, size_t n) {
        const TensorData piece =
            TensorData::FromBytes(tensor.dtype, {static_cast<int64_t>(n / elem)}, std::vector<uint8_t>(p, p + n));
        const TensorData converted = piece.ConvertTo(dtype);
        write(converted.storage->data(), converted.storage->size());
      });
    }
    out.flush();
    if (!out) fail("write failed", "disk full?");
  } catch (const Error& e) {
    if (out.is_open()) {
      out.close();
      stdfs::remove(tmp, ec);
    }
    throw e.WithFile(path);
  }
  out.close();
  stdfs::rename(tmp, target, ec);
  if (ec) {
    stdfs::remove(tmp, ec);
    throw Error("cannot rename temporary file into place: " + ec.message(), {path});
  }
}

void WriteNpy(const std::string& path, const TensorData& tensor) { WriteNpyAs(path, tensor, tensor.dtype); }

}  // namespace corrlens::io
