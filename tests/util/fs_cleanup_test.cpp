#include <QTemporaryDir>
#include <QTest>

#include <filesystem>
#include <fstream>

#include "core/util/fs.h"
#include "core/util/fs_cleanup.h"

using namespace corrlens;
namespace stdfs = std::filesystem;

namespace {

void Touch(const stdfs::path& path, std::chrono::hours age) {
  std::ofstream(path) << "x";
  stdfs::last_write_time(path, stdfs::file_time_type::clock::now() - age);
}

}  // namespace

class FsCleanupTest : public QObject {
  Q_OBJECT

 private slots:
  void removesOnlyStaleTemporariesOfThatFile() {
    QTemporaryDir dir;
    const stdfs::path root = dir.path().toStdString();
    const std::string target = (root / "last.ckpt").string();
    fs::WriteFileAtomic(target, std::string("good"));
    Touch(root / "last.ckpt.tmp123", std::chrono::hours(2));   // stale: goes
    Touch(root / "last.ckpt.tmp456", std::chrono::hours(0));   // may be in progress: stays
    Touch(root / "last.ckpt.tmpx1", std::chrono::hours(2));    // not ours: stays
    Touch(root / "other.ckpt.tmp789", std::chrono::hours(2));  // another file's: stays
    QCOMPARE(fs::RemoveStaleTemporaries(target), 1);
    QVERIFY(!stdfs::exists(root / "last.ckpt.tmp123"));
    QVERIFY(stdfs::exists(root / "last.ckpt.tmp456"));
    QVERIFY(stdfs::exists(root / "last.ckpt.tmpx1"));
    QVERIFY(stdfs::exists(root / "other.ckpt.tmp789"));
    QVERIFY(stdfs::exists(target));
    QCOMPARE(fs::RemoveStaleTemporaries(target, std::chrono::seconds(0)), 1);  // the young one too
  }

  void missingFolderIsNotAnError() { QCOMPARE(fs::RemoveStaleTemporaries("/nonexistent-corrlens-folder/x.ckpt"), 0); }
};

QTEST_GUILESS_MAIN(FsCleanupTest)
#include "fs_cleanup_test.moc"
