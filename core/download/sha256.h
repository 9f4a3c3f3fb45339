// SHA-256 of byte streams and files (OpenSSL's libcrypto), as lowercase hex.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace corrlens {
class CancelToken;
}

namespace corrlens::download {

// Incremental SHA-256: Update() any number of times, then HexDigest() once.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(const void* data, size_t size);
  // 64 lowercase hex digits; the object cannot be updated afterwards.
  std::string HexDigest();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// SHA-256 of a whole file; throws corrlens::Error naming it when unreadable,
// Cancelled when `cancel` is set while reading.
std::string Sha256OfFile(const std::string& path, const CancelToken* cancel = nullptr);

// True for 64 hex digits (a Hugging Face LFS ETag is the file's SHA-256).
bool IsSha256Hex(const std::string& text);

}  // namespace corrlens::download
