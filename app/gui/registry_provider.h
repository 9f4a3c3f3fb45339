// The ui's BackendProvider on top of the built-in backend table: the catalog
// with weights status, cached feature maps through FeatureService, and custom
// models from a weights file plus an optional adapter.
#pragma once

#include <QMap>

#include <memory>
#include <mutex>

#include "core/corr/feature_service.h"
#include "ui/backend_provider.h"

namespace corrlens::app {

class RegistryProvider : public ui::BackendProvider {
 public:
  explicit RegistryProvider(FeatureServiceOptions options = {});
  ~RegistryProvider() override;

  QVector<ui::ModelEntry> Models() override;
  // Routes custom model ids to their own FeatureService, the rest to the main one.
  std::shared_ptr<FeatureProvider> Features() override;
  ui::ModelEntry AddCustom(const QString& arch, const QString& weights, const QString& adapter) override;
  // Plain ViT architectures (they accept a user's weights file).
  QStringList Architectures() override;
  // Downloads a catalog model's missing files into the torch-hub / Hugging
  // Face caches (core/download); Remove deletes exactly those files.
  void Download(const QString& id, Progress& progress, const CancelToken& cancel) override;
  QStringList Remove(const QString& id) override;

 private:
  class Router;

  FeatureServiceOptions options_;
  std::shared_ptr<Router> router_;
  std::mutex mutex_;
  QMap<QString, ui::ModelEntry> custom_;  // catalog entries of custom models, by id
};

}  // namespace corrlens::app
