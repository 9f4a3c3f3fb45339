#include "core/render/sequence.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <random>

#include "core/io/pickle_writer.h"
#include "core/render/mesh.h"
#include "core/render/view_sampling.h"
#include "core/util/error.h"
#include "core/util/fs.h"

namespace corrlens::render {
namespace {

namespace stdfs = std::filesystem;
using Clock = std::chrono::steady_clock;
constexpr double kPi = 3.14159265358979323846;
constexpr const char* kStrided = "tapvid_davis_data_strided.pkl";
constexpr const char* kOfficial = "tapvid_davis.pkl";
constexpr const char* kIndex = "sequence.json";
constexpr const char* kFramesDir = "tapvid-davis/0/video";

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }
double Uniform(std::mt19937_64& rng) { return double(rng() >> 11) * 0x1.0p-53; }  // same on every platform
double Radians(double degrees) { return degrees * kPi / 180.0; }

void Fail(const std::string& message, const std::string& key, const std::string& cause = {}) {
  throw Error(message, {{}, std::nullopt, key}, cause);
}

// Creates the folder, or refuses a non-empty one unless `force`; with force
// the earlier dataset's files are removed so no stale frames remain.
void PrepareOutput(const std::string& dir, bool force) {
  std::error_code ec;
  if (stdfs::exists(dir, ec)) {
    if (!stdfs::is_directory(dir, ec))
      throw Error("output path exists and is not a folder", {dir, std::nullopt, "output folder"});
    if (!stdfs::is_empty(dir, ec) && !force) {
      throw Error("output folder is not empty", {dir, std::nullopt, "output folder"},
                  "choose an empty folder or pass --force to replace an earlier sequence");
    }
    for (const char* name : {kIndex, kStrided, kOfficial}) stdfs::remove(stdfs::path(dir) / name, ec);
    stdfs::remove_all(stdfs::path(dir) / kFramesDir, ec);
  }
  stdfs::create_directories(stdfs::path(dir) / kFramesDir, ec);
  if (ec) throw Error("cannot create output folder: " + ec.message(), {dir, std::nullopt, "output folder"});
}

int FourCc(const std::string& path) {
  std::string ext = stdfs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  if (ext == ".avi") return cv::VideoWriter::fourcc('M', 'J', 'P', 'G');
  if (ext == ".mp4" || ext == ".m4v" || ext == ".mov") return cv::VideoWriter::fourcc('m', 'p', '4', 'v');
  throw Error("unsupported video file extension '" + ext + "'", {path, std::nullopt, "video out"}, "use .mp4 or .avi");
}

// Writes the frames through a temporary file renamed into place at the end.
void WriteVideo(const std::string& path, const std::vector<cv::Mat>& rgb, double fps) {
  const stdfs::path target(path);
  const stdfs::path partial =
      target.parent_path() / (target.stem().string() + ".partial" + target.extension().string());
  cv::VideoWriter writer(partial.string(), FourCc(path), fps, rgb[0].size(), true);
  if (!writer.isOpened())
    throw Error("OpenCV cannot open a video writer", {path, std::nullopt, "video out"}, "no encoder for this format");
  cv::Mat bgr;
  for (const cv::Mat& frame : rgb) {
    cv::cvtColor(frame, bgr, cv::COLOR_RGB2BGR);
    writer.write(bgr);
  }
  writer.release();
  std::error_code ec;
  stdfs::rename(partial, target, ec);
  if (ec) throw Error("cannot move the video into place: " + ec.message(), {path, std::nullopt, "video out"});
}

nlohmann::json Rows(const double* values, int rows, int cols) {
  nlohmann::json out = nlohmann::json::array();
  for (int r = 0; r < rows; ++r) out.push_back(std::vector<double>(values + r * cols, values + (r + 1) * cols));
  return out;
}

// One key per line; per-frame poses and points one per line.
std::string IndexText(const SequenceOptions& options, const SequenceResult& result) {
  const SequencePathOptions& path = options.path;
  const nlohmann::json head = {
      {"format", "corrlens-sequence/1"},
      {"mesh", options.mesh_path},
      {"name", result.name},
      {"width", result.intrinsics.width},
      {"height", result.intrinsics.height},
      {"K", Rows(result.intrinsics.K().val, 3, 3)},
      {"frames", int(result.obj_to_cam.size())},
      {"fps", options.fps},
      {"query_stride", options.query_stride},
      {"path",
       {{"shape", path.shape == SequencePath::kOrbit ? "orbit" : "spiral"},
        {"sweep_deg", path.sweep_deg},
        {"margin", path.margin},
        {"drift", path.drift},
        {"seed", path.seed}}},
      {"coordinates", "TAP-Vid pixels: column i covers [i, i + 1); camera.h pixel centre u is at u + 0.5"},
      {"camera_convention", "OpenCV: x right, y down, z forward; obj_to_cam maps normalised object points"},
  };
  std::string out = "{\n";
  for (const auto& [key, value] : head.items()) out += "  " + nlohmann::json(key).dump() + ": " + value.dump() + ",\n";
  out += "  \"obj_to_cam\": [\n";
  for (size_t t = 0; t < result.obj_to_cam.size(); ++t)
    out += "    " + Rows(result.obj_to_cam[t].val, 4, 4).dump() + (t + 1 < result.obj_to_cam.size() ? ",\n" : "\n");
  out += "  ],\n  \"points3d\": [\n";
  const auto& points = result.tracks.object_points;
  for (size_t n = 0; n < points.size(); ++n) {
    out += "    " + nlohmann::json({points[n][0], points[n][1], points[n][2]}).dump() +
           (n + 1 < points.size() ? ",\n" : "\n");
  }
  return out + "  ]\n}\n";
}

}  // namespace

