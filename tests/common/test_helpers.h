// Small helpers shared by test executables (header-only).
#pragma once

#include <QProcess>
#include <QString>
#include <QStringList>
#include "tests/common/test_paths.h"

#include <functional>
#include <string>

#include "core/util/error.h"

namespace corrlens::test {

// The message of the corrlens::Error that `fn` throws, or "no error".
inline std::string ErrorOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const corrlens::Error& e) {
    return e.what();
  }
  return "no error";
}

// Exit code (-1 when it crashed), stdout and stderr of a corrlens-cli run.
struct CliResult {
  int code = -1;
  QString out, err;
};

inline CliResult RunCli(const QStringList& args, int timeout_ms = 120000) {
  QProcess process;
  process.start(corrlens::test::BinaryPath("/app/corrlens-cli"), args);
  process.waitForFinished(timeout_ms);
  return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
          QString::fromUtf8(process.readAllStandardOutput()), QString::fromUtf8(process.readAllStandardError())};
}

// True when the run failed with exit code 1 and one "corrlens-cli: error:"
// line containing `needle`; otherwise logs what it did instead.
inline bool FailsWith(const CliResult& r, const QString& needle) {
  const QString err = r.err.trimmed();
  if (r.code == 1 && err.startsWith("corrlens-cli: error:") && !err.contains('\n') && err.contains(needle)) return true;
  qWarning("exit %d, stderr: %s", r.code, qPrintable(r.err));
  return false;
}

}  // namespace corrlens::test
