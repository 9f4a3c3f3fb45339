// Tests of the feature cache: hits, misses, corruption, eviction, threads.
#include <QTemporaryDir>
#include <QtTest>

#include <torch/torch.h>
#include <opencv2/core.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/corr/feature_cache.h"
#include "core/util/error.h"

using namespace corrlens;

namespace {

// A backend that counts extractions and returns a map derived from the image.
class CountingBackend : public FeatureBackend {
 public:
  explicit CountingBackend(int sleep_ms = 0) : sleep_ms_(sleep_ms) {
    info_.id = "counting";
    info_.dim = 8;
    info_.device = "cpu";
  }
  const BackendInfo& Info() const override { return info_; }
  FeatureMap Extract(const cv::Mat& rgb, const ExtractOptions& options, const CancelToken& cancel) override {
    ++calls;
    if (sleep_ms_) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms_));
    cancel.ThrowIfCancelled();
    FeatureMap map;
    map.backend_id = info_.id;
    map.geometry = {rgb.cols, rgb.rows, 56, 42, 14, 14, 4, 3};
    map.features =
        torch::arange(8 * 3 * 4, torch::kFloat32).view({8, 3, 4}) + rgb.at<cv::Vec3b>(0, 0)[0] + options.resolution;
    return map;
  }
  std::atomic<int> calls{0};

 private:
  int sleep_ms_;
  BackendInfo info_;
};

cv::Mat Image(uchar value) { return cv::Mat(30, 40, CV_8UC3, cv::Scalar(value, 1, 2)); }

FeatureCacheOptions InDir(const QTemporaryDir& dir) {
  FeatureCacheOptions options;
  options.directory = dir.path().toStdString();
  return options;
}

std::string OnlyEntry(const QTemporaryDir& dir) {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir.path().toStdString()))
    if (e.path().extension() == ".clf") files.push_back(e.path().string());
  return files.size() == 1 ? files[0] : std::string();
}

}  // namespace

class FeatureCacheTest : public QObject {
  Q_OBJECT

 private slots:
  void MissThenMemoryThenDiskHit() {
    QTemporaryDir dir;
    CountingBackend backend;
    const ExtractOptions options;
    std::shared_ptr<const FeatureMap> first;
    {
      FeatureCache cache(InDir(dir));
      first = cache.GetOrCompute(Image(7), backend, options, CancelToken());
      QCOMPARE(backend.calls.load(), 1);
      auto again = cache.GetOrCompute(Image(7), backend, options, CancelToken());
      QCOMPARE(again.get(), first.get());
      QCOMPARE(backend.calls.load(), 1);
      QCOMPARE(cache.Stats().memory_hits, int64_t{1});
      QCOMPARE(cache.Stats().misses, int64_t{1});
      // Other content or options: a different key.
      cache.GetOrCompute(Image(8), backend, options, CancelToken());
      ExtractOptions other;
      other.resolution = 320;
      cache.GetOrCompute(Image(7), backend, other, CancelToken());
      QCOMPARE(backend.calls.load(), 3);
    }
    FeatureCache reopened(InDir(dir));
    auto from_disk = reopened.GetOrCompute(Image(7), backend, options, CancelToken());
    QCOMPARE(backend.calls.load(), 3);
    QCOMPARE(reopened.Stats().disk_hits, int64_t{1});
    QVERIFY(torch::equal(from_disk->features, first->features));
    QCOMPARE(from_disk->geometry.grid_width, 4);
    QCOMPARE(from_disk->geometry.input_height, 42);
    QCOMPARE(from_disk->backend_id, std::string("counting"));
  }

  void TransientMapsSkipTheMemoryLevel() {
    QTemporaryDir dir;
    CountingBackend backend;
    FeatureCache cache(InDir(dir));
    const std::string key = FeatureCache::MakeKey(FeatureCache::ImageHash(Image(5)), backend.Info(), {});
    auto compute = [&] { return backend.Extract(Image(5), {}, CancelToken()); };
    const auto computed = cache.GetOrCompute(key, "cpu", compute, CancelToken(), false);
    QCOMPARE(cache.Stats().misses, int64_t{1});
    QCOMPARE(cache.Stats().memory_entries, int64_t{0});
    QVERIFY(!OnlyEntry(dir).empty());  // on disk
    const auto again = cache.GetOrCompute(key, "cpu", compute, CancelToken(), false);
    QCOMPARE(backend.calls.load(), 1);
    QCOMPARE(cache.Stats().disk_hits, int64_t{1});
    QCOMPARE(cache.Stats().memory_entries, int64_t{0});
    QVERIFY(torch::equal(again->features, computed->features));
    // A normal call keeps it in memory; a transient one then uses that copy.
    cache.GetOrCompute(key, "cpu", compute, CancelToken());
    QCOMPARE(cache.Stats().memory_entries, int64_t{1});
    cache.GetOrCompute(key, "cpu", compute, CancelToken(), false);
    QCOMPARE(cache.Stats().memory_hits, int64_t{1});
    QCOMPARE(backend.calls.load(), 1);
  }

