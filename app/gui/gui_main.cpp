// corrlens: the desktop application.
//   corrlens [SOURCE TARGET] [--session FILE] [--demo] [--screenshot PNG]
//
// The command line is read in two passes. --help and --version are answered
// before QApplication exists, so they work without a display. QApplication
// then takes its own options out of argv, including "-session ID" and
// "--session ID" (X11 session management); our value options are rewritten
// to the "--name=value" form first so that it leaves them alone.
#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QSettings>
#include <QTimer>

#include <cstdio>
#include <string>
#include <vector>

#include "app/gui/app_settings.h"
#include "app/gui/demo.h"
#include "app/gui/registry_provider.h"
#include "core/util/blas_check.h"
#include "ui/benchmark_workspace.h"
#include "ui/job_runner.h"
#include "ui/main_window.h"
#include "ui/pair_document.h"
#include "ui/pair_workspace.h"
#include "ui/session_model.h"

namespace {

// What the command line asks for.
struct GuiArguments {
  QStringList files;   // SOURCE TARGET
  QString session;     // --session FILE
  QString screenshot;  // --screenshot PNG: save the window and quit
  bool demo = false;   // --demo
};

// Options that take a value; Qt may claim "--name value" for itself.
const char* const kValueOptions[] = {"session", "screenshot"};

void SetApplicationIdentity() {
  QCoreApplication::setOrganizationName("CorrLens");
  QCoreApplication::setApplicationName("CorrLens");
  QCoreApplication::setApplicationVersion(CORRLENS_VERSION);
}

void ConfigureParser(QCommandLineParser& parser) {
  parser.setApplicationDescription("Explore dense correspondences of vision backbones.");
  // "-session" stays one word (Qt's option), never the letters -s -e -s ...
  parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument("source", "Source image.", "[SOURCE");
  parser.addPositionalArgument("target", "Target image.", "TARGET]");
  parser.addOption(QCommandLineOption("session", "Open a saved session.", "FILE"));
  parser.addOption(QCommandLineOption("demo", "Open the built-in demo session."));
  parser.addOption(QCommandLineOption("screenshot", "Save a window screenshot to PNG and quit.", "PNG"));
}

// Answers --help and --version without a QApplication (so without a
// display). Returns true when the program should exit (status 0).
bool AnswerInfoOptions(int argc, char** argv) {
  QStringList arguments;
  for (int i = 0; i < argc; ++i) arguments << QString::fromLocal8Bit(argv[i]);
  QCommandLineParser parser;
  ConfigureParser(parser);
  parser.parse(arguments);     // Qt's own options (-platform ...) are unknown here: not an error yet
  if (parser.isSet("help")) {  // --help-all lists Qt's options: it needs the QApplication
    std::fputs(qPrintable(parser.helpText().replace("<executable_name>", "corrlens")), stdout);
    return true;
  }
  if (parser.isSet("version")) {
    std::printf("corrlens %s\n", CORRLENS_VERSION);
    return true;
  }
  return false;
}

// argv with "--session FILE" turned into "--session=FILE" (same for every
// value option) up to a "--" that ends the options.
std::vector<std::string> ProtectValueOptions(int argc, char** argv) {
  std::vector<std::string> out(argv, argv + argc);
  for (size_t i = 1; i + 1 < out.size(); ++i) {
    if (out[i] == "--") break;
    for (const char* name : kValueOptions) {
      if (out[i] != std::string("--") + name) continue;
      out[i] += "=" + out[i + 1];
      out.erase(out.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      break;
    }
  }
  return out;
}

GuiArguments ParseArguments(const QApplication& app) {
  QCommandLineParser parser;
  ConfigureParser(parser);
  parser.process(app);
  return {parser.positionalArguments(), parser.value("session"), parser.value("screenshot"), parser.isSet("demo")};
}

// Saves a screenshot of `window` once the pair's images are in (they are
// decoded off the GUI thread) and no job runs, then quits.
void ScheduleScreenshot(corrlens::ui::MainWindow* window, const QString& path) {
  auto shoot = [window, path] {
    QTimer::singleShot(300, window, [window, path] {
      const bool ok = window->grab().save(path);
      if (!ok) std::fprintf(stderr, "corrlens: %s: cannot write screenshot\n", qPrintable(path));
      QApplication::exit(ok ? 0 : 1);
    });
  };
  auto* poll = new QTimer(window);
  poll->setInterval(100);
  QObject::connect(poll, &QTimer::timeout, window, [window, poll, shoot] {
    if (window->Pair()->Document()->IsLoading()) return;
    poll->stop();
    if (window->Jobs()->ActiveJobs() == 0) {
      shoot();
    } else {
      QObject::connect(window->Jobs(), &corrlens::ui::JobRunner::idle, window, shoot);
    }
  });
  QTimer::singleShot(1500, poll, [poll] { poll->start(); });
}

// Checks that the session file opens, without touching any window: the
// one-line reason for a bad file goes to stderr. Empty when it opens.
QString CheckSessionFile(const QString& path) {
  corrlens::ui::MainWindow probe({});  // hidden; loads the file as the real window would
  QString error;
  if (probe.LoadSession(path, &error)) return {};
  std::fprintf(stderr, "corrlens: error: %s\n", qPrintable(error));
  return error.isEmpty() ? QStringLiteral("%1: cannot open").arg(path) : error;
}

void OpenDemo(corrlens::ui::MainWindow& window, corrlens::app::RegistryProvider& backends, bool modal) {
  const std::optional<corrlens::ui::ExamplePair> demo = corrlens::app::DemoExample();
  if (!demo) {
    const QString error = QObject::tr(
        "Demo images not found: neither the bundled examples (/usr/share/corrlens/examples; "
        "set CORRLENS_EXAMPLES) nor graf1.png/graf3.png (install opencv-doc or set CORRLENS_DEMO_DATA).");
    std::fprintf(stderr, "corrlens: %s\n", qPrintable(error));
    window.ReportError(error, modal);
    return;
  }
  if (!window.OpenPair(demo->source, demo->target, demo->points)) return;  // the points come with the images
  window.Session()->SetModels(corrlens::app::DemoModels(backends.Models()));
}

// Opens what the command line names: a session, a pair, or the demo.
void OpenFromCommandLine(corrlens::ui::MainWindow& window, corrlens::app::RegistryProvider& backends,
                         const GuiArguments& args, const QString& session_error, bool first_launch) {
  const bool modal = args.screenshot.isEmpty();
  if (!session_error.isEmpty()) {
    window.ReportError(session_error, modal);
  } else if (!args.session.isEmpty()) {
    window.OpenSession(args.session);
  } else if (args.files.size() == 2) {
    window.OpenPair(args.files[0], args.files[1]);
  } else if (args.files.size() == 1) {
    window.ReportError(QObject::tr("Give two images (source and target), got one: %1").arg(args.files[0]), modal);
  } else if (args.demo || first_launch) {
    OpenDemo(window, backends, modal);
  }
}

}  // namespace

int main(int argc, char** argv) {
  SetApplicationIdentity();
  if (AnswerInfoOptions(argc, argv)) return 0;
  std::vector<std::string> arguments = ProtectValueOptions(argc, argv);
  std::vector<char*> qt_argv;
  qt_argv.reserve(arguments.size() + 1);
  for (std::string& argument : arguments) qt_argv.push_back(argument.data());
  qt_argv.push_back(nullptr);
  int qt_argc = static_cast<int>(arguments.size());
  QApplication app(qt_argc, qt_argv.data());
  QApplication::setWindowIcon(QIcon(":/icons/corrlens.png"));
  const GuiArguments args = ParseArguments(app);
  corrlens::blas::WarnIfReferenceBlas("corrlens");

  const QString session_error = args.session.isEmpty() ? QString() : CheckSessionFile(args.session);
  if (!session_error.isEmpty() && !args.screenshot.isEmpty()) return 1;

  QSettings settings;
  corrlens::app::RegistryProvider backends(corrlens::app::LoadFeatureOptions(settings));
  for (const corrlens::app::CustomModelSpec& spec : corrlens::app::LoadCustomModels(settings))
    backends.RestoreCustom(spec);
  backends.OnCustomModelsChanged([&] { corrlens::app::SaveCustomModels(settings, backends.CustomModels()); });
  const corrlens::ui::MainWindowServices services{&backends, corrlens::app::LoadBenchmarkSettings(settings),
                                                  corrlens::app::ResultsDatabasePath(settings)};
  corrlens::ui::MainWindow window(corrlens::app::LoadWindowState(settings), services);
  QObject::connect(&window, &corrlens::ui::MainWindow::stateChanged, &window,
                   [&] { corrlens::app::SaveWindowState(settings, window.State()); });
  QObject::connect(
      window.Benchmark(), &corrlens::ui::BenchmarkWorkspace::settingsChanged, &window,
      [&](const corrlens::ui::BenchmarkSettings& b) { corrlens::app::SaveBenchmarkSettings(settings, b); });
  if (!args.screenshot.isEmpty()) window.resize(1500, 900);
  window.show();

  const bool first_launch = corrlens::app::IsFirstLaunch(settings);
  corrlens::app::MarkLaunched(settings);
  OpenFromCommandLine(window, backends, args, session_error, first_launch);
  if (!args.screenshot.isEmpty()) ScheduleScreenshot(&window, args.screenshot);
  return app.exec();
}
