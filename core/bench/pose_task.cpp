#include "core/bench/pose_task.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>

#include "core/io/image.h"
#include "core/pose/pose_metric.h"
#include "core/util/error.h"
#include "core/util/fs.h"

namespace corrlens::bench {
namespace {

namespace stdfs = std::filesystem;

struct ObjectData {
  pose::OnePoseLayout layout;
  pose::ReferenceSet reference;  // empty when only scoring
  std::vector<pose::QueryFrame> frames;
};

struct FrameResult {
  cv::Matx44d pose = cv::Matx44d::eye();
  int matches = -1;  // -1: given prediction (no matching)
  int inliers = -1;
  bool solved = true;
};

constexpr double kCurveMax = 10.0;  // k cm and k deg
constexpr int kCurveSteps = 10;

double Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The selected object names: sorted, then the first options.objects.
std::vector<std::string> SelectObjects(const PoseTaskOptions& options, std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  if (options.objects > 0 && static_cast<int>(names.size()) > options.objects) names.resize(options.objects);
  if (names.empty())
    throw Error("no object to evaluate", {(stdfs::path(options.dataset) / "lowtexture_test_data").string()},
                "lowtexture_test_data/ holds no object folder");
  return names;
}

std::vector<ObjectData> LoadObjects(const PoseTaskOptions& options, const std::vector<std::string>& names,
                                    bool with_reference) {
  std::vector<ObjectData> objects;
  for (const std::string& name : names) {
    ObjectData d;
    d.layout = {options.dataset, name};
    if (with_reference) d.reference = pose::ReadOnePoseReference(d.layout);
    d.frames = pose::ReadOnePoseTestFrames(d.layout, options.preset);
    objects.push_back(std::move(d));
  }
  return objects;
}

// Accuracy vs k (a frame passes when both errors are < k cm and k deg, i.e.
// max(rotation, translation) < k) for k = 0..10 of one object; exact AUC.
Curve PoseCurve(const std::vector<pose::PoseError>& errors) {
  std::vector<double> worst;
  for (const pose::PoseError& e : errors) {
    const double m = std::max(e.rotation_deg, e.translation_cm);
    worst.push_back(std::isfinite(e.rotation_deg) && std::isfinite(e.translation_cm) ? m : HUGE_VAL);
  }
  Curve curve = ScoreErrors(worst, {}, "pose", "", kCurveMax, kCurveSteps).curve;
  curve.x_unit = "k cm and k deg";
  return curve;
}

ReportRow ScoreRow(const std::string& model, const std::vector<ObjectData>& objects,
                   const std::vector<std::vector<FrameResult>>& results) {
  ReportRow row;
  row.model = model;
  std::vector<ReportItem> frame_items;
  std::vector<double> sums(pose::PoseThresholds().size(), 0.0);
  Curve curve;  // per object, then averaged over objects as the metrics
  int frames = 0, fallbacks = 0;
  for (size_t o = 0; o < objects.size(); ++o) {
    const ObjectData& d = objects[o];
    std::vector<pose::PoseError> errors;
    for (size_t f = 0; f < d.frames.size(); ++f) {
      const FrameResult& r = results[o][f];
      const pose::PoseError e = pose::QueryPoseError(r.pose, d.frames[f].cam_from_object);
      errors.push_back(e);
      ReportItem item{"frame:" + d.layout.object + "/" + d.frames[f].name, {}, {}};
      if (std::isfinite(e.rotation_deg)) item.metrics.Set("rotation_error_deg", e.rotation_deg, Unit::kValue);
      if (std::isfinite(e.translation_cm)) item.metrics.Set("translation_error_cm", e.translation_cm, Unit::kValue);
      if (r.matches >= 0) {
        item.metrics.Set("matches", r.matches, Unit::kCount);
        item.metrics.Set("inliers", r.inliers, Unit::kCount);
      }
      item.attributes = {{"object", d.layout.object},
                         {"frame", d.frames[f].name},
                         {"image", d.frames[f].image},
                         {"folder", d.layout.ObjectDir()}};
      if (!std::isfinite(e.rotation_deg))
        item.attributes.emplace_back("note", "rotation error undefined: not a rotation");
      if (!r.solved) item.attributes.emplace_back("note", "identity fallback");
      fallbacks += !r.solved;
      frame_items.push_back(std::move(item));
    }
    ReportItem item{"object:" + d.layout.object, {}, {{"object", d.layout.object}, {"folder", d.layout.ObjectDir()}}};
    for (size_t t = 0; t < pose::PoseThresholds().size(); ++t) {
      const double threshold = pose::PoseThresholds()[t];
      const double accuracy = pose::PoseAccuracy(errors, threshold);
      item.metrics.Set(pose::PoseMetricName(threshold), accuracy);
      sums[t] += accuracy;
    }
    item.metrics.Set("frames", static_cast<double>(errors.size()), Unit::kCount);
    const Curve object_curve = PoseCurve(errors);
    if (curve.x.empty()) curve = object_curve, curve.y.assign(curve.x.size(), 0.0), curve.auc = 0.0;
    for (size_t i = 0; i < curve.y.size(); ++i) curve.y[i] += object_curve.y[i] / double(objects.size());
    curve.auc += object_curve.auc / double(objects.size());
    frames += static_cast<int>(errors.size());
    row.items.push_back(std::move(item));
  }
  for (size_t t = 0; t < pose::PoseThresholds().size(); ++t)
    row.metrics.Set(pose::PoseMetricName(pose::PoseThresholds()[t]), sums[t] / static_cast<double>(objects.size()));
  row.metrics.Set("objects", static_cast<double>(objects.size()), Unit::kCount);
  row.metrics.Set("frames", frames, Unit::kCount);
  if (!results.empty() && !results[0].empty() && results[0][0].matches >= 0)
    row.metrics.Set("identity_fallbacks", fallbacks, Unit::kCount);
  row.curves.push_back(std::move(curve));
  row.items.insert(row.items.end(), frame_items.begin(), frame_items.end());
  return row;
}

Report EmptyReport(const PoseTaskOptions& options, const std::vector<ObjectData>& objects, bool scoring) {
  Report report;
  report.task = "pose";
  const std::string frames = options.preset == pose::FramePreset::kPaper
                                 ? "every 10th test frame in lexicographic file-name order"
                                 : "every test frame in numeric order";
  report.protocol =
      scoring ? fmt::format("{} (given poses; errors in deg and cm, strict <, per object then averaged)",
                            pose::FramePresetName(options.preset))
              : fmt::format(
                    "{}: {}; templates <= {} (seed {}), query grid {} px, mutual NN, EPnP RANSAC {:g} px x {}, "
                    "identity below {} matches or {} inliers",
                    pose::FramePresetName(options.preset), frames, options.max_templates, options.seed,
                    options.estimate.grid_stride, options.estimate.pnp.reprojection_px, options.estimate.pnp.iterations,
                    options.estimate.pnp.min_matches, options.estimate.pnp.min_inliers);
  size_t frame_count = 0;
  for (const ObjectData& d : objects) frame_count += d.frames.size();
  report.dataset = fmt::format("{} ({} objects, {} frames)", options.dataset, objects.size(), frame_count);
  report.notes.push_back("objects in sorted folder order (the reference takes the unsorted directory listing)");
  if (options.preset == pose::FramePreset::kFull)
    report.notes.push_back("full preset: every test frame, not comparable with the paper's every-10th subset");
  return report;
}

// One model over every object: templates, then each test frame.
std::vector<std::vector<FrameResult>> RunModel(const PoseTaskOptions& options, const std::vector<ObjectData>& objects,
                                               FeatureProvider& provider, const std::string& model, Progress& progress,
                                               const CancelToken& cancel, Report* report) {
  pose::TemplateOptions templates;
  templates.max_templates = options.max_templates;
  templates.seed = options.seed;
  templates.extract = options.extract;
  pose::PoseEstimateOptions estimate = options.estimate;
  estimate.extract = options.extract;
  std::vector<std::vector<FrameResult>> results;
  for (size_t o = 0; o < objects.size(); ++o) {
    const ObjectData& d = objects[o];
    Progress object = progress.Sub(double(o) / objects.size(), double(o + 1) / objects.size());
    Progress build = object.Sub(0.0, 0.2);
    const pose::TemplateDatabase db =
        pose::BuildTemplateDatabase(d.reference, provider, model, templates, build, cancel);
    if (db.Subsampled())
      report->notes.push_back(fmt::format("{}: {}: {} templates, a random subset of {} drawn with seed {}", model,
                                          d.layout.object, db.Size(), db.available, db.seed));
    std::vector<FrameResult> frames;
    for (size_t f = 0; f < d.frames.size(); ++f) {
      cancel.ThrowIfCancelled();
      object.Sub(0.2, 1.0).Step(f, d.frames.size(),
                                fmt::format("{}: {} frame {}/{}", model, d.layout.object, f + 1, d.frames.size()));
      const cv::Mat rgb = io::ReadImageRgb(d.frames[f].image);
      const pose::PoseEstimate e = pose::EstimatePose(db, rgb, d.frames[f].intrinsics, provider, estimate, cancel);
      frames.push_back({e.cam_from_object, static_cast<int>(e.matches.size()), e.inliers, e.solved});
    }
    results.push_back(std::move(frames));
  }
  return results;
}

cv::Matx44d PoseFromJson(const nlohmann::json& json, const std::string& path, const std::string& where) {
  bool ok = json.is_array() && json.size() == 4;
  for (size_t r = 0; ok && r < 4; ++r) ok = json[r].is_array() && json[r].size() == 4;
  if (!ok) throw Error("the pose of " + where + " is not a 4x4 list of numbers", {path, std::nullopt, "pose"});
  cv::Matx44d pose;
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) pose(r, c) = json[r][c].get<double>();
  return pose;
}

}  // namespace

