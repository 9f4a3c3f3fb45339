// Shared by the Video workspace's tests: small frame folders they write
// themselves (a textured square circling over a textured background, with
// its true centre per frame), and waits. Header-only.
#pragma once

#include <QDir>
#include <QFile>
#include <QString>
#include <QtTest>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <vector>

namespace corrlens::test {

// Fills `image` with `count` random discs (radius in [min_radius, max_radius),
// random colours), later ones covering earlier ones: edges at many scales.
inline void DeadLeaves(cv::Mat& image, cv::RNG& rng, int count, int min_radius, int max_radius) {
  image.setTo(cv::Scalar(128, 128, 128));
  for (int i = 0; i < count; ++i) {
    const cv::Point centre(rng.uniform(0, image.cols), rng.uniform(0, image.rows));
    const cv::Scalar colour(rng.uniform(0, 256), rng.uniform(0, 256), rng.uniform(0, 256));
    cv::circle(image, centre, rng.uniform(min_radius, max_radius), colour, cv::FILLED, cv::LINE_AA);
  }
}

// A 630x476 frames folder (the interactive preset's own size: no resizing,
// tokens every 14 px centred at 16 + 14 k): a 96x96 square of random discs
// whose centre circles the frame centre (140 x 100 px, one turn over
// `frames`), snapped to token centres, over a static background of other
// random discs. Returns the square's centre per frame.
inline std::vector<cv::Point2d> WriteCirclingSquare(const QString& folder, int frames) {
  QDir().mkpath(folder);
  cv::RNG rng(7);
  cv::Mat background(476, 630, CV_8UC3), square(96, 96, CV_8UC3);
  DeadLeaves(background, rng, 2500, 4, 20);
  DeadLeaves(square, rng, 150, 3, 14);
  auto snap = [](double v) { return 16.0 + 14.0 * std::round((v - 16.0) / 14.0); };
  std::vector<cv::Point2d> centres;
  for (int t = 0; t < frames; ++t) {
    const double angle = 2.0 * M_PI * t / frames;
    const cv::Point2d centre(snap(315 + 140 * std::cos(angle)), snap(238 + 100 * std::sin(angle)));
    cv::Mat frame = background.clone();
    square.copyTo(frame(cv::Rect(int(centre.x) - 48, int(centre.y) - 48, 96, 96)));
    cv::imwrite(QDir(folder).filePath(QString::asprintf("frame_%03d.png", t)).toStdString(), frame);
    centres.push_back(centre);
  }
  return centres;
}

// Keeps the first `bytes` bytes of `path` (a frame that cannot be decoded
// while its header still gives the size).
inline void Truncate(const QString& path, qint64 bytes) {
  QFile file(path);
  QVERIFY(file.open(QIODevice::ReadWrite));
  QVERIFY(file.resize(bytes));
}

}  // namespace corrlens::test
