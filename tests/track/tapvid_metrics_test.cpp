// TAP-Vid metrics against an independent numpy implementation of tapnet's
// formulas (tests/track/tapvid_metrics_reference.py) on random predictions
// and edge cases, to 1e-9.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>
#include "tests/common/test_paths.h"

#include <cmath>
#include <fstream>
#include <random>

#include "core/track/tapvid_metrics.h"
#include "core/util/error.h"
#include "tests/common/python.h"

using namespace corrlens;
using namespace corrlens::track;

namespace {

struct Case {
  std::vector<double> query_frames;
  TrackSet truth, predicted;
  QueryMode mode = QueryMode::kStrided;
};

QJsonArray Points(const TrackSet& s) {
  QJsonArray out;
  for (int n = 0; n < s.tracks; ++n) {
    QJsonArray row;
    for (int t = 0; t < s.frames; ++t) row.append(QJsonArray{s.X(n, t), s.Y(n, t)});
    out.append(row);
  }
  return out;
}

QJsonArray Flags(const TrackSet& s) {
  QJsonArray out;
  for (int n = 0; n < s.tracks; ++n) {
    QJsonArray row;
    for (int t = 0; t < s.frames; ++t) row.append(bool(s.Occluded(n, t)));
    out.append(row);
  }
  return out;
}

// Random tracks in the 256 raster; predictions near the truth with noise of
// a few pixels so every threshold sees hits and misses.
Case RandomCase(std::mt19937& rng, int n, int t, QueryMode mode) {
  std::uniform_real_distribution<double> pos(0.0, 256.0), coin(0.0, 1.0);
  std::normal_distribution<double> noise(0.0, 6.0);
  Case c;
  c.mode = mode;
  c.truth = TrackSet(n, t);
  c.predicted = TrackSet(n, t);
  for (int i = 0; i < n; ++i) {
    c.query_frames.push_back(std::uniform_int_distribution<int>(0, t - 1)(rng) + (coin(rng) < 0.3 ? 0.2 : 0.0));
    for (int k = 0; k < t; ++k) {
      c.truth.X(i, k) = pos(rng), c.truth.Y(i, k) = pos(rng);
      c.predicted.X(i, k) = c.truth.X(i, k) + noise(rng), c.predicted.Y(i, k) = c.truth.Y(i, k) + noise(rng);
      c.truth.SetOccluded(i, k, coin(rng) < 0.25);
      c.predicted.SetOccluded(i, k, coin(rng) < 0.3);
    }
  }
  return c;
}

// One track occluded everywhere but its query frame; predictions `visible`.
Case OnlyQueryVisible(bool predicted_visible) {
  Case c;
  c.truth = TrackSet(1, 6);
  c.predicted = TrackSet(1, 6);
  c.query_frames = {2};
  for (int t = 0; t < 6; ++t) {
    c.truth.SetOccluded(0, t, t != 2);
    c.predicted.SetOccluded(0, t, !predicted_visible);
    c.truth.X(0, t) = c.predicted.X(0, t) = 10.0 * t;
  }
  return c;
}

Case AllPredicted(std::mt19937& rng, bool occluded) {
  Case c = RandomCase(rng, 5, 8, QueryMode::kStrided);
  for (int n = 0; n < 5; ++n)
    for (int t = 0; t < 8; ++t) c.predicted.SetOccluded(n, t, occluded);
  return c;
}

}  // namespace

class TapVidMetricsTest : public QObject {
  Q_OBJECT

