// Running /usr/bin/python3 (Debian's, with python3-torch, -numpy and -pil)
// from tests that check our results against an independent Python
// implementation. Header-only.
#pragma once

#include <QProcess>
#include <QString>
#include <QStringList>

namespace corrlens::test {

struct PythonResult {
  bool ok = false;
  QString out, err;
};

// Runs `/usr/bin/python3 args...`; ok when it exits 0 within `timeout_ms`.
inline PythonResult RunPython3(const QStringList& args, int timeout_ms = 120000) {
  QProcess process;
  process.start(QStringLiteral("/usr/bin/python3"), args);
  PythonResult r;
  if (!process.waitForFinished(timeout_ms)) {
    process.kill();
    process.waitForFinished();
    r.err = QStringLiteral("timed out or did not start: ") + process.errorString();
    return r;
  }
  r.ok = process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
  r.out = QString::fromUtf8(process.readAllStandardOutput());
  r.err = QString::fromUtf8(process.readAllStandardError());
  return r;
}

}  // namespace corrlens::test
