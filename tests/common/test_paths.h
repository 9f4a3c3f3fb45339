#pragma once
// Where the checkout and the build tree are. The paths are compiled into one
// small library (test_paths.cpp), not into every test object, so the objects
// do not depend on where the checkout lives and ccache hits across clones.
#include <QString>
#include <string>

namespace corrlens::test {

std::string SourceDir();    // the checkout
std::string TestDataDir();  // tests/data
std::string BinaryDir();    // the build tree

inline QString SourcePath(const QString& relative) { return QString::fromStdString(SourceDir()) + relative; }
inline QString TestDataPath(const QString& relative) { return QString::fromStdString(TestDataDir()) + relative; }
inline QString BinaryPath(const QString& relative) { return QString::fromStdString(BinaryDir()) + relative; }

}  // namespace corrlens::test
