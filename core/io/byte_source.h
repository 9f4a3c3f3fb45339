// Random-access, bounds-checked reading of a file or an in-memory buffer, and
// a little cursor for parsing headers. Readers never trust announced sizes:
// every read is checked against the bytes actually present.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace corrlens::io {

// Read-only bytes addressed by absolute offset. Thread-compatible.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Total size in bytes.
  virtual uint64_t Size() const = 0;
  // Copies [offset, offset + size) into `dst`; throws Error (truncated file)
  // when the range is not fully inside the source.
  virtual void ReadAt(uint64_t offset, void* dst, uint64_t size) const = 0;
  // Name used in error messages (the file path).
  const std::string& Name() const { return name_; }

  // Checked copy of a range into a new vector.
  std::vector<uint8_t> ReadVector(uint64_t offset, uint64_t size) const;
  // Throws Error when [offset, offset + size) is not inside the source.
  void CheckRange(uint64_t offset, uint64_t size, const std::string& what) const;

  // Opens a regular file (pread based: nothing is mapped, so a file that
  // shrinks while being read gives an Error, not a crash).
  static std::shared_ptr<ByteSource> OpenFile(const std::string& path);
  // Wraps bytes already in memory.
  static std::shared_ptr<ByteSource> FromBytes(std::vector<uint8_t> bytes, std::string name);

 protected:
  explicit ByteSource(std::string name) : name_(std::move(name)) {}

 private:
  std::string name_;
};

// Sequential little-endian reader over a buffer. Every Read checks the bytes
// left and throws Error("unexpected end of data", file, absolute offset).
class ByteCursor {
 public:
  // `base_offset` is the absolute offset of data[0] in `file` (for messages).
  ByteCursor(const uint8_t* data, uint64_t size, std::string file, uint64_t base_offset = 0, std::string key = {})
      : data_(data), size_(size), file_(std::move(file)), base_(base_offset), key_(std::move(key)) {}

  uint64_t Position() const { return pos_; }
  uint64_t Remaining() const { return size_ - pos_; }
  uint64_t AbsoluteOffset() const { return base_ + pos_; }
  bool AtEnd() const { return pos_ >= size_; }
  void Seek(uint64_t pos);

  uint8_t U8();
  uint16_t U16();
  uint32_t U32();
  uint64_t U64();
  int32_t I32() { return static_cast<int32_t>(U32()); }
  // Big-endian IEEE double (pickle BINFLOAT).
  double F64BigEndian();
  // Pointer to the next `n` bytes, advancing past them.
  const uint8_t* Take(uint64_t n, const char* what = "data");
  // Bytes up to (not including) the next '\n', advancing past it.
  std::string Line(const char* what = "text line");

  // Throws Error at the current offset (or `at`, absolute) with this cursor's file and key.
  [[noreturn]] void Fail(const std::string& message, const std::string& cause) const;
  [[noreturn]] void FailAt(uint64_t absolute_offset, const std::string& message, const std::string& cause) const;
  const std::string& File() const { return file_; }
  const std::string& Key() const { return key_; }

 private:
  const uint8_t* data_;
  uint64_t size_;
  uint64_t pos_ = 0;
  std::string file_;
  uint64_t base_;
  std::string key_;
};

}  // namespace corrlens::io
