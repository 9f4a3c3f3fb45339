#include "core/download/sha256.h"

#include <openssl/evp.h>

#include <cctype>
#include <fstream>
#include <vector>

#include "core/util/error.h"
#include "core/util/progress.h"

namespace corrlens::download {

struct Sha256::Impl {
  EVP_MD_CTX* ctx = nullptr;
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  if (!impl_->ctx || EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr) != 1)
    throw Error("cannot initialise SHA-256", {"", std::nullopt, "sha256"}, "OpenSSL libcrypto failed");
}

Sha256::~Sha256() { EVP_MD_CTX_free(impl_->ctx); }

void Sha256::Update(const void* data, size_t size) { EVP_DigestUpdate(impl_->ctx, data, size); }

std::string Sha256::HexDigest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(impl_->ctx, digest, &length);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

std::string Sha256OfFile(const std::string& path, const CancelToken* cancel) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open file to hash", {path}, "missing or unreadable");
  Sha256 hash;
  std::vector<char> buffer(1 << 20);
  while (in) {
    if (cancel) cancel->ThrowIfCancelled();
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    hash.Update(buffer.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) throw Error("read error while hashing", {path}, "I/O error");
  return hash.HexDigest();
}

bool IsSha256Hex(const std::string& text) {
  if (text.size() != 64) return false;
  for (char c : text)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace corrlens::download
