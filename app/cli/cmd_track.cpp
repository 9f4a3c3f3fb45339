// corrlens-cli track: follows query points through a video (a file FFmpeg
// decodes, or a folder of frames) with one or more models, the paper's
// tracker (core/track) in a named preset, and writes the tracks as JSON and
// optionally an annotated video. Points are "t,x,y;t,x,y" in source pixels.
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "app/cli/backend_args.h"
#include "app/cli/command.h"
#include "app/cli/report_printer.h"
#include "core/bench/letterbox.h"
#include "core/corr/feature_service.h"
#include "core/track/annotated_video.h"
#include "core/track/feature_volume.h"
#include "core/track/track_export.h"
#include "core/util/error.h"
#include "core/util/fs.h"

namespace corrlens::cli {
namespace {

struct TrackArgs {
  BackendArgs backend;
  std::string video, points, preset = "paper", out, video_out;
  int frames = 0;
  bool json = false;
};

struct ModelTracks {
  std::string model;
  track::TrackResult result;  // source pixels
  double seconds = 0.0;
};

// "t,x,y;t,x,y" -> queries; one clear error for bad text or points outside the video.
std::vector<track::Query> ParseQueries(const std::string& text, const video::VideoInfo& info, int frames) {
  std::vector<track::Query> queries;
  std::stringstream all(text);
  std::string item;
  while (std::getline(all, item, ';')) {
    if (item.find_first_not_of(" \t") == std::string::npos) continue;
    std::stringstream fields(item);
    double t = 0, x = 0, y = 0;
    char c1 = 0, c2 = 0;
    std::string rest;
    if (!(fields >> t >> c1 >> x >> c2 >> y) || c1 != ',' || c2 != ',' || (fields >> rest) || t != std::floor(t))
      throw Error("bad point '" + item + "'", {"", std::nullopt, "--points"},
                  "expected \"t,x,y;t,x,y\": frame index, then x and y in video pixels");
    if (t < 0 || t >= frames || x < 0 || y < 0 || x > info.width - 1 || y > info.height - 1)
      throw Error("point '" + item + "' lies outside the video (" + std::to_string(frames) + " frames of " +
                      std::to_string(info.width) + "x" + std::to_string(info.height) + ")",
                  {"", std::nullopt, "--points"});
    queries.push_back({int(t), x, y});
  }
  if (queries.empty()) throw Error("no points given", {"", std::nullopt, "--points"}, "expected \"t,x,y;t,x,y\"");
  return queries;
}

ModelTracks TrackWith(const TrackArgs& args, video::VideoSource& video, FeatureProvider& provider,
                      const std::string& model, const std::vector<track::Query>& queries, Progress& progress) {
  const auto start = std::chrono::steady_clock::now();
  track::VolumeOptions options;
  options.preset = track::TrackPreset::FromName(args.preset);
  options.resize = bench::ResizeLanczosPil;
  options.frames = args.frames;
  Progress features = progress.Sub(0.0, 0.6), tracking = progress.Sub(0.6, 1.0);
  const track::FeatureVolume volume = track::ExtractVolume(video, provider, model, options, features, CancelToken());
  const double sx = double(volume.geometry.image_width) / video.Info().width;
  const double sy = double(volume.geometry.image_height) / video.Info().height;
  std::vector<track::Query> scaled = queries;
  for (track::Query& q : scaled) q.x *= sx, q.y *= sy;
  ModelTracks out{model, track::TrackPoints(volume, scaled, options.preset.tracker, tracking, CancelToken()), 0.0};
  out.result.tracks.Scale(1.0 / sx, 1.0 / sy);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

track::TracksDocument TracksOf(const TrackArgs& args, const video::VideoInfo& info, int frames,
                               const std::vector<track::Query>& queries, const std::vector<ModelTracks>& all) {
  track::TracksDocument document;
  document.video = args.video;
  document.frames = frames;
  document.width = info.width;
  document.height = info.height;
  document.fps = info.fps;
  document.preset = args.preset;
  for (const track::Query& q : queries) document.queries.push_back({q.frame, q.x, q.y});
  for (const ModelTracks& m : all)
    document.models.push_back({m.model, m.seconds, m.result.tracks, m.result.similarity});
  return document;
}

void PrintSummary(const std::string& preset, const std::vector<track::Query>& queries,
                  const std::vector<ModelTracks>& all, int frames) {
  std::printf("%zu points through %d frames, preset %s\n", queries.size(), frames, preset.c_str());
  for (const ModelTracks& m : all) {
    std::printf("%s (%.1f s):\n", m.model.c_str(), m.seconds);
    const track::TrackSet& s = m.result.tracks;
    for (int n = 0; n < s.tracks; ++n) {
      int visible = 0;
      for (int t = 0; t < s.frames; ++t) visible += !s.Occluded(n, t);
      const track::Query& q = queries[size_t(n)];
      std::printf("  point %d (frame %d, %.1f, %.1f): visible in %d of %d frames, frame %d at (%.1f, %.1f)\n", n,
                  q.frame, q.x, q.y, visible, frames, frames - 1, s.X(n, frames - 1), s.Y(n, frames - 1));
    }
  }
}

int RunTrack(const TrackArgs& args) {
  const track::TrackPreset preset = track::TrackPreset::FromName(args.preset);  // fails early on a bad name
  if (args.frames < 0) throw Error("--frames must be >= 0", {"", std::nullopt, "--frames"});
  const std::unique_ptr<video::VideoSource> video = video::OpenVideo(args.video);
  const int frames = args.frames > 0 ? std::min(args.frames, video->FrameCount()) : video->FrameCount();
  const std::vector<track::Query> queries = ParseQueries(args.points, video->Info(), frames);
  const std::shared_ptr<FeatureService> service = OpenFeatureService(args.backend);
  TerminalProgress progress;
  std::vector<ModelTracks> all;
  for (size_t m = 0; m < args.backend.models.size(); ++m) {
    const double n = double(args.backend.models.size());
    Progress sub = progress.progress.Sub(m / n, (m + 1) / n);
    all.push_back(TrackWith(args, *video, *service, args.backend.models[m], queries, sub));
  }
  progress.Finish();
  const std::string json = track::TracksToJson(TracksOf(args, video->Info(), frames, queries, all));
  if (!args.out.empty()) fs::WriteFileAtomic(args.out, json + "\n");
  if (!args.video_out.empty()) {  // the first model's tracks
    track::AnnotatedVideoOptions options;
    options.frames = frames;
    options.key = "--video-out";
    Progress silent;
    track::WriteAnnotatedVideo(args.video_out, *video, {{all.front().result.tracks, {}, ""}}, options, silent,
                               CancelToken());
  }
  if (args.json)
    std::cout << json << "\n";
  else
    PrintSummary(preset.name, queries, all, frames);
  return 0;
}

}  // namespace

void AddTrackCommand(Commands& commands) {
  auto args = std::make_shared<TrackArgs>();
  CLI::App* app = commands.Add("track", "Track points through a video (the paper's tracker; TAP-Vid protocol)",
                               [args] { return RunTrack(*args); });
  app->add_option("--video", args->video, "Video file (anything FFmpeg decodes) or a folder of frames")->required();
  app->add_option("--points", args->points, "Query points \"t,x,y;t,x,y\": frame index, x, y in video pixels")
      ->required();
  app->add_option("--preset", args->preset, "paper (854x476, stride 7, x_prenorm) or interactive (640 px, stride 14)")
      ->capture_default_str();
  app->add_option("--frames", args->frames, "Track through the first N frames only (0 = all)");
  app->add_option("--out", args->out, "Write the tracks as JSON");
  app->add_option("--video-out", args->video_out, "Write the video with the first model's tracks (.avi or .mp4)");
  app->add_flag("--json", args->json, "Print the tracks JSON instead of the summary");
  AddBackendOptions(app, &args->backend);
}

}  // namespace corrlens::cli
