// Image files through OpenCV with a pixel limit checked from the header
// before decoding, RGB channel order, and atomic writes.
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace corrlens::io {

struct ImageReadOptions {
  // Largest width * height accepted (100 megapixels).
  uint64_t max_pixels = 100'000'000;
  // Largest file accepted, bytes.
  uint64_t max_file_bytes = uint64_t{1} << 30;

  bool Check() const { return max_pixels > 0 && max_file_bytes > 0; }
};

// Reads an image as CV_8UC3 in RGB order (grey and alpha images are
// converted, 16-bit images scaled to 8 bit, EXIF orientation applied).
// Throws corrlens::Error naming the file when it is missing, not an image or
// corrupt, or larger than the pixel limit.
cv::Mat ReadImageRgb(const std::string& path, const ImageReadOptions& options = {});

// Width and height read from a PNG, JPEG, BMP, GIF or WebP header without
// decoding; nullopt for other or unreadable headers.
std::optional<std::pair<int64_t, int64_t>> SniffImageSize(const std::vector<uint8_t>& bytes);

// Writes `image` (CV_8UC3 RGB, CV_8UC4 RGBA or CV_8UC1/CV_16UC1 grey) in the
// format named by the extension (.png, .jpg, .bmp, .tiff, .webp ...),
// atomically. Throws Error on an unsupported type or extension.
void WriteImage(const std::string& path, const cv::Mat& image);

}  // namespace corrlens::io
