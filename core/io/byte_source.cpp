#include "core/io/byte_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/util/error.h"

namespace corrlens::io {
namespace {

std::string Plural(uint64_t n, const char* unit) { return std::to_string(n) + " " + unit + (n == 1 ? "" : "s"); }

class FileSource final : public ByteSource {
 public:
  FileSource(std::string path, int fd, uint64_t size) : ByteSource(std::move(path)), fd_(fd), size_(size) {}
  ~FileSource() override { ::close(fd_); }
  uint64_t Size() const override { return size_; }
  void ReadAt(uint64_t offset, void* dst, uint64_t size) const override {
    CheckRange(offset, size, "data");
    auto* out = static_cast<uint8_t*>(dst);
    while (size > 0) {
      const size_t chunk = static_cast<size_t>(std::min<uint64_t>(size, uint64_t{1} << 30));
      const ssize_t got = ::pread(fd_, out, chunk, static_cast<off_t>(offset));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0)
        throw Error(got < 0 ? std::string("read failed: ") + std::strerror(errno) : "file shrank while reading",
                    {Name(), offset}, "I/O error or the file changed while being read");
      out += got;
      offset += static_cast<uint64_t>(got);
      size -= static_cast<uint64_t>(got);
    }
  }

 private:
  int fd_;
  uint64_t size_;
};

class MemorySource final : public ByteSource {
 public:
  MemorySource(std::vector<uint8_t> bytes, std::string name) : ByteSource(std::move(name)), bytes_(std::move(bytes)) {}
  uint64_t Size() const override { return bytes_.size(); }
  void ReadAt(uint64_t offset, void* dst, uint64_t size) const override {
    CheckRange(offset, size, "data");
    if (size) std::memcpy(dst, bytes_.data() + offset, size);
  }

 private:
  std::vector<uint8_t> bytes_;
};

}  // namespace

std::vector<uint8_t> ByteSource::ReadVector(uint64_t offset, uint64_t size) const {
  CheckRange(offset, size, "data");
  std::vector<uint8_t> out(size);
  ReadAt(offset, out.data(), size);
  return out;
}

void ByteSource::CheckRange(uint64_t offset, uint64_t size, const std::string& what) const {
  const uint64_t total = Size();
  if (offset > total || size > total - offset)
    throw Error(what + " of " + Plural(size, "byte") + " at offset " + std::to_string(offset) +
                    " extends past the end of the file (" + Plural(total, "byte") + ")",
                {Name(), offset}, "truncated download or corrupted file");
}

std::shared_ptr<ByteSource> ByteSource::OpenFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    throw Error(err == ENOENT ? std::string("file not found") : std::string("cannot open: ") + std::strerror(err),
                {path}, err == ENOENT ? "wrong path" : "permissions");
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    throw Error("not a regular file", {path}, "a folder or device was given instead of a file");
  }
  return std::make_shared<FileSource>(path, fd, static_cast<uint64_t>(info.st_size));
}

std::shared_ptr<ByteSource> ByteSource::FromBytes(std::vector<uint8_t> bytes, std::string name) {
  return std::make_shared<MemorySource>(std::move(bytes), std::move(name));
}

void ByteCursor::Seek(uint64_t pos) {
  if (pos > size_) Fail("seek past the end of the data", "truncated or corrupted file");
  pos_ = pos;
}

const uint8_t* ByteCursor::Take(uint64_t n, const char* what) {
  if (n > size_ - pos_)
    Fail(std::string(what) + " announces " + Plural(n, "byte") + " but only " + Plural(size_ - pos_, "byte") +
             " are left",
         "truncated download or corrupted file");
  const uint8_t* p = data_ + pos_;
  pos_ += n;
  return p;
}

uint8_t ByteCursor::U8() { return *Take(1); }

uint16_t ByteCursor::U16() {
  const uint8_t* p = Take(2);
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}

uint32_t ByteCursor::U32() {
  const uint8_t* p = Take(4);
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) | (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

uint64_t ByteCursor::U64() {
  const uint64_t low = U32();
  const uint64_t high = U32();
  return low | (high << 32);
}

double ByteCursor::F64BigEndian() {
  const uint8_t* p = Take(8);
  uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) bits = (bits << 8) | p[i];
  double value;
  std::memcpy(&value, &bits, 8);
  return value;
}

std::string ByteCursor::Line(const char* what) {
  const void* nl = std::memchr(data_ + pos_, '\n', size_ - pos_);
  if (!nl) Fail(std::string(what) + " is not terminated by a newline", "truncated or corrupted file");
  const uint64_t len = static_cast<const uint8_t*>(nl) - (data_ + pos_);
  std::string line(reinterpret_cast<const char*>(data_ + pos_), len);
  pos_ += len + 1;
  return line;
}

void ByteCursor::Fail(const std::string& message, const std::string& cause) const {
  FailAt(base_ + pos_, message, cause);
}

void ByteCursor::FailAt(uint64_t absolute_offset, const std::string& message, const std::string& cause) const {
  throw Error(message, {file_, absolute_offset, key_}, cause);
}

}  // namespace corrlens::io