bool PoseTaskOptions::Check() const {
  return !dataset.empty() && objects >= 0 && max_templates >= 0 && estimate.Check() && extract.Check();
}

Report RunPoseTask(const PoseTaskOptions& options, FeatureProvider& provider, Progress& progress,
                   const CancelToken& cancel, std::vector<PosePredictions>* predictions) {
  if (!options.Check()) throw Error("invalid pose task options", {}, "dataset folder, objects >= 0, grid stride > 0");
  if (options.models.empty()) throw Error("no model to evaluate", {"", std::nullopt, "model"});
  const std::vector<ObjectData> objects =
      LoadObjects(options, SelectObjects(options, pose::ListOnePoseObjects(options.dataset)), true);
  Report report = EmptyReport(options, objects, false);
  for (size_t m = 0; m < options.models.size(); ++m) {
    const std::string& model = options.models[m];
    const auto start = std::chrono::steady_clock::now();
    Progress sub = progress.Sub(double(m) / options.models.size(), double(m + 1) / options.models.size());
    const auto results = RunModel(options, objects, provider, model, sub, cancel, &report);
    ReportRow row = ScoreRow(model, objects, results);
    row.seconds = Since(start);
    report.rows.push_back(std::move(row));
    if (predictions) {
      PosePredictions out;
      for (size_t o = 0; o < objects.size(); ++o) {
        PoseObjectPrediction p{objects[o].layout.object, {}};
        for (size_t f = 0; f < objects[o].frames.size(); ++f)
          p.frames.push_back({objects[o].frames[f].name, results[o][f].pose});
        out.push_back(std::move(p));
      }
      predictions->push_back(std::move(out));
    }
  }
  progress.Report(1.0, "done");
  return report;
}

