// Tests of the thread-safe cached FeatureService (core/corr), with the
// classical plugin registered into a local table.
#include <QTemporaryDir>
#include <QtTest>

#include <opencv2/core.hpp>

#include <thread>

#include "core/corr/feature_service.h"
#include "core/util/error.h"
#include "plugins/classical/classical_plugin.h"

using namespace corrlens;

namespace {

const BackendRegistry& Classical() {
  static BackendRegistry* registry = [] {
    auto* r = new BackendRegistry();
    RegisterClassicalBackends(*r);
    return r;
  }();
  return *registry;
}

FeatureServiceOptions InDir(const QTemporaryDir& dir) {
  FeatureServiceOptions options;
  options.cache.directory = dir.path().toStdString();
  return options;
}

cv::Mat RandomImage(int rows, int cols) {
  cv::Mat image(rows, cols, CV_8UC3);
  cv::randu(image, 0, 255);
  return image;
}

}  // namespace

class FeatureServiceTest : public QObject {
  Q_OBJECT

 private slots:
  void CachesByImageAndOptions() {
    QTemporaryDir dir;
    FeatureService service(Classical(), InDir(dir));
    const cv::Mat image = RandomImage(96, 128);
    ExtractOptions extract;
    extract.resolution = 128;
    auto a = service.Get(image, "dense_sift", extract, CancelToken());
    auto b = service.Get(image.clone(), "dense_sift", extract, CancelToken());
    QCOMPARE(a.get(), b.get());  // same content -> same entry
    QCOMPARE(service.Cache().Stats().misses, int64_t{1});
    QCOMPARE(a->geometry.grid_width, 1 + (128 - 32) / 8);
    auto root = service.Get(image, "dense_rootsift", extract, CancelToken());
    QVERIFY(root.get() != a.get());
    QCOMPARE(service.Info("dense_sift").dim, 128);
  }

  void TransientGetsStayOutOfMemory() {
    QTemporaryDir dir;
    FeatureService service(Classical(), InDir(dir));
    const cv::Mat image = RandomImage(96, 128);
    ExtractOptions extract;
    extract.resolution = 128;
    auto a = service.GetTransient(image, "dense_sift", extract, CancelToken());
    QCOMPARE(service.Cache().Stats().memory_entries, int64_t{0});
    auto b = service.Get(image, "dense_sift", extract, CancelToken());  // from disk
    QCOMPARE(service.Cache().Stats().misses, int64_t{1});
    QCOMPARE(service.Cache().Stats().disk_hits, int64_t{1});
    QCOMPARE(service.Cache().Stats().memory_entries, int64_t{1});
    QVERIFY(a->features.sizes() == b->features.sizes());
  }

  void ConcurrentGetsShareOneExtraction() {
    QTemporaryDir dir;
    FeatureService service(Classical(), InDir(dir));
    const cv::Mat image = RandomImage(120, 160);
    std::vector<std::thread> threads;
    std::vector<std::shared_ptr<const FeatureMap>> maps(4);
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] { maps[t] = service.Get(image, "dense_sift", ExtractOptions{}, CancelToken()); });
    for (auto& thread : threads) thread.join();
    for (const auto& map : maps) QCOMPARE(map.get(), maps[0].get());
    QCOMPARE(service.Cache().Stats().misses, int64_t{1});
  }

  void UnknownBackend() {
    FeatureServiceOptions options;
    options.use_cache = false;
    FeatureService service(Classical(), options);
    QVERIFY_THROWS_EXCEPTION(Error, service.Get(cv::Mat(64, 64, CV_8UC3), "nope", ExtractOptions{}, CancelToken()));
  }
};

QTEST_APPLESS_MAIN(FeatureServiceTest)
#include "feature_service_test.moc"
