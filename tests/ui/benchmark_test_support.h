// Shared by the Benchmark workspace's tests: a BackendProvider on the real
// classical backends (dense_sift, dense_rootsift; no cache), one gated model
// that blocks until cancelled once the gate closes, and one that always
// fails. Header-only.
#pragma once

#include <QThread>

#include <atomic>
#include <memory>

#include "core/corr/feature_service.h"
#include "core/util/error.h"
#include "plugins/registry/builtin_backends.h"
#include "ui/backend_provider.h"

namespace corrlens::test {

// dense_sift for "gated" until Close(); then "gated" waits for its cancel.
class GatedFeatures : public FeatureProvider {
 public:
  GatedFeatures() : service_(BuiltinBackends(), Options()) {}

  std::shared_ptr<const FeatureMap> Get(const cv::Mat& rgb, const std::string& model, const ExtractOptions& options,
                                        const CancelToken& cancel) override {
    if (model == "broken") throw Error("weights not found", {"/models/broken.pth"}, "not downloaded");
    if (model == "gated") {
      while (closed_) {
        waiting_ = true;
        cancel.ThrowIfCancelled();
        QThread::msleep(5);
      }
      return service_.Get(rgb, "dense_sift", options, cancel);
    }
    return service_.Get(rgb, model, options, cancel);
  }
  BackendInfo Info(const std::string& model) override {
    return service_.Info(model == "gated" || model == "broken" ? "dense_sift" : model);
  }

  void Close() { closed_ = true; }
  bool Waiting() const { return waiting_; }

 private:
  static FeatureServiceOptions Options() {
    FeatureServiceOptions options;
    options.use_cache = false;
    return options;
  }
  FeatureService service_;
  std::atomic<bool> closed_{false};
  std::atomic<bool> waiting_{false};
};

class ClassicalProvider : public ui::BackendProvider {
 public:
  QVector<ui::ModelEntry> Models() override {
    QVector<ui::ModelEntry> models = {{"dense_sift", "Dense SIFT", true, ""},
                                      {"dense_rootsift", "Dense RootSIFT", true, ""}};
    if (with_test_models)
      models += {{"gated", "Gated (test)", true, ""},
                 {"broken", "Broken (test)", true, ""},
                 {"missing", "Missing weights", false, "nowhere"}};
    return models;
  }
  std::shared_ptr<FeatureProvider> Features() override { return features; }
  ui::ModelEntry AddCustom(const QString&, const QString&, const QString&) override { throw Error("unsupported"); }
  QStringList Architectures() override { return {}; }

  std::shared_ptr<GatedFeatures> features = std::make_shared<GatedFeatures>();
  bool with_test_models = true;  // gated, broken and missing besides the two real ones
};

}  // namespace corrlens::test
