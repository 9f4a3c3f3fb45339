// Tracks of query points through a video, as `corrlens-cli track --out` and
// the GUI's Video workspace write them:
//   JSON {"video", "frames", "width", "height", "fps", "preset", "models": [
//         {"model", "seconds", "tracks": [{"query": [t, x, y], "points": [[x, y] x T],
//                                          "occluded": [bool x T], "similarity": [s x T]}]}]}
//   CSV  query,model,frame,x,y,occluded,score (per model, query and frame; x, y
//        to 0.001 px, score = similarity)
// Positions are in source video pixels.
#pragma once

#include <string>
#include <vector>

#include "core/track/tapvid_metrics.h"

namespace corrlens::track {

struct TrackedModel {
  std::string model;
  double seconds = 0.0;           // time the model took (features + tracking); 0 when unknown
  TrackSet tracks;                // one track per query, `frames` frames
  std::vector<float> similarity;  // tracks x frames, row-major
};

struct TracksDocument {
  struct QueryPoint {
    int frame = 0;
    double x = 0.0, y = 0.0;
  };
  std::string video;  // the file or folder tracked
  int frames = 0;     // frames tracked
  int width = 0, height = 0;
  double fps = 0.0;
  std::string preset;  // "paper", "interactive"
  std::vector<QueryPoint> queries;
  std::vector<TrackedModel> models;

  // True when every model has one track per query over `frames` frames.
  bool Valid() const;
};

// The JSON layout above (nlohmann's dump with an indent of 1, no final newline).
// Throws corrlens::Error when the document is not Valid().
std::string TracksToJson(const TracksDocument& document);
// The CSV layout above with a header line; `query` is the 0-based query index.
// Throws corrlens::Error when the document is not Valid().
std::string TracksToCsv(const TracksDocument& document);

}  // namespace corrlens::track
