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

bool IsFirstLaunch(QSettings& settings) { return !settings.value("app/launched", false).toBool(); }

void MarkLaunched(QSettings& settings) { settings.setValue("app/launched", true); }

}  // namespace corrlens::app
