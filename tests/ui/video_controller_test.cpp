// VideoController with the real dense SIFT backend on frames the test
// writes: a circling textured square is tracked within a few pixels, tracks
// arrive while features are still being extracted, a click on cached
// features tracks only the new point (its latency is printed), exports equal
// corrlens-cli track, extraction cancels and resumes, and a frame that
// cannot be decoded stops the volume there with an error naming the file.
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <atomic>
#include <cmath>

#include "tests/common/function_provider.h"
#include "tests/common/test_helpers.h"
#include "tests/ui/benchmark_test_support.h"
#include "tests/ui/video_test_support.h"
#include "ui/job_runner.h"
#include "ui/model_status.h"
#include "ui/session_model.h"
#include "ui/video_controller.h"
#include "ui/video_document.h"

using namespace corrlens;
using namespace corrlens::ui;

namespace {

// dense_sift for model "limited", whose frames past `limit` wait for a
// cancel; every other model fails.
class LimitedProvider : public BackendProvider {
 public:
  QVector<ModelEntry> Models() override { return {{"limited", "Limited", true, ""}, {"other", "Other", true, ""}}; }
  std::shared_ptr<FeatureProvider> Features() override { return features; }
  ModelEntry AddCustom(const QString&, const QString&, const QString&) override { throw Error("unsupported"); }
  QStringList Architectures() override { return {}; }

  std::atomic<int> limit{1000}, calls{0};
  std::shared_ptr<test::GatedFeatures> sift = std::make_shared<test::GatedFeatures>();
  std::shared_ptr<FeatureProvider> features = test::MakeProvider(
      [this](const cv::Mat& rgb, const std::string& model, const ExtractOptions& options, const CancelToken& cancel) {
        if (model != "limited") throw Error("weights not found", {"/models/other.pth"});
        while (calls >= limit) {
          cancel.ThrowIfCancelled();
          QThread::msleep(5);
        }
        ++calls;
        return sift->Get(rgb, "dense_sift", options, cancel);
      });
};

struct Fixture {
  SessionModel session;
  JobRunner jobs;
  VideoDocument document;
  std::unique_ptr<VideoController> controller;
  explicit Fixture(BackendProvider* provider) {
    controller = std::make_unique<VideoController>(&session, &document, &jobs, provider);
  }
  ~Fixture() {
    jobs.CancelAll();
    jobs.WaitForAll();
  }
  bool WaitIdle(int ms = 45000) {
    return QTest::qWaitFor([&] { return controller->IsIdle(); }, ms);
  }
  const VideoModelTracks* Tracks(const QString& id) const {
    for (const VideoModelTracks& m : controller->Tracks())
      if (m.id == id) return &m;
    return nullptr;
  }
};

double Distance(QPointF a, cv::Point2d b) { return std::hypot(a.x() - b.x, a.y() - b.y); }

}  // namespace

class VideoControllerTest : public QObject {
  Q_OBJECT

