// The only place that reads and writes QSettings: turns them into the
// option structs the ui library takes, and saves them back.
#pragma once

#include <QSettings>

#include "app/gui/registry_provider.h"
#include "core/corr/feature_service.h"
#include "ui/benchmark_settings.h"
#include "ui/main_window.h"

namespace corrlens::app {

ui::WindowState LoadWindowState(QSettings& settings);
void SaveWindowState(QSettings& settings, const ui::WindowState& state);
// True once per user: the first launch opens the demo session.
// Feature cache sizes, device and extra model folders ("models/dirs").
FeatureServiceOptions LoadFeatureOptions(QSettings& settings);
bool IsFirstLaunch(QSettings& settings);
void MarkLaunched(QSettings& settings);
// The Benchmark workspace's choices ("benchmark/..." keys).
ui::BenchmarkSettings LoadBenchmarkSettings(QSettings& settings);
void SaveBenchmarkSettings(QSettings& settings, const ui::BenchmarkSettings& benchmark);
// The benchmark runs' SQLite file: "benchmark/database", else
// benchmark-runs.sqlite in the application data folder (created).
QString ResultsDatabasePath(QSettings& settings);
// Custom models added from the GUI ("models/custom" array).
QVector<CustomModelSpec> LoadCustomModels(QSettings& settings);
void SaveCustomModels(QSettings& settings, const QVector<CustomModelSpec>& models);

}  // namespace corrlens::app
