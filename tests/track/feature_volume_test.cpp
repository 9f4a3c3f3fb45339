// Tracking presets and feature volumes: sizes and extraction options of both
// presets, frames through the provider (dense SIFT, cached), the resizer, the
// frame limit, clear errors for mixed grids and oversized volumes, and the
// VolumeBuilder: readable while it grows, resumes after a cancel or a failure.
#include <QTemporaryDir>
#include <QtTest>

#include <torch/torch.h>

#include <opencv2/core.hpp>

#include <atomic>

#include "core/corr/feature_service.h"
#include "core/track/feature_volume.h"
#include "core/util/error.h"
#include "plugins/classical/classical_plugin.h"
#include "tests/common/function_provider.h"
#include "tests/common/test_helpers.h"

using namespace corrlens;
using namespace corrlens::track;

namespace {

std::unique_ptr<video::VideoSource> NoiseVideo(int frames, int width, int height) {
  std::vector<uint8_t> bytes(size_t(frames) * width * height * 3);
  cv::Mat all(1, int(bytes.size()), CV_8UC1, bytes.data());
  cv::randu(all, 0, 255);
  return video::MakeTensorVideo(
      io::TensorData::FromBytes(io::DType::kUInt8, {frames, height, width, 3}, std::move(bytes)), "noise");
}

}  // namespace

class FeatureVolumeTest : public QObject {
  Q_OBJECT

 private slots:
  void Presets() {
    const TrackPreset paper = TrackPreset::FromName("paper");
    QCOMPARE(paper.FrameSize(854, 480), cv::Size(854, 476));
    QCOMPARE(paper.FrameSize(320, 240), cv::Size(854, 476));  // the reference resizes every video to 854x476
    const ExtractOptions e = paper.Extract(cv::Size(854, 476));
    QCOMPARE(e.input_width, 854);
    QCOMPARE(e.input_height, 476);
    QCOMPARE(e.stride, 7);
    QVERIFY(e.layer == FeatureLayer::kPrenorm && e.refine);
    QCOMPARE(paper.tracker.radius, 35.0);
    QCOMPARE(paper.tracker.anchor_threshold, 0.7);
    QCOMPARE(paper.tracker.visible_threshold, 0.6);
    const TrackPreset interactive = TrackPreset::FromName("interactive");
    QCOMPARE(interactive.FrameSize(854, 480), cv::Size(630, 350));
    QCOMPARE(interactive.FrameSize(480, 854), cv::Size(350, 630));
    QCOMPARE(interactive.Extract(cv::Size(630, 350)).stride, 14);
    QVERIFY(interactive.Extract(cv::Size(630, 350)).layer == FeatureLayer::kNorm);
    QVERIFY(test::ErrorOf([] { TrackPreset::FromName("fast"); }).find("presets: paper, interactive") !=
            std::string::npos);
  }

  void DenseSiftVolume() {
    BackendRegistry registry;
    RegisterClassicalBackends(registry);
    QTemporaryDir cache_dir;  // a fresh disk cache: the counts below start at zero
    FeatureServiceOptions service_options;
    service_options.cache.directory = cache_dir.path().toStdString();
    FeatureService service(registry, service_options);
    const auto video = NoiseVideo(4, 200, 120);
    int resized = 0;
    VolumeOptions options;
    options.resize = [&](const cv::Mat& rgb, int w, int h) {
      ++resized;
      return ResizeOpenCv(rgb, w, h);
    };
    options.frames = 3;
    Progress progress;
    const FeatureVolume v = ExtractVolume(*video, service, "dense_sift", options, progress, CancelToken());
    QCOMPARE(resized, 3);
    QVERIFY(v.Valid());
    QCOMPARE(v.Frames(), 3);
    QCOMPARE(v.geometry.image_width, 854);
    QCOMPARE(v.geometry.stride, 7);
    QCOMPARE(v.features.size(3), int64_t(128));
    QCOMPARE(progress.Fraction(), 1.0);
    QCOMPARE(v.features.scalar_type(), torch::kHalf);
    // The builder's inverse token norms are the tracker's own.
    QVERIFY(v.inv_norms.defined());
    const FeatureVolume bare{v.features, v.geometry};
    const std::vector<Query> queries{{0, 100.0, 200.0}, {2, 400.5, 60.25}};
    const TrackResult with = TrackPoints(v, queries, TrackerOptions(), progress, CancelToken());
    const TrackResult without = TrackPoints(bare, queries, TrackerOptions(), progress, CancelToken());
    QCOMPARE(with.tracks.xy, without.tracks.xy);
    QCOMPARE(with.similarity, without.similarity);
    // The frames went to the disk cache, not the memory LRU (the volume is
    // their memory copy).
    QCOMPARE(service.Cache().Stats().memory_entries, int64_t(0));
    QCOMPARE(service.Cache().Stats().misses, int64_t(3));
    // Frame 2 of the volume is the provider's map of the resized frame 2,
    // rounded to float16.
    const cv::Mat frame = ResizeOpenCv(video->Frame(2), 854, 476);
    const auto map = service.Get(frame, "dense_sift", options.preset.Extract({854, 476}), CancelToken());
    QCOMPARE(service.Cache().Stats().disk_hits, int64_t(1));
    QVERIFY(torch::equal(v.features[2], map->features.permute({1, 2, 0}).to(torch::kHalf)));
    // float32 on request: the maps exactly, now from the memory level for frame 2.
    options.half = false;
    const FeatureVolume full = ExtractVolume(*video, service, "dense_sift", options, progress, CancelToken());
    QCOMPARE(full.features.scalar_type(), torch::kFloat);
    QVERIFY(torch::equal(full.features[2], map->features.permute({1, 2, 0})));
    QVERIFY(torch::equal(full.features.to(torch::kHalf), v.features));
    QCOMPARE(service.Cache().Stats().memory_hits, int64_t(1));
    QCOMPARE(service.Cache().Stats().memory_entries, int64_t(1));
  }

