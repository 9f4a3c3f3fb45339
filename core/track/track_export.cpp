#include "core/track/track_export.h"

#include <nlohmann/json.hpp>

#include <cstdio>

#include "core/util/error.h"

namespace corrlens::track {
namespace {

void CheckValid(const TracksDocument& document) {
  if (!document.Valid())
    throw Error("the tracks do not match their queries and frames", {"", std::nullopt, "tracks"},
                "every model needs one track per query over every frame");
}

// A CSV field: quoted (quotes doubled) only when it holds a comma, quote or newline.
std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

}  // namespace

bool TracksDocument::Valid() const {
  for (const TrackedModel& m : models) {
    if (m.tracks.tracks != int(queries.size()) || m.tracks.frames != frames || !m.tracks.Valid() ||
        m.similarity.size() != size_t(m.tracks.tracks) * size_t(frames))
      return false;
  }
  return frames > 0;
}

std::string TracksToJson(const TracksDocument& document) {
  CheckValid(document);
  nlohmann::ordered_json models = nlohmann::ordered_json::array();
  for (const TrackedModel& m : document.models) {
    nlohmann::ordered_json tracks = nlohmann::ordered_json::array();
    const TrackSet& s = m.tracks;
    for (int n = 0; n < s.tracks; ++n) {
      nlohmann::ordered_json points = nlohmann::ordered_json::array(), occluded = points, similarity = points;
      for (int t = 0; t < s.frames; ++t) {
        points.push_back({s.X(n, t), s.Y(n, t)});
        occluded.push_back(bool(s.Occluded(n, t)));
        similarity.push_back(m.similarity[size_t(n) * s.frames + t]);
      }
      const TracksDocument::QueryPoint& q = document.queries[size_t(n)];
      tracks.push_back(
          {{"query", {q.frame, q.x, q.y}}, {"points", points}, {"occluded", occluded}, {"similarity", similarity}});
    }
    models.push_back({{"model", m.model}, {"seconds", m.seconds}, {"tracks", tracks}});
  }
  const nlohmann::ordered_json json = {
      {"video", document.video}, {"frames", document.frames}, {"width", document.width}, {"height", document.height},
      {"fps", document.fps},     {"preset", document.preset}, {"models", models}};
  return json.dump(1);
}

std::string TracksToCsv(const TracksDocument& document) {
  CheckValid(document);
  std::string csv = "query,model,frame,x,y,occluded,score\n";
  char line[160];
  for (const TrackedModel& m : document.models) {
    const std::string model = CsvField(m.model);
    for (int n = 0; n < m.tracks.tracks; ++n) {
      for (int t = 0; t < m.tracks.frames; ++t) {
        std::snprintf(line, sizeof(line), ",%d,%.3f,%.3f,%d,%.4f\n", t, m.tracks.X(n, t), m.tracks.Y(n, t),
                      m.tracks.Occluded(n, t) ? 1 : 0, double(m.similarity[size_t(n) * m.tracks.frames + t]));
        csv += std::to_string(n) + "," + model + line;
      }
    }
  }
  return csv;
}

}  // namespace corrlens::track
