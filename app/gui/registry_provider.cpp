#include "app/gui/registry_provider.h"

#include <QFileInfo>

#include "core/util/error.h"

namespace corrlens::app {

RegistryProvider::RegistryProvider(FeatureServiceOptions options)
    : options_(std::move(options)), service_(std::make_shared<FeatureService>(options_)) {}

QVector<ui::ModelEntry> RegistryProvider::Models() {
  QVector<ui::ModelEntry> entries;
  for (const BackendDescription& d : ListBackends(options_.backend.model_dirs)) {
    ui::ModelEntry e;
    e.id = QString::fromStdString(d.name);
    e.display_name = QString::fromStdString(d.display_name.empty() ? d.name : d.display_name);
    e.available = d.available;
    if (d.available) {
      e.details = QString::fromStdString(d.weights);
    } else {
      QStringList searched;
      for (const std::string& s : d.searched) searched << QString::fromStdString(s);
      e.details = QObject::tr("Weights not found. Looked in:\n%1\nDownload them with `corrlens-cli fetch %2` "
                              "or copy them into one of these folders, or add the file as a custom model.")
                      .arg(searched.join('\n'), e.id);
    }
    entries.push_back(e);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  for (const Custom& c : custom_) entries.push_back(c.entry);
  return entries;
}

FeatureSource RegistryProvider::Features() {
  return [this](const cv::Mat& rgb, const std::string& id, const ExtractOptions& options, const CancelToken& cancel) {
    return Get(rgb, id, options, cancel);
  };
}

std::shared_ptr<const FeatureMap> RegistryProvider::Get(const cv::Mat& rgb, const std::string& id,
                                                        const ExtractOptions& options, const CancelToken& cancel) {
  std::shared_ptr<FeatureService> service = service_;
  std::string name = id;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = custom_.find(QString::fromStdString(id));
    if (it != custom_.end()) {
      service = it->service;
      name = it->arch;
    }
  }
  return service->Get(rgb, name, options, cancel);
}

ui::ModelEntry RegistryProvider::AddCustom(const QString& arch, const QString& weights, const QString& adapter) {
  if (!QFileInfo::exists(weights)) throw Error("weights file not found", {weights.toStdString()});
  if (!adapter.isEmpty() && !QFileInfo::exists(adapter)) throw Error("adapter file not found", {adapter.toStdString()});
  FeatureServiceOptions options = options_;
  options.backend.weights_path = weights.toStdString();
  options.backend.adapter_path = adapter.toStdString();
  auto service = std::make_shared<FeatureService>(options);
  service->Info(arch.toStdString());  // loads the weights now: bad files fail here, with their name
  Custom custom;
  custom.arch = arch.toStdString();
  custom.service = service;
  custom.entry.id = QStringLiteral("custom:%1:%2%3")
                        .arg(arch, QFileInfo(weights).fileName(),
                             adapter.isEmpty() ? QString() : "+" + QFileInfo(adapter).fileName());
  custom.entry.display_name = QStringLiteral("%1 (%2%3)")
                                  .arg(arch, QFileInfo(weights).fileName(),
                                       adapter.isEmpty() ? QString() : ", " + QFileInfo(adapter).fileName());
  custom.entry.available = true;
  custom.entry.details = weights + (adapter.isEmpty() ? QString() : "\n" + adapter);
  std::lock_guard<std::mutex> lock(mutex_);
  custom_[custom.entry.id] = custom;
  return custom.entry;
}

QStringList RegistryProvider::Architectures() {
  QStringList archs;
  for (const BackendDescription& d : ListBackends(options_.backend.model_dirs)) {
    if (d.kind == "vit" && d.name.find('+') == std::string::npos) archs << QString::fromStdString(d.name);
  }
  return archs;
}

}  // namespace corrlens::app
