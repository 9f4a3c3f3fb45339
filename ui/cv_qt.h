// Conversions between OpenCV images (CV_8UC3, RGB order) and QImage.
#pragma once

#include <QImage>

#include <opencv2/core.hpp>

namespace corrlens::ui {

// Deep copy of an RGB888 view of `image` as CV_8UC3 (RGB order).
cv::Mat MatFromQImage(const QImage& image);
// Deep copy of a CV_8UC3 RGB matrix as QImage::Format_RGB888.
QImage QImageFromMat(const cv::Mat& rgb);
// A QImage over the pixels of a CV_8UC3 RGB matrix without copying them; it
// keeps the matrix alive. Calls on the same matrix give images with the same
// constBits(), which ImageView takes as "already shown".
QImage QImageSharingMat(const cv::Mat& rgb);

}  // namespace corrlens::ui
