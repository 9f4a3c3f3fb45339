// Every accuracy task by name with one entry point, for `corrlens-cli eval
// --task all` and the GUI's benchmark panel: what each task needs, whether
// its data is present, and Run() -> Report.
#pragma once

#include <string>
#include <vector>

#include "core/bench/report.h"
#include "core/feature/feature_provider.h"

namespace corrlens::bench {

struct TaskSpec {
  std::string task;  // one of TaskNames()
  std::vector<std::string> models;
  // Task data: transfer = folder holding PF-dataset-PASCAL/; pose = folder
  // holding lowtexture_test_data/ and sfm_output/; equivariance =
  // a mesh file or a folder of meshes; homography/stereo = "" (opencv-doc
  // sample pair). "" = the task's default (DefaultDataset).
  std::string dataset;
  std::string preset = "paper";  // "paper" (the full protocol) or "quick" (a small subset)
  std::string protocol;          // transfer: "paper" (default) or "standard"
  ExtractOptions extract;        // resolution etc. where the task does not fix it
};

// Tasks this build can run, in display order.
std::vector<std::string> TaskNames();
// A one-line description of the task and its data.
std::string TaskDescription(const std::string& task);
// The dataset location used when TaskSpec::dataset is "".
std::string DefaultDataset(const std::string& task);
// "" when `spec`'s data is usable, else one line: what is missing and where
// to get it. Never throws for missing data.
std::string ValidateDataset(const TaskSpec& spec);
// Runs the task. Throws corrlens::Error (unknown task, bad data) or Cancelled.
Report RunTask(const TaskSpec& spec, FeatureProvider& provider, Progress& progress, const CancelToken& cancel);

}  // namespace corrlens::bench
