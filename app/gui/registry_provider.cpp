#include "app/gui/registry_provider.h"

#include "plugins/torchscript/torchscript_plugin.h"

#include <QFileInfo>
#include <QMap>

#include <mutex>

#include "core/util/error.h"
#include "plugins/registry/builtin_backends.h"

namespace corrlens::app {

// The FeatureProvider the GUI computes with: a custom model id goes to the
// FeatureService that holds its weights (as its architecture's name),
// everything else to the main service. Thread-safe.
class RegistryProvider::Router : public FeatureProvider {
 public:
  explicit Router(const FeatureServiceOptions& options)
      : main_(std::make_shared<FeatureService>(BuiltinBackends(), options)) {}

  std::shared_ptr<const FeatureMap> Get(const cv::Mat& rgb, const std::string& model, const ExtractOptions& options,
                                        const CancelToken& cancel) override {
    const Route route = Find(model);
    return route.service->Get(rgb, route.name, options, cancel);
  }

  BackendInfo Info(const std::string& model) override {
    const Route route = Find(model);
    return route.service->Info(route.name);
  }

  void AddCustom(const QString& id, const std::string& arch, std::shared_ptr<FeatureService> service) {
    std::lock_guard<std::mutex> lock(mutex_);
    custom_[id] = {std::move(service), arch};
  }

 private:
  struct Route {
    std::shared_ptr<FeatureService> service;
    std::string name;
  };
  Route Find(const std::string& model) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = custom_.find(QString::fromStdString(model));
    return it == custom_.end() ? Route{main_, model} : *it;
  }

  std::shared_ptr<FeatureService> main_;
  mutable std::mutex mutex_;
  QMap<QString, Route> custom_;  // by custom id
};

RegistryProvider::RegistryProvider(FeatureServiceOptions options)
    : options_(std::move(options)), router_(std::make_shared<Router>(options_)) {
  // TorchScript models in the extra model folders of the settings.
  RegisterTorchScriptModels(BuiltinBackends(), options_.backend.model_dirs);
}

RegistryProvider::~RegistryProvider() = default;

QVector<ui::ModelEntry> RegistryProvider::Models() {
  QVector<ui::ModelEntry> entries;
  for (const BackendDescription& d : ListBackends(options_.backend.model_dirs)) {
    ui::ModelEntry e;
    e.id = QString::fromStdString(d.name);
    e.display_name = QString::fromStdString(d.display_name.empty() ? d.name : d.display_name);
    e.available = d.available;
    if (d.available || d.family != "vit") {
      e.details = QString::fromStdString(d.weights);  // the files, or why a model folder is unusable
    } else {
      QStringList searched;
      for (const std::string& s : d.searched) searched << QString::fromStdString(s);
      e.details = QObject::tr(
                      "Weights not found. Looked in:\n%1\n`corrlens-cli models --verbose` lists the "
                      "download URL of each file; copy the files into one of these folders, or add "
                      "the file as a custom model.")
                      .arg(searched.join('\n'));
    }
    entries.push_back(e);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  for (const ui::ModelEntry& c : custom_) entries.push_back(c);
  return entries;
}

std::shared_ptr<FeatureProvider> RegistryProvider::Features() { return router_; }

ui::ModelEntry RegistryProvider::AddCustom(const QString& arch, const QString& weights, const QString& adapter) {
  if (!QFileInfo::exists(weights)) throw Error("weights file not found", {weights.toStdString()});
  if (!adapter.isEmpty() && !QFileInfo::exists(adapter)) throw Error("adapter file not found", {adapter.toStdString()});
  FeatureServiceOptions options = options_;
  options.backend.weights_path = weights.toStdString();
  options.backend.adapter_path = adapter.toStdString();
  auto service = std::make_shared<FeatureService>(BuiltinBackends(), options);
  service->Info(arch.toStdString());  // loads the weights now: bad files fail here, with their name
  ui::ModelEntry entry;
  entry.id = QStringLiteral("custom:%1:%2%3")
                 .arg(arch, QFileInfo(weights).fileName(),
                      adapter.isEmpty() ? QString() : "+" + QFileInfo(adapter).fileName());
  entry.display_name = QStringLiteral("%1 (%2%3)")
                           .arg(arch, QFileInfo(weights).fileName(),
                                adapter.isEmpty() ? QString() : ", " + QFileInfo(adapter).fileName());
  entry.available = true;
  entry.details = weights + (adapter.isEmpty() ? QString() : "\n" + adapter);
  router_->AddCustom(entry.id, arch.toStdString(), service);
  std::lock_guard<std::mutex> lock(mutex_);
  custom_[entry.id] = entry;
  return entry;
}

QStringList RegistryProvider::Architectures() {
  QStringList archs;
  for (const BackendDescription& d : ListBackends(options_.backend.model_dirs)) {
    // A ViT architecture with its weights file, or "torchscript" with a model folder.
    if (d.is_architecture && (d.family == "vit" || d.family == "torchscript")) archs << QString::fromStdString(d.name);
  }
  return archs;
}

}  // namespace corrlens::app