bool SequencePathOptions::Check() const {
  return std::isfinite(sweep_deg) && std::abs(sweep_deg) <= 3600.0 && margin >= 0.25 && margin <= 100.0 &&
         drift >= 0.0 && drift <= 2.0;
}

void SequenceOptions::Validate() const {
  if (mesh_path.empty()) Fail("no mesh given", "mesh");
  if (output_dir.empty()) Fail("no output folder given", "output folder");
  if (frames < 2 || frames > 100000) Fail(fmt::format("{} frames: a sequence needs 2 to 100000", frames), "frames");
  if (points < 1 || points > 100000) Fail(fmt::format("{} points: need 1 to 100000", points), "points");
  if (query_stride < 1) Fail("the query stride must be at least 1", "query stride");
  if (jpeg_quality < 1 || jpeg_quality > 100) Fail("JPEG quality must be 1..100", "jpeg quality");
  if (!(fps > 0.0 && fps <= 1000.0)) Fail(fmt::format("{} fps: need a rate in (0, 1000]", fps), "fps");
  const Intrinsics& k = render.intrinsics;
  if (k.width < 16 || k.height < 16 || k.width > 8192 || k.height > 8192)
    Fail(fmt::format("frame size {}x{} is outside 16..8192 pixels", k.width, k.height), "size");
  if (!render.Check()) Fail("invalid render options (intrinsics or lighting)", "size");
  // The official pickle embeds every frame and is built in memory (about
  // five times the frames' size at the peak).
  if (double(frames) * k.width * k.height * 3 > 1e9)
    Fail(fmt::format("{} frames of {}x{} exceed 1 GB of video", frames, k.width, k.height), "frames",
         "fewer frames or a smaller --size");
  if (!path.Check()) Fail("invalid camera path (|sweep| <= 3600, margin 0.25..100, drift 0..2)", "margin");
  if (!visibility.Check()) Fail("invalid depth tolerance", "depth tolerance");
}

