#include "app/gui/demo.h"

#include <QFileInfo>

namespace corrlens::app {

QString DemoDataDir() {
  const QStringList candidates = {qEnvironmentVariable("CORRLENS_DEMO_DATA"),
                                  QStringLiteral("/usr/share/doc/opencv-doc/examples/data"),
                                  QStringLiteral("/usr/share/opencv4/samples/data")};
  for (const QString& dir : candidates) {
    if (!dir.isEmpty() && QFileInfo::exists(dir + "/graf1.png") && QFileInfo::exists(dir + "/graf3.png"))
      return dir;
  }
  return {};
}

QStringList DemoModels(const QVector<ui::ModelEntry>& models) {
  QStringList ids;
  for (const ui::ModelEntry& m : models) {
    if (m.available && !m.id.startsWith("custom:")) ids << m.id;
  }
  return ids;
}

}  // namespace corrlens::app
