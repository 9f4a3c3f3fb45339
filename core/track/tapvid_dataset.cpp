#include "core/track/tapvid_dataset.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/io/pickle_reader.h"
#include "core/util/error.h"
#include "core/util/fs.h"

namespace corrlens::track {
namespace {

namespace stdfs = std::filesystem;
using io::pickle::Kind;
using io::pickle::Value;

constexpr const char* kBadData = "not a TAP-Vid pickle, or a corrupted one";

struct Array {
  std::vector<int64_t> shape;
  std::vector<double> values;
};

// Where parsing is: the file and a key path ("videos[3].occluded[5]").
struct Where {
  std::string file, key;
  Where At(const std::string& more) const { return {file, key.empty() ? more : key + more}; }
  [[noreturn]] void Fail(const std::string& message) const {
    throw Error(message, {file, std::nullopt, key}, kBadData);
  }
};

// Nested lists deeper than any array (NumPy allows 64 dimensions) are
// refused, and so are lists that name more than kMaxListNumbers numbers in
// all: through shared references (memo) or cycles, a few kB of pickle can
// otherwise nest without end or name billions of numbers (fuzzing findings).
constexpr int kMaxListDepth = 64;
constexpr size_t kMaxListNumbers = size_t(1) << 24;

bool IsNumber(const Value* v) { return v->kind == Kind::kInt || v->kind == Kind::kBool || v->kind == Kind::kFloat; }
double NumberOf(const Value* v) { return v->kind == Kind::kFloat ? v->real : double(v->AsInt("number")); }

void Count(size_t more, size_t& numbers, const Where& where) {
  numbers += more;
  if (numbers > kMaxListNumbers)
    where.Fail("more than " + std::to_string(kMaxListNumbers) + " numbers in one array (shared references?)");
}

Array ArrayOf(const Value* v, const Where& where, int depth, size_t& numbers) {
  if (depth > kMaxListDepth) where.Fail("nested lists deeper than " + std::to_string(kMaxListDepth) + " levels");
  Array a;
  if (v->kind == Kind::kTensor && v->tensor && v->tensor->data.storage) {
    a.shape = v->tensor->data.shape;
    a.values = v->tensor->data.ToDoubles();
    Count(a.values.size(), numbers, where);
  } else if (v->IsSequence()) {
    a.shape = {int64_t(v->items.size())};
    std::vector<int64_t> inner;
    for (size_t i = 0; i < v->items.size(); ++i) {
      const Value* item = v->items[i];
      if (IsNumber(item)) {  // shape [], without an Array per number
        if (!inner.empty()) where.Fail("ragged nested lists (rows of different lengths)");
        a.values.push_back(NumberOf(item));
        Count(1, numbers, where);
        continue;
      }
      Array child = ArrayOf(item, where, depth + 1, numbers);
      if (i == 0) inner = child.shape;
      if (child.shape != inner) where.Fail("ragged nested lists (rows of different lengths)");
      a.values.insert(a.values.end(), child.values.begin(), child.values.end());
    }
    a.shape.insert(a.shape.end(), inner.begin(), inner.end());
  } else if (IsNumber(v)) {
    a.values = {NumberOf(v)};
    Count(1, numbers, where);
  } else {
    where.Fail(std::string("expected numbers or an array, found ") + io::pickle::KindName(v->kind));
  }
  return a;
}

Array ArrayOf(const Value* v, const Where& where) {
  size_t numbers = 0;
  return ArrayOf(v, where, 0, numbers);
}

void ExpectShape(const Array& a, const std::vector<int64_t>& shape, const Where& where) {
  bool ok = a.shape.size() == shape.size();
  for (size_t i = 0; ok && i < shape.size(); ++i) ok = shape[i] < 0 || a.shape[i] == shape[i];
  if (!ok) where.Fail("shape " + io::ShapeString(a.shape) + ", expected " + io::ShapeString(shape) + " (-1 = any)");
}

int64_t IntOf(const Value* v, const Where& where) {
  if (v->kind == Kind::kInt || v->kind == Kind::kBool) return v->AsInt("int");
  if (v->kind == Kind::kFloat && std::floor(v->real) == v->real && std::abs(v->real) < 1e15) return int64_t(v->real);
  if (v->kind == Kind::kString) {
    try {
      size_t used = 0;
      const long long n = std::stoll(v->text, &used);
      if (used == v->text.size()) return n;
    } catch (const std::exception&) {
    }
    where.Fail("expected an integer, found the text '" + v->text.substr(0, 40) + "'");
  }
  const Array a = ArrayOf(v, where);
  // 2^63 bounds: a larger value (a fuzzing finding) must not reach the cast.
  if (a.values.size() == 1 && std::floor(a.values[0]) == a.values[0] && std::abs(a.values[0]) < 9.2e18)
    return int64_t(a.values[0]);
  where.Fail("expected an integer");
}

const Value* Field(const Value* dict, const std::string& name, const Where& where) {
  if (dict->kind != Kind::kDict) where.Fail("expected a dict");
  const Value* v = io::pickle::DictGet(*dict, name);
  if (!v) where.Fail("has no key '" + name + "'");
  return v;
}

const Value* ByFrame(const Value* dict, int64_t frame, const Where& where) {
  if (dict->kind != Kind::kDict) where.Fail("expected a dict keyed by query frame");
  for (const auto& [key, value] : dict->entries)
    if (IntOf(key, where) == frame) return value;
  where.Fail("has no entry for query frame " + std::to_string(frame));
}

TapVidQueries StridedGroup(const Value* video, int64_t frame, const Value* points, const Where& where) {
  const std::string f = "[" + std::to_string(frame) + "]";
  const Array q = ArrayOf(points, where.At(".query_points" + f));
  ExpectShape(q, {-1, 2}, where.At(".query_points" + f));
  const Array t = ArrayOf(ByFrame(Field(video, "target_points", where), frame, where.At(".target_points")),
                          where.At(".target_points" + f));
  ExpectShape(t, {q.shape[0], -1, 2}, where.At(".target_points" + f));
  const Array o =
      ArrayOf(ByFrame(Field(video, "occluded", where), frame, where.At(".occluded")), where.At(".occluded" + f));
  ExpectShape(o, {q.shape[0], t.shape[1]}, where.At(".occluded" + f));
  TapVidQueries g;
  g.frame = int(frame);
  g.truth = TrackSet(int(t.shape[0]), int(t.shape[1]));
  for (int64_t n = 0; n < q.shape[0]; ++n) g.x.push_back(q.values[2 * n]), g.y.push_back(q.values[2 * n + 1]);
  g.truth.xy = t.values;
  for (size_t i = 0; i < o.values.size(); ++i) g.truth.occluded[i] = o.values[i] != 0.0;
  return g;
}

// Groups ascending, empty ones dropped; every T equal and every frame inside it.
void FinishVideo(TapVidVideo* v, const Where& where) {
  std::sort(v->groups.begin(), v->groups.end(), [](const auto& a, const auto& b) { return a.frame < b.frame; });
  v->groups.erase(std::remove_if(v->groups.begin(), v->groups.end(), [](const auto& g) { return g.truth.tracks == 0; }),
                  v->groups.end());
  if (v->groups.empty()) where.Fail("video has no query points");
  v->frames = v->groups[0].truth.frames;
  for (const TapVidQueries& g : v->groups) {
    if (g.truth.frames != v->frames) where.Fail("tracks of different lengths in one video");
    if (g.frame < 0 || g.frame >= v->frames)
      where.Fail("query frame " + std::to_string(g.frame) + " outside the " + std::to_string(v->frames) + " frames");
  }
  if (v->width <= 0 || v->height <= 0) where.Fail("frame size w x h is not positive");
}

TapVidVideo StridedVideo(const Value* entry, const Where& where, const std::string& frames_root) {
  TapVidVideo v;
  v.video_idx = int(IntOf(Field(entry, "video_idx", where), where.At(".video_idx")));
  v.height = int(IntOf(Field(entry, "h", where), where.At(".h")));
  v.width = int(IntOf(Field(entry, "w", where), where.At(".w")));
  const Value* queries = Field(entry, "query_points", where);
  if (queries->kind != Kind::kDict) where.At(".query_points").Fail("expected a dict keyed by query frame");
  for (const auto& [key, points] : queries->entries)
    v.groups.push_back(StridedGroup(entry, IntOf(key, where.At(".query_points")), points, where));
  v.frames_dir = (stdfs::path(frames_root) / std::to_string(v.video_idx) / "video").string();
  FinishVideo(&v, where);
  return v;
}

// tapnet's sample_queries_strided on one official entry, in frame pixels.
TapVidVideo OfficialVideo(const std::string& name, const Value* entry, int index, int stride, const Where& where) {
  TapVidVideo v;
  v.video_idx = index;
  v.name = name;
  const Value* video = Field(entry, "video", where);
  if (video->kind != Kind::kTensor || !video->tensor || !video->tensor->data.storage)
    where.At(".video").Fail("expected a numpy uint8 array");
  v.video = video->tensor->data;
  const auto& s = v.video.shape;
  if (v.video.dtype != io::DType::kUInt8 || s.size() != 4 || s[3] != 3 || s[0] <= 0 || s[1] <= 0 || s[2] <= 0)
    where.At(".video").Fail("video is " + io::DTypeName(v.video.dtype) + " " + io::ShapeString(s) +
                            ", expected uint8 [frames, height, width, 3]");
  if (s[1] > INT32_MAX || s[2] > INT32_MAX) where.At(".video").Fail("frames too large");
  v.height = int(s[1]);
  v.width = int(s[2]);
  const Array points = ArrayOf(Field(entry, "points", where), where.At(".points"));
  ExpectShape(points, {-1, s[0], 2}, where.At(".points"));
  const Array occluded = ArrayOf(Field(entry, "occluded", where), where.At(".occluded"));
  ExpectShape(occluded, {points.shape[0], s[0]}, where.At(".occluded"));
  const int tracks = int(points.shape[0]), frames = int(s[0]);
  for (int f = 0; f < frames; f += stride) {
    TapVidQueries g;
    g.frame = f;
    for (int n = 0; n < tracks; ++n) {
      if (occluded.values[size_t(n) * frames + f] != 0.0) continue;
      TrackSet one(1, frames);
      for (int t = 0; t < frames; ++t) {
        const size_t i = size_t(n) * frames + t;
        one.X(0, t) = points.values[2 * i] * v.width;
        one.Y(0, t) = points.values[2 * i + 1] * v.height;
        one.SetOccluded(0, t, occluded.values[i] != 0.0);
      }
      g.x.push_back(one.X(0, f));
      g.y.push_back(one.Y(0, f));
      g.truth.Append(one);
    }
    v.groups.push_back(std::move(g));
  }
  FinishVideo(&v, where);
  return v;
}

std::string PicklePath(const std::string& path) {
  std::error_code ec;
  if (stdfs::is_directory(path, ec)) return (stdfs::path(path) / kTapVidStridedPickle).string();
  return path;
}

io::pickle::PickleResult ParseFile(const std::string& file, const TapVidLoadOptions& options) {
  std::error_code ec;
  if (!stdfs::is_regular_file(file, ec)) throw Error("TAP-Vid pickle not found", {file});
  const std::vector<uint8_t> bytes = fs::ReadFile(file);
  io::pickle::PickleOptions parse;
  parse.file = file;
  parse.max_bytes = std::max<uint64_t>(options.max_pickle_bytes, 3 * uint64_t(bytes.size()));
  return io::pickle::ParsePickle(bytes.data(), bytes.size(), parse);
}

}  // namespace

int TapVidVideo::QueryCount() const {
  int n = 0;
  for (const TapVidQueries& g : groups) n += g.truth.tracks;
  return n;
}

TapVidDataset LoadTapVid(const std::string& path, const TapVidLoadOptions& options) {
  if (!options.Check()) throw Error("invalid TAP-Vid load options", {path});
  TapVidDataset data;
  data.pickle = PicklePath(path);
  const io::pickle::PickleResult parsed = ParseFile(data.pickle, options);
  const Where where{data.pickle, ""};
  if (parsed.root->kind != Kind::kDict) where.Fail("top level is not a dict");
  if (const Value* videos = io::pickle::DictGet(*parsed.root, "videos")) {
    data.layout = TapVidLayout::kStrided;
    if (!videos->IsSequence()) where.At("videos").Fail("expected a list of videos");
    const std::string frames_root = (stdfs::path(data.pickle).parent_path() / "tapvid-davis").string();
    for (size_t i = 0; i < videos->items.size(); ++i)
      data.videos.push_back(StridedVideo(videos->items[i], where.At("videos[" + std::to_string(i) + "]"), frames_root));
    std::stable_sort(data.videos.begin(), data.videos.end(),
                     [](const auto& a, const auto& b) { return a.video_idx < b.video_idx; });
  } else {
    data.layout = TapVidLayout::kOfficial;
    for (const auto& [key, entry] : parsed.root->entries) {
      if (options.videos > 0 && int(data.videos.size()) >= options.videos) break;
      const std::string name = key->kind == Kind::kString ? key->text : io::pickle::KeyText(*key);
      data.videos.push_back(OfficialVideo(name, entry, int(data.videos.size()), options.query_stride, where.At(name)));
    }
  }
  if (data.videos.empty()) where.Fail("no videos");
  if (options.videos > 0 && int(data.videos.size()) > options.videos) data.videos.resize(size_t(options.videos));
  return data;
}

std::string CheckTapVidPath(const std::string& path) {
  std::error_code ec;
  const std::string pickle = PicklePath(path);
  if (!stdfs::is_regular_file(pickle, ec))
    return pickle +
           " is missing: give the folder with tapvid_davis_data_strided.pkl and tapvid-davis/, or tapvid_davis.pkl";
  if (stdfs::is_directory(path, ec) && !stdfs::is_directory(stdfs::path(path) / "tapvid-davis", ec))
    return (stdfs::path(path) / "tapvid-davis").string() + " is missing: unpack the frames (davis_480.zip) there";
  return "";
}

std::unique_ptr<video::VideoSource> OpenTapVidFrames(const TapVidVideo& video, const video::VideoOptions& options) {
  std::unique_ptr<video::VideoSource> source;
  const std::string what = video.name.empty() ? "video " + std::to_string(video.video_idx) : video.name;
  if (video.video.storage) {
    source = video::MakeTensorVideo(video.video, what, options);
  } else {
    video::VideoOptions jpg = options;
    jpg.extensions = {".jpg"};  // the reference globs *.jpg
    source = video::OpenImageSequence(video.frames_dir, jpg);
  }
  if (source->FrameCount() != video.frames)
    throw Error(std::to_string(source->FrameCount()) + " frames, the ground truth of " + what + " has " +
                    std::to_string(video.frames),
                {source->Info().source}, "frames folder and benchmark pickle do not belong together");
  return source;
}

std::vector<std::pair<std::string, double>> ScoreTapVidVideo(const TapVidVideo& video,
                                                             const std::vector<TrackSet>& predictions,
                                                             std::vector<double>* errors) {
  if (predictions.size() != video.groups.size())
    throw Error("predictions for " + std::to_string(predictions.size()) + " query frames, the video has " +
                    std::to_string(video.groups.size()),
                {"", std::nullopt, "video " + std::to_string(video.video_idx)});
  TrackSet truth, predicted;
  std::vector<double> query_frames;
  for (size_t i = 0; i < predictions.size(); ++i) {
    const TapVidQueries& g = video.groups[i];
    if (predictions[i].tracks != g.truth.tracks || predictions[i].frames != g.truth.frames)
      throw Error("predictions of query frame " + std::to_string(g.frame) + " are " +
                      std::to_string(predictions[i].tracks) + " x " + std::to_string(predictions[i].frames) +
                      ", expected " + std::to_string(g.truth.tracks) + " x " + std::to_string(g.truth.frames),
                  {"", std::nullopt, "video " + std::to_string(video.video_idx)});
    truth.Append(g.truth);
    predicted.Append(predictions[i]);
    query_frames.insert(query_frames.end(), size_t(g.truth.tracks), double(g.frame));
  }
  truth.Scale(256.0 / video.width, 256.0 / video.height);
  predicted.Scale(256.0 / video.width, 256.0 / video.height);
  if (errors) *errors = VisibleErrors(query_frames, truth, predicted);
  return ComputeTapVidMetrics(query_frames, truth, predicted);
}

}  // namespace corrlens::track