std::vector<Pose> SequencePoses(const SequencePathOptions& options, int frames, const Intrinsics& k, double radius) {
  if (!options.Check() || frames < 1) throw Error("invalid camera path options", {{}, std::nullopt, "path"});
  std::mt19937_64 rng(options.seed);
  const double azimuth0 = 360.0 * Uniform(rng);
  const double elevation0 = -20.0 + 40.0 * Uniform(rng);
  const double phase = 2.0 * kPi * Uniform(rng);
  const double distance0 = FitDistance(k, std::max(radius, 1e-6)) * options.margin;
  std::vector<Pose> poses;
  for (int t = 0; t < frames; ++t) {
    const double s = frames > 1 ? double(t) / (frames - 1) : 0.0;
    const double azimuth = Radians(azimuth0 + options.sweep_deg * s);
    double elevation = elevation0 + 10.0 * std::sin(2.0 * kPi * s), distance = distance0;
    if (options.shape == SequencePath::kSpiral) {
      elevation = elevation0 - 30.0 + 60.0 * s;
      distance = distance0 * (1.0 + 0.25 * std::cos(2.0 * kPi * s));
    }
    elevation = Radians(std::clamp(elevation, -75.0, 75.0));
    const cv::Vec3d dir(std::cos(elevation) * std::sin(azimuth), std::sin(elevation),
                        std::cos(elevation) * std::cos(azimuth));
    Pose pose = LookAtOrigin(dir, distance);
    // Shift the object centre in the image by the drift (pixels -> metres at its depth).
    const double dx = options.drift * 0.5 * k.width * std::sin(2.0 * kPi * s + phase);
    const double dy = options.drift * 0.25 * k.height * std::sin(4.0 * kPi * s + phase);
    pose(0, 3) += dx * distance / k.fx;
    pose(1, 3) += dy * distance / k.fy;
    poses.push_back(pose);
  }
  return poses;
}

std::vector<cv::Point> SampleSurfacePixels(const cv::Mat& depth, int count, uint64_t seed) {
  cv::Mat inner;
  cv::erode(depth > 0.f, inner, cv::Mat::ones(3, 3, CV_8U), cv::Point(-1, -1), 1, cv::BORDER_CONSTANT, 0);
  std::vector<cv::Point> pixels;
  cv::findNonZero(inner, pixels);
  std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ULL);  // independent of the path's stream
  const size_t take = std::min(pixels.size(), size_t(std::max(count, 0)));
  for (size_t i = 0; i < take; ++i) std::swap(pixels[i], pixels[i + rng() % (pixels.size() - i)]);
  pixels.resize(take);
  return pixels;
}

SequenceTracks TrackSurfacePoints(const std::vector<cv::Point>& pixels, const std::vector<ViewGeometry>& views,
                                  const CorrespondenceOptions& visibility) {
  SequenceTracks tracks;
  if (views.empty()) return tracks;
  tracks.frames = static_cast<int>(views.size());
  const size_t n = pixels.size(), frames = views.size();
  std::vector<cv::Point2f> source(pixels.begin(), pixels.end());
  for (const cv::Point& p : pixels) {
    tracks.object_points.push_back(ObjectPoint(views[0], p.x, p.y, views[0].depth.at<float>(p)));
    tracks.query.emplace_back(p.x + 0.5, p.y + 0.5);
  }
  tracks.xy.assign(n * frames * 2, 0.0);
  tracks.occluded.assign(n * frames, 1);
  for (size_t t = 0; t < frames; ++t) {
    const std::vector<PointCorrespondence> seen = Correspond(source, views[0], views[t], visibility);
    for (size_t i = 0; i < n; ++i) {
      const size_t at = i * frames + t;
      tracks.xy[2 * at] = seen[i].valid ? seen[i].target.x + 0.5 : -1.0;
      tracks.xy[2 * at + 1] = seen[i].valid ? seen[i].target.y + 0.5 : -1.0;
      tracks.occluded[at] = seen[i].visible ? 0 : 1;
    }
  }
  return tracks;
}

