// corrlens: the desktop application.
//   corrlens [SOURCE TARGET] [--session FILE] [--demo] [--screenshot PNG]
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QIcon>
#include <QMessageBox>
#include <QScreen>
#include <QSettings>
#include <QTimer>

#include "app/gui/app_settings.h"
#include "app/gui/demo.h"
#include "app/gui/registry_provider.h"
#include "ui/session_model.h"
#include "ui/job_runner.h"
#include "ui/main_window.h"

namespace {

// Saves a screenshot of `window` once no job runs, then quits.
void ScheduleScreenshot(corrlens::ui::MainWindow* window, const QString& path) {
  auto shoot = [window, path] {
    QTimer::singleShot(300, window, [window, path] {
      const bool ok = window->grab().save(path);
      if (!ok) fprintf(stderr, "corrlens: %s: cannot write screenshot\n", qPrintable(path));
      QApplication::exit(ok ? 0 : 1);
    });
  };
  QTimer::singleShot(1500, window, [window, shoot] {
    if (window->Jobs()->ActiveJobs() == 0) {
      shoot();
    } else {
      QObject::connect(window->Jobs(), &corrlens::ui::JobRunner::idle, window, shoot);
    }
  });
}

}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName("CorrLens");
  QApplication::setApplicationName("CorrLens");
  QApplication::setWindowIcon(QIcon(":/icons/corrlens.png"));
  QApplication::setApplicationVersion(CORRLENS_VERSION);

  QCommandLineParser parser;
  parser.setApplicationDescription("Explore dense correspondences of vision backbones.");
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument("source", "Source image.", "[SOURCE");
  parser.addPositionalArgument("target", "Target image.", "TARGET]");
  QCommandLineOption session_option("session", "Open a saved session.", "FILE");
  QCommandLineOption demo_option("demo", "Open the built-in demo session.");
  QCommandLineOption shot_option("screenshot", "Save a window screenshot to PNG and quit.", "PNG");
  parser.addOptions({session_option, demo_option, shot_option});
  parser.process(app);

  QSettings settings;
  corrlens::app::RegistryProvider backends(corrlens::app::LoadFeatureOptions(settings));
  corrlens::ui::MainWindow window(corrlens::app::LoadWindowState(settings), {&backends});
  QObject::connect(&window, &corrlens::ui::MainWindow::stateChanged, &window,
                   [&] { corrlens::app::SaveWindowState(settings, window.State()); });
  if (parser.isSet(shot_option)) window.resize(1500, 900);
  window.show();

  const QStringList files = parser.positionalArguments();
  const bool first_launch = corrlens::app::IsFirstLaunch(settings);
  corrlens::app::MarkLaunched(settings);
  if (parser.isSet(session_option)) {
    window.OpenSession(parser.value(session_option));
  } else if (files.size() == 2) {
    window.OpenPair(files[0], files[1]);
  } else if (files.size() == 1) {
    window.ReportError(QObject::tr("Give two images (source and target), got one: %1").arg(files[0]));
  } else if (parser.isSet(demo_option) || first_launch) {
    const QString dir = corrlens::app::DemoDataDir();
    if (dir.isEmpty()) {
      window.ReportError(QObject::tr("Demo images graf1.png/graf3.png not found; install the "
                                     "Debian package opencv-doc or set CORRLENS_DEMO_DATA."));
    } else {
      window.OpenPair(dir + "/graf1.png", dir + "/graf3.png");
      window.Session()->SetModels(corrlens::app::DemoModels(backends.Models()));
      window.Session()->AddPoint(QPointF(285, 250));
      window.Session()->AddPoint(QPointF(520, 420));
    }
  }
  if (parser.isSet(shot_option)) ScheduleScreenshot(&window, parser.value(shot_option));
  return app.exec();
}
