// The ui's BackendProvider on top of the built-in backend table: the catalog
// with weights status, cached feature maps through FeatureService, and custom
// models from a weights file plus an optional adapter.
#pragma once

#include <QMap>
#include <QVector>

#include <functional>
#include <memory>
#include <mutex>

#include "core/corr/feature_service.h"
#include "ui/backend_provider.h"

namespace corrlens::app {

// What a custom model is made of; kept in the settings across restarts.
struct CustomModelSpec {
  QString arch;     // e.g. "dinov2_vitb14"
  QString weights;  // backbone weights file
  QString adapter;  // "" or an adapter checkpoint
  bool operator==(const CustomModelSpec& o) const {
    return arch == o.arch && weights == o.weights && adapter == o.adapter;
  }
};

class RegistryProvider : public ui::BackendProvider {
 public:
  explicit RegistryProvider(FeatureServiceOptions options = {});
  ~RegistryProvider() override;

  QVector<ui::ModelEntry> Models() override;
  // Routes custom model ids to their own FeatureService, the rest to the main one.
  std::shared_ptr<FeatureProvider> Features() override;
  ui::ModelEntry AddCustom(const QString& arch, const QString& weights, const QString& adapter) override;
  // Lists a saved custom model again without loading it (that happens on
  // first use); a missing file makes the entry unavailable with the reason.
  ui::ModelEntry RestoreCustom(const CustomModelSpec& spec);
  bool Forget(const QString& id) override;
  // The custom models in the order they were added.
  QVector<CustomModelSpec> CustomModels();
  // Called (on the caller's thread) after a custom model is added or forgotten.
  void OnCustomModelsChanged(std::function<void()> callback) { custom_changed_ = std::move(callback); }
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
  QMap<QString, ui::ModelEntry> custom_;                   // catalog entries of custom models, by id
  QVector<QPair<QString, CustomModelSpec>> custom_order_;  // ids and specs, in the order added
  std::function<void()> custom_changed_;

  ui::ModelEntry Register(const CustomModelSpec& spec, bool load_now);
};

}  // namespace corrlens::app
