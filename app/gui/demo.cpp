#include "app/gui/demo.h"

namespace corrlens::app {

std::optional<ui::ExamplePair> DemoExample() {
  const QVector<ui::ExamplePair> examples = ui::Examples();
  for (const char* id : {"tricycle", "graffiti"}) {
    const std::optional<ui::ExamplePair> example = ui::FindExample(examples, id);
    if (example && example->Available()) return example;
  }
  return std::nullopt;
}

QStringList DemoModels(const QVector<ui::ModelEntry>& models) {
  QStringList ids;
  for (const ui::ModelEntry& m : models) {
    if (!m.available || m.id.startsWith("custom:")) continue;
    if (m.id == "dense_sift" || !m.id.startsWith("dense_")) ids << m.id;
  }
  return ids;
}

}  // namespace corrlens::app
