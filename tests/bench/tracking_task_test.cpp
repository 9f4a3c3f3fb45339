// TAP-Vid tracking as a core/bench task on a tiny dataset in the real
// layouts (tests/track/tapvid_fixture.h) with dense SIFT: report shape,
// meaningful figures, scoring written predictions, the official pickle, the
// catalog branch, and option errors.
#include <QtTest>

#include <cmath>

#include "core/bench/task_catalog.h"
#include "core/bench/tracking_task.h"
#include "core/corr/feature_service.h"
#include "core/track/tapvid_dataset.h"
#include "core/util/error.h"
#include "plugins/classical/classical_plugin.h"
#include "tests/common/test_helpers.h"
#include "tests/track/tapvid_fixture.h"

using namespace corrlens;
using namespace corrlens::bench;

class TrackingTaskTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    CORRLENS_WRITE_TAPVID_PICKLES(data_);
    RegisterClassicalBackends(registry_);
    service_ = std::make_unique<FeatureService>(registry_);
  }

  void DenseSiftOnTheStridedLayout() {
    TrackingTaskOptions options;
    options.models = {"dense_sift"};
    options.dataset = data_.Root();
    Progress progress;
    std::vector<track::TapVidPredictions> predictions;
    const Report report = RunTrackingTask(options, *service_, progress, CancelToken(), &predictions);
    QCOMPARE(report.task, std::string("tracking"));
    QVERIFY2(report.protocol.find("preset paper: 854x476 frames") != std::string::npos, report.protocol.c_str());
    QCOMPARE(report.rows.size(), size_t(1));
    const ReportRow& row = report.rows[0];
    for (const std::string& name : track::TapVidMetricNames()) QVERIFY2(row.metrics.Has(name), name.c_str());
    QCOMPARE(row.metrics.Get("videos"), 2.0);
    QCOMPARE(row.items.size(), size_t(2));
    QCOMPARE(row.items[1].id, std::string("video:1"));
    const double aj = row.metrics.Get("average_jaccard"), delta = row.metrics.Get("average_pts_within_thresh");
    qInfo("dense_sift, 2 synthetic videos x 10 frames, %.0f queries: AJ %.3f, delta_avg %.3f, OA %.3f (%.1f s)",
          row.metrics.Get("queries"), aj, delta, row.metrics.Get("occlusion_accuracy"), row.seconds);
    QVERIFY(delta > 0.5 && aj > 0.3);  // a sliding texture is easy to follow
    QVERIFY(row.metrics.Get("pts_within_1") <= row.metrics.Get("pts_within_16"));
    const Curve& curve = row.curves.at(0);
    QCOMPARE(curve.x.size(), size_t(33));
    QCOMPARE(curve.x.back(), 16.0);
    QCOMPARE(curve.y.front(), 0.0);
    QVERIFY(std::abs(curve.y[16] - row.metrics.Get("pts_within_8")) < 1e-12);  // x = 8 px
    // The predictions, scored again, give the same figures.
    QCOMPARE(predictions.at(0).preset, std::string("paper"));
    const Report again = ScoreTrackingPredictions(options, predictions[0]);
    for (const std::string& name : track::TapVidMetricNames())
      QVERIFY2(std::abs(again.rows[0].metrics.Get(name) - row.metrics.Get(name)) < 1e-12, name.c_str());
    QCOMPARE(again.protocol, report.protocol);
    // Predictions for one video only: that video is scored, with a note.
    predictions[0].videos.pop_back();
    const Report one = ScoreTrackingPredictions(options, predictions[0]);
    QCOMPARE(one.rows[0].items.size(), size_t(1));
    QVERIFY(one.notes.back().find("cover 1 of the dataset's 2 videos") != std::string::npos);
    options.videos = 2;
    QVERIFY_THROWS_EXCEPTION(Error, ScoreTrackingPredictions(options, predictions[0]));
  }

  // The worst frame of a video: predictions equal to the truth except every
  // track shifted by 20 px in x at one frame, so that frame's mean visible
  // error is 20 * 256 / 427 px at 256x256 and every other frame's is 0.
  void WorstFrameOfShiftedPredictions() {
    TrackingTaskOptions options;
    options.dataset = data_.Root();
    const track::TapVidDataset data = track::LoadTapVid(data_.Root());
    const track::TapVidVideo& video = data.videos.at(0);
    QCOMPARE(video.width, 427);
    const int shifted = video.groups.at(0).frame == 6 ? 7 : 6;
    track::TapVidPredictions predictions;
    for (const track::TapVidVideo& v : data.videos) {
      track::TapVidPrediction p{v.video_idx, {}};
      for (const track::TapVidQueries& g : v.groups) {
        track::TrackSet tracks = g.truth;
        if (v.video_idx == video.video_idx)
          for (int n = 0; n < tracks.tracks; ++n) tracks.X(n, shifted) += 20.0;
        p.groups.emplace_back(g.frame, std::move(tracks));
      }
      predictions.videos.push_back(std::move(p));
    }
    const Report report = ScoreTrackingPredictions(options, predictions);
    const ReportItem& item = report.rows.at(0).items.at(0);
    const auto attribute = [&item](const std::string& key) {
      for (const auto& [k, v] : item.attributes)
        if (k == key) return v;
      return std::string();
    };
    QCOMPARE(attribute("worst_frame"), std::to_string(shifted));
    QVERIFY(std::abs(item.metrics.Get("worst_frame_error_px") - 20.0 * 256.0 / 427.0) < 1e-9);
    QCOMPARE(attribute("source"), video.frames_dir);
    // A perfect video: its worst frame has no error.
    QCOMPARE(report.rows[0].items.at(1).metrics.Get("worst_frame_error_px"), 0.0);
  }

  void OfficialPickleAndCatalog() {
    TaskSpec spec;
    spec.task = "tracking";
    spec.models = {"dense_sift"};
    spec.dataset = data_.Path("tapvid_davis.pkl");
    spec.preset = "quick";
    QCOMPARE(ValidateDataset(spec), std::string());
    QVERIFY(!TaskDescription("tracking").empty());
    QCOMPARE(DefaultDataset("tracking"), std::string("data"));
    Progress progress;
    const Report report = RunTask(spec, *service_, progress, CancelToken());
    QCOMPARE(report.rows[0].items.size(), size_t(2));  // quick = 2 videos
    QVERIFY(report.rows[0].metrics.Get("average_jaccard") > 0.3);
    QVERIFY(report.notes.front().find("strided mode") != std::string::npos);
    QVERIFY(report.rows[0].items[0].attributes[0].second == "slide-right");
    spec.dataset = data_.Path("nothing");
    QVERIFY(ValidateDataset(spec).find("nothing is missing") != std::string::npos);
  }

  void InteractivePresetAndErrors() {
    TrackingTaskOptions options;
    options.models = {"dense_sift"};
    options.dataset = data_.Root();
    options.videos = 1;
    options.preset = "interactive";
    Progress progress;
    const Report report = RunTrackingTask(options, *service_, progress, CancelToken());
    QVERIFY(report.protocol.find("preset interactive") != std::string::npos);
    QCOMPARE(report.rows[0].items.size(), size_t(1));
    options.preset = "fast";
    QVERIFY(!options.Check());
    QVERIFY_THROWS_EXCEPTION(Error, RunTrackingTask(options, *service_, progress, CancelToken()));
    options.preset = "paper";
    options.models.clear();
    QVERIFY(test::ErrorOf([&] { RunTrackingTask(options, *service_, progress, CancelToken()); }).find("no model") !=
            std::string::npos);
  }

 private:
  test::TinyTapVid data_;
  BackendRegistry registry_;
  std::unique_ptr<FeatureService> service_;
};

QTEST_APPLESS_MAIN(TrackingTaskTest)
#include "tracking_task_test.moc"
