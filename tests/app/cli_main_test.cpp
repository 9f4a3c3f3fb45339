// The real `corrlens-cli` binary's start-up (app/cli/cli_main.cpp): one
// warning line with the fix when LibTorch gets the reference BLAS, none
// with OpenBLAS.
#include <QtTest>
#include "tests/common/test_paths.h"

#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>

namespace {

const QString kCli = corrlens::test::BinaryPath("/app/corrlens-cli");
const QString kFixture = corrlens::test::TestDataPath("/io/fortran.npy");

// Runs `corrlens-cli inspect <fixture>`; returns stderr, exit code in `code`.
QString InspectStderr(const QProcessEnvironment& env, int* code) {
  QProcess process;
  process.setProcessEnvironment(env);
  process.start(kCli, {"inspect", kFixture});
  if (!process.waitForFinished(60000)) return "timed out";
  *code = process.exitCode();
  return QString::fromLocal8Bit(process.readAllStandardError());
}

}  // namespace

class CliMainTest : public QObject {
  Q_OBJECT
 private slots:
  void referenceBlasIsReportedOnce() {
    const QString reference = "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3";
    if (!QFile::exists(reference)) QSKIP("the reference BLAS (libblas3) is not installed");
    QTemporaryDir dir;
    QVERIFY(QFile::link(reference, dir.filePath("libblas.so.3")));  // found before the system's
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("LD_LIBRARY_PATH", dir.path());
    int code = -1;
    const QString err = InspectStderr(env, &code);
    QCOMPARE(code, 0);
    const QStringList lines = err.split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 1);
    QVERIFY2(lines[0].startsWith("corrlens-cli: warning: LibTorch uses the reference BLAS"), qPrintable(err));
    QVERIFY2(lines[0].contains("sudo update-alternatives --set libblas.so.3-x86_64-linux-gnu "
                               "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3"),
             qPrintable(err));
  }

  void openBlasGivesNoWarning() {
    if (!QFileInfo("/etc/alternatives/libblas.so.3-x86_64-linux-gnu").canonicalFilePath().contains("openblas")) {
      QSKIP("libblas.so.3 does not point to OpenBLAS here (scripts/setup-debian.sh selects it)");
    }
    int code = -1;
    const QString err = InspectStderr(QProcessEnvironment::systemEnvironment(), &code);
    QCOMPARE(code, 0);
    QVERIFY2(!err.contains("BLAS"), qPrintable(err));
  }
};

QTEST_GUILESS_MAIN(CliMainTest)
#include "cli_main_test.moc"
