// The reference's square letterbox (3DCorrEnhance `resize` +
// `preprocess_kps_pad`): the longer side is resized to `size` with PIL's
// Lanczos filter, the shorter to round_half_even(size * short / long), and the
// result is pasted centred on a black size x size canvas. Keypoints follow
// the same map in float32 arithmetic, as the reference computes them.
#pragma once

#include <opencv2/core/mat.hpp>
#include <opencv2/core/types.hpp>

namespace corrlens::bench {

// Where an image of `width` x `height` lands on the canvas.
struct Letterbox {
  int size = 840;             // canvas side
  int width = 0, height = 0;  // original image
  int new_width = 0, new_height = 0;
  int offset_x = 0, offset_y = 0;  // top-left of the pasted image
  double scale = 1.0;              // size / max(width, height)

  // Canvas position of an original pixel position (float32 as the reference).
  cv::Point2f ToCanvas(const cv::Point2d& p) const;
  // Original pixel position of a canvas position (inverse of ToCanvas).
  cv::Point2d FromCanvas(const cv::Point2d& p) const;
};

// The letterbox of an image of `width` x `height`; throws corrlens::Error for
// an empty size or size < 1.
Letterbox MakeLetterbox(int width, int height, int size);

// `rgb` (CV_8UC3) resized to `width` x `height` exactly as PIL's
// Image.resize(..., Image.LANCZOS) does for 8-bit images: separable
// Lanczos-3 with PIL's support scaling, 22-bit fixed-point coefficients and
// a uint8 intermediate (horizontal pass first).
cv::Mat ResizeLanczosPil(const cv::Mat& rgb, int width, int height);

// The letterboxed canvas (CV_8UC3, size x size, black padding).
cv::Mat LetterboxImage(const cv::Mat& rgb, const Letterbox& box);

}  // namespace corrlens::bench
