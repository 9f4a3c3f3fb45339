// Fuzz target: the OnePose-LowTexture loader (core/pose/onepose_dataset).
// One input holds the files of a one-frame object, in this order, separated
// by kSeparator: anno_loftr JSON, anno_3d_average.npz, intrin_ba txt,
// poses_ba txt, box3d_corners.txt (a part that is absent: no such file).
// Each text file is read alone, then the whole reference set and the test
// frames (sequence 2 shares the intrinsics and pose).
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/pose/onepose_dataset.h"
#include "core/util/error.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/temp_input.h"

using namespace corrlens;
namespace stdfs = std::filesystem;

namespace {

constexpr std::string_view kSeparator = "\n%%onepose%%\n";

std::vector<std::string_view> SplitParts(std::string_view input) {
  std::vector<std::string_view> parts;
  while (parts.size() < 4) {
    const size_t at = input.find(kSeparator);
    if (at == std::string_view::npos) break;
    parts.push_back(input.substr(0, at));
    input.remove_prefix(at + kSeparator.size());
  }
  parts.push_back(input);
  return parts;
}

// Writes `part` to `path`, or removes the file when the input has no such part.
void Place(const stdfs::path& path, const std::vector<std::string_view>& parts, size_t index) {
  std::error_code ec;
  if (index >= parts.size()) {
    stdfs::remove(path, ec);
    return;
  }
  stdfs::create_directories(path.parent_path(), ec);
  std::ofstream(path, std::ios::binary).write(parts[index].data(), std::streamsize(parts[index].size()));
}

template <typename F>
bool Accepts(F&& read) {
  try {
    read();
    return true;
  } catch (const Error&) {
    return false;
  }
}

void CheckView(const pose::ReferenceView& view) {
  fuzz::Require(view.keypoints.size() == view.points.size(), "keypoints and 3D points differ in number");
  pose::CheckIntrinsics(view.intrinsics, view.name);  // throws (a finding) for accepted bad intrinsics
  if (view.cam_from_object) pose::CheckRigid(*view.cam_from_object, view.name);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const stdfs::path root = fuzz::TempDir() / "onepose";
  const pose::OnePoseLayout layout{root.string(), "0801-object-box"};
  const stdfs::path reference = layout.SequenceDir(1), test = layout.SequenceDir(2);
  const std::vector<std::string_view> parts = SplitParts({reinterpret_cast<const char*>(data), size});
  Place(reference / "anno_loftr" / "0.json", parts, 0);
  Place(layout.PointsFile(), parts, 1);
  for (const stdfs::path& sequence : {reference, test}) {
    Place(sequence / "intrin_ba" / "0.txt", parts, 2);
    Place(sequence / "poses_ba" / "0.txt", parts, 3);
    std::error_code ec;
    stdfs::create_directories(sequence / "color", ec);
    std::ofstream(sequence / "color" / "0.png").put('\0');  // only its existence is checked
  }
  Place(layout.BoxFile(), parts, 4);

  const std::string intrinsics = (reference / "intrin_ba" / "0.txt").string();
  const std::string pose_file = (reference / "poses_ba" / "0.txt").string();
  (void)Accepts([&] { pose::CheckIntrinsics(pose::ReadIntrinsics(intrinsics), intrinsics); });
  (void)Accepts([&] { pose::CheckRigid(pose::ReadPose(pose_file), pose_file); });
  (void)Accepts([&] { fuzz::Require(pose::ReadBoxCorners(layout.BoxFile()).size() == 8, "box without 8 corners"); });

  pose::ReferenceSet set;
  if (Accepts([&] { set = pose::ReadOnePoseReference(layout); })) {
    fuzz::Require(set.views.size() == 1 && set.KeypointCount() > 0, "accepted an empty reference set");
    for (const pose::ReferenceView& view : set.views) CheckView(view);
    fuzz::Require(set.box.empty() || set.box.size() == 8, "box without 8 corners");
    const size_t corners = set.BoundingBox().size();
    fuzz::Require(corners == 0 || corners == 8, "bounding box without 8 corners");
  }
  for (pose::FramePreset preset : {pose::FramePreset::kPaper, pose::FramePreset::kFull}) {
    std::vector<pose::QueryFrame> frames;
    if (!Accepts([&] { frames = pose::ReadOnePoseTestFrames(layout, preset); })) continue;
    fuzz::Require(frames.size() == 1, "one test frame expected");
    for (const pose::QueryFrame& frame : frames) {
      pose::CheckIntrinsics(frame.intrinsics, frame.name);
      pose::CheckRigid(frame.cam_from_object, frame.name);
    }
  }
  return 0;
}