std::vector<uint8_t> StridedTapVidPickle(const SequenceTracks& tracks, int width, int height, int query_stride) {
  using nlohmann::json;
  // query frame -> tracks visible there (tapnet's sample_queries_strided)
  std::vector<std::pair<int, std::vector<int>>> groups;
  for (int f = 0; f < tracks.frames; f += std::max(query_stride, 1)) {
    std::vector<int> visible;
    for (int n = 0; n < tracks.Count(); ++n)
      if (!tracks.Occluded(n, f)) visible.push_back(n);
    if (!visible.empty()) groups.emplace_back(f, std::move(visible));
  }
  io::pickle::PickleWriter w;
  w.EmptyDict();
  w.Mark();
  w.String("videos");
  w.EmptyList();
  w.Mark();
  w.EmptyDict();
  w.Mark();
  w.String("video_idx");
  w.Int(0);
  w.String("h");
  w.Int(height);
  w.String("w");
  w.Int(width);
  for (const char* field : {"query_points", "target_points", "occluded"}) {
    const std::string name(field);
    w.String(name);
    w.EmptyDict();
    w.Mark();
    for (const auto& [frame, members] : groups) {
      json value = json::array();
      for (int n : members) {
        if (name == "query_points") {
          value.push_back({tracks.At(n, frame).x, tracks.At(n, frame).y});
          continue;
        }
        json row = json::array();
        for (int t = 0; t < tracks.frames; ++t) {
          if (name == "occluded") {
            row.push_back(tracks.Occluded(n, t));
          } else {
            row.push_back({tracks.At(n, t).x, tracks.At(n, t).y});
          }
        }
        value.push_back(std::move(row));
      }
      w.Int(frame);  // int keys, as the reference's file
      w.Json(value);
    }
    w.SetItems();
  }
  w.SetItems();  // the video
  w.Appends();   // the list of videos
  w.SetItems();  // the file's dict
  w.Stop();
  return w.Bytes();
}

std::vector<uint8_t> OfficialTapVidPickle(const SequenceTracks& tracks, const std::vector<cv::Mat>& frames,
                                          const std::string& name) {
  if (frames.empty() || int(frames.size()) != tracks.frames)
    throw Error("official pickle: frame count differs from the tracks");
  const int height = frames[0].rows, width = frames[0].cols, n = tracks.Count(), t_count = tracks.frames;
  std::vector<uint8_t> video;
  video.reserve(size_t(t_count) * height * width * 3);
  for (const cv::Mat& frame : frames) {
    if (frame.type() != CV_8UC3 || frame.size() != frames[0].size())
      throw Error("official pickle: frames of different sizes or types");
    const cv::Mat packed = frame.isContinuous() ? frame : frame.clone();
    video.insert(video.end(), packed.data, packed.data + packed.total() * 3);
  }
  std::vector<float> points(size_t(n) * t_count * 2);
  for (size_t i = 0; i < points.size(); i += 2) {
    points[i] = float(tracks.xy[i] / width);
    points[i + 1] = float(tracks.xy[i + 1] / height);
  }
  io::pickle::PickleWriter w;
  w.EmptyDict();
  w.Mark();
  w.String(name);
  w.EmptyDict();
  w.Mark();
  w.String("video");
  w.NumpyArray("|u1", {t_count, height, width, 3}, video.data(), video.size());
  w.String("points");
  w.NumpyArray("<f4", {n, t_count, 2}, points.data(), points.size() * sizeof(float));
  w.String("occluded");
  w.NumpyArray("|b1", {n, t_count}, tracks.occluded.data(), tracks.occluded.size());
  w.SetItems();
  w.SetItems();
  w.Stop();
  return w.Bytes();
}

