#include "core/feature/backend_registry.h"

#include "core/util/error.h"

namespace corrlens {

void BackendRegistry::Add(BackendRegistration registration) {
  if (registration.name.empty() || !registration.create)
    throw Error("backend registration needs a name and a factory", {"", std::nullopt, registration.name});
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& e : entries_) {
    if (e->name == registration.name)
      throw Error("backend '" + registration.name + "' is registered twice", {"", std::nullopt, "model"},
                  "two plugins use the same name");
  }
  entries_.push_back(std::make_shared<const BackendRegistration>(std::move(registration)));
}

std::vector<BackendDescription> BackendRegistry::List(const std::vector<std::string>& model_dirs) const {
  std::vector<std::shared_ptr<const BackendRegistration>> entries;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    entries = entries_;
  }
  std::vector<BackendDescription> list;
  for (const auto& entry : entries) {
    const BackendRegistration& e = *entry;
    const BackendStatus status = e.status ? e.status(model_dirs) : BackendStatus{};
    list.push_back({e.name, e.family, e.display_name.empty() ? e.name : e.display_name, status.available,
                    status.weights, status.searched, e.is_architecture});
  }
  return list;
}

std::vector<std::string> BackendRegistry::Names() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> names;
  for (const auto& e : entries_) names.push_back(e->name);
  return names;
}

bool BackendRegistry::Contains(const std::string& name) const { return Find(name) != nullptr; }

bool BackendRegistry::HasFamily(const std::string& family) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& e : entries_) {
    if (e->family == family) return true;
  }
  return false;
}

std::shared_ptr<const BackendRegistration> BackendRegistry::Find(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& e : entries_) {
    if (e->name == name) return e;
  }
  return nullptr;
}

std::unique_ptr<FeatureBackend> BackendRegistry::Create(const std::string& name,
                                                        const BackendCreateOptions& options) const {
  if (!options.Check()) throw Error("invalid backend options: empty device", {"", std::nullopt, "device"});
  const std::shared_ptr<const BackendRegistration> entry = Find(name);
  if (!entry) {
    std::string known;
    for (const std::string& n : Names()) known += (known.empty() ? "" : ", ") + n;
    throw Error("unknown model '" + name + "'", {"", std::nullopt, "model"}, "known models: " + known);
  }
  return entry->create(options);
}

}  // namespace corrlens
