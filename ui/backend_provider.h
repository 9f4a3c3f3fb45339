// What the ui needs from the backend plugins, implemented in app/ on top of
// the plugin registry (ui and plugins do not depend on each other).
#pragma once

#include <QString>
#include <QStringList>
#include <QVector>

#include <memory>

#include "core/feature/feature_provider.h"

namespace corrlens::ui {

// A model the user can tick in the models panel.
struct ModelEntry {
  QString id;  // catalog name, e.g. "dinov2_vitb14+3dcorr", "dense_sift"
  QString display_name;
  bool available = false;  // weights found (or none needed)
  QString details;         // where the weights are, or where we looked and how to get them
};

class BackendProvider {
 public:
  virtual ~BackendProvider() = default;
  // Catalog entries with their weights status (scans the disk; cheap).
  virtual QVector<ModelEntry> Models() = 0;
  // Cached feature maps by model id, callable from any thread; its Get throws
  // corrlens::Error (e.g. missing weights) or Cancelled.
  virtual std::shared_ptr<FeatureProvider> Features() = 0;
  // Registers a model from a weights file and an optional adapter; returns its
  // entry or throws corrlens::Error naming the file and the reason.
  virtual ModelEntry AddCustom(const QString& arch, const QString& weights, const QString& adapter) = 0;
  // Architectures accepted by AddCustom (e.g. "dinov2_vitb14").
  virtual QStringList Architectures() = 0;
};

}  // namespace corrlens::ui
