// The built-in example pairs (File -> Examples): the three pairs of the
// 3DCorrEnhance online demo shipped in resources/examples (a rendered
// tricycle from two views, a bench from two viewpoints, two cats; MIT, see
// its README) and graf1/graf3 from Debian's opencv-doc. Each comes with a
// few points on the source. Header-only (inline), so that the Pair workspace
// and app/ share it without another translation unit.
#pragma once

#include <QAction>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QMenu>
#include <QPointF>
#include <QString>
#include <QStringList>
#include <QVector>

#include <functional>
#include <optional>

#include "core/util/sample_data.h"

namespace corrlens::ui {

struct ExamplePair {
  QString id;               // "tricycle", "bench", "cats", "graffiti"
  QString title;            // menu entry
  QString description;      // status tip
  QString source, target;   // image paths
  QVector<QPointF> points;  // clicked on the source when the pair opens
  QString missing;          // why the files are not there ("" when they are)
  bool Available() const { return missing.isEmpty(); }
};

// Folder of the bundled examples, "" when none is found: $CORRLENS_EXAMPLES,
// the installed <prefix>/share/corrlens/examples next to the executable,
// /usr/share/corrlens/examples, else resources/examples of a source tree
// above the executable (a build folder inside the checkout).
inline QString ExamplesDir() {
  const QString marker = QStringLiteral("objs_1-1.png");
  QStringList candidates = {qEnvironmentVariable("CORRLENS_EXAMPLES")};
  const QString app_dir = QCoreApplication::instance() ? QCoreApplication::applicationDirPath() : QString();
  if (!app_dir.isEmpty()) candidates << app_dir + "/../share/corrlens/examples";
  candidates << QStringLiteral("/usr/share/corrlens/examples");
  QDir up(app_dir.isEmpty() ? QDir::currentPath() : app_dir);
  for (int level = 0; level < 6; ++level) {
    candidates << up.filePath("resources/examples");
    if (!up.cdUp()) break;
  }
  for (const QString& dir : candidates) {
    if (!dir.isEmpty() && QFileInfo::exists(dir + "/" + marker)) return QDir::cleanPath(QDir(dir).absolutePath());
  }
  return {};
}

// Folder with graf1.png / graf3.png: $CORRLENS_DEMO_DATA, opencv-doc's data
// ($CORRLENS_OPENCV_DATA), OpenCV's samples; "" when none has them.
inline QString GraffitiDir() {
  const QStringList candidates = {qEnvironmentVariable("CORRLENS_DEMO_DATA"),
                                  QString::fromStdString(corrlens::OpenCvSampleDir()),
                                  QStringLiteral("/usr/share/opencv4/samples/data")};
  for (const QString& dir : candidates) {
    if (!dir.isEmpty() && QFileInfo::exists(dir + "/graf1.png") && QFileInfo::exists(dir + "/graf3.png")) return dir;
  }
  return {};
}

// The examples in menu order, with their files in `examples_dir` and
// `graffiti_dir`; an example whose files are missing says why.
inline QVector<ExamplePair> Examples(const QString& examples_dir = ExamplesDir(),
                                     const QString& graffiti_dir = GraffitiDir()) {
  const auto tr = [](const char* text) { return QCoreApplication::translate("corrlens::ui::Examples", text); };
  QVector<ExamplePair> examples = {
      {"tricycle",
       tr("&Tricycle (rendered object, two views)"),
       tr("A rendered tricycle seen from two viewpoints: the 3D-object case of the paper (3DCorrEnhance demo)"),
       "objs_1-1.png",
       "objs_1-2.png",
       {{200, 168}, {335, 348}, {303, 398}},
       {}},
      {"bench",
       tr("&Bench (real scene, two viewpoints)"),
       tr("A wooden bench photographed from two viewpoints (3DCorrEnhance demo)"),
       "scenes_1-1.jpg",
       "scenes_1-2.jpg",
       {{585, 330}, {483, 500}, {630, 480}},
       {}},
      {"cats",
       tr("&Cats (two different cats)"),
       tr("Two different cats: semantic correspondence (3DCorrEnhance demo)"),
       "scenes_2-1.jpg",
       "scenes_2-2.jpg",
       {{50, 87}, {78, 100}, {140, 22}},
       {}},
      {"graffiti",
       tr("&Graffiti (graf1 / graf3, planar)"),
       tr("A planar graffiti wall under a strong viewpoint change (OpenCV sample data)"),
       "graf1.png",
       "graf3.png",
       {{285, 250}, {520, 420}},
       {}},
  };
  for (ExamplePair& e : examples) {
    const QString dir = e.id == "graffiti" ? graffiti_dir : examples_dir;
    e.source = dir.isEmpty() ? QString() : QDir(dir).filePath(e.source);
    e.target = dir.isEmpty() ? QString() : QDir(dir).filePath(e.target);
    if (dir.isEmpty() || !QFileInfo::exists(e.source) || !QFileInfo::exists(e.target)) {
      e.missing = e.id == "graffiti" ? tr("graf1.png / graf3.png not found: install the Debian package opencv-doc "
                                          "or set CORRLENS_DEMO_DATA")
                                     : tr("the bundled examples were not found (/usr/share/corrlens/examples or "
                                          "resources/examples; set CORRLENS_EXAMPLES)");
    }
  }
  return examples;
}

// The example named `id` among `examples`, if any.
inline std::optional<ExamplePair> FindExample(const QVector<ExamplePair>& examples, const QString& id) {
  for (const ExamplePair& e : examples) {
    if (e.id == id) return e;
  }
  return std::nullopt;
}

// The Examples submenu: one entry per example (disabled, with the reason as
// its tip, when its files are missing); choosing one calls `open`.
inline QMenu* CreateExamplesMenu(const QVector<ExamplePair>& examples, QWidget* parent,
                                 const std::function<void(const ExamplePair&)>& open) {
  auto* menu = new QMenu(QCoreApplication::translate("corrlens::ui::Examples", "&Examples"), parent);
  for (const ExamplePair& example : examples) {
    QAction* action = menu->addAction(example.title);
    action->setObjectName("example_" + example.id);
    action->setEnabled(example.Available());
    const QString tip = example.Available() ? example.description : example.missing;
    action->setStatusTip(tip);
    action->setToolTip(tip);
    QObject::connect(action, &QAction::triggered, menu, [open, example] { open(example); });
  }
  menu->setToolTipsVisible(true);
  return menu;
}

}  // namespace corrlens::ui
