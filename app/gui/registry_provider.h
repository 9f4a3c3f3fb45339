// The ui's BackendProvider on top of plugins/registry: the catalog with
// weights status, cached feature maps through FeatureService, and custom
// models from a weights file plus an optional adapter.
#pragma once

#include <QMap>

#include <memory>
#include <mutex>

#include "plugins/registry/backend_registry.h"
#include "plugins/registry/feature_service.h"
#include "ui/backend_provider.h"

namespace corrlens::app {

class RegistryProvider : public ui::BackendProvider {
 public:
  explicit RegistryProvider(FeatureServiceOptions options = {});

  QVector<ui::ModelEntry> Models() override;
  FeatureSource Features() override;
  ui::ModelEntry AddCustom(const QString& arch, const QString& weights, const QString& adapter) override;
  QStringList Architectures() override;

 private:
  struct Custom {
    ui::ModelEntry entry;
    std::string arch;
    std::shared_ptr<FeatureService> service;
  };
  std::shared_ptr<const FeatureMap> Get(const cv::Mat& rgb, const std::string& id, const ExtractOptions& options,
                                        const CancelToken& cancel);

  FeatureServiceOptions options_;
  std::shared_ptr<FeatureService> service_;
  std::mutex mutex_;
  QMap<QString, Custom> custom_;
};

}  // namespace corrlens::app
