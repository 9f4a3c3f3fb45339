// TorchScript fixtures made at test time by
// scripts/fixtures/make_torchscript_fixtures.py with /usr/bin/python3
// (python3-torch): model folders, bad folders, images and the features the
// eager Python modules give. Header-only, shared by the torchscript tests.
#pragma once

#include <QString>
#include <QTemporaryDir>
#include <QtTest>
#include "tests/common/test_paths.h"

#include <torch/torch.h>

#include <opencv2/core.hpp>

#include <memory>
#include <string>

#include "tests/common/python.h"
#include "tests/model/model_test_util.h"

namespace corrlens::test {

class TorchScriptFixtures {
 public:
  enum class Made { kOk, kNoPython, kFailed };

  // Generates everything into a temporary folder; `why` says what is
  // missing (python3-torch) or why the script failed.
  Made Make(QString* why) {
    if (!RunPython3({"-c", "import torch, numpy"}, 60000).ok) {
      *why = "/usr/bin/python3 with torch and numpy is missing (Debian: python3-torch python3-numpy)";
      return Made::kNoPython;
    }
    dir_ = std::make_unique<QTemporaryDir>();
    const PythonResult r = RunPython3(
        {corrlens::test::SourcePath("/scripts/fixtures/make_torchscript_fixtures.py"), dir_->path()}, 300000);
    if (!r.ok) *why = "make_torchscript_fixtures.py failed: " + r.err;
    return r.ok ? Made::kOk : Made::kFailed;
  }

  std::string Root() const { return dir_->path().toStdString(); }
  std::string Models() const { return Root() + "/models"; }
  std::string Model(const std::string& name) const { return Models() + "/" + name; }
  std::string Bad(const std::string& name) const { return Root() + "/bad/" + name; }
  // uint8 RGB images "a" (224x168) and "b" (200x150).
  cv::Mat Image(const std::string& key) const { return model::test::LoadImageNpy(Root() + "/images/" + key + ".npy"); }
  // Expected [C, h, w] features of `model` on image `key` ("ts_conv_a", ...).
  at::Tensor Expected(const std::string& name) const {
    return model::test::LoadNpy(Root() + "/expected/" + name + ".npy");
  }

 private:
  std::unique_ptr<QTemporaryDir> dir_;
};

}  // namespace corrlens::test

// In initTestCase: makes the fixtures, skips the whole test case without
// python3-torch, fails when the script fails.
#define CORRLENS_MAKE_TORCHSCRIPT_FIXTURES(fixtures)                                          \
  do {                                                                                        \
    QString why;                                                                              \
    const auto made = (fixtures).Make(&why);                                                  \
    if (made == corrlens::test::TorchScriptFixtures::Made::kNoPython) QSKIP(qPrintable(why)); \
    if (made == corrlens::test::TorchScriptFixtures::Made::kFailed) QFAIL(qPrintable(why));   \
  } while (false)
