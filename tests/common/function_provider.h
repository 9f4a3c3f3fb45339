// A FeatureProvider made from a function, for tests that fake features
// (random maps, oracles, failures) without a real backend. Header-only.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/feature/feature_provider.h"

namespace corrlens::test {

class FunctionProvider : public FeatureProvider {
 public:
  using Function = std::function<std::shared_ptr<const FeatureMap>(
      const cv::Mat& rgb, const std::string& model, const ExtractOptions& options, const CancelToken& cancel)>;

  explicit FunctionProvider(Function function) : function_(std::move(function)) {}

  std::shared_ptr<const FeatureMap> Get(const cv::Mat& rgb, const std::string& model, const ExtractOptions& options,
                                        const CancelToken& cancel) override {
    return function_(rgb, model, options, cancel);
  }
  BackendInfo Info(const std::string& model) override { return {model, model, 0, "", "cpu"}; }

 private:
  Function function_;
};

// Shorthand: a shared FunctionProvider.
inline std::shared_ptr<FeatureProvider> MakeProvider(FunctionProvider::Function function) {
  return std::make_shared<FunctionProvider>(std::move(function));
}

}  // namespace corrlens::test
