#include "core/io/zip_writer.h"

#include <zlib.h>

#include <algorithm>
#include <set>

#include "core/util/error.h"

namespace corrlens::io {
namespace {

constexpr uint32_t kMax32 = 0xffffffffu;
constexpr uint16_t kDosTime = 0, kDosDate = (0 << 9) | (1 << 5) | 1;  // 1980-01-01 00:00

void Put16(std::vector<uint8_t>& out, uint64_t v) {
  out.push_back(static_cast<uint8_t>(v));
  out.push_back(static_cast<uint8_t>(v >> 8));
}
void Put32(std::vector<uint8_t>& out, uint64_t v) {
  Put16(out, v & 0xffff);
  Put16(out, (v >> 16) & 0xffff);
}
void Put64(std::vector<uint8_t>& out, uint64_t v) {
  Put32(out, v & kMax32);
  Put32(out, v >> 32);
}
uint64_t Clamp32(uint64_t v, bool zip64) { return zip64 ? kMax32 : v; }

std::vector<uint8_t> Deflate(const uint8_t* data, uint64_t size) {
  z_stream stream{};
  if (deflateInit2(&stream, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) throw Error("zlib init failed");
  std::vector<uint8_t> out(deflateBound(&stream, static_cast<uLong>(std::min<uint64_t>(size, 1u << 30))) + 64);
  uint8_t dummy = 0;
  stream.next_in = size ? const_cast<Bytef*>(data) : &dummy;
  uint64_t in_left = size;
  int status = Z_OK;
  while (status != Z_STREAM_END) {
    if (out.size() - stream.total_out < (1u << 16)) out.resize(out.size() * 2);
    const uInt in_chunk = static_cast<uInt>(std::min<uint64_t>(in_left, 1u << 30));
    stream.avail_in = in_chunk;
    stream.next_out = out.data() + stream.total_out;
    stream.avail_out = static_cast<uInt>(std::min<uint64_t>(out.size() - stream.total_out, 1u << 30));
    status = deflate(&stream, in_left == in_chunk ? Z_FINISH : Z_NO_FLUSH);
    in_left -= in_chunk - stream.avail_in;
    if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR) {
      deflateEnd(&stream);
      throw Error("zlib deflate failed");
    }
  }
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

}  // namespace

ZipWriter::ZipWriter(const ZipWriteOptions& options) : options_(options) {
  if (!options_.Check()) throw Error("invalid zip writer options (align must be 1..4096)");
}

void ZipWriter::Add(const std::string& name, const uint8_t* data, uint64_t size, bool deflate) {
  if (finished_) throw Error("zip writer already finished");
  if (name.empty() || name.size() > 0xffff) throw Error("bad zip entry name", {"", std::nullopt, name});
  for (const Record& r : records_) {
    if (r.name == name) throw Error("duplicate zip entry", {"", std::nullopt, name});
  }
  std::vector<uint8_t> packed;
  if (deflate) packed = Deflate(data, size);
  const uint8_t* payload = deflate ? packed.data() : data;
  const uint64_t stored = deflate ? packed.size() : size;
  Record record{name, out_.size(), size, stored, 0, static_cast<uint16_t>(deflate ? 8 : 0)};
  uLong crc = crc32(0, nullptr, 0);
  for (uint64_t done = 0; done < size;) {
    const uInt chunk = static_cast<uInt>(std::min<uint64_t>(size - done, 1u << 30));
    crc = crc32(crc, data + done, chunk);
    done += chunk;
  }
  record.crc = static_cast<uint32_t>(crc);
  const bool zip64 = options_.force_zip64 || size >= kMax32 || stored >= kMax32;
  const bool utf8 = std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
  Put32(out_, 0x04034b50);
  Put16(out_, zip64 ? 45 : 20);
  Put16(out_, utf8 ? 0x0800 : 0);
  Put16(out_, record.method);
  Put16(out_, kDosTime);
  Put16(out_, kDosDate);
  Put32(out_, record.crc);
  Put32(out_, Clamp32(stored, zip64));
  Put32(out_, Clamp32(size, zip64));
  Put16(out_, name.size());
  std::vector<uint8_t> extra;
  if (zip64) {
    Put16(extra, 1);
    Put16(extra, 16);
    Put64(extra, size);
    Put64(extra, stored);
  }
  if (!deflate && options_.align > 1) {  // pad with an unknown extra field ("FB") so the data is aligned
    const uint64_t data_at = out_.size() + 2 + name.size() + extra.size();
    uint64_t pad = (options_.align - data_at % options_.align) % options_.align;
    if (pad > 0 && pad < 4) pad += options_.align;
    if (pad > 0) {
      Put16(extra, 0x4246);
      Put16(extra, pad - 4);
      extra.resize(extra.size() + pad - 4, 'Z');
    }
  }
  Put16(out_, extra.size());
  out_.insert(out_.end(), name.begin(), name.end());
  out_.insert(out_.end(), extra.begin(), extra.end());
  if (stored) out_.insert(out_.end(), payload, payload + stored);
  records_.push_back(std::move(record));
}

std::vector<uint8_t> ZipWriter::Finish() {
  if (finished_) throw Error("zip writer already finished");
  finished_ = true;
  const uint64_t directory_offset = out_.size();
  for (const Record& r : records_) {
    const bool big_size = options_.force_zip64 || r.size >= kMax32 || r.compressed_size >= kMax32;
    const bool big_offset = options_.force_zip64 || r.offset >= kMax32;
    std::vector<uint8_t> extra;
    if (big_size || big_offset) {
      Put16(extra, 1);
      Put16(extra, (big_size ? 16 : 0) + (big_offset ? 8 : 0));
      if (big_size) {
        Put64(extra, r.size);
        Put64(extra, r.compressed_size);
      }
      if (big_offset) Put64(extra, r.offset);
    }
    const bool utf8 =
        std::any_of(r.name.begin(), r.name.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
    Put32(out_, 0x02014b50);
    Put16(out_, (3 << 8) | 45);  // made by unix, version 4.5
    Put16(out_, big_size || big_offset ? 45 : 20);
    Put16(out_, utf8 ? 0x0800 : 0);
    Put16(out_, r.method);
    Put16(out_, kDosTime);
    Put16(out_, kDosDate);
    Put32(out_, r.crc);
    Put32(out_, Clamp32(r.compressed_size, big_size));
    Put32(out_, Clamp32(r.size, big_size));
    Put16(out_, r.name.size());
    Put16(out_, extra.size());
    Put16(out_, 0);               // comment
    Put16(out_, 0);               // disk
    Put16(out_, 0);               // internal attributes
    Put32(out_, 0100644u << 16);  // external attributes: regular file 0644
    Put32(out_, Clamp32(r.offset, big_offset));
    out_.insert(out_.end(), r.name.begin(), r.name.end());
    out_.insert(out_.end(), extra.begin(), extra.end());
  }
  const uint64_t directory_size = out_.size() - directory_offset;
  const uint64_t count = records_.size();
  const bool zip64 = options_.force_zip64 || count >= 0xffff || directory_offset >= kMax32 || directory_size >= kMax32;
  if (zip64) {
    const uint64_t end64_offset = out_.size();
    Put32(out_, 0x06064b50);
    Put64(out_, 44);
    Put16(out_, 45);
    Put16(out_, 45);
    Put32(out_, 0);
    Put32(out_, 0);
    Put64(out_, count);
    Put64(out_, count);
    Put64(out_, directory_size);
    Put64(out_, directory_offset);
    Put32(out_, 0x07064b50);
    Put32(out_, 0);
    Put64(out_, end64_offset);
    Put32(out_, 1);
  }
  Put32(out_, 0x06054b50);
  Put16(out_, 0);
  Put16(out_, 0);
  Put16(out_, zip64 ? 0xffff : count);
  Put16(out_, zip64 ? 0xffff : count);
  Put32(out_, Clamp32(directory_size, zip64));
  Put32(out_, Clamp32(directory_offset, zip64));
  Put16(out_, 0);
  return std::move(out_);
}

}  // namespace corrlens::io
