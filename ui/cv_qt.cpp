#include "ui/cv_qt.h"

namespace corrlens::ui {

cv::Mat MatFromQImage(const QImage& image) {
  const QImage rgb = image.convertToFormat(QImage::Format_RGB888);
  cv::Mat view(rgb.height(), rgb.width(), CV_8UC3, const_cast<uchar*>(rgb.constBits()),
               static_cast<size_t>(rgb.bytesPerLine()));
  return view.clone();
}

QImage QImageFromMat(const cv::Mat& rgb) {
  if (rgb.empty() || rgb.type() != CV_8UC3) return {};
  QImage view(rgb.data, rgb.cols, rgb.rows, static_cast<qsizetype>(rgb.step), QImage::Format_RGB888);
  return view.copy();
}

QImage QImageSharingMat(const cv::Mat& rgb) {
  if (rgb.empty() || rgb.type() != CV_8UC3) return {};
  auto* owner = new cv::Mat(rgb);  // a reference, released with the image
  return QImage(
      owner->data, owner->cols, owner->rows, static_cast<qsizetype>(owner->step), QImage::Format_RGB888,
      [](void* mat) { delete static_cast<cv::Mat*>(mat); }, owner);
}

}  // namespace corrlens::ui
