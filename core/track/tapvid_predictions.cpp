#include "core/track/tapvid_predictions.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "core/util/error.h"
#include "core/util/fs.h"

namespace corrlens::track {
namespace {

using nlohmann::json;

nlohmann::ordered_json GroupJson(const TrackSet& tracks) {
  nlohmann::ordered_json points = nlohmann::ordered_json::array(), occluded = nlohmann::ordered_json::array();
  for (int n = 0; n < tracks.tracks; ++n) {
    nlohmann::ordered_json row = nlohmann::ordered_json::array(), flags = nlohmann::ordered_json::array();
    for (int t = 0; t < tracks.frames; ++t) {
      row.push_back({tracks.X(n, t), tracks.Y(n, t)});
      flags.push_back(bool(tracks.Occluded(n, t)));
    }
    points.push_back(std::move(row));
    occluded.push_back(std::move(flags));
  }
  return {{"points", std::move(points)}, {"occluded", std::move(occluded)}};
}

TrackSet GroupFromJson(const json& group, const std::string& path, const std::string& key) {
  auto fail = [&](const std::string& what) -> Error {
    return Error(what, {path, std::nullopt, key}, "not a tracking predictions file");
  };
  if (!group.is_object() || !group.contains("points") || !group.contains("occluded"))
    throw fail("expected {\"points\": ..., \"occluded\": ...}");
  const json& points = group["points"];
  const json& occluded = group["occluded"];
  if (!points.is_array() || !occluded.is_array() || points.size() != occluded.size() || points.empty() ||
      !points[0].is_array() || points[0].empty())
    throw fail("points (N x T x 2) and occluded (N x T) must be non-empty and agree in N");
  TrackSet tracks(int(points.size()), int(points[0].size()));
  for (int n = 0; n < tracks.tracks; ++n) {
    const json& row = points[size_t(n)];
    const json& flags = occluded[size_t(n)];
    if (!row.is_array() || !flags.is_array() || int(row.size()) != tracks.frames || int(flags.size()) != tracks.frames)
      throw fail("track " + std::to_string(n) + " does not have " + std::to_string(tracks.frames) + " frames");
    for (int t = 0; t < tracks.frames; ++t) {
      const json& p = row[size_t(t)];
      const json& o = flags[size_t(t)];
      if (!p.is_array() || p.size() != 2 || !p[0].is_number() || !p[1].is_number() ||
          !(o.is_boolean() || o.is_number()))
        throw fail("track " + std::to_string(n) + ", frame " + std::to_string(t) + ": expected [x, y] and a bool");
      tracks.X(n, t) = p[0].get<double>();
      tracks.Y(n, t) = p[1].get<double>();
      tracks.SetOccluded(n, t, o.is_boolean() ? o.get<bool>() : o.get<double>() != 0.0);
    }
  }
  return tracks;
}

TapVidPrediction VideoFromJson(const json& v, const std::string& path, const std::string& key) {
  if (!v.is_object() || !v.contains("video_idx") || !v["video_idx"].is_number_integer() || !v.contains("queries") ||
      !v["queries"].is_object())
    throw Error("expected {\"video_idx\": int, \"queries\": {...}}", {path, std::nullopt, key},
                "not a tracking predictions file");
  TapVidPrediction p;
  p.video_idx = v["video_idx"].get<int>();
  for (const auto& [frame, group] : v["queries"].items()) {
    int f = 0;
    try {
      size_t used = 0;
      f = std::stoi(frame, &used);
      if (used != frame.size()) throw std::invalid_argument(frame);
    } catch (const std::exception&) {
      throw Error("query frame key '" + frame + "' is not an integer", {path, std::nullopt, key + ".queries"});
    }
    p.groups.emplace_back(f, GroupFromJson(group, path, key + ".queries." + frame));
  }
  std::sort(p.groups.begin(), p.groups.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return p;
}

}  // namespace

std::string TapVidPredictionsToJson(const TapVidPredictions& predictions) {
  nlohmann::ordered_json videos = nlohmann::ordered_json::array();
  for (const TapVidPrediction& v : predictions.videos) {
    nlohmann::ordered_json queries = nlohmann::ordered_json::object();
    for (const auto& [frame, tracks] : v.groups) queries[std::to_string(frame)] = GroupJson(tracks);
    videos.push_back({{"video_idx", v.video_idx}, {"queries", std::move(queries)}});
  }
  nlohmann::ordered_json root = {{"model", predictions.model}, {"preset", predictions.preset}, {"videos", videos}};
  return root.dump() + "\n";
}

TapVidPredictions ReadTapVidPredictions(const std::string& path) {
  const std::vector<uint8_t> bytes = fs::ReadFile(path);
  const json root = json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) throw Error("not valid JSON", {path}, "truncated or not a predictions file");
  if (!root.is_object() || !root.contains("videos") || !root["videos"].is_array())
    throw Error("expected an object with a \"videos\" list", {path, std::nullopt, "videos"});
  TapVidPredictions out;
  if (root.contains("model") && root["model"].is_string()) out.model = root["model"].get<std::string>();
  if (root.contains("preset") && root["preset"].is_string()) out.preset = root["preset"].get<std::string>();
  for (size_t i = 0; i < root["videos"].size(); ++i)
    out.videos.push_back(VideoFromJson(root["videos"][i], path, "videos[" + std::to_string(i) + "]"));
  return out;
}

std::vector<TrackSet> PredictionsFor(const TapVidVideo& video, const TapVidPredictions& predictions) {
  const std::string what = "video " + std::to_string(video.video_idx);
  auto v = std::find_if(predictions.videos.begin(), predictions.videos.end(),
                        [&](const TapVidPrediction& p) { return p.video_idx == video.video_idx; });
  if (v == predictions.videos.end()) throw Error("no predictions for " + what, {"", std::nullopt, "predictions"});
  std::vector<TrackSet> out;
  for (const TapVidQueries& g : video.groups) {
    auto it = std::find_if(v->groups.begin(), v->groups.end(), [&](const auto& p) { return p.first == g.frame; });
    if (it == v->groups.end())
      throw Error("no predictions for query frame " + std::to_string(g.frame) + " of " + what,
                  {"", std::nullopt, "predictions"});
    if (it->second.tracks != g.truth.tracks || it->second.frames != g.truth.frames)
      throw Error("predictions for query frame " + std::to_string(g.frame) + " of " + what + " are " +
                      std::to_string(it->second.tracks) + " x " + std::to_string(it->second.frames) + ", expected " +
                      std::to_string(g.truth.tracks) + " x " + std::to_string(g.truth.frames),
                  {"", std::nullopt, "predictions"});
    out.push_back(it->second);
  }
  return out;
}

}  // namespace corrlens::track
