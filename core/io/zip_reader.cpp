#include "core/io/zip_reader.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "core/util/error.h"

namespace corrlens::io {
namespace {

constexpr uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
constexpr uint32_t kEnd64Sig = 0x06064b50, kLocator64Sig = 0x07064b50;
constexpr uint64_t kEndSize = 22, kCentralSize = 46, kLocalSize = 30;
constexpr const char* kTruncated = "truncated download or corrupted file";
constexpr const char* kCorrupt = "corrupted or crafted zip archive";

uint32_t Crc(const uint8_t* data, uint64_t size, uint32_t crc = 0) {
  while (size > 0) {
    const uInt chunk = static_cast<uInt>(std::min<uint64_t>(size, 1u << 30));
    crc = static_cast<uint32_t>(crc32(crc, data, chunk));
    data += chunk;
    size -= chunk;
  }
  return crc;
}

// Applies the zip64 extra field (id 1) to fields saturated at 0xffffffff.
void ApplyZip64(ByteCursor extra, ZipEntry& entry, bool need_size, bool need_csize, bool need_offset) {
  while (extra.Remaining() >= 4) {
    const uint16_t id = extra.U16();
    const uint16_t len = extra.U16();
    const uint8_t* body = extra.Take(len, "zip extra field");
    if (id != 1) continue;
    ByteCursor field(body, len, extra.File(), extra.AbsoluteOffset() - len);
    if (need_size) entry.size = field.U64();
    if (need_csize) entry.compressed_size = field.U64();
    if (need_offset) entry.header_offset = field.U64();
    return;
  }
  if (need_size || need_csize || need_offset)
    extra.Fail("zip64 sizes announced but no zip64 extra field for '" + entry.name + "'", kCorrupt);
}

}  // namespace

bool LooksLikeZip(const uint8_t* bytes, uint64_t size) {
  if (size < 4) return false;
  uint32_t sig;
  std::memcpy(&sig, bytes, 4);
  return sig == kLocalSig || sig == kEndSig;
}

std::unique_ptr<ZipReader> ZipReader::Open(std::shared_ptr<const ByteSource> source, const ZipReadOptions& options) {
  if (!options.Check()) throw Error("invalid zip options");
  std::unique_ptr<ZipReader> reader(new ZipReader(std::move(source), options));
  reader->ParseDirectory();
  return reader;
}

void ZipReader::ParseDirectory() {
  const ByteSource& src = *source_;
  const uint64_t size = src.Size();
  if (size < kEndSize) throw Error("file too small to be a zip archive", {src.Name(), size}, kTruncated);
  const uint64_t tail_size = std::min<uint64_t>(size, kEndSize + 0xffff);
  const std::vector<uint8_t> tail = src.ReadVector(size - tail_size, tail_size);
  // The end record is the last signature whose comment length reaches exactly the end of the file.
  int64_t found = -1;
  for (int64_t pos = static_cast<int64_t>(tail_size - kEndSize); pos >= 0; --pos) {
    uint32_t sig;
    std::memcpy(&sig, &tail[pos], 4);
    if (sig != kEndSig) continue;
    const uint16_t comment = static_cast<uint16_t>(tail[pos + 20] | (tail[pos + 21] << 8));
    if (static_cast<uint64_t>(pos) + kEndSize + comment == tail_size) {
      found = pos;
      break;
    }
  }
  if (found < 0)
    throw Error("no zip end-of-central-directory record", {src.Name(), size},
                "truncated download, or not a zip archive");
  const uint64_t end_offset = size - tail_size + static_cast<uint64_t>(found);
  ByteCursor end(&tail[found], kEndSize, src.Name(), end_offset);
  end.Seek(8);
  const uint16_t disk_entries = end.U16();
  uint64_t count = end.U16();
  uint64_t directory_size = end.U32();
  uint64_t directory_offset = end.U32();
  if (disk_entries != count) end.Fail("multi-disk zip archives are not supported", kCorrupt);
  uint64_t directory_end = end_offset;
  const bool zip64 = count == 0xffff || directory_size == 0xffffffff || directory_offset == 0xffffffff;
  if (end_offset >= 20) {
    const std::vector<uint8_t> loc = src.ReadVector(end_offset - 20, 20);
    ByteCursor locator(loc.data(), 20, src.Name(), end_offset - 20);
    if (locator.U32() == kLocator64Sig) {
      locator.U32();
      const uint64_t end64_offset = locator.U64();
      const std::vector<uint8_t> rec = src.ReadVector(end64_offset, 56);
      ByteCursor end64(rec.data(), rec.size(), src.Name(), end64_offset);
      if (end64.U32() != kEnd64Sig) end64.Fail("bad zip64 end record signature", kCorrupt);
      end64.Seek(32);
      count = end64.U64();
      directory_size = end64.U64();
      directory_offset = end64.U64();
      directory_end = end64_offset;
    } else if (zip64) {
      end.Fail("zip64 archive without a zip64 locator", kCorrupt);
    }
  }
  if (directory_offset > directory_end || directory_size != directory_end - directory_offset)
    throw Error("zip central directory (offset " + std::to_string(directory_offset) + ", " +
                    std::to_string(directory_size) + " bytes) does not end where the end record starts",
                {src.Name(), end_offset}, "truncated download, data prepended to the archive, or a corrupted file");
  if (count > directory_size / kCentralSize)
    throw Error("zip announces " + std::to_string(count) + " entries but its directory has room for " +
                    std::to_string(directory_size / kCentralSize),
                {src.Name(), end_offset}, kCorrupt);
  ParseEntries(src.ReadVector(directory_offset, directory_size), directory_offset, count);
  CheckLayout(directory_offset);
}

void ZipReader::ParseEntries(const std::vector<uint8_t>& directory, uint64_t directory_offset, uint64_t count) {
  ByteCursor cursor(directory.data(), directory.size(), source_->Name(), directory_offset);
  entries_.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    if (cursor.U32() != kCentralSig) cursor.Fail("bad zip central directory entry signature", kCorrupt);
    cursor.Take(4);  // versions
    const uint16_t flags = cursor.U16();
    ZipEntry entry;
    entry.method = cursor.U16();
    cursor.Take(4);  // time, date
    entry.crc32 = cursor.U32();
    entry.compressed_size = cursor.U32();
    entry.size = cursor.U32();
    const uint16_t name_len = cursor.U16(), extra_len = cursor.U16(), comment_len = cursor.U16();
    cursor.Take(8);  // disk, internal and external attributes
    entry.header_offset = cursor.U32();
    const uint8_t* name = cursor.Take(name_len, "zip entry name");
    entry.name.assign(reinterpret_cast<const char*>(name), name_len);
    const uint64_t extra_at = cursor.AbsoluteOffset();
    ApplyZip64(ByteCursor(cursor.Take(extra_len, "zip extra field"), extra_len, source_->Name(), extra_at), entry,
               entry.size == 0xffffffff, entry.compressed_size == 0xffffffff, entry.header_offset == 0xffffffff);
    cursor.Take(comment_len, "zip entry comment");
    if (flags & 1) cursor.Fail("zip entry '" + entry.name + "' is encrypted", "unsupported archive");
    if (entry.method != 0 && entry.method != 8)
      cursor.Fail("zip entry '" + entry.name + "' uses compression method " + std::to_string(entry.method),
                  "unsupported archive (only stored and deflated entries)");
    if (entry.method == 0 && entry.compressed_size != entry.size)
      cursor.Fail("stored zip entry '" + entry.name + "' has different compressed and uncompressed sizes", kCorrupt);
    if (!index_.emplace(entry.name, entries_.size()).second)
      cursor.Fail("zip archive holds two entries named '" + entry.name + "'", kCorrupt);
    LocateData(entry);
    entries_.push_back(std::move(entry));
  }
}

