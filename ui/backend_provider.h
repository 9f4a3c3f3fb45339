// What the ui needs from the backend plugins, implemented in app/ on top of
// the plugin registry (ui and plugins do not depend on each other).
#pragma once

#include <QString>
#include <QStringList>
#include <QVector>

#include <memory>

#include "core/feature/feature_provider.h"
#include "core/util/error.h"
#include "core/util/progress.h"

namespace corrlens::ui {

// A model the user can tick in the models panel.
struct ModelEntry {
  QString id;  // catalog name, e.g. "dinov2_vitb14+3dcorr", "dense_sift"
  QString display_name;
  bool available = false;  // weights found (or none needed)
  QString details;         // where the weights are, or where we looked and how to get them
  // Placement in the models tree and download state (defaults suit models
  // that need no download).
  QString family = {};        // "DINOv2", "timm ViTs", "Classical", "Custom"; "" = "Other"
  QString group = {};         // a size inside the family, e.g. "ViT-S/14"; "" = none
  bool downloadable = false;  // Download can fetch the missing files
  bool partial = false;       // an interrupted download can be resumed
  qint64 size_bytes = 0;      // on disk when available, else still to download; 0 = unknown
  QStringList files = {};     // weight files on disk (disk use, Show in folder)
  QString folder = {};        // where the files are or will be downloaded
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
  // Downloads the missing files of `id` on a worker thread (through the
  // JobRunner); throws corrlens::Error or Cancelled.
  virtual void Download(const QString& id, Progress& progress, const CancelToken& cancel) {
    (void)progress;
    (void)cancel;
    throw Error("nothing to download", {"", std::nullopt, id.toStdString()}, "not a catalog model");
  }
  // Deletes the files Download writes for `id`; returns the removed paths.
  virtual QStringList Remove(const QString& id) {
    (void)id;
    return {};
  }
  // Takes a custom model off the list (its files stay); false when `id` is
  // not a custom model.
  virtual bool Forget(const QString& id) {
    (void)id;
    return false;
  }
};

}  // namespace corrlens::ui
