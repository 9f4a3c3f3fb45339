// corrlens-cli track and eval --task tracking as processes: tracks of a
// synthetic video with known motion (a frame folder and an AVI), the JSON and
// annotated video, TAP-Vid end to end with dense SIFT (AJ and delta_avg),
// scoring written predictions, and one error line for each bad input.
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "core/video/video_source.h"
#include "tests/common/test_helpers.h"
#include "tests/track/tapvid_fixture.h"

using namespace corrlens;

namespace {

QString Q(const std::string& s) { return QString::fromStdString(s); }

// Exit code 1 and one "corrlens-cli: error: ..." line containing `needle`.
using test::FailsWith;

}  // namespace

class CmdTrackTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    CORRLENS_WRITE_TAPVID_PICKLES(data_);
    // The first video as an AVI (Motion JPEG) too.
    cv::VideoWriter writer(data_.Path("slide.avi"), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 12.0,
                           cv::Size(test::TinyTapVid::kWidth, test::TinyTapVid::kHeight));
    QVERIFY(writer.isOpened());
    for (const cv::Mat& rgb : data_.Videos()[0].frames) {
      cv::Mat bgr;
      cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
      writer.write(bgr);
    }
  }

  void TracksAKnownMotion() {
    const auto& truth = data_.Videos()[0].tracks;  // track 5 starts at (160, 115), track 10 at (250, 180)
    for (const std::string& video : {data_.Path("tapvid-davis/0/video"), data_.Path("slide.avi")}) {
      const QString out = Q(data_.Path("tracks.json")), annotated = Q(data_.Path("annotated.avi"));
      const auto r = test::RunCli({"track", "--video", Q(video), "--points", "0,160,115; 5,230,175", "--model",
                                   "dense_sift", "--out", out, "--video-out", annotated});
      QVERIFY2(r.code == 0, qPrintable(r.err));
      QVERIFY2(r.out.contains("2 points through 10 frames, preset paper"), qPrintable(r.out));
      QFile file(out);
      QVERIFY(file.open(QIODevice::ReadOnly));
      const QJsonObject json = QJsonDocument::fromJson(file.readAll()).object();
      QCOMPARE(json["preset"].toString(), QString("paper"));
      QCOMPARE(json["frames"].toInt(), 10);
      const QJsonArray tracks = json["models"].toArray()[0].toObject()["tracks"].toArray();
      QCOMPARE(tracks.size(), 2);
      const QJsonArray last = tracks[0].toObject()["points"].toArray()[9].toArray();
      const cv::Point2d expected = truth[5][9];
      qInfo("%s: point 0 at frame 9 (%.1f, %.1f), truth (%.1f, %.1f)", video.c_str(), last[0].toDouble(),
            last[1].toDouble(), expected.x, expected.y);
      QVERIFY(std::hypot(last[0].toDouble() - expected.x, last[1].toDouble() - expected.y) < 4.0);
      QCOMPARE(video::OpenVideoFile(annotated.toStdString())->FrameCount(), 10);
    }
    const auto j = test::RunCli({"track", "--video", Q(data_.Path("slide.avi")), "--points", "2,100,100", "--model",
                                 "dense_sift", "--preset", "interactive", "--frames", "4", "--json"});
    QVERIFY2(j.code == 0, qPrintable(j.err));
    const QJsonObject json = QJsonDocument::fromJson(j.out.toUtf8()).object();
    QCOMPARE(json["preset"].toString(), QString("interactive"));
    QCOMPARE(json["models"].toArray()[0].toObject()["tracks"].toArray()[0].toObject()["points"].toArray().size(), 4);
  }

  void TrackErrors() {
    const QString avi = Q(data_.Path("slide.avi"));
    QFile::copy(avi, Q(data_.Path("broken.avi")));
    QFile::resize(Q(data_.Path("broken.avi")), 2000);
    QDir(Q(data_.Root())).mkpath("mixed");
    io::WriteImage(data_.Path("mixed/a.png"), cv::Mat(20, 30, CV_8UC3, cv::Scalar::all(9)));
    io::WriteImage(data_.Path("mixed/b.png"), cv::Mat(21, 30, CV_8UC3, cv::Scalar::all(9)));
    const std::vector<std::pair<QStringList, QString>> cases = {
        {{"--video", Q(data_.Path("none.avi"))}, "video file not found"},
        {{"--video", Q(data_.Path("broken.avi"))}, "cannot open as a video"},
        {{"--video", Q(data_.Path("mixed"))}, "frames of different sizes"},
        {{"--video", Q(data_.Path("empty-folder-missing"))}, "not found"},
        {{"--video", avi, "--points", "0,5000,10"}, "lies outside the video"},
        {{"--video", avi, "--points", "12,10,10"}, "lies outside the video"},
        {{"--video", avi, "--points", "0;1,2"}, "bad point"},
        {{"--video", avi, "--preset", "fast"}, "unknown tracking preset"},
        {{"--video", avi, "--video-out", Q(data_.Path("x.gif"))}, "unsupported video extension"},
        {{"--video", avi, "--model", "no_such_model"}, "no_such_model"},
    };
    for (const auto& [extra, needle] : cases) {
      QStringList args = {"track"};
      args += extra;
      if (!extra.contains("--points")) args += {"--points", "0,10,10"};
      if (!extra.contains("--model")) args += {"--model", "dense_sift"};
      QVERIFY2(FailsWith(test::RunCli(args), needle), qPrintable(args.join(' ')));
    }
  }

  void EvalTrackingEndToEnd() {
    const QString predictions = Q(data_.Path("predictions.json"));
    const auto r = test::RunCli({"eval", "--task", "tracking", "--dataset", Q(data_.Root()), "--model", "dense_sift",
                                 "--json", "--predictions-out", predictions});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QJsonObject row = QJsonDocument::fromJson(r.out.toUtf8()).object()["rows"].toArray()[0].toObject();
    const double aj = row["metrics"].toObject()["average_jaccard"].toDouble();
    const double delta = row["metrics"].toObject()["average_pts_within_thresh"].toDouble();
    qInfo("eval --task tracking, dense_sift, 2 videos: AJ %.4f, delta_avg %.4f, occlusion accuracy %.4f", aj, delta,
          row["metrics"].toObject()["occlusion_accuracy"].toDouble());
    QVERIFY(aj > 0.3 && delta > 0.5);
    const auto scored = test::RunCli(
        {"eval", "--task", "tracking", "--dataset", Q(data_.Root()), "--predictions", predictions, "--json"});
    QVERIFY2(scored.code == 0, qPrintable(scored.err));
    const QJsonObject again = QJsonDocument::fromJson(scored.out.toUtf8()).object()["rows"].toArray()[0].toObject();
    QCOMPARE(again["metrics"].toObject()["average_jaccard"].toDouble(), aj);
    QCOMPARE(again["model"].toString(), QString("dense_sift"));
    const auto text = test::RunCli({"eval", "--task", "tracking", "--dataset", Q(data_.Path("tapvid_davis.pkl")),
                                    "--videos", "1", "--model", "dense_sift"});
    QVERIFY2(text.code == 0, qPrintable(text.err));
    QVERIFY2(text.out.contains("average_jaccard") && text.out.contains("tapnet's strided mode"), qPrintable(text.out));
  }

  void EvalTrackingErrors() {
    QVERIFY(FailsWith(
        test::RunCli({"eval", "--task", "tracking", "--dataset", Q(data_.Path("nothing")), "--model", "dense_sift"}),
        "TAP-Vid pickle not found"));
    QVERIFY(FailsWith(test::RunCli({"eval", "--task", "tracking", "--dataset", Q(data_.Root())}), "no model given"));
    QVERIFY(FailsWith(test::RunCli({"eval", "--task", "tracking", "--model", "dense_sift"}), "no dataset given"));
    QVERIFY(FailsWith(test::RunCli({"eval", "--task", "tracking", "--dataset", Q(data_.Root()), "--model", "dense_sift",
                                    "--preset", "quick"}),
                      "unknown tracking preset"));
    QFile bad(Q(data_.Path("bad.json")));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write("{\"videos\": [{\"video_idx\": 7, \"queries\": {}}]}");
    bad.close();
    QVERIFY(FailsWith(
        test::RunCli({"eval", "--task", "tracking", "--dataset", Q(data_.Root()), "--predictions", bad.fileName()}),
        "cover no video"));
  }

 private:
  test::TinyTapVid data_;
};

QTEST_APPLESS_MAIN(CmdTrackTest)
#include "cmd_track_test.moc"