void ZipReader::LocateData(ZipEntry& entry) const {
  const ByteSource& src = *source_;
  src.CheckRange(entry.header_offset, kLocalSize, "zip local header of '" + entry.name + "'");
  uint8_t header[kLocalSize];
  src.ReadAt(entry.header_offset, header, kLocalSize);
  ByteCursor local(header, kLocalSize, src.Name(), entry.header_offset, entry.name);
  if (local.U32() != kLocalSig) local.Fail("bad zip local header signature", kCorrupt);
  local.Seek(26);
  const uint16_t name_len = local.U16(), extra_len = local.U16();
  const std::vector<uint8_t> name = src.ReadVector(entry.header_offset + kLocalSize, name_len);
  if (std::string(name.begin(), name.end()) != entry.name)
    local.Fail("zip local header names a different entry than the central directory", kCorrupt);
  entry.data_offset = entry.header_offset + kLocalSize + name_len + extra_len;
  src.CheckRange(entry.data_offset, entry.compressed_size, "zip entry '" + entry.name + "'");
}

void ZipReader::CheckLayout(uint64_t directory_offset) const {
  std::vector<const ZipEntry*> sorted;
  for (const ZipEntry& entry : entries_) sorted.push_back(&entry);
  std::sort(sorted.begin(), sorted.end(),
            [](const ZipEntry* a, const ZipEntry* b) { return a->header_offset < b->header_offset; });
  for (size_t i = 0; i < sorted.size(); ++i) {
    const ZipEntry& entry = *sorted[i];
    const uint64_t end = entry.data_offset + entry.compressed_size;
    const uint64_t limit = i + 1 < sorted.size() ? sorted[i + 1]->header_offset : directory_offset;
    if (end > limit)
      throw Error("zip entry '" + entry.name + "' (" + std::to_string(entry.compressed_size) + " bytes at offset " +
                      std::to_string(entry.data_offset) + ") overlaps " +
                      (i + 1 < sorted.size() ? "entry '" + sorted[i + 1]->name + "'" : std::string("the directory")),
                  {source_->Name(), entry.data_offset, entry.name}, kCorrupt);
  }
}

const ZipEntry* ZipReader::Find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

