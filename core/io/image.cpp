#include "core/io/image.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstring>
#include <filesystem>

#include "core/util/error.h"
#include "core/util/fs.h"

namespace corrlens::io {
namespace {

uint32_t BE16(const uint8_t* p) { return (p[0] << 8) | p[1]; }
uint32_t BE32(const uint8_t* p) { return (uint32_t(p[0]) << 24) | (p[1] << 16) | (p[2] << 8) | p[3]; }
uint32_t LE16(const uint8_t* p) { return p[0] | (p[1] << 8); }
uint32_t LE24(const uint8_t* p) { return p[0] | (p[1] << 8) | (p[2] << 16); }
uint32_t LE32(const uint8_t* p) { return LE24(p) | (uint32_t(p[3]) << 24); }

std::optional<std::pair<int64_t, int64_t>> JpegSize(const std::vector<uint8_t>& b) {
  size_t pos = 2;
  while (pos + 9 < b.size()) {
    if (b[pos] != 0xff) return std::nullopt;
    const uint8_t marker = b[pos + 1];
    if (marker == 0xff) {
      ++pos;
      continue;
    }
    const bool is_sof = marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
    if (is_sof) return std::make_pair<int64_t, int64_t>(BE16(&b[pos + 7]), BE16(&b[pos + 5]));
    if (marker == 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker == 0x01) {
      pos += 2;
      continue;
    }
    pos += 2 + BE16(&b[pos + 2]);
  }
  return std::nullopt;
}

std::optional<std::pair<int64_t, int64_t>> WebpSize(const std::vector<uint8_t>& b) {
  if (b.size() < 30) return std::nullopt;
  const uint8_t* chunk = &b[12];
  if (std::memcmp(chunk, "VP8X", 4) == 0) return std::make_pair<int64_t, int64_t>(LE24(&b[24]) + 1, LE24(&b[27]) + 1);
  if (std::memcmp(chunk, "VP8L", 4) == 0) {
    const uint32_t bits = LE32(&b[21]);
    return std::make_pair<int64_t, int64_t>((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1);
  }
  if (std::memcmp(chunk, "VP8 ", 4) == 0)
    return std::make_pair<int64_t, int64_t>(LE16(&b[26]) & 0x3fff, LE16(&b[28]) & 0x3fff);
  return std::nullopt;
}

}  // namespace

std::optional<std::pair<int64_t, int64_t>> SniffImageSize(const std::vector<uint8_t>& b) {
  if (b.size() >= 24 && std::memcmp(b.data(), "\x89PNG\r\n\x1a\n", 8) == 0)
    return std::make_pair<int64_t, int64_t>(BE32(&b[16]), BE32(&b[20]));
  if (b.size() >= 4 && b[0] == 0xff && b[1] == 0xd8) return JpegSize(b);
  if (b.size() >= 26 && b[0] == 'B' && b[1] == 'M') {
    const int32_t height = static_cast<int32_t>(LE32(&b[22]));
    return std::make_pair<int64_t, int64_t>(static_cast<int32_t>(LE32(&b[18])), height < 0 ? -int64_t{height} : height);
  }
  if (b.size() >= 10 && (std::memcmp(b.data(), "GIF87a", 6) == 0 || std::memcmp(b.data(), "GIF89a", 6) == 0))
    return std::make_pair<int64_t, int64_t>(LE16(&b[6]), LE16(&b[8]));
  if (b.size() >= 16 && std::memcmp(b.data(), "RIFF", 4) == 0 && std::memcmp(&b[8], "WEBP", 4) == 0) return WebpSize(b);
  return std::nullopt;
}

cv::Mat ReadImageRgb(const std::string& path, const ImageReadOptions& options) {
  if (!options.Check()) throw Error("invalid image read options", {path});
  const std::vector<uint8_t> bytes = fs::ReadFile(path, options.max_file_bytes);
  if (bytes.empty()) throw Error("image file is empty", {path}, "interrupted download or copy");
  auto too_large = [&](int64_t w, int64_t h) {
    return Error("image is " + std::to_string(w) + " x " + std::to_string(h) + " pixels, above the limit of " +
                     std::to_string(options.max_pixels / 1'000'000) + " megapixels",
                 {path}, "image too large; downscale it first");
  };
  if (const auto size = SniffImageSize(bytes)) {
    const auto [w, h] = *size;
    if (w < 0 || h < 0 || (h > 0 && static_cast<uint64_t>(w) > options.max_pixels / static_cast<uint64_t>(h)))
      throw too_large(w, h);
  }
  cv::Mat decoded;
  try {
    decoded = cv::imdecode(bytes, cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    throw Error(std::string("OpenCV could not decode the image: ") + e.err, {path}, "corrupted or truncated image");
  }
  if (decoded.empty())
    throw Error("not an image, or a corrupted one (OpenCV could not decode it)", {path},
                "not an image file, or a truncated/corrupted one");
  if (static_cast<uint64_t>(decoded.total()) > options.max_pixels) throw too_large(decoded.cols, decoded.rows);
  cv::Mat rgb;
  cv::cvtColor(decoded, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

void WriteImage(const std::string& path, const cv::Mat& image) {
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext.empty()) throw Error("image path has no extension", {path}, "add .png or .jpg");
  if (image.empty()) throw Error("cannot write an empty image", {path});
  cv::Mat out;
  switch (image.type()) {
    case CV_8UC3: cv::cvtColor(image, out, cv::COLOR_RGB2BGR); break;
    case CV_8UC4: cv::cvtColor(image, out, cv::COLOR_RGBA2BGRA); break;
    case CV_8UC1:
    case CV_16UC1: out = image; break;
    default: throw Error("unsupported image type for writing (use 8-bit RGB, RGBA or grey)", {path});
  }
  std::vector<uint8_t> encoded;
  try {
    if (!cv::haveImageWriter(path) || !cv::imencode(ext, out, encoded))
      throw Error("no image encoder for '" + ext + "'", {path}, "use .png, .jpg, .bmp, .tiff or .webp");
  } catch (const cv::Exception& e) {
    throw Error(std::string("OpenCV could not encode the image: ") + e.err, {path});
  }
  fs::WriteFileAtomic(path, encoded.data(), encoded.size());
}

}  // namespace corrlens::io
