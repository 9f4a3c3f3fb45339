// Fuzz target: TAP-Vid pickles of both layouts (core/track/tapvid_dataset),
// and the metrics of every video accepted, scored against its own truth.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/track/tapvid_dataset.h"
#include "core/util/error.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/temp_input.h"

using namespace corrlens;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::WriteTempInput(data, size, "input.pkl");
  track::TapVidLoadOptions options;
  options.max_pickle_bytes = uint64_t{256} << 20;
  track::TapVidDataset dataset;
  try {
    dataset = track::LoadTapVid(path, options);
  } catch (const Error&) {
    return 0;
  }
  for (const track::TapVidVideo& video : dataset.videos) {
    fuzz::Require(video.width > 0 && video.height > 0 && video.frames > 0, "accepted a video without a size");
    std::vector<track::TrackSet> predictions;
    for (const track::TapVidQueries& group : video.groups) {
      fuzz::Require(group.truth.Valid() && group.truth.frames == video.frames, "query group tracks malformed");
      fuzz::Require(group.x.size() == size_t(group.truth.tracks) && group.y.size() == group.x.size(),
                    "query count differs from the tracks");
      fuzz::Require(group.frame >= 0 && group.frame < video.frames, "query frame out of range");
      predictions.push_back(group.truth);
    }
    try {
      for (const auto& [name, value] : track::ScoreTapVidVideo(video, predictions))
        fuzz::Require(!std::isinf(value), "metric " + name + " is infinite");
    } catch (const Error&) {
    }
  }
  return 0;
}
