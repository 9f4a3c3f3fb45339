#include "core/bench/task_catalog.h"

#include <algorithm>
#include <filesystem>

#include "core/bench/pair_task.h"
#include "core/bench/pose_task.h"
#include "core/bench/tracking_task.h"
#include "core/bench/transfer_task.h"
#include "core/track/tapvid_dataset.h"
#include "core/util/error.h"
#include "core/util/sample_data.h"
#ifdef CORRLENS_HAVE_EQUIVARIANCE
#include "core/bench/equivariance_task.h"
#endif

namespace corrlens::bench {
namespace {

namespace stdfs = std::filesystem;

bool Exists(const std::string& path) {
  std::error_code ec;
  return stdfs::exists(path, ec);
}

std::string Dataset(const TaskSpec& spec) { return spec.dataset.empty() ? DefaultDataset(spec.task) : spec.dataset; }

#ifdef CORRLENS_HAVE_EQUIVARIANCE
// A mesh file, or every mesh in a folder (sorted; the quick preset takes one).
std::vector<std::string> Meshes(const std::string& location, bool quick) {
  std::vector<std::string> meshes;
  std::error_code ec;
  if (stdfs::is_regular_file(location, ec)) return {location};
  for (const auto& entry : stdfs::directory_iterator(location, ec)) {
    const std::string ext = entry.path().extension().string();
    if (ext == ".obj" || ext == ".glb" || ext == ".gltf" || ext == ".ply" || ext == ".dae" || ext == ".fbx")
      meshes.push_back(entry.path().string());
  }
  std::sort(meshes.begin(), meshes.end());
  if (quick && meshes.size() > 1) meshes.resize(1);
  return meshes;
}
#endif

Report RunPair(const TaskSpec& spec, FeatureProvider& provider, Progress& progress, const CancelToken& cancel) {
  PairTaskOptions options = PairTaskOptions::Sample(PairTaskKindFromName(spec.task));
  options.models = spec.models;
  options.extract = spec.extract;
  if (spec.preset == "quick") options.grid.step = 48;
  return RunPairTask(options, provider, progress, cancel);
}

Report RunTransfer(const TaskSpec& spec, FeatureProvider& provider, Progress& progress, const CancelToken& cancel) {
  TransferTaskOptions options;
  options.models = spec.models;
  options.dataset = Dataset(spec);
  options.protocol = TransferProtocolFromName(spec.protocol.empty() ? "paper" : spec.protocol);
  options.extract = spec.extract;
  if (spec.preset == "quick") options.categories = 3;
  return RunTransferTask(options, provider, progress, cancel);
}

// TAP-Vid DAVIS with the paper's tracker preset; quick = the first 2 videos.
Report RunTracking(const TaskSpec& spec, FeatureProvider& provider, Progress& progress, const CancelToken& cancel) {
  TrackingTaskOptions options;
  options.models = spec.models;
  options.dataset = Dataset(spec);
  if (spec.preset == "quick") options.videos = 2;
  return RunTrackingTask(options, provider, progress, cancel);
}

// OnePose-LowTexture with the paper's protocol; quick = the first object.
Report RunPose(const TaskSpec& spec, FeatureProvider& provider, Progress& progress, const CancelToken& cancel) {
  PoseTaskOptions options;
  options.models = spec.models;
  options.dataset = Dataset(spec);
  options.extract = spec.extract;
  if (spec.preset == "quick") options.objects = 1;
  return RunPoseTask(options, provider, progress, cancel);
}

Report RunEquivariance(const TaskSpec& spec, FeatureProvider& provider, Progress& progress, const CancelToken& cancel) {
#ifdef CORRLENS_HAVE_EQUIVARIANCE
  EquivarianceOptions options;
  options.models = spec.models;
  options.meshes = Meshes(Dataset(spec), spec.preset == "quick");
  options.extract = spec.extract;
  if (spec.preset == "quick") {
    options.view_set.count = 6;
    options.points_per_view = 100;
  }
  if (options.meshes.empty()) throw Error("no mesh found", {Dataset(spec)}, "give a mesh file or a folder of meshes");
  return RunEquivarianceTask(options, provider, progress, cancel);
#else
  (void)spec, (void)provider, (void)progress, (void)cancel;
  throw Error("this build has no renderer", {"", std::nullopt, "task"}, "configure with -DCORRLENS_WITH_RENDER=ON");
#endif
}

}  // namespace

std::vector<std::string> TaskNames() {
  std::vector<std::string> names = {"transfer", "tracking", "pose", "homography", "stereo"};
#ifdef CORRLENS_HAVE_EQUIVARIANCE
  names.insert(names.begin() + 1, "equivariance");
#endif
  return names;
}

std::string TaskDescription(const std::string& task) {
  if (task == "transfer") return "PF-PASCAL semantic keypoint transfer (PCK@0.05/0.10/0.15)";
  if (task == "tracking") return "TAP-Vid DAVIS point tracking (average Jaccard, <delta avg, occlusion accuracy)";
  if (task == "pose") return "OnePose-LowTexture object pose (1cm-1deg / 3cm-3deg / 5cm-5deg accuracy)";
  if (task == "equivariance") return "3D equivariance of rendered meshes (APE, PCDP)";
  if (task == "homography") return "Planar homography pair graf1 -> graf3 (PCK in pixels)";
  if (task == "stereo") return "Rectified stereo pair aloeL -> aloeR with ground-truth disparity (PCK in pixels)";
  return "";
}

std::string DefaultDataset(const std::string& task) {
  if (task == "transfer") return "data";  // the reference's data/ folder
  if (task == "tracking") return "data";  // tapvid_davis_data_strided.pkl + tapvid-davis/
  if (task == "pose") return "data";      // lowtexture_test_data/ + sfm_output/
  if (task == "equivariance") return AssimpModelsDir() + "/OBJ/spider.obj";
  if (task == "homography" || task == "stereo") return OpenCvSampleDir();
  return "";
}

std::string ValidateDataset(const TaskSpec& spec) {
  const std::string location = Dataset(spec);
  if (spec.task == "homography" || spec.task == "stereo") {
    const PairTaskOptions o = PairTaskOptions::Sample(PairTaskKindFromName(spec.task));
    for (const std::string& f : {o.source, o.target, o.homography.empty() ? o.disparity : o.homography})
      if (!Exists(f)) return f + " is missing: install the Debian package opencv-doc";
    return "";
  }
  if (spec.task == "transfer") {
    TransferTaskOptions o;
    o.dataset = location;
    o.protocol = TransferProtocolFromName(spec.protocol.empty() ? "paper" : spec.protocol);
    const stdfs::path csv = o.PairsPath();
    if (!Exists(csv.string()))
      return csv.string() + " is missing: unpack PF-dataset-PASCAL.zip into " + location +
             " and copy the pair CSVs (resources/data/pf-pascal) into PF-dataset-PASCAL/";
    if (!Exists((csv.parent_path() / "JPEGImages").string()))
      return (csv.parent_path() / "JPEGImages").string() + " is missing: unpack PF-dataset-PASCAL.zip there";
    return "";
  }
  if (spec.task == "tracking") return track::CheckTapVidPath(location);
  if (spec.task == "pose") {
    const stdfs::path objects = stdfs::path(location) / "lowtexture_test_data";
    const stdfs::path sfm = stdfs::path(location) / "sfm_output" / "outputs_softmax_loftr_loftr";
    const std::string get =
        ": download OnePose_LowTexture and run the OnePose++ SfM preprocessing there, or write an object from a mesh "
        "with corrlens-cli render --format onepose";
    if (!Exists(objects.string())) return objects.string() + " is missing" + get;
    if (!Exists(sfm.string())) return sfm.string() + " is missing" + get;
    return "";
  }
  if (spec.task == "equivariance") {
    if (!Exists(location)) return location + " is missing: give a mesh file or folder (assimp-testmodels ships some)";
    return "";
  }
  return "unknown task '" + spec.task + "'";
}

Report RunTask(const TaskSpec& spec, FeatureProvider& provider, Progress& progress, const CancelToken& cancel) {
  if (spec.preset != "paper" && spec.preset != "quick")
    throw Error("unknown preset '" + spec.preset + "'", {"", std::nullopt, "preset"}, "presets: paper, quick");
  Report report;
  if (spec.task == "homography" || spec.task == "stereo")
    report = RunPair(spec, provider, progress, cancel);
  else if (spec.task == "transfer")
    report = RunTransfer(spec, provider, progress, cancel);
  else if (spec.task == "tracking")
    report = RunTracking(spec, provider, progress, cancel);
  else if (spec.task == "pose")
    report = RunPose(spec, provider, progress, cancel);
  else if (spec.task == "equivariance")
    report = RunEquivariance(spec, provider, progress, cancel);
  else
    throw Error("unknown task '" + spec.task + "'", {"", std::nullopt, "task"},
                "tasks: transfer, tracking, pose, equivariance, homography, stereo");
  if (spec.preset == "quick") report.notes.push_back("quick preset: a small subset, not comparable with the paper");
  return report;
}

}  // namespace corrlens::bench
