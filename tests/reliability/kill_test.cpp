// Crash-safe writes, proven: kill_writer (a child process) writes feature-
// cache entries, session files, finetuning checkpoints and benchmark
// databases and downloads in a loop and is killed with SIGKILL at random
// moments, 100 times per kind. After each kill, nothing corrupt reads as valid, the last
// good state is intact, and leftovers are cleaned on the next start.
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include "tests/common/test_paths.h"

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "core/corr/feature_cache.h"
#include "core/download/http_download.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "tests/reliability/kill_patterns.h"
#include "ui/results_store.h"

using namespace corrlens;
namespace stdfs = std::filesystem;

namespace {

constexpr int kKills = 100;

// One line from the writer server, "" after `ms` without one.
QByteArray ReadLine(QProcess& server, int ms) {
  while (!server.canReadLine())
    if (!server.waitForReadyRead(ms)) return {};
  return server.readLine().trimmed();
}

// Has the server fork a writer of `kind`, waits until its first version is
// complete, lets it run for a random time (0-40 ms) and kills it.
void RunAndKill(QProcess& server, const QString& kind, const QString& dir, std::mt19937& rng, const QString& url = {}) {
  server.write((kind + ' ' + dir + ' ' + url + '\n').toUtf8());
  const QByteArray ready = ReadLine(server, 60000);
  QVERIFY2(ready.startsWith("ready "), qPrintable("kill_writer " + kind + " did not start: " + ready));
  const int pid = ready.mid(6).toInt();
  std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 40000)(rng)));
  ::kill(static_cast<pid_t>(pid), SIGKILL);
  QCOMPARE(ReadLine(server, 10000), QByteArray("exit " + QByteArray::number(pid) + " signal 9"));
}

// Files in `dir` whose names mark them as temporaries of an atomic write.
int Temporaries(const QString& dir) {
  int n = 0;
  for (const auto& e : stdfs::recursive_directory_iterator(dir.toStdString())) {
    const std::string name = e.path().filename().string();
    if (name.find(".tmp") != std::string::npos) ++n;
  }
  return n;
}

void AgeTemporaries(const QString& dir) {
  for (const auto& e : stdfs::recursive_directory_iterator(dir.toStdString())) {
    if (e.path().filename().string().find(".tmp") != std::string::npos)
      stdfs::last_write_time(e.path(), stdfs::file_time_type::clock::now() - std::chrono::hours(2));
  }
}

}  // namespace

class KillTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    server_.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    server_.start(corrlens::test::BinaryPath("/tests/reliability/kill_writer"), {"serve"});
    QVERIFY2(server_.waitForStarted(10000), "kill_writer did not start");
  }

  void cleanupTestCase() {
    server_.closeWriteChannel();
    QVERIFY(server_.waitForFinished(10000));
  }

  void featureCache() {
    QTemporaryDir dir;
    std::mt19937 rng(1);
    for (int k = 0; k < kKills; ++k) {
      RunAndKill(server_, "cache", dir.path(), rng);
      FeatureCacheOptions options;
      options.directory = dir.path().toStdString();
      options.memory_bytes = 0;
      FeatureCache cache(options);
      int found = 0;
      for (int key = 0; key < reliability::kCacheKeys; ++key) {
        const std::string name = reliability::CacheKey(key);
        if (auto map = cache.Find(name, "cpu")) {
          const std::string defect = reliability::CheckCacheMap(name, *map);
          QVERIFY2(defect.empty(), qPrintable(QString("kill %1, %2: %3").arg(k).arg(name.c_str(), defect.c_str())));
          ++found;
        }
      }
      QVERIFY2(cache.Find(reliability::CacheKey(0), "cpu"), "the first complete entry was lost");
      QCOMPARE(cache.Stats().corrupt_dropped, int64_t{0});
      QVERIFY(found >= 1);
    }
    // Temporaries of killed writes go when the cache next starts (once they
    // are older than any write in progress could be).
    AgeTemporaries(dir.path());
    FeatureCacheOptions options;
    options.directory = dir.path().toStdString();
    FeatureCache restarted(options);
    QCOMPARE(Temporaries(dir.path()), 0);
  }

  void sessionFile() {
    QTemporaryDir dir;
    std::mt19937 rng(2);
    const QString path = dir.filePath("session.corrlens");
    for (int k = 0; k < kKills; ++k) {
      RunAndKill(server_, "session", dir.path(), rng);
      ui::SessionContents contents;
      QString error;
      QVERIFY2(ui::ReadSessionFile(path, &contents, &error), qPrintable(QString("kill %1: %2").arg(k).arg(error)));
      const std::string defect = reliability::CheckSession(contents);
      QVERIFY2(defect.empty(), qPrintable(QString("kill %1: %2").arg(k).arg(defect.c_str())));
    }
    // What killed saves left goes with the next save.
    AgeTemporaries(dir.path());
    QString error;
    QVERIFY(ui::WriteSessionFile(path, reliability::SessionVersion(7), &error));
    QCOMPARE(LeftoverCount(dir.path(), "session.corrlens"), 0);
  }

  void checkpoint() {
    QTemporaryDir dir;
    std::mt19937 rng(3);
    const std::string path = dir.filePath("last.ckpt").toStdString();
    for (int k = 0; k < kKills; ++k) {
      RunAndKill(server_, "checkpoint", dir.path(), rng);
      finetune::FinetuneCheckpoint c;
      try {
        c = finetune::ReadFinetuneCheckpoint(path);
      } catch (const Error& e) {
        QFAIL(qPrintable(QString("kill %1: %2").arg(k).arg(e.what())));
      }
      const std::string defect = reliability::CheckCheckpoint(c);
      QVERIFY2(defect.empty(), qPrintable(QString("kill %1: %2").arg(k).arg(defect.c_str())));
    }
    // The next write removes what killed writes left behind.
    AgeTemporaries(dir.path());
    finetune::WriteFinetuneCheckpoint(path, reliability::CheckpointVersion(7));
    QCOMPARE(Temporaries(dir.path()), 0);
  }

  void resultsDatabase() {
    QTemporaryDir dir;
    std::mt19937 rng(4);
    const QString path = dir.filePath("results.sqlite");
    int finished_before = 0;
    for (int k = 0; k < kKills; ++k) {
      RunAndKill(server_, "results", dir.path(), rng);
      ui::ResultsStore store;
      QString error;
      QVERIFY2(store.Open(path, &error), qPrintable(QString("kill %1: %2").arg(k).arg(error)));
      int finished = 0;
      for (const ui::RunInfo& run : store.ListRuns()) {
        QVERIFY(run.status != ui::RunStatus::kRunning);  // a killed run reads as incomplete
        if (run.status != ui::RunStatus::kFinished) continue;
        ++finished;
        const auto stored = store.LoadRun(run.id, &error);
        QVERIFY2(stored.has_value(), qPrintable(error));
        QCOMPARE(int(stored->reports.size()), 1);
        const std::string defect = reliability::CheckReport(stored->reports[0]);
        QVERIFY2(defect.empty(), qPrintable(QString("kill %1: %2").arg(k).arg(defect.c_str())));
      }
      QVERIFY2(finished > finished_before, "a finished run was lost");
      finished_before = finished;
    }
  }

  // Downloads: a placed file is always complete (the previous ones stay),
  // what a killed download leaves is resumed, never placed as it is.
  void downloads() {
    test::LocalHttpServer http;
    QVERIFY(http.Ok());
    QTemporaryDir dir;
    std::mt19937 rng(5);
    const std::string root = dir.path().toStdString();
    for (int k = 0; k < kKills; ++k) {
      RunAndKill(server_, "download", dir.path(), rng, http.Url());
      QCOMPARE(QString::fromStdString(reliability::CheckDownload(root + "/base.bin", "base.bin")), QString());
      for (int i = 0; i < 3; ++i) {
        const std::string name = reliability::DownloadName(i);
        if (!stdfs::exists(root + "/" + name)) continue;
        const std::string defect = reliability::CheckDownload(root + "/" + name, name);
        QVERIFY2(defect.empty(), qPrintable(QString("kill %1, %2: %3").arg(k).arg(name.c_str(), defect.c_str())));
      }
    }
    // Every partial file left by the last kill completes correctly.
    auto downloader = download::Downloader::Create(download::NetworkOptions{});
    Progress progress;
    int resumed = 0;
    for (int i = 0; i < 3; ++i) {
      const std::string name = reliability::DownloadName(i);
      download::DownloadRequest request;
      request.url = http.UrlStd("/files/" + QString::fromStdString(name) +
                                "?size=" + QString::number(reliability::kDownloadBytes));
      request.destination = root + "/" + name;
      request.expected_size = reliability::kDownloadBytes;
      if (stdfs::exists(request.destination)) continue;
      resumed += downloader->Fetch(request, progress, CancelToken{}).resumed;
      QCOMPARE(QString::fromStdString(reliability::CheckDownload(request.destination, name)), QString());
      QVERIFY(!stdfs::exists(request.PartialPath()));
    }
    qInfo("partial files resumed after the last kill: %d", resumed);
  }

 private:
  QProcess server_;

  // Files next to `name` in `dir` other than itself (temporaries).
  static int LeftoverCount(const QString& dir, const QString& name) {
    int n = 0;
    for (const auto& e : stdfs::directory_iterator(dir.toStdString())) {
      const QString file = QString::fromStdString(e.path().filename().string());
      if (file != name && file.startsWith(name)) {
        qWarning("leftover: %s", qPrintable(file));
        ++n;
      }
    }
    return n;
  }
};

QTEST_GUILESS_MAIN(KillTest)
#include "kill_test.moc"