 private slots:
  void tracksTheCirclingSquare() {
    QTemporaryDir dir;
    // CORRLENS_CLICK_FRAMES=100 measures the click latency on a longer clip.
    const int frames = std::clamp(qEnvironmentVariableIntValue("CORRLENS_CLICK_FRAMES"), 50, 1000);
    const std::vector<cv::Point2d> truth = test::WriteCirclingSquare(dir.filePath("frames"), frames);
    test::ClassicalProvider provider;
    provider.with_test_models = false;
    Fixture f(&provider);
    QString error;
    QVERIFY2(f.document.LoadVideo(dir.filePath("frames"), &error), qPrintable(error));
    QCOMPARE(f.document.Preset(), QString("interactive"));
    QSignalSpy delivered(f.controller.get(), &VideoController::tracksReady);
    f.document.AddPoint({0, QPointF(truth[0].x, truth[0].y)});
    f.document.AddPoint({25, QPointF(truth[25].x, truth[25].y)});  // tracked backwards too
    f.document.AddPoint({0, QPointF(58, 58)});                     // static background
    f.session.SetModels({"dense_sift"});
    QVERIFY(f.WaitIdle());
    const VideoModelTracks* m = f.Tracks("dense_sift");
    QVERIFY(m && m->error.isEmpty());
    QCOMPARE(m->frames, frames);
    // Tracks arrived while frames were still being extracted.
    bool progressive = false;
    for (const QList<QVariant>& args : delivered) {
      for (const VideoModelTracks& t : args[0].value<VideoTracks>())
        progressive |= t.frames > 0 && t.frames < frames && !t.points[0].IsEmpty();
    }
    QVERIFY(progressive);
    double worst = 0, sum = 0;
    int visible = 0;
    for (int n = 0; n < 2; ++n) {
      for (int t = 0; t < frames; ++t) {
        const double e = Distance(m->points[n].positions[t], truth[size_t(t)]);
        if (e > 3) qInfo("point %d frame %d error %.1f sim %.3f", n, t, e, m->points[n].score[t]);
        worst = std::max(worst, e);
        sum += e;
        visible += !m->points[n].occluded[t];
      }
    }
    for (int t = 0; t < frames; ++t) worst = std::max(worst, Distance(m->points[2].positions[t], {58, 58}));
    qInfo("circling square, dense_sift interactive: mean error %.2f px, worst %.2f px, visible %d of %d",
          sum / (2 * frames), worst, visible, 2 * frames);
    QVERIFY2(worst < 3.0, qPrintable(QString::number(worst)));  // queries on token centres: exact up to the soft-argmax
    QVERIFY(sum / (2 * frames) < 1.5);
    QVERIFY(visible >= 90);
    MeasureClicks(f, truth);
    CompareWithCli(f, dir);
  }

  void cancelsAndResumes() {
    QTemporaryDir dir;
    test::WriteCirclingSquare(dir.filePath("frames"), 8);
    LimitedProvider provider;
    provider.limit = 3;
    Fixture f(&provider);
    QString error;
    QVERIFY(f.document.LoadVideo(dir.filePath("frames"), &error));
    f.document.AddPoint({1, QPointF(100, 100)});
    f.session.SetModels({"limited"});
    QVERIFY(QTest::qWaitFor([&] { return f.Tracks("limited") && f.Tracks("limited")->frames == 3; }, 20000));
    QVERIFY(!f.Tracks("limited")->points[0].IsEmpty());
    QVERIFY(f.controller->Status()->Text("limited").startsWith("computing"));
    track::TracksDocument document;
    QVERIFY(!f.controller->Export(&document, &error));
    QVERIFY2(error.contains("tracked 3 of 8 frames"), qPrintable(error));
    f.jobs.CancelAll();
    QVERIFY(QTest::qWaitFor([&] { return f.controller->Status()->Text("limited") == "cancelled"; }, 5000));
    QCOMPARE(f.controller->ReadyFrames("limited"), 3);
    provider.limit = 1000;
    f.session.SetModels({"limited", "other"});  // any change of the selection resumes it
    QVERIFY(f.WaitIdle(20000));
    QCOMPARE(f.controller->ReadyFrames("limited"), 8);
    QCOMPARE(provider.calls.load(), 8);  // frames 3..7 only the second time
    QVERIFY(f.controller->Status()->IsError("other"));
    f.session.SetModels({"limited"});
    QVERIFY2(f.controller->Export(&document, &error), qPrintable(error));
    QCOMPARE(document.frames, 8);
    QCOMPARE(document.preset, std::string("interactive"));
  }

  void brokenFrameStopsTheVolumeThere() {
    QTemporaryDir dir;
    test::WriteCirclingSquare(dir.filePath("frames"), 8);
    test::Truncate(dir.filePath("frames/frame_005.png"), 120);
    test::ClassicalProvider provider;
    Fixture f(&provider);
    QString error;
    QVERIFY2(f.document.LoadVideo(dir.filePath("frames"), &error), qPrintable(error));
    f.document.AddPoint({0, QPointF(160, 120)});
    f.session.SetModels({"dense_sift"});
    QVERIFY(f.WaitIdle(20000));
    QVERIFY(f.controller->Status()->IsError("dense_sift"));
    const QString status = f.controller->Status()->Text("dense_sift");
    QVERIFY2(status.contains("frame_005.png") && !status.contains('\n'), qPrintable(status));
    QCOMPARE(f.controller->ReadyFrames("dense_sift"), 5);
    QCOMPARE(f.Tracks("dense_sift")->frames, 5);  // the frames before it are tracked
    QVERIFY(!f.Tracks("dense_sift")->points[0].IsEmpty());
  }

