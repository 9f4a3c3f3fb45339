#include "app/gui/app_settings.h"

#include <QDir>
#include <QStandardPaths>

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
  for (const QString& dir : settings.value("models/dirs").toStringList())
    options.backend.model_dirs.push_back(dir.toStdString());
  return options;
}

ui::BenchmarkSettings LoadBenchmarkSettings(QSettings& settings) {
  ui::BenchmarkSettings benchmark;
  benchmark.tasks = settings.value("benchmark/tasks").toStringList();
  benchmark.preset = settings.value("benchmark/preset", benchmark.preset).toString();
  benchmark.transfer_protocol = settings.value("benchmark/transfer_protocol", benchmark.transfer_protocol).toString();
  settings.beginGroup("benchmark/datasets");
  for (const QString& task : settings.childKeys()) benchmark.datasets.insert(task, settings.value(task).toString());
  settings.endGroup();
  return benchmark;
}

void SaveBenchmarkSettings(QSettings& settings, const ui::BenchmarkSettings& benchmark) {
  settings.setValue("benchmark/tasks", benchmark.tasks);
  settings.setValue("benchmark/preset", benchmark.preset);
  settings.setValue("benchmark/transfer_protocol", benchmark.transfer_protocol);
  settings.remove("benchmark/datasets");
  for (auto it = benchmark.datasets.begin(); it != benchmark.datasets.end(); ++it)
    settings.setValue("benchmark/datasets/" + it.key(), it.value());
}

QString ResultsDatabasePath(QSettings& settings) {
  const QString configured = settings.value("benchmark/database").toString();
  if (!configured.isEmpty()) return configured;
  const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
  QDir().mkpath(dir);
  return dir + "/benchmark-runs.sqlite";
}

QVector<CustomModelSpec> LoadCustomModels(QSettings& settings) {
  QVector<CustomModelSpec> models;
  const int n = settings.beginReadArray("models/custom");
  for (int i = 0; i < n; ++i) {
    settings.setArrayIndex(i);
    CustomModelSpec spec{settings.value("arch").toString(), settings.value("weights").toString(),
                         settings.value("adapter").toString()};
    if (!spec.arch.isEmpty() && !spec.weights.isEmpty()) models.push_back(spec);
  }
  settings.endArray();
  return models;
}

void SaveCustomModels(QSettings& settings, const QVector<CustomModelSpec>& models) {
  settings.remove("models/custom");
  settings.beginWriteArray("models/custom", int(models.size()));
  for (int i = 0; i < int(models.size()); ++i) {
    settings.setArrayIndex(i);
    settings.setValue("arch", models[i].arch);
    settings.setValue("weights", models[i].weights);
    settings.setValue("adapter", models[i].adapter);
  }
  settings.endArray();
}

bool IsFirstLaunch(QSettings& settings) { return !settings.value("app/launched", false).toBool(); }

void MarkLaunched(QSettings& settings) { settings.setValue("app/launched", true); }

}  // namespace corrlens::app
