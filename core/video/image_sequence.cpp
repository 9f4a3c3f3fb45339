// A folder of images as a video: the files with an accepted extension, in
// lexicographic order of their names (Python's sorted(glob), which the
// reference uses). Sizes are read from the file headers when the folder is
// opened, so a frame of another size is reported before any work.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

#include "core/io/image.h"
#include "core/util/error.h"
#include "core/video/video_source.h"

namespace corrlens::video {
namespace {

namespace stdfs = std::filesystem;

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Width and height from the first bytes of an image file, when its header says.
std::optional<std::pair<int64_t, int64_t>> HeaderSize(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> head(64 * 1024);
  in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(std::max<std::streamsize>(0, in.gcount())));
  return io::SniffImageSize(head);
}

std::string Extensions(const VideoOptions& options) {
  std::string text;
  for (const std::string& e : options.extensions) text += (text.empty() ? "*" : ", *") + e;
  return text;
}

class ImageSequence : public VideoSource {
 public:
  ImageSequence(const std::string& folder, const VideoOptions& options)
      : VideoSource(options.cache_frames), options_(options) {
    info_.source = folder;
    info_.kind = "images";
    std::error_code ec;
    if (!stdfs::exists(folder, ec)) throw Error("frames folder not found", {folder});
    if (!stdfs::is_directory(folder, ec)) throw Error("not a folder of frames", {folder});
    for (const auto& entry : stdfs::directory_iterator(folder, ec)) {
      const std::string ext = Lower(entry.path().extension().string());
      if (entry.is_regular_file(ec) &&
          std::find(options.extensions.begin(), options.extensions.end(), ext) != options.extensions.end())
        files_.push_back(entry.path().filename().string());
    }
    if (ec) throw Error("cannot list the folder: " + ec.message(), {folder});
    if (files_.empty()) throw Error("no frames (" + Extensions(options) + ") in the folder", {folder});
    std::sort(files_.begin(), files_.end());
    if (files_.size() > size_t(INT32_MAX)) throw Error("too many frames", {folder});
    info_.frame_count = static_cast<int>(files_.size());
    CheckSizes();
  }

 protected:
  cv::Mat Decode(int index) override {
    io::ImageReadOptions read;
    read.max_pixels = options_.max_pixels;
    const std::string path = Path(index);
    cv::Mat rgb = io::ReadImageRgb(path, read);
    if (rgb.cols != info_.width || rgb.rows != info_.height) Mismatch(path, rgb.cols, rgb.rows);
    return rgb;
  }

 private:
  std::string Path(int index) const { return (stdfs::path(info_.source) / files_[size_t(index)]).string(); }

  [[noreturn]] void Mismatch(const std::string& path, int64_t w, int64_t h) const {
    throw Error("frame is " + std::to_string(w) + "x" + std::to_string(h) + ", the first frame (" + files_[0] +
                    ") is " + std::to_string(info_.width) + "x" + std::to_string(info_.height),
                {path}, "frames of different sizes in one folder");
  }

  // The first frame is decoded (its size is the video's); the others'
  // headers must agree.
  void CheckSizes() {
    const std::string first = Path(0);
    if (const auto size = HeaderSize(first))
      CheckFrameSize(static_cast<int>(std::min<int64_t>(size->first, INT32_MAX)),
                     static_cast<int>(std::min<int64_t>(size->second, INT32_MAX)), options_, first);
    io::ImageReadOptions read;
    read.max_pixels = options_.max_pixels;
    const cv::Mat rgb = io::ReadImageRgb(first, read);
    info_.width = rgb.cols;
    info_.height = rgb.rows;
    for (int i = 1; i < info_.frame_count; ++i) {
      const auto size = HeaderSize(Path(i));
      if (size && (size->first != info_.width || size->second != info_.height))
        Mismatch(Path(i), size->first, size->second);
    }
  }

  VideoOptions options_;
  std::vector<std::string> files_;  // file names, sorted
};

}  // namespace

std::unique_ptr<VideoSource> OpenImageSequence(const std::string& folder, const VideoOptions& options) {
  if (!options.Check()) throw Error("invalid VideoOptions", {folder});
  return std::make_unique<ImageSequence>(folder, options);
}

}  // namespace corrlens::video
