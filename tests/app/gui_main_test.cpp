// The real `corrlens` binary and its command line (app/gui/gui_main.cpp):
// every documented form of --session opens the session, --help and
// --version work without a display, a bad session file fails with one line
// under --screenshot, and a reference BLAS is reported once.
#include <QtTest>
#include "tests/common/test_paths.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QProcess>
#include <QSettings>
#include <QTemporaryDir>

namespace {

const QString kCorrLens = corrlens::test::BinaryPath("/app/corrlens");

struct Run {
  int exit_code = -1;
  QString out;
  QString err;
};

// A fresh settings folder and cache in `dir`; offscreen unless told otherwise.
QProcessEnvironment TestEnvironment(const QTemporaryDir& dir) {
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  env.insert("QT_QPA_PLATFORM", "offscreen");
  env.insert("XDG_CONFIG_HOME", dir.filePath("config"));
  env.insert("CORRLENS_CACHE_DIR", dir.filePath("cache"));
  return env;
}

Run Start(const QStringList& args, const QProcessEnvironment& env) {
  QProcess process;
  process.setProcessEnvironment(env);
  process.start(kCorrLens, args);
  Run run;
  if (!process.waitForFinished(120000)) {
    process.kill();
    process.waitForFinished();
    run.err = "timed out";
    return run;
  }
  run.exit_code = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
  run.out = QString::fromLocal8Bit(process.readAllStandardOutput());
  run.err = QString::fromLocal8Bit(process.readAllStandardError());
  return run;
}

// A session whose source is pure red and whose target is pure blue.
QString WriteSession(const QTemporaryDir& dir) {
  QImage red(320, 240, QImage::Format_RGB32);
  red.fill(QColor(255, 0, 0));
  QImage blue(320, 240, QImage::Format_RGB32);
  blue.fill(QColor(0, 0, 255));
  red.save(dir.filePath("red.png"));
  blue.save(dir.filePath("blue.png"));
  const QString path = dir.filePath("my session.json");
  QFile file(path);
  file.open(QIODevice::WriteOnly);
  file.write(R"({"corrlens_session": 1, "source": "red.png", "target": "blue.png", "points": [], "models": []})");
  return path;
}

int CountPixels(const QImage& image, QRgb colour) {
  int count = 0;
  for (int y = 0; y < image.height(); ++y) {
    for (int x = 0; x < image.width(); ++x) count += (image.pixel(x, y) & 0xFFFFFF) == (colour & 0xFFFFFF);
  }
  return count;
}

// Without a display: no DISPLAY, WAYLAND_DISPLAY or QT_QPA_PLATFORM.
QProcessEnvironment NoDisplay() {
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "XAUTHORITY"}) env.remove(name);
  return env;
}

}  // namespace

class GuiMainTest : public QObject {
  Q_OBJECT
 private slots:
  void sessionOptionOpensTheSession_data() {
    QTest::addColumn<bool>("space_form");
    QTest::newRow("--session FILE") << true;
    QTest::newRow("--session=FILE") << false;
  }
  void sessionOptionOpensTheSession() {
    QFETCH(bool, space_form);
    QTemporaryDir dir;
    const QString session = WriteSession(dir);
    const QString shot = dir.filePath("shot.png");
    const QStringList args = space_form ? QStringList{"--session", session, "--screenshot", shot}
                                        : QStringList{"--session=" + session, "--screenshot=" + shot};
    const Run run = Start(args, TestEnvironment(dir));
    QVERIFY2(run.exit_code == 0, qPrintable(run.err));
    // The window showed the session's images: the red source and blue target.
    const QImage image(shot);
    QVERIFY2(!image.isNull(), "no screenshot written");
    QVERIFY2(CountPixels(image, qRgb(255, 0, 0)) > 5000, "the session's source image is not on screen");
    QVERIFY2(CountPixels(image, qRgb(0, 0, 255)) > 5000, "the session's target image is not on screen");
    // ... and recorded the session among the recent files, not the demo.
    QSettings settings(dir.filePath("config/CorrLens/CorrLens.conf"), QSettings::IniFormat);
    const QStringList recent = settings.value("files/recent").toStringList();
    QVERIFY2(recent.contains(QFileInfo(session).absoluteFilePath()), qPrintable(recent.join(", ")));
    // OpenBLAS (what scripts/setup-debian.sh selects): no BLAS warning.
    if (QFileInfo("/etc/alternatives/libblas.so.3-x86_64-linux-gnu").canonicalFilePath().contains("openblas")) {
      QVERIFY2(!run.err.contains("BLAS"), qPrintable(run.err));
    }
  }