  void CorruptEntriesAreDroppedAndRecomputed() {
    QTemporaryDir dir;
    CountingBackend backend;
    const ExtractOptions options;
    FeatureCache(InDir(dir)).GetOrCompute(Image(3), backend, options, CancelToken());
    const std::string path = OnlyEntry(dir);
    QVERIFY(!path.empty());
    const auto size = std::filesystem::file_size(path);
    // Each damage: truncation, a flipped payload byte, a flipped header byte, garbage.
    const std::vector<std::function<void()>> damages = {
        [&] { std::filesystem::resize_file(path, size - 5); },
        [&] { Flip(path, size - 3); },
        [&] { Flip(path, 40); },
        [&] { std::ofstream(path, std::ios::trunc) << "not a cache entry"; },
    };
    int expected_calls = 1;
    for (const auto& damage : damages) {
      damage();
      FeatureCache cache(InDir(dir));
      auto map = cache.GetOrCompute(Image(3), backend, options, CancelToken());
      QCOMPARE(backend.calls.load(), ++expected_calls);
      QCOMPARE(cache.Stats().corrupt_dropped, int64_t{1});
      QVERIFY(map->Valid());
      QCOMPARE(std::filesystem::file_size(path), size);  // rewritten whole
      FeatureCache check(InDir(dir));
      QVERIFY(check.Find(FeatureCache::MakeKey(FeatureCache::ImageHash(Image(3)), backend.Info(), options), "cpu"));
    }
  }

  void MemoryLruEvictsByBytes() {
    CountingBackend backend;
    FeatureCacheOptions options;
    options.disk_bytes = 0;                         // memory only
    options.memory_bytes = 2 * 8 * 3 * 4 * 4 + 10;  // two maps
    FeatureCache cache(options);
    const ExtractOptions extract;
    cache.GetOrCompute(Image(1), backend, extract, CancelToken());
    cache.GetOrCompute(Image(2), backend, extract, CancelToken());
    cache.GetOrCompute(Image(1), backend, extract, CancelToken());  // 1 is now most recent
    cache.GetOrCompute(Image(3), backend, extract, CancelToken());  // evicts 2
    QCOMPARE(cache.Stats().memory_evictions, int64_t{1});
    QCOMPARE(cache.Stats().memory_entries, int64_t{2});
    QCOMPARE(backend.calls.load(), 3);
    cache.GetOrCompute(Image(1), backend, extract, CancelToken());
    QCOMPARE(backend.calls.load(), 3);
    cache.GetOrCompute(Image(2), backend, extract, CancelToken());
    QCOMPARE(backend.calls.load(), 4);
    cache.ClearMemory();
    QCOMPARE(cache.Stats().memory_bytes, int64_t{0});
  }

  void DiskCapEvictsLeastRecentlyUsed() {
    QTemporaryDir dir;
    CountingBackend backend;
    FeatureCacheOptions options = InDir(dir);
    options.memory_bytes = 0;
    const ExtractOptions extract;
    FeatureCache probe(options);
    probe.GetOrCompute(Image(1), backend, extract, CancelToken());
    const auto entry_size = std::filesystem::file_size(OnlyEntry(dir));
    options.disk_bytes = static_cast<int64_t>(2 * entry_size + entry_size / 2);
    FeatureCache cache(options);
    const auto key = [&](uchar v) {
      return FeatureCache::MakeKey(FeatureCache::ImageHash(Image(v)), backend.Info(), extract);
    };
    // Age entry 1 so that entry 2 is newer.
    std::filesystem::last_write_time(cache.DiskPath(key(1)),
                                     std::filesystem::file_time_type::clock::now() - std::chrono::minutes(5));
    cache.GetOrCompute(Image(2), backend, extract, CancelToken());
    std::filesystem::last_write_time(cache.DiskPath(key(2)),
                                     std::filesystem::file_time_type::clock::now() - std::chrono::minutes(1));
    cache.GetOrCompute(Image(3), backend, extract, CancelToken());  // over the cap: 1 goes
    QCOMPARE(cache.Stats().disk_evictions, int64_t{1});
    QVERIFY(!std::filesystem::exists(cache.DiskPath(key(1))));
    QVERIFY(std::filesystem::exists(cache.DiskPath(key(2))));
    QVERIFY(std::filesystem::exists(cache.DiskPath(key(3))));
  }