void ZipReader::CheckInflatedSize(const ZipEntry& entry) const {
  // Deflate cannot expand more than ~1032:1; a larger claim is a lie.
  if (entry.size > entry.compressed_size * 1032 + 1024 || entry.size > options_.max_inflated_bytes)
    throw Error("deflated zip entry announces " + std::to_string(entry.size) + " bytes from " +
                    std::to_string(entry.compressed_size),
                {source_->Name(), entry.data_offset, entry.name}, "crafted archive (zip bomb) or corrupted file");
}

uint64_t ZipReader::InflateSome(const ZipEntry& entry, uint8_t* dst, uint64_t limit, bool* ended) const {
  const std::vector<uint8_t> packed = source_->ReadVector(entry.data_offset, entry.compressed_size);
  uint8_t dummy = 0;
  z_stream stream{};
  if (inflateInit2(&stream, -MAX_WBITS) != Z_OK) throw Error("zlib init failed", {source_->Name()});
  stream.next_in = packed.empty() ? &dummy : const_cast<Bytef*>(packed.data());
  stream.next_out = dst ? dst : &dummy;
  uint64_t in_left = packed.size(), out_left = limit;
  int status = Z_OK;
  while (status == Z_OK && out_left > 0) {  // stops with Z_STREAM_END, an error, Z_BUF_ERROR or a full buffer
    const uInt in_chunk = static_cast<uInt>(std::min<uint64_t>(in_left, 1u << 30));
    const uInt out_chunk = static_cast<uInt>(std::min<uint64_t>(out_left, 1u << 30));
    stream.avail_in = in_chunk;
    stream.avail_out = out_chunk;
    status = inflate(&stream, Z_NO_FLUSH);
    in_left -= in_chunk - stream.avail_in;
    out_left -= out_chunk - stream.avail_out;
  }
  inflateEnd(&stream);
  *ended = status == Z_STREAM_END;
  return limit - out_left;
}

void ZipReader::Inflate(const ZipEntry& entry, uint8_t* dst) const {
  CheckInflatedSize(entry);
  const std::vector<uint8_t> packed = source_->ReadVector(entry.data_offset, entry.compressed_size);
  uint8_t dummy = 0;
  z_stream stream{};
  if (inflateInit2(&stream, -MAX_WBITS) != Z_OK) throw Error("zlib init failed", {source_->Name()});
  stream.next_in = packed.empty() ? &dummy : const_cast<Bytef*>(packed.data());
  stream.next_out = dst ? dst : &dummy;
  uint64_t in_left = packed.size(), out_left = entry.size;
  int status = Z_OK;
  while (status == Z_OK) {  // stops with Z_STREAM_END, an error, or Z_BUF_ERROR (no progress possible)
    const uInt in_chunk = static_cast<uInt>(std::min<uint64_t>(in_left, 1u << 30));
    const uInt out_chunk = static_cast<uInt>(std::min<uint64_t>(out_left, 1u << 30));
    stream.avail_in = in_chunk;
    stream.avail_out = out_chunk;
    status = inflate(&stream, Z_NO_FLUSH);
    in_left -= in_chunk - stream.avail_in;
    out_left -= out_chunk - stream.avail_out;
  }
  inflateEnd(&stream);
  if (status != Z_STREAM_END || out_left != 0)
    throw Error("deflated zip entry does not inflate to its announced " + std::to_string(entry.size) + " bytes",
                {source_->Name(), entry.data_offset, entry.name}, kTruncated);
}

std::vector<uint8_t> ZipReader::ReadPrefix(const ZipEntry& entry, uint64_t max_bytes) const {
  const uint64_t n = std::min(entry.size, max_bytes);
  if (entry.method == 0) return source_->ReadVector(entry.data_offset, n);
  CheckInflatedSize(entry);
  std::vector<uint8_t> out(n);
  bool ended = false;
  const uint64_t got = InflateSome(entry, out.data(), n, &ended);
  if (got != n)
    throw Error("deflated zip entry ends after " + std::to_string(got) + " of its announced " +
                    std::to_string(entry.size) + " bytes",
                {source_->Name(), entry.data_offset, entry.name}, kTruncated);
  return out;
}

void ZipReader::ReadInto(const ZipEntry& entry, uint8_t* dst) const {
  if (entry.method == 0) {
    source_->ReadAt(entry.data_offset, dst, entry.size);
  } else {
    Inflate(entry, dst);
  }
  if (options_.verify_crc && Crc(dst, entry.size) != entry.crc32)
    throw Error("CRC-32 mismatch in zip entry '" + entry.name + "'", {source_->Name(), entry.data_offset, entry.name},
                "corrupted file (bit flips or an incomplete download)");
}

std::vector<uint8_t> ZipReader::Read(const ZipEntry& entry) const {
  if (entry.method == 0) source_->CheckRange(entry.data_offset, entry.size, "zip entry '" + entry.name + "'");
  if (entry.method == 8) CheckInflatedSize(entry);  // before allocating
  std::vector<uint8_t> out(entry.size);
  ReadInto(entry, out.data());
  return out;
}

}  // namespace corrlens::io