 private:
  // Clicks with every feature cached: each new point's track arrives alone.
  void MeasureClicks(Fixture& f, const std::vector<cv::Point2d>& truth) {
    std::vector<double> latencies, compute;
    for (int k = 0; k < 7; ++k) {
      const int frame = 5 + 6 * k;
      QElapsedTimer timer;
      timer.start();
      f.document.AddPoint({frame, QPointF(truth[size_t(frame)].x, truth[size_t(frame)].y)});
      const int index = int(f.document.Points().size()) - 1;
      QVERIFY(QTest::qWaitFor(
          [&] {
            const VideoModelTracks* m = f.Tracks("dense_sift");
            return m && m->points.size() > index && !m->points[index].IsEmpty();
          },
          10000));
      latencies.push_back(double(timer.nsecsElapsed()) / 1e6);
      compute.push_back(f.Tracks("dense_sift")->milliseconds);
    }
    std::sort(latencies.begin(), latencies.end());
    std::sort(compute.begin(), compute.end());
    qInfo(
        "click on cached features (%d frames, interactive, dense_sift, 1 new point among %d): median %.1f ms, "
        "max %.1f ms (tracking alone: median %.1f ms)",
        f.Tracks("dense_sift")->frames, int(f.document.Points().size()), latencies[latencies.size() / 2],
        latencies.back(), compute[compute.size() / 2]);
    QVERIFY(latencies[latencies.size() / 2] < 1000.0);  // the goal is 100 ms; this VM is shared
  }

  // The exported JSON equals corrlens-cli track on the same folder and points.
  void CompareWithCli(Fixture& f, const QTemporaryDir& dir) {
    QString error;
    track::TracksDocument document;
    QVERIFY2(f.controller->Export(&document, &error), qPrintable(error));
    const QJsonObject gui = QJsonDocument::fromJson(QByteArray::fromStdString(track::TracksToJson(document))).object();
    QString points;
    for (const VideoPoint& p : f.document.Points())
      points += QString("%1,%2,%3;").arg(p.frame).arg(p.position.x(), 0, 'g', 17).arg(p.position.y(), 0, 'g', 17);
    const test::CliResult cli = test::RunCli({"track", "--video", dir.filePath("frames"), "--points", points, "--model",
                                              "dense_sift", "--preset", "interactive", "--no-cache", "--json"});
    QVERIFY2(cli.code == 0, qPrintable(cli.err));
    const QJsonObject expected = QJsonDocument::fromJson(cli.out.toUtf8()).object();
    QCOMPARE(gui["preset"], expected["preset"]);
    QCOMPARE(gui["frames"], expected["frames"]);
    const QJsonArray a = gui["models"].toArray()[0].toObject()["tracks"].toArray();
    const QJsonArray b = expected["models"].toArray()[0].toObject()["tracks"].toArray();
    QCOMPARE(a.size(), b.size());
    double worst = 0;
    for (int n = 0; n < a.size(); ++n) {
      QCOMPARE(a[n].toObject()["query"], b[n].toObject()["query"]);
      QCOMPARE(a[n].toObject()["occluded"], b[n].toObject()["occluded"]);
      for (int t = 0; t < document.frames; ++t)
        for (int c = 0; c < 2; ++c)
          worst = std::max(
              worst, std::abs(a[n].toObject()["points"][t][c].toDouble() - b[n].toObject()["points"][t][c].toDouble()));
    }
    QVERIFY2(worst < 1e-3, qPrintable(QString::number(worst)));
    const QString csv = QString::fromStdString(track::TracksToCsv(document));
    QCOMPARE(csv.count('\n'), 1 + document.frames * a.size());
  }
};

QTEST_MAIN(VideoControllerTest)
#include "video_controller_test.moc"
