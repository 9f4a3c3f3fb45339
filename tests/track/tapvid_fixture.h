// A tiny TAP-Vid DAVIS dataset in the real layouts, made by tests: frames
// are crops of an opencv-doc image sliding at a known speed with a textured
// square occluder crossing them, so every track and its occlusion is known.
// Writes tapvid-davis/<idx>/video/00000.jpg ... and, through
// /usr/bin/python3 (tests/track/make_tapvid_fixture.py), the strided
// pickle and an official-layout tapvid_davis.pkl. Header-only.
#pragma once

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include "tests/common/test_paths.h"

#include <opencv2/imgproc.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "core/io/image.h"
#include "core/io/tensor.h"
#include "core/io/tensor_file.h"
#include "tests/common/python.h"
#include "tests/common/sample_data.h"

namespace corrlens::test {

class TinyTapVid {
 public:
  struct Video {
    int idx = 0;
    std::string name;
    std::vector<cv::Mat> frames;                   // RGB, width x height
    std::vector<std::vector<cv::Point2d>> tracks;  // N x T, frame pixels
    std::vector<std::vector<bool>> occluded;       // N x T
  };

  static constexpr int kWidth = 427, kHeight = 240;

  // `videos` videos of `frames` frames each.
  explicit TinyTapVid(int videos = 2, int frames = 10) {
    const cv::Mat texture = io::ReadImageRgb(OpenCvData("graf1.png"));
    for (int v = 0; v < videos; ++v) videos_.push_back(MakeVideo(texture, v, frames));
    for (const Video& v : videos_) {
      const QString folder = QString("tapvid-davis/%1/video").arg(v.idx);
      QDir(dir_.path()).mkpath(folder);
      for (size_t t = 0; t < v.frames.size(); ++t)
        io::WriteImage(Path(QString("%1/%2.jpg").arg(folder).arg(int(t), 5, 10, QChar('0')).toStdString()),
                       v.frames[t]);
    }
  }

  std::string Root() const { return dir_.path().toStdString(); }
  std::string Path(const std::string& relative) const { return Root() + "/" + relative; }
  const std::vector<Video>& Videos() const { return videos_; }

  // Writes both pickles; "" on success, else the reason (python3 missing...).
  QString WritePickles() const {
    QJsonArray list;
    for (const Video& v : videos_) {
      const std::string npy = Path("frames_" + std::to_string(v.idx) + ".npy");
      std::vector<uint8_t> bytes;
      for (const cv::Mat& f : v.frames) bytes.insert(bytes.end(), f.datastart, f.dataend);
      io::WriteNpy(npy, io::TensorData::FromBytes(io::DType::kUInt8, {int64_t(v.frames.size()), kHeight, kWidth, 3},
                                                  std::move(bytes)));
      QJsonArray tracks, occluded;
      for (size_t n = 0; n < v.tracks.size(); ++n) {
        QJsonArray row, flags;
        for (size_t t = 0; t < v.frames.size(); ++t) {
          row.append(QJsonArray{v.tracks[n][t].x, v.tracks[n][t].y});
          flags.append(bool(v.occluded[n][t]));
        }
        tracks.append(row);
        occluded.append(flags);
      }
      list.append(QJsonObject{{"video_idx", v.idx},
                              {"name", QString::fromStdString(v.name)},
                              {"w", kWidth},
                              {"h", kHeight},
                              {"frames_npy", QString::fromStdString(npy)},
                              {"tracks", tracks},
                              {"occluded", occluded}});
    }
    const std::string spec = Path("spec.json");
    std::ofstream(spec) << QJsonDocument(QJsonObject{{"videos", list}, {"stride", 5}}).toJson().toStdString();
    const PythonResult r = RunPython3({corrlens::test::SourcePath("/tests/track/make_tapvid_fixture.py"),
                                       QString::fromStdString(spec), QString::fromStdString(Root())});
    return r.ok ? QString() : r.err;
  }

 private:
  static Video MakeVideo(const cv::Mat& texture, int v, int frames) {
    Video video;
    video.idx = v;
    video.name = v == 0 ? "slide-right" : "slide-down";
    const cv::Point2d speed = v == 0 ? cv::Point2d(4.0, 1.0) : cv::Point2d(-1.0, 3.0);
    const cv::Point2d origin(150 + 40 * v, 120 + 30 * v);  // crop corner in the texture at t = 0
    const cv::Rect box0(60 + 20 * v, 40, 70, 70);          // occluder at t = 0, moving 25 px/frame
    cv::Mat noise(70, 70, CV_8UC3);
    cv::randu(noise, 0, 255);
    for (int t = 0; t < frames; ++t) {
      const cv::Point2d corner = origin + speed * t;
      cv::Mat frame;
      const cv::Mat shift = (cv::Mat_<double>(2, 3) << 1, 0, -corner.x, 0, 1, -corner.y);
      cv::warpAffine(texture, frame, shift, cv::Size(kWidth, kHeight), cv::INTER_LINEAR);
      const cv::Rect box = box0 + cv::Point(25 * t, 0);
      const cv::Rect visible = box & cv::Rect(0, 0, kWidth, kHeight);
      if (!visible.empty()) noise(visible - box.tl()).copyTo(frame(visible));
      video.frames.push_back(frame);
    }
    for (int gy = 0; gy < 3; ++gy)
      for (int gx = 0; gx < 4; ++gx) {
        const cv::Point2d start(70 + 90 * gx, 50 + 65 * gy);  // frame position at t = 0
        std::vector<cv::Point2d> track;
        std::vector<bool> occluded;
        for (int t = 0; t < frames; ++t) {
          const cv::Point2d p = start - speed * t;
          const cv::Rect box = box0 + cv::Point(25 * t, 0);
          track.push_back(p);
          occluded.push_back(box.contains(cv::Point(int(p.x), int(p.y))) || p.x < 0 || p.y < 0 || p.x > kWidth - 1 ||
                             p.y > kHeight - 1);
        }
        video.tracks.push_back(track);
        video.occluded.push_back(occluded);
      }
    return video;
  }

  QTemporaryDir dir_;
  std::vector<Video> videos_;
};

}  // namespace corrlens::test

// For initTestCase: the frames need opencv-doc, the pickles /usr/bin/python3
// with numpy (skipped without them); any other failure fails the test.
#define CORRLENS_WRITE_TAPVID_PICKLES(fixture)                                      \
  do {                                                                              \
    CORRLENS_REQUIRE_OPENCV_DATA("graf1.png");                                      \
    const QString failed_ = (fixture).WritePickles();                               \
    if (failed_.contains("No module named")) QSKIP("/usr/bin/python3 lacks numpy"); \
    QVERIFY2(failed_.isEmpty(), qPrintable(failed_));                               \
  } while (false)
