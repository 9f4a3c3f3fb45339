// ui/video_truth on a tiny TAP-Vid dataset (tests/track/tapvid_fixture.h):
// both layouts open with the queries as points and the true tracks in video
// pixels, a prediction equal to the truth scores 1 with zero errors, a
// shifted one gives its shift, incomplete tracks say why, and a missing
// video index gives one line naming the dataset.
#include <QtTest>

#include <cmath>

#include "tests/track/tapvid_fixture.h"
#include "ui/video_tracks.h"
#include "ui/video_truth.h"

using namespace corrlens;
using namespace corrlens::ui;

namespace {

VideoOpened Open(const QString& dataset, int index, QString* error) {
  return TapVidRequest(dataset, index).open(error);
}

// Tracks equal to the truth, shifted by `dx` pixels.
VideoModelTracks Oracle(const VideoTruth& truth, double dx) {
  VideoModelTracks m;
  m.id = "oracle";
  m.frames = m.total = truth.video->frames;
  for (const TruthTrack& t : truth.tracks) {
    PointTrack p;
    p.query = t.query;
    for (const QPointF& q : t.positions) p.positions << q + QPointF(dx, 0);
    p.occluded = t.occluded;
    p.score = QVector<float>(t.positions.size(), 1.0f);
    m.points << p;
  }
  return m;
}

}  // namespace

class VideoTruthTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { CORRLENS_WRITE_TAPVID_PICKLES(data_); }

  void opensBothLayouts() {
    const test::TinyTapVid::Video& fixture = data_.Videos()[1];
    for (const QString& dataset :
         {QString::fromStdString(data_.Root()), QString::fromStdString(data_.Path("tapvid_davis.pkl"))}) {
      QString error;
      const VideoOpened opened = Open(dataset, 1, &error);
      QVERIFY2(opened.reader && opened.truth, qPrintable(error));
      QCOMPARE(opened.reader->FrameCount(), int(fixture.frames.size()));
      QVERIFY(opened.job_reader && opened.job_reader()->FrameCount() == opened.reader->FrameCount());
      const VideoTruth& truth = *opened.truth;
      QCOMPARE(truth.video_index, 1);
      QVERIFY(!truth.tracks.isEmpty());
      QCOMPARE(*opened.points, truth.Queries());
      QCOMPARE(truth.Find(truth.tracks[0].query), &truth.tracks[0]);
      // Every true track is one of the fixture's, in frame pixels.
      for (const TruthTrack& t : truth.tracks) {
        bool matched = false;
        for (size_t n = 0; n < fixture.tracks.size() && !matched; ++n) {
          matched = true;
          for (int f = 0; f < t.positions.size(); ++f)
            matched = matched && std::abs(t.positions[f].x() - fixture.tracks[n][f].x) < 0.01 &&
                      std::abs(t.positions[f].y() - fixture.tracks[n][f].y) < 0.01 &&
                      t.occluded[f] == fixture.occluded[n][f];
        }
        QVERIFY2(matched, qPrintable(dataset));
      }
      if (!dataset.endsWith(".pkl")) QVERIFY(opened.path.endsWith("tapvid-davis/1/video"));
    }
  }

  void scoresAndErrors() {
    QString error;
    const VideoOpened opened = Open(QString::fromStdString(data_.Root()), 0, &error);
    QVERIFY2(opened.truth, qPrintable(error));
    const VideoTruth& truth = *opened.truth;
    const QVector<VideoPoint> points = truth.Queries();
    TruthScore score;
    QString reason;
    QVERIFY2(ScoreTracks(truth, Oracle(truth, 0.0), points, &score, &reason), qPrintable(reason));
    QCOMPARE(score.average_jaccard, 1.0);
    QCOMPARE(score.delta_avg, 1.0);
    QCOMPARE(score.occlusion_accuracy, 1.0);
    // Shifted by 3 px (1.8 px at the benchmark's 256 wide: within 4 of 5 thresholds).
    const VideoModelTracks shifted = Oracle(truth, 3.0);
    QVERIFY(ScoreTracks(truth, shifted, points, &score, &reason));
    QVERIFY2(std::abs(score.delta_avg - 0.8) < 1e-9, qPrintable(QString::number(score.delta_avg)));
    const int frame = 2;
    const QVector<double> errors = PointErrors(truth, &shifted, points, frame);
    for (int i = 0; i < points.size(); ++i) QCOMPARE(errors[i], truth.tracks[i].occluded[frame] ? -1.0 : 3.0);
    QString tooltip;
    const QString text = TruthSummary(truth, &shifted, points, frame, &tooltip);
    QVERIFY2(text.startsWith("AJ ") && text.contains("error at this frame: ") && text.contains("3.0 px"),
             qPrintable(text));
    // Incomplete: a missing query, frames still to come.
    QVERIFY(!ScoreTracks(truth, shifted, points.mid(1), &score, &reason));
    QVERIFY2(reason.contains("all"), qPrintable(reason));
    VideoModelTracks partial = shifted;
    partial.frames = 3;
    QVERIFY(!ScoreTracks(truth, partial, points, &score, &reason));
    QVERIFY2(reason.contains("every frame"), qPrintable(reason));
    QVERIFY(TruthSummary(truth, nullptr, points, 0, nullptr).contains("ground-truth tracks"));
  }

  void missingVideoIsOneLine() {
    QString error;
    const QString root = QString::fromStdString(data_.Root());
    QVERIFY(!Open(root, 9, &error).reader);
    QVERIFY2(error.contains("no video 9") && error.contains(root) && !error.contains('\n'), qPrintable(error));
    QVERIFY(!Open(root + "/nowhere", 0, &error).reader);
    QVERIFY2(error.contains("nowhere") && !error.contains('\n'), qPrintable(error));
  }

 private:
  test::TinyTapVid data_{2, 8};
};

QTEST_MAIN(VideoTruthTest)
#include "video_truth_test.moc"