SequenceResult RunRenderSequence(const SequenceOptions& options, Progress& progress, const CancelToken& cancel) {
  options.Validate();
  const auto start = Clock::now();
  std::error_code ec;
  if (!options.video_out.empty() && stdfs::exists(options.video_out, ec) && !options.force) {
    throw Error("video file exists", {options.video_out, std::nullopt, "video out"},
                "choose another name or pass --force to replace it");
  }
  if (!options.video_out.empty()) FourCc(options.video_out);  // refuse a bad extension before rendering
  progress.Report(0.0, "loading mesh");
  const Mesh mesh = LoadMesh(options.mesh_path);
  auto renderer = Renderer::Create(options.render);  // fails early without a display
  PrepareOutput(options.output_dir, options.force);
  renderer->SetMesh(mesh);

  SequenceResult result;
  result.output_dir = options.output_dir;
  result.name = options.name.empty() ? stdfs::path(options.mesh_path).stem().string() : options.name;
  result.frames_dir = (stdfs::path(options.output_dir) / kFramesDir).string();
  result.intrinsics = options.render.intrinsics;
  result.warnings = mesh.warnings;
  result.obj_to_cam = SequencePoses(options.path, options.frames, result.intrinsics, mesh.radius);
  std::vector<cv::Mat> rgb;
  std::vector<ViewGeometry> views;
  const std::vector<int> jpeg = {cv::IMWRITE_JPEG_QUALITY, options.jpeg_quality};
  for (int t = 0; t < options.frames; ++t) {
    cancel.ThrowIfCancelled();
    const auto render_start = Clock::now();
    RenderedView view = renderer->Render(result.obj_to_cam[size_t(t)]);
    result.render_seconds += Seconds(render_start);
    cv::Mat bgr;
    std::vector<uint8_t> bytes;
    cv::cvtColor(view.rgb, bgr, cv::COLOR_RGB2BGR);
    if (!cv::imencode(".jpg", bgr, bytes, jpeg)) throw Error("could not encode a frame as JPEG");
    fs::WriteFileAtomic(fmt::format("{}/{:05d}.jpg", result.frames_dir, t), bytes.data(), bytes.size());
    rgb.push_back(view.rgb);
    views.push_back({view.depth, result.intrinsics, view.obj_to_cam});
    progress.Step(size_t(t + 1), size_t(options.frames) + 1,
                  fmt::format("rendered frame {}/{}", t + 1, options.frames));
  }

  const std::vector<cv::Point> pixels = SampleSurfacePixels(views[0].depth, options.points, options.path.seed);
  if (pixels.empty()) {
    throw Error("the object covers no pixel of frame 0", {options.mesh_path, std::nullopt, "margin"},
                "a smaller --margin or --drift, or a larger --size");
  }
  if (int(pixels.size()) < options.points)
    result.warnings.push_back(
        fmt::format("only {} object pixels in frame 0 for {} points", pixels.size(), options.points));
  result.tracks = TrackSurfacePoints(pixels, views, options.visibility);
  const SequenceTracks& tracks = result.tracks;
  const Intrinsics& k = result.intrinsics;
  size_t visible = 0, outside = 0;
  for (int n = 0; n < tracks.Count(); ++n) {
    for (int t = 0; t < tracks.frames; ++t) {
      visible += tracks.Occluded(n, t) ? 0 : 1;
      const cv::Point2d p = tracks.At(n, t);
      outside += (p.x < 0 || p.y < 0 || p.x >= k.width || p.y >= k.height) ? 1 : 0;
    }
  }
  const double total = double(tracks.Count()) * tracks.frames;
  result.visible_fraction = visible / total;
  result.outside_fraction = outside / total;
  for (int f = 0; f < tracks.frames; f += options.query_stride)
    for (int n = 0; n < tracks.Count(); ++n) result.queries += tracks.Occluded(n, f) ? 0 : 1;

  const stdfs::path dir(options.output_dir);
  const std::vector<uint8_t> strided = StridedTapVidPickle(tracks, k.width, k.height, options.query_stride);
  fs::WriteFileAtomic((dir / kStrided).string(), strided.data(), strided.size());
  const std::vector<uint8_t> official = OfficialTapVidPickle(tracks, rgb, result.name);
  fs::WriteFileAtomic((dir / kOfficial).string(), official.data(), official.size());
  if (!options.video_out.empty()) {
    WriteVideo(options.video_out, rgb, options.fps);
    result.video_path = options.video_out;
  }
  fs::WriteFileAtomic((dir / kIndex).string(), IndexText(options, result));
  result.total_seconds = Seconds(start);
  progress.Report(1.0, "done");
  return result;
}

}  // namespace corrlens::render
