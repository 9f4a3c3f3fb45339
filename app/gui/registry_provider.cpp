#include "app/gui/registry_provider.h"

#include "plugins/torchscript/torchscript_plugin.h"

#include <QFileInfo>
#include <QMap>

#include <algorithm>
#include <mutex>

#include "core/download/model_files.h"
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

  std::shared_ptr<const FeatureMap> GetTransient(const cv::Mat& rgb, const std::string& model,
                                                 const ExtractOptions& options, const CancelToken& cancel) override {
    const Route route = Find(model);
    return route.service->GetTransient(rgb, route.name, options, cancel);
  }

  BackendInfo Info(const std::string& model) override {
    const Route route = Find(model);
    return route.service->Info(route.name);
  }

  void AddCustom(const QString& id, const std::string& arch, std::shared_ptr<FeatureService> service) {
    std::lock_guard<std::mutex> lock(mutex_);
    custom_[id] = {std::move(service), arch};
  }

  void RemoveCustom(const QString& id) {
    std::lock_guard<std::mutex> lock(mutex_);
    custom_.remove(id);
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

namespace {

// Family and size rows of the models tree for a catalog entry.
void PlaceInTree(const model::CatalogEntry& entry, ui::ModelEntry& e) {
  if (entry.arch.rfind("dinov2", 0) == 0) {
    e.family = QStringLiteral("DINOv2");
    const QString name = QString::fromStdString(entry.display_name);  // "DINOv2 ViT-S/14 (registers) + ..."
    e.group = name.section(' ', 1, 1);
  } else {
    e.family = QStringLiteral("timm ViTs");
    e.group = QString::fromStdString(model::FindCatalogEntry(entry.arch)->display_name);
  }
}

// State, sizes and folders of a catalog entry's files.
void DescribeFiles(const download::ModelFilesStatus& s, const download::ModelFilesOptions& options, ui::ModelEntry& e) {
  e.downloadable = s.state != download::ModelState::kAvailable;
  e.partial = s.state == download::ModelState::kPartial;
  e.size_bytes = static_cast<qint64>(e.downloadable ? (s.missing_size_known ? s.missing_bytes : 0) : s.disk_bytes);
  for (const download::ModelFile& f : s.files)
    if (!f.found_path.empty()) e.files << QString::fromStdString(f.found_path);
  if (!e.files.isEmpty()) {
    e.folder = QFileInfo(e.files.back()).absolutePath();
  } else if (!s.files.empty()) {
    e.folder = QString::fromStdString(s.files.front().source.repo.empty() ? options.discovery.torch_hub_dir
                                                                          : options.discovery.hf_hub_dir);
  }
}

}  // namespace

QVector<ui::ModelEntry> RegistryProvider::Models() {
  download::ModelFilesOptions files = download::ModelFilesOptions::FromEnvironment();
  files.discovery.extra_dirs = options_.backend.model_dirs;
  QVector<ui::ModelEntry> entries;
  for (const BackendDescription& d : ListBackends(options_.backend.model_dirs)) {
    ui::ModelEntry e;
    e.id = QString::fromStdString(d.name);
    e.display_name = QString::fromStdString(d.display_name.empty() ? d.name : d.display_name);
    e.available = d.available;
    e.family = d.family == "classical" ? QObject::tr("Classical") : QObject::tr("Custom / TorchScript");
    const model::CatalogEntry* entry = d.family == "vit" ? model::FindCatalogEntry(d.name) : nullptr;
    if (entry) {
      PlaceInTree(*entry, e);
      DescribeFiles(download::InspectModelFiles(*entry, files), files, e);
    }
    if (d.available || d.family != "vit") {
      e.details = QString::fromStdString(d.weights);  // the files, or why a model folder is unusable
    } else {
      QStringList searched;
      for (const std::string& s : d.searched) searched << QString::fromStdString(s);
      e.details = QObject::tr(
                      "Weights not found. Double-click (or Download) fetches them into the torch-hub / "
                      "Hugging Face cache (`corrlens-cli fetch %1` does the same). Looked in:\n%2")
                      .arg(e.id, searched.join('\n'));
    }
    entries.push_back(e);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  for (const ui::ModelEntry& c : custom_) entries.push_back(c);
  return entries;
}

void RegistryProvider::Download(const QString& id, Progress& progress, const CancelToken& cancel) {
  const model::CatalogEntry* entry = model::FindCatalogEntry(id.toStdString());
  if (!entry) throw Error("not a catalog model: nothing to download", {"", std::nullopt, id.toStdString()});
  download::ModelFilesOptions files = download::ModelFilesOptions::FromEnvironment();
  files.discovery.extra_dirs = options_.backend.model_dirs;
  const auto downloader = download::Downloader::Create(files.network);
  download::FetchModelFiles(*entry, files, *downloader, progress, cancel);
}

QStringList RegistryProvider::Remove(const QString& id) {
  const model::CatalogEntry* entry = model::FindCatalogEntry(id.toStdString());
  QStringList removed;
  if (!entry) return removed;
  for (const std::string& path : download::RemoveModelFiles(*entry, download::ModelFilesOptions::FromEnvironment()))
    removed << QString::fromStdString(path);
  return removed;
}

std::shared_ptr<FeatureProvider> RegistryProvider::Features() { return router_; }

ui::ModelEntry RegistryProvider::AddCustom(const QString& arch, const QString& weights, const QString& adapter) {
  if (!QFileInfo::exists(weights)) throw Error("weights file not found", {weights.toStdString()});
  if (!adapter.isEmpty() && !QFileInfo::exists(adapter)) throw Error("adapter file not found", {adapter.toStdString()});
  return Register({arch, QFileInfo(weights).absoluteFilePath(),
                   adapter.isEmpty() ? QString() : QFileInfo(adapter).absoluteFilePath()},
                  /*load_now=*/true);
}

ui::ModelEntry RegistryProvider::RestoreCustom(const CustomModelSpec& spec) { return Register(spec, false); }

ui::ModelEntry RegistryProvider::Register(const CustomModelSpec& spec, bool load_now) {
  FeatureServiceOptions options = options_;
  options.backend.weights_path = spec.weights.toStdString();
  options.backend.adapter_path = spec.adapter.toStdString();
  auto service = std::make_shared<FeatureService>(BuiltinBackends(), options);
  if (load_now) service->Info(spec.arch.toStdString());  // loads the weights now: bad files fail here, with their name
  const QString weights_name = QFileInfo(spec.weights).fileName();
  const QString adapter_name = spec.adapter.isEmpty() ? QString() : QFileInfo(spec.adapter).fileName();
  ui::ModelEntry entry;
  entry.id = QStringLiteral("custom:%1:%2%3")
                 .arg(spec.arch, weights_name, adapter_name.isEmpty() ? QString() : "+" + adapter_name);
  entry.display_name = QStringLiteral("%1 (%2%3)")
                           .arg(spec.arch, weights_name, adapter_name.isEmpty() ? QString() : ", " + adapter_name);
  entry.family = QObject::tr("Custom / TorchScript");
  entry.details = spec.weights + (spec.adapter.isEmpty() ? QString() : "\n" + spec.adapter);
  QStringList missing;
  for (const QString& file : {spec.weights, spec.adapter})
    if (!file.isEmpty() && !QFileInfo::exists(file)) missing << file;
  entry.available = missing.isEmpty();
  if (!entry.available)
    entry.details = QObject::tr(
                        "A saved custom model whose file is missing (moved or deleted?): %1\n"
                        "Remove forgets the model; Add custom... registers it again.")
                        .arg(missing.join(", "));
  router_->AddCustom(entry.id, spec.arch.toStdString(), service);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    custom_[entry.id] = entry;
    auto it =
        std::find_if(custom_order_.begin(), custom_order_.end(), [&](const auto& c) { return c.first == entry.id; });
    if (it == custom_order_.end())
      custom_order_.push_back({entry.id, spec});
    else
      it->second = spec;
  }
  if (custom_changed_) custom_changed_();
  return entry;
}

bool RegistryProvider::Forget(const QString& id) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!custom_.remove(id)) return false;
    custom_order_.erase(
        std::remove_if(custom_order_.begin(), custom_order_.end(), [&](const auto& c) { return c.first == id; }),
        custom_order_.end());
  }
  router_->RemoveCustom(id);
  if (custom_changed_) custom_changed_();
  return true;
}

QVector<CustomModelSpec> RegistryProvider::CustomModels() {
  std::lock_guard<std::mutex> lock(mutex_);
  QVector<CustomModelSpec> specs;
  for (const auto& c : custom_order_) specs.push_back(c.second);
  return specs;
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
