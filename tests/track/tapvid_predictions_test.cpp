// Tracking predictions JSON: round trip, matching to a video's query groups,
// and clear errors for missing or misshapen predictions.
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

#include "core/track/tapvid_predictions.h"
#include "core/util/error.h"
#include "tests/common/test_helpers.h"

using namespace corrlens;
using namespace corrlens::track;

namespace {

TapVidVideo Video() {
  TapVidVideo v;
  v.video_idx = 3;
  v.width = 100;
  v.height = 50;
  v.frames = 4;
  for (int f : {0, 2}) {
    TapVidQueries g;
    g.frame = f;
    g.truth = TrackSet(f == 0 ? 2 : 1, 4);
    for (size_t i = 0; i < g.truth.xy.size(); ++i) g.truth.xy[i] = 1.5 * double(i) + f;
    g.truth.SetOccluded(0, 3, true);
    g.x.assign(size_t(g.truth.tracks), 1.0);
    g.y.assign(size_t(g.truth.tracks), 2.0);
    v.groups.push_back(g);
  }
  return v;
}

TapVidPredictions FromTruth(const TapVidVideo& v) {
  TapVidPredictions p;
  p.model = "m";
  p.preset = "paper";
  TapVidPrediction one{v.video_idx, {}};
  for (const TapVidQueries& g : v.groups) one.groups.emplace_back(g.frame, g.truth);
  p.videos.push_back(one);
  return p;
}

}  // namespace

class TapVidPredictionsTest : public QObject {
  Q_OBJECT

 private slots:
  void RoundTrip() {
    const TapVidVideo v = Video();
    QTemporaryDir dir;
    const std::string path = dir.filePath("p.json").toStdString();
    std::ofstream(path) << TapVidPredictionsToJson(FromTruth(v));
    const TapVidPredictions back = ReadTapVidPredictions(path);
    QCOMPARE(back.model, std::string("m"));
    QCOMPARE(back.preset, std::string("paper"));
    const std::vector<TrackSet> sets = PredictionsFor(v, back);
    QCOMPARE(sets.size(), size_t(2));
    QCOMPARE(sets[0].xy, v.groups[0].truth.xy);
    QCOMPARE(sets[0].occluded, v.groups[0].truth.occluded);
    QCOMPARE(sets[1].xy, v.groups[1].truth.xy);
    const auto metrics = ScoreTapVidVideo(v, sets);
    QCOMPARE(metrics[0].first, std::string("occlusion_accuracy"));
    for (const auto& [name, value] : metrics) QVERIFY2(value == 1.0, name.c_str());
  }

  void Mismatches() {
    const TapVidVideo v = Video();
    TapVidPredictions p = FromTruth(v);
    p.videos[0].video_idx = 4;
    QVERIFY(test::ErrorOf([&] { PredictionsFor(v, p); }).find("no predictions for video 3") != std::string::npos);
    p = FromTruth(v);
    p.videos[0].groups.pop_back();
    QVERIFY(test::ErrorOf([&] { PredictionsFor(v, p); }).find("query frame 2 of video 3") != std::string::npos);
    p = FromTruth(v);
    p.videos[0].groups[0].second = TrackSet(2, 5);
    QVERIFY(test::ErrorOf([&] { PredictionsFor(v, p); }).find("are 2 x 5, expected 2 x 4") != std::string::npos);
    QVERIFY_THROWS_EXCEPTION(Error, ScoreTapVidVideo(v, {v.groups[0].truth}));
  }

  void MalformedFiles() {
    QTemporaryDir dir;
    auto error_of = [&](const std::string& text) {
      const std::string path = dir.filePath("bad.json").toStdString();
      std::ofstream(path) << text;
      return test::ErrorOf([&] { ReadTapVidPredictions(path); });
    };
    QVERIFY(error_of("{\"videos\": [").find("not valid JSON") != std::string::npos);
    QVERIFY(error_of("{\"tracks\": []}").find("\"videos\" list") != std::string::npos);
    QVERIFY(error_of("{\"videos\": [{\"video_idx\": 0, \"queries\": {\"x\": {}}}]}").find("not an integer") !=
            std::string::npos);
    const std::string e = error_of(
        "{\"videos\": [{\"video_idx\": 0, \"queries\": {\"0\": {\"points\": [[[1, 2], [3]]], "
        "\"occluded\": [[false, true]]}}}]}");
    QVERIFY2(e.find("videos[0].queries.0") != std::string::npos && e.find("frame 1") != std::string::npos, e.c_str());
    QVERIFY_THROWS_EXCEPTION(Error, ReadTapVidPredictions(dir.filePath("none.json").toStdString()));
  }
};

QTEST_APPLESS_MAIN(TapVidPredictionsTest)
#include "tapvid_predictions_test.moc"
