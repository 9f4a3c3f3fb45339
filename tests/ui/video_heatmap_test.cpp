// ui/video_heatmap with dense SIFT on a circling textured square: nothing
// before the frames are extracted, then a frame-size map whose hottest
// pixel lies on the square where the query was taken from it.
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

#include "core/corr/heatmap.h"
#include "core/track/feature_volume.h"
#include "tests/ui/benchmark_test_support.h"
#include "tests/ui/video_test_support.h"
#include "ui/cv_qt.h"
#include "ui/video_heatmap.h"

using namespace corrlens;
using namespace corrlens::ui;

class VideoHeatmapTest : public QObject {
  Q_OBJECT

 private slots:
  void peaksOnTheQuery() {
    QTemporaryDir dir;
    const std::vector<cv::Point2d> centres = test::WriteCirclingSquare(dir.filePath("frames"), 4);
    test::ClassicalProvider provider;
    track::VolumeOptions options;
    options.preset = track::TrackPreset::Interactive();
    auto builder = std::make_shared<track::VolumeBuilder>(video::OpenVideo(dir.filePath("frames").toStdString()),
                                                          provider.Features(), "dense_sift", options);
    VideoHeatmapRequest request;
    request.volume = builder;
    request.query = {0, QPointF(centres[0].x, centres[0].y)};
    request.frame = 2;
    request.width = 630;
    request.height = 476;
    QVERIFY(ComputeVideoHeatmap(request, CancelToken()).isNull());  // nothing extracted yet
    Progress progress;
    builder->Extract(progress, CancelToken());
    const QImage image = ComputeVideoHeatmap(request, CancelToken());
    QCOMPARE(image.size(), QSize(630, 476));
    // The hottest pixel: nearest to the colour map's top.
    cv::Mat range(1, 2, CV_32F);
    range.at<float>(0) = 0.f;
    range.at<float>(1) = 1.f;
    const cv::Vec3b top = ColorizeScores(range).rgb.at<cv::Vec3b>(0, 1);
    const cv::Mat rgb = MatFromQImage(image);
    double best = 1e18;
    cv::Point at;
    for (int y = 0; y < rgb.rows; ++y)
      for (int x = 0; x < rgb.cols; ++x) {
        const cv::Vec3b c = rgb.at<cv::Vec3b>(y, x);
        const double d = cv::norm(cv::Vec3d(c[0], c[1], c[2]) - cv::Vec3d(top[0], top[1], top[2]));
        if (d < best) best = d, at = {x, y};
      }
    const double off = std::hypot(at.x - centres[2].x, at.y - centres[2].y);
    QVERIFY2(
        off < 48,
        qPrintable(QString("peak at %1,%2, square at %3,%4").arg(at.x).arg(at.y).arg(centres[2].x).arg(centres[2].y)));
    request.frame = 9;  // outside the volume
    QVERIFY(ComputeVideoHeatmap(request, CancelToken()).isNull());
  }
};

QTEST_MAIN(VideoHeatmapTest)
#include "video_heatmap_test.moc"
