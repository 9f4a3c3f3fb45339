// The built-in demo: the graf1/graf3 pair from Debian's opencv-doc.
#pragma once

#include <QString>
#include <QStringList>
#include <QVector>

#include "ui/backend_provider.h"

namespace corrlens::app {

// Folder holding graf1.png/graf3.png ($CORRLENS_DEMO_DATA wins), or "" if absent.
QString DemoDataDir();

// Models of the demo session: dense SIFT plus every ViT whose weights were found.
QStringList DemoModels(const QVector<ui::ModelEntry>& models);

}  // namespace corrlens::app
