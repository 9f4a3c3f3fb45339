// `corrlens-cli eval --task equivariance`: the 3D-equivariance probe on
// rendered meshes (core/bench/equivariance_task.h), wired into cmd_eval.cpp.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "app/cli/backend_args.h"
#include "app/cli/report_printer.h"

namespace corrlens::cli {

// Options only the equivariance task has.
struct EquivarianceArgs {
  std::vector<std::string> meshes;  // --mesh (repeatable)
  int views = 42;                   // --views
  int points = 500;                 // --points per source view
  int candidate_stride = 1;         // --candidate-stride
  int size = 512;                   // --size of the renders
  uint64_t seed = 0;                // --seed of the point sampling
};

// Adds --mesh, --views, --points, --candidate-stride, --size and --seed to `app`.
void AddEquivarianceOptions(CLI::App* app, EquivarianceArgs* args);

// Runs the probe for the models of `backend` and prints the report.
int RunEquivarianceEval(const EquivarianceArgs& args, const BackendArgs& backend, const ReportArgs& report);

}  // namespace corrlens::cli
