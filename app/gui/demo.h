// The built-in demo: the tricycle example (a rendered object seen from two
// views, the paper's 3D-object case; bundled in resources/examples), or
// graf1/graf3 from Debian's opencv-doc when the bundle is missing.
#pragma once

#include <QString>
#include <QStringList>
#include <QVector>

#include <optional>

#include "ui/backend_provider.h"
#include "ui/examples_menu.h"

namespace corrlens::app {

// The example the first launch and --demo open; none when no files exist.
std::optional<ui::ExamplePair> DemoExample();

// Models of the demo session: dense SIFT plus every available learned
// backbone (the ViTs whose weights were found, TorchScript models); no other
// classical descriptor and no custom model.
QStringList DemoModels(const QVector<ui::ModelEntry>& models);

}  // namespace corrlens::app
