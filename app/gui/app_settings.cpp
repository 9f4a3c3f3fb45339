#include "app/gui/app_settings.h"

namespace corrlens::app {

ui::WindowState LoadWindowState(QSettings& settings) {
  ui::WindowState state;
  state.geometry = settings.value("window/geometry").toByteArray();
  state.layout = settings.value("window/layout").toByteArray();
  state.recent_files = settings.value("files/recent").toStringList();
  return state;
}

void SaveWindowState(QSettings& settings, const ui::WindowState& state) {
  settings.setValue("window/geometry", state.geometry);
  settings.setValue("window/layout", state.layout);
  settings.setValue("files/recent", state.recent_files);
}

FeatureServiceOptions LoadFeatureOptions(QSettings& settings) {
  FeatureServiceOptions options;
  options.cache.memory_bytes = settings.value("cache/memory_mb", 2048).toLongLong() << 20;
  options.cache.disk_bytes = settings.value("cache/disk_mb", 4096).toLongLong() << 20;
  options.backend.device = settings.value("compute/device", "cpu").toString().toStdString();
  for (const QString& dir : settings.value("models/dirs").toStringList()) options.backend.model_dirs.push_back(dir.toStdString());
  return options;
}

bool IsFirstLaunch(QSettings& settings) { return !settings.value("app/launched", false).toBool(); }

void MarkLaunched(QSettings& settings) { settings.setValue("app/launched", true); }

}  // namespace corrlens::app
