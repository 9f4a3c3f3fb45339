// Real data that Debian packages ship (opencv-doc, assimp-testmodels), for
// tests: paths, and a skip with a clear message when the package is missing
// (scripts/setup-debian.sh installs both, so CI never skips).
#pragma once

#include <QFileInfo>
#include <QString>
#include <QtTest>

#include <string>

#include "core/util/sample_data.h"

namespace corrlens::test {

// A file of opencv-doc's examples/data folder.
inline std::string OpenCvData(const std::string& name) { return corrlens::OpenCvSampleDir() + "/" + name; }
inline QString OpenCvDataQ(const QString& name) { return QString::fromStdString(OpenCvData(name.toStdString())); }
// A mesh of assimp-testmodels, e.g. "OBJ/spider.obj".
inline std::string AssimpModel(const std::string& name) { return corrlens::AssimpModelsDir() + "/" + name; }

}  // namespace corrlens::test

// Skips the current test function when `path` (std::string) does not exist,
// naming the Debian package that provides it.
#define CORRLENS_REQUIRE_DATA(path, package)                                                                    \
  do {                                                                                                          \
    if (!QFileInfo::exists(QString::fromStdString(path)))                                                       \
      QSKIP(qPrintable(QStringLiteral("%1 is missing: install the Debian package %2 (scripts/setup-debian.sh)") \
                           .arg(QString::fromStdString(path), QStringLiteral(package))));                       \
  } while (false)
#define CORRLENS_REQUIRE_OPENCV_DATA(name) CORRLENS_REQUIRE_DATA(corrlens::test::OpenCvData(name), "opencv-doc")
#define CORRLENS_REQUIRE_ASSIMP_MODEL(name) \
  CORRLENS_REQUIRE_DATA(corrlens::test::AssimpModel(name), "assimp-testmodels")
