// The only place that reads and writes QSettings: turns them into the
// option structs the ui library takes, and saves them back.
#pragma once

#include <QSettings>

#include "core/corr/feature_service.h"
#include "ui/main_window.h"

namespace corrlens::app {

ui::WindowState LoadWindowState(QSettings& settings);
void SaveWindowState(QSettings& settings, const ui::WindowState& state);
// True once per user: the first launch opens the demo session.
// Feature cache sizes, device and extra model folders ("models/dirs").
FeatureServiceOptions LoadFeatureOptions(QSettings& settings);
bool IsFirstLaunch(QSettings& settings);
void MarkLaunched(QSettings& settings);

}  // namespace corrlens::app