 private slots:
  void MatchesNumpy() {
    std::mt19937 rng(11);
    std::vector<Case> cases;
    for (int i = 0; i < 6; ++i) cases.push_back(RandomCase(rng, 3 + 4 * i, 5 + 3 * i, QueryMode::kStrided));
    cases.push_back(RandomCase(rng, 20, 30, QueryMode::kFirst));
    cases.push_back(OnlyQueryVisible(true));
    cases.push_back(OnlyQueryVisible(false));
    cases.push_back(AllPredicted(rng, true));
    cases.push_back(AllPredicted(rng, false));
    QJsonArray json;
    for (const Case& c : cases) {
      QJsonArray q;
      for (double f : c.query_frames) q.append(f);
      json.append(QJsonObject{{"mode", c.mode == QueryMode::kStrided ? "strided" : "first"},
                              {"query_frames", q},
                              {"gt", Points(c.truth)},
                              {"gt_occluded", Flags(c.truth)},
                              {"pred", Points(c.predicted)},
                              {"pred_occluded", Flags(c.predicted)}});
    }
    QTemporaryDir dir;
    const QString path = dir.filePath("cases.json");
    std::ofstream(path.toStdString()) << QJsonDocument(json).toJson().toStdString();
    const auto py = test::RunPython3({corrlens::test::SourcePath("/tests/track/tapvid_metrics_reference.py"), path});
    if (!py.ok && py.err.contains("No module named")) QSKIP("/usr/bin/python3 lacks numpy");
    QVERIFY2(py.ok, qPrintable(py.err));
    const QJsonArray ref = QJsonDocument::fromJson(py.out.toUtf8()).array();
    QCOMPARE(ref.size(), int(cases.size()));
    int nan = 0;
    for (size_t i = 0; i < cases.size(); ++i) {
      const auto ours = ComputeTapVidMetrics(cases[i].query_frames, cases[i].truth, cases[i].predicted, cases[i].mode);
      QCOMPARE(ours.size(), TapVidMetricNames().size());
      for (size_t k = 0; k < ours.size(); ++k) {
        QCOMPARE(ours[k].first, TapVidMetricNames()[k]);
        const QJsonValue expected = ref[int(i)].toObject()[QString::fromStdString(ours[k].first)];
        if (expected.isNull()) {
          QVERIFY2(std::isnan(ours[k].second), ours[k].first.c_str());
          ++nan;
          continue;
        }
        QVERIFY2(std::abs(ours[k].second - expected.toDouble()) < 1e-9,
                 qPrintable(QString("case %1 %2: %3 vs %4")
                                .arg(i)
                                .arg(ours[k].first.c_str())
                                .arg(ours[k].second, 0, 'g', 17)
                                .arg(expected.toDouble(), 0, 'g', 17)));
      }
    }
    QVERIFY(nan > 0);  // the occluded-everywhere cases have no visible point
  }

  void EdgeCases() {
    // Occluded everywhere but the query frame: nothing visible to score.
    auto m = ComputeTapVidMetrics({2}, OnlyQueryVisible(false).truth, OnlyQueryVisible(false).predicted);
    QCOMPARE(m[0].second, 1.0);        // every evaluated frame predicted occluded, correctly
    QVERIFY(std::isnan(m[1].second));  // pts_within_1: 0 / 0
    m = ComputeTapVidMetrics({2}, OnlyQueryVisible(true).truth, OnlyQueryVisible(true).predicted);
    QCOMPARE(m[0].second, 0.0);
    QCOMPARE(m[6].second, 0.0);  // jaccard_1: all false positives
    // Perfect predictions: every metric 1.
    std::mt19937 rng(5);
    Case c = RandomCase(rng, 4, 7, QueryMode::kStrided);
    c.predicted = c.truth;
    for (const auto& [name, value] : ComputeTapVidMetrics(c.query_frames, c.truth, c.predicted))
      QVERIFY2(value == 1.0, name.c_str());
    size_t visible = 0;
    for (int n = 0; n < 4; ++n)
      for (int t = 0; t < 7; ++t)
        visible += !c.truth.Occluded(n, t) && t != int(std::nearbyint(c.query_frames[size_t(n)]));
    const std::vector<double> errors = VisibleErrors(c.query_frames, c.truth, c.predicted);
    QCOMPARE(errors.size(), visible);
    QVERIFY(std::all_of(errors.begin(), errors.end(), [](double e) { return e == 0.0; }));
  }

  void Errors() {
    TrackSet a(2, 3), b(2, 4);
    QVERIFY_THROWS_EXCEPTION(Error, ComputeTapVidMetrics({0, 1}, a, b));
    QVERIFY_THROWS_EXCEPTION(Error, ComputeTapVidMetrics({0}, a, a));
    QVERIFY_THROWS_EXCEPTION(Error, ComputeTapVidMetrics({0, 3}, a, a));
    QVERIFY_THROWS_EXCEPTION(Error, a.Append(b));
  }
};

QTEST_APPLESS_MAIN(TapVidMetricsTest)
#include "tapvid_metrics_test.moc"