  void Errors() {
    const auto video = NoiseVideo(2, 64, 48);
    int calls = 0;
    test::FunctionProvider mixed(
        [&](const cv::Mat& rgb, const std::string&, const ExtractOptions& e, const CancelToken&) {
          auto map = std::make_shared<FeatureMap>();
          map->geometry = {rgb.cols, rgb.rows, e.input_width, e.input_height, 14, 7 + calls, 0, 0};
          map->geometry.grid_width = 1 + (e.input_width - 14) / map->geometry.stride;
          map->geometry.grid_height = 1 + (e.input_height - 14) / map->geometry.stride;
          map->features = torch::zeros({4, map->geometry.grid_height, map->geometry.grid_width});
          ++calls;
          return map;
        });
    Progress progress;
    VolumeOptions options;
    std::string e = test::ErrorOf([&] { ExtractVolume(*video, mixed, "m", options, progress, CancelToken()); });
    QVERIFY2(e.find("frame 1 has features on another grid") != std::string::npos, e.c_str());
    calls = 0;
    options.max_bytes = 1000;
    e = test::ErrorOf([&] { ExtractVolume(*video, mixed, "m", options, progress, CancelToken()); });
    QVERIFY2(e.find("above the limit") != std::string::npos, e.c_str());
    CancelToken cancel;
    cancel.Cancel();
    QVERIFY_THROWS_EXCEPTION(Cancelled, ExtractVolume(*video, mixed, "m", VolumeOptions(), progress, cancel));
  }

  void BuilderGrowsAndResumes() {
    const std::shared_ptr<video::VideoSource> video = NoiseVideo(5, 64, 48);
    std::atomic<int> calls{0};
    std::atomic<int> fail_at{-1};
    CancelToken cancel;
    auto provider =
        test::MakeProvider([&](const cv::Mat& rgb, const std::string&, const ExtractOptions& e, const CancelToken&) {
          const int i = calls++;
          if (i == fail_at) throw Error("frame broke");
          if (i == 1) cancel.Cancel();  // cancelled after the second frame
          auto map = std::make_shared<FeatureMap>();
          map->geometry = {rgb.cols, rgb.rows, e.input_width, e.input_height, 14, e.stride, 0, 0};
          map->geometry.grid_width = 1 + (e.input_width - 14) / e.stride;
          map->geometry.grid_height = 1 + (e.input_height - 14) / e.stride;
          map->features = torch::full({2, map->geometry.grid_height, map->geometry.grid_width}, float(i));
          return map;
        });
    VolumeOptions options;
    options.preset = TrackPreset::Interactive();
    VolumeBuilder builder(video, provider, "m", options);
    QCOMPARE(builder.Frames(), 5);
    QCOMPARE(builder.FrameSize(), cv::Size(630, 476));
    QCOMPARE(builder.Ready().Frames(), 0);
    Progress progress;
    QVERIFY_THROWS_EXCEPTION(Cancelled, builder.Extract(progress, cancel));
    QCOMPARE(builder.ReadyFrames(), 2);
    const FeatureVolume two = builder.Ready();
    QVERIFY(two.Valid());
    QCOMPARE(two.Frames(), 2);
    QCOMPARE(two.features[1][0][0][0].item<float>(), 1.0f);
    fail_at = 3;  // resumes at frame 2; frame 3 fails and frame 2 stays ready
    const std::string e = test::ErrorOf([&] { builder.Extract(progress, CancelToken()); });
    QVERIFY2(e.find("frame broke") != std::string::npos, e.c_str());
    QCOMPARE(builder.ReadyFrames(), 3);
    QVERIFY(!builder.Done());
    builder.Extract(progress, CancelToken());
    QVERIFY(builder.Done());
    QCOMPARE(calls.load(), 6);  // frames 0, 1, 2, 3 (failed), 3, 4
    const FeatureVolume all = builder.Ready();
    QCOMPARE(all.Frames(), 5);
    QCOMPARE(all.features[4][0][0][1].item<float>(), 5.0f);
    QCOMPARE(two.features[1][0][0][0].item<float>(), 1.0f);  // earlier views stay valid
  }
};

QTEST_APPLESS_MAIN(FeatureVolumeTest)
#include "feature_volume_test.moc"
