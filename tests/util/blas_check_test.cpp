#include <QtTest>

#include <dlfcn.h>
#include <QTemporaryDir>
#include <filesystem>

#include "core/util/blas_check.h"

namespace {

namespace fsys = std::filesystem;

// Lays out a Debian-like alternatives tree under `root`:
//   lib/libblas.so.3 -> alternatives/libblas -> <implementation>/libblas.so.3
std::string LinkBlas(const QString& root, const std::string& implementation) {
  const fsys::path base(root.toStdString());
  const fsys::path target = base / "usr/lib/x86_64-linux-gnu" / implementation / "libblas.so.3";
  fsys::create_directories(target.parent_path());
  fsys::create_directories(base / "etc/alternatives");
  fsys::create_directories(base / "lib");
  {
    std::FILE* f = std::fopen(target.c_str(), "w");
    std::fclose(f);
  }
  fsys::create_symlink(target, base / "etc/alternatives/libblas.so.3-x86_64-linux-gnu");
  fsys::create_symlink(base / "etc/alternatives/libblas.so.3-x86_64-linux-gnu", base / "lib/libblas.so.3");
  return (base / "lib/libblas.so.3").string();
}

}  // namespace

using corrlens::blas::BlasStatus;
using corrlens::blas::BlasWarning;
using corrlens::blas::ClassifyBlas;

class BlasCheckTest : public QObject {
  Q_OBJECT
 private slots:
  void referenceBlasIsReportedWithTheFix() {
    QTemporaryDir dir;
    const std::string link = LinkBlas(dir.path(), "blas");
    const BlasStatus status = ClassifyBlas({"/lib/x86_64-linux-gnu/libc.so.6", link, "/lib/libm.so.6"});
    QCOMPARE(status.library, link);
    QVERIFY(status.resolved.find("/x86_64-linux-gnu/blas/libblas.so.3") != std::string::npos);
    QVERIFY(status.reference);
    const std::string warning = BlasWarning(status);
    QVERIFY(warning.find("reference BLAS") != std::string::npos);
    QVERIFY(warning.find("sudo update-alternatives --set libblas.so.3-x86_64-linux-gnu "
                         "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3") != std::string::npos);
    QVERIFY(warning.find('\n') == std::string::npos);  // one line
  }

  void openBlasIsFine() {
    QTemporaryDir dir;
    const BlasStatus status = ClassifyBlas({LinkBlas(dir.path(), "openblas-pthread")});
    QVERIFY(status.resolved.find("openblas-pthread") != std::string::npos);
    QVERIFY(!status.reference);
    QVERIFY(BlasWarning(status).empty());
  }

  void noBlasLoadedIsFine() {
    const BlasStatus status = ClassifyBlas({"/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/libopenblas.so.0"});
    QVERIFY(status.library.empty());
    QVERIFY(!status.reference);
    QVERIFY(BlasWarning(status).empty());
  }

  void dlopenedBlasIsFoundAndMatchesTheAlternative() {
    void* handle = dlopen("libblas.so.3", RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) QSKIP("no libblas.so.3 on this machine");
    const BlasStatus status = corrlens::blas::CheckLoadedBlas();
    QVERIFY2(!status.library.empty(), "libblas.so.3 is loaded but not found");
    std::error_code error;
    const auto alternative = fsys::canonical("/etc/alternatives/libblas.so.3-x86_64-linux-gnu", error);
    if (!error) QCOMPARE(status.resolved, alternative.string());
    QCOMPARE(status.reference, status.resolved.find("openblas") == std::string::npos);
    dlclose(handle);
  }
};

QTEST_APPLESS_MAIN(BlasCheckTest)
#include "blas_check_test.moc"