  void ConcurrentCallersComputeOnce() {
    QTemporaryDir dir;
    CountingBackend backend(/*sleep_ms=*/150);
    FeatureCache cache(InDir(dir));
    std::vector<std::thread> threads;
    std::vector<std::shared_ptr<const FeatureMap>> results(4);
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] { results[t] = cache.GetOrCompute(Image(9), backend, {}, CancelToken()); });
    for (auto& thread : threads) thread.join();
    QCOMPARE(backend.calls.load(), 1);
    for (const auto& r : results) QCOMPARE(r.get(), results[0].get());
  }

  // Budgets hold while 8 threads insert 200 distinct entries: memory after
  // every call, disk once the writers are done; every map read is correct.
  void BudgetsHoldUnderConcurrentUse() {
    QTemporaryDir dir;
    CountingBackend backend;
    int64_t file_bytes = 0;
    {
      QTemporaryDir probe_dir;
      FeatureCache probe(InDir(probe_dir));
      probe.GetOrCompute(Image(0), backend, {}, CancelToken());
      file_bytes = int64_t(std::filesystem::file_size(OnlyEntry(probe_dir)));
    }
    FeatureCacheOptions options = InDir(dir);
    options.memory_bytes = 5 * 8 * 3 * 4 * int64_t(sizeof(float));  // five maps
    options.disk_bytes = 7 * file_bytes;                            // seven files
    FeatureCache cache(options);
    std::atomic<int> over_memory{0}, wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < 25; ++i) {
          const auto value = static_cast<uchar>(1 + t * 25 + i);
          const auto map = cache.GetOrCompute(Image(value), backend, {}, CancelToken());
          if (map->features[0][0][0].item<float>() != float(value) + float(ExtractOptions{}.resolution)) ++wrong;
          if (cache.Stats().memory_bytes > options.memory_bytes) ++over_memory;
        }
      });
    for (auto& thread : threads) thread.join();
    QCOMPARE(wrong.load(), 0);
    QCOMPARE(over_memory.load(), 0);
    int64_t disk = 0, files = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir.path().toStdString())) {
      QVERIFY2(e.path().extension() == ".clf", qPrintable("leftover " + QString::fromStdString(e.path().string())));
      disk += int64_t(e.file_size());
      ++files;
    }
    QVERIFY2(disk <= options.disk_bytes, qPrintable(QString("disk %1 > %2").arg(disk).arg(options.disk_bytes)));
    QVERIFY(files >= 1);
    // What stayed on disk reads back correctly in a fresh cache.
    FeatureCache fresh(options);
    int found = 0;
    for (int v = 1; v <= 200; ++v) {
      const auto key =
          FeatureCache::MakeKey(FeatureCache::ImageHash(Image(uchar(v))), backend.Info(), ExtractOptions{});
      if (auto map = fresh.Find(key, "cpu")) {
        ++found;
        QCOMPARE(map->features[0][0][0].item<float>(), float(v) + float(ExtractOptions{}.resolution));
      }
    }
    QCOMPARE(int64_t(found), files);
    QCOMPARE(fresh.Stats().corrupt_dropped, int64_t{0});
  }

  void CancelledCallsStoreNothing() {
    QTemporaryDir dir;
    CountingBackend backend;
    FeatureCache cache(InDir(dir));
    CancelToken cancel;
    cancel.Cancel();
    QVERIFY_THROWS_EXCEPTION(Cancelled, cache.GetOrCompute(Image(4), backend, {}, cancel));
    QVERIFY(OnlyEntry(dir).empty());
    cache.GetOrCompute(Image(4), backend, {}, CancelToken());
    QCOMPARE(backend.calls.load(), 1);
  }

 private:
  static void Flip(const std::string& path, std::streamoff offset) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(offset);
    char c = 0;
    f.get(c);
    f.seekp(offset);
    f.put(static_cast<char>(c ^ 0x5a));
  }
};

QTEST_APPLESS_MAIN(FeatureCacheTest)
#include "feature_cache_test.moc"