  void helpWorksWithoutADisplay_data() {
    QTest::addColumn<QString>("option");
    QTest::addColumn<QString>("expected");
    QTest::newRow("--help") << "--help"
                            << "Usage: corrlens [options] [SOURCE TARGET]";
    QTest::newRow("-h") << "-h"
                        << "--session <FILE>";
    QTest::newRow("--version") << "--version"
                               << "corrlens 0.";
  }
  void helpWorksWithoutADisplay() {
    QFETCH(QString, option);
    QFETCH(QString, expected);
    const Run run = Start({option}, NoDisplay());
    QVERIFY2(run.exit_code == 0, qPrintable(run.err));
    QVERIFY2(run.out.contains(expected), qPrintable(run.out));
    QVERIFY2(!run.err.contains("display"), qPrintable(run.err));
  }

  void badSessionFailsWithOneLine_data() {
    QTest::addColumn<QString>("content");  // empty: the file does not exist
    QTest::addColumn<QString>("reason");
    QTest::newRow("missing") << ""
                             << "cannot open";
    QTest::newRow("malformed") << "{\"corrlens_session\": 1,"
                               << "not a session file";
    QTest::newRow("missing image") << R"({"corrlens_session": 1, "source": "nope.png"})"
                                   << "nope.png";
  }
  void badSessionFailsWithOneLine() {
    QFETCH(QString, content);
    QFETCH(QString, reason);
    QTemporaryDir dir;
    const QString session = dir.filePath("bad.json");
    if (!content.isEmpty()) {
      QFile file(session);
      QVERIFY(file.open(QIODevice::WriteOnly));
      file.write(content.toUtf8());
    }
    const QString shot = dir.filePath("shot.png");
    const Run run = Start({"--session", session, "--screenshot", shot}, TestEnvironment(dir));
    QCOMPARE(run.exit_code, 1);
    const QStringList lines = run.err.split('\n', Qt::SkipEmptyParts);
    QStringList errors;
    for (const QString& line : lines) {
      if (line.startsWith("corrlens: error:")) errors << line;
    }
    QVERIFY2(errors.size() == 1, qPrintable(run.err));
    QVERIFY2(errors[0].contains(session) && errors[0].contains(reason), qPrintable(errors[0]));
    QVERIFY(!QFile::exists(shot));
  }

  void referenceBlasIsReportedOnce() {
    const QString reference = "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3";
    if (!QFile::exists(reference)) QSKIP("the reference BLAS (libblas3) is not installed");
    QTemporaryDir dir;
    // The loader finds libblas.so.3 here first: LibTorch gets the reference BLAS.
    QVERIFY(QFile::link(reference, dir.filePath("libblas.so.3")));
    QProcessEnvironment env = TestEnvironment(dir);
    env.insert("LD_LIBRARY_PATH", dir.path());
    const QString session = WriteSession(dir);
    const Run run = Start({"--session", session, "--screenshot", dir.filePath("shot.png")}, env);
    QVERIFY2(run.exit_code == 0, qPrintable(run.err));
    QCOMPARE(run.err.count("reference BLAS"), 1);
    QVERIFY2(run.err.contains("sudo update-alternatives --set libblas.so.3-x86_64-linux-gnu "
                              "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3"),
             qPrintable(run.err));
  }
};

QTEST_GUILESS_MAIN(GuiMainTest)
#include "gui_main_test.moc"