Report ScorePosePredictions(const PoseTaskOptions& options, const std::string& model,
                            const PosePredictions& predictions) {
  if (!options.Check()) throw Error("invalid pose task options", {}, "dataset folder, objects >= 0");
  const std::vector<std::string> available = pose::ListOnePoseObjects(options.dataset);
  std::map<std::string, const PoseObjectPrediction*> by_object;
  for (const PoseObjectPrediction& p : predictions) {
    if (std::find(available.begin(), available.end(), p.object) == available.end())
      throw Error("predictions name object '" + p.object + "', which is not in the dataset",
                  {"", std::nullopt, "predictions"}, "predictions made on another dataset");
    by_object[p.object] = &p;
  }
  std::vector<std::string> names;
  for (const auto& entry : by_object) names.push_back(entry.first);
  const std::vector<ObjectData> objects = LoadObjects(options, SelectObjects(options, names), false);
  std::vector<std::vector<FrameResult>> results;
  for (const ObjectData& d : objects) {
    std::map<std::string, cv::Matx44d> poses;
    for (const PoseFramePrediction& f : by_object.at(d.layout.object)->frames) poses[f.frame] = f.cam_from_object;
    std::vector<FrameResult> frames;
    for (const pose::QueryFrame& q : d.frames) {
      const auto it = poses.find(q.name);
      if (it == poses.end())
        throw Error(fmt::format("no prediction for frame {} of object {}", q.name, d.layout.object),
                    {"", std::nullopt, "predictions"},
                    fmt::format("every {} test frame needs one (predictions of another preset?)",
                                pose::FramePresetName(options.preset)));
      frames.push_back({it->second, -1, -1, true});
    }
    results.push_back(std::move(frames));
  }
  Report report = EmptyReport(options, objects, true);
  report.rows.push_back(ScoreRow(model, objects, results));
  return report;
}

std::string PosePredictionsToJson(const PosePredictions& predictions) {
  nlohmann::ordered_json objects = nlohmann::ordered_json::array();
  for (const PoseObjectPrediction& p : predictions) {
    nlohmann::ordered_json frames = nlohmann::ordered_json::array();
    for (const PoseFramePrediction& f : p.frames) {
      nlohmann::ordered_json pose = nlohmann::ordered_json::array();
      for (int r = 0; r < 4; ++r)
        pose.push_back(
            {f.cam_from_object(r, 0), f.cam_from_object(r, 1), f.cam_from_object(r, 2), f.cam_from_object(r, 3)});
      frames.push_back({{"frame", f.frame}, {"pose", pose}});
    }
    objects.push_back({{"object", p.object}, {"frames", frames}});
  }
  return nlohmann::ordered_json{{"objects", objects}}.dump(1) + "\n";
}

PosePredictions ReadPosePredictions(const std::string& path) {
  const std::vector<uint8_t> bytes = fs::ReadFile(path, uint64_t{256} << 20);
  try {
    const nlohmann::json json = nlohmann::json::parse(bytes.begin(), bytes.end());
    PosePredictions predictions;
    for (const nlohmann::json& object : json.at("objects")) {
      PoseObjectPrediction p{object.at("object").get<std::string>(), {}};
      for (const nlohmann::json& frame : object.at("frames")) {
        const std::string name = frame.at("frame").get<std::string>();
        p.frames.push_back({name, PoseFromJson(frame.at("pose"), path, p.object + "/" + name)});
      }
      predictions.push_back(std::move(p));
    }
    return predictions;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("not a pose predictions file: ") + e.what(), {path},
                "expected {\"objects\": [{\"object\": o, \"frames\": [{\"frame\": f, \"pose\": [[4x4]]}]}]}");
  }
}

}  // namespace corrlens::bench
