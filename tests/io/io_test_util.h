// Helpers shared by the core/io tests: fixture paths, the expected values
// written by scripts/fixtures/make_io_fixtures.py, and running
// /usr/bin/python3 (with torch + numpy) to check files we write.
#pragma once

#include <QProcess>
#include <QString>
#include <QtTest>
#include "tests/common/test_paths.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "core/io/tensor_file.h"
#include "core/util/fs.h"

namespace corrlens::io::test {

inline std::string Fixture(const std::string& name) { return corrlens::test::TestDataDir() + "/io/" + name; }

inline std::vector<uint8_t> FixtureBytes(const std::string& name) { return fs::ReadFile(Fixture(name)); }

// expected.json: {file: [{path, dtype, shape, values}]}.
inline const nlohmann::json& Expected() {
  static const nlohmann::json expected = [] {
    std::ifstream in(Fixture("expected.json"));
    return nlohmann::json::parse(in);
  }();
  return expected;
}

// Compares every tensor of `file` with expected.json[name]: same paths in the
// same order, dtypes, shapes and exact values (int64 compared as integers).
inline bool MatchesExpected(const TensorFile& file, const std::string& name, std::string* why) {
  const nlohmann::json& want = Expected().at(name);
  if (want.size() != file.tensors.size()) {
    *why = "tensor count " + std::to_string(file.tensors.size()) + " vs " + std::to_string(want.size());
    return false;
  }
  for (size_t i = 0; i < want.size(); ++i) {
    const NamedTensor& got = file.tensors[i];
    const nlohmann::json& w = want[i];
    if (got.path != w["path"].get<std::string>()) return *why = "path " + got.path + " vs " + w["path"].dump(), false;
    if (DTypeName(got.tensor.dtype) != w["dtype"].get<std::string>()) return *why = "dtype of " + got.path, false;
    if (got.tensor.shape != w["shape"].get<std::vector<int64_t>>()) return *why = "shape of " + got.path, false;
    if (got.tensor.dtype == DType::kInt64) {
      const std::vector<uint8_t> bytes = got.tensor.ContiguousBytes();
      for (size_t k = 0; k < w["values"].size(); ++k) {
        int64_t v;
        std::memcpy(&v, bytes.data() + 8 * k, 8);
        if (v != w["values"][k].get<int64_t>()) return *why = "value " + std::to_string(k) + " of " + got.path, false;
      }
      continue;
    }
    const std::vector<double> values = got.tensor.ToDoubles();
    const std::vector<double> expected = w["values"].get<std::vector<double>>();
    if (values != expected) return *why = "values of " + got.path, false;
  }
  return true;
}

inline const char* kPython = "/usr/bin/python3";

// True when /usr/bin/python3 can import `modules` ("numpy", "torch, numpy").
inline bool PythonHas(const std::string& modules) {
  QProcess p;
  p.start(kPython, {"-c", QString::fromStdString("import " + modules)});
  return p.waitForFinished(60000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

// Runs python code with arguments; returns stdout+stderr, sets *ok on exit 0.
inline std::string RunPython(const std::string& code, const QStringList& args, bool* ok) {
  QProcess p;
  p.setProcessChannelMode(QProcess::MergedChannels);
  QStringList all{"-c", QString::fromStdString(code)};
  all += args;
  p.start(kPython, all);
  const bool finished = p.waitForFinished(60000);
  *ok = finished && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
  return p.readAll().toStdString();
}

// Every path of `file` as one string (for failure messages).
inline std::string Paths(const TensorFile& file) {
  std::string out;
  for (const NamedTensor& t : file.tensors) out += t.path + " ";
  return out;
}

}  // namespace corrlens::io::test

#define SKIP_WITHOUT_PYTHON_MODULES(modules)                                               \
  do {                                                                                     \
    if (!corrlens::io::test::PythonHas(modules)) QSKIP("/usr/bin/python3 lacks " modules); \
  } while (0)

// Runs python code into `out`/`ok`; skips the test when a module is missing
// (cheaper than a separate import check: importing torch takes seconds).
#define RUN_PYTHON_OR_SKIP(out, ok, code, args)                                                               \
  const std::string out = corrlens::io::test::RunPython(code, args, &ok);                                     \
  do {                                                                                                        \
    if (!ok && out.find("No module named") != std::string::npos) QSKIP("/usr/bin/python3 lacks torch/numpy"); \
  } while (0)
