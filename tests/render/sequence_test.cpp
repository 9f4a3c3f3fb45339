// Rendered TAP-Vid sequences: the camera path, tracks that reproject their
// 3D points, occlusion that agrees with an independent depth render, seeded
// determinism, both pickles read back by core/track, the video file and
// one-line errors; XVFB.
#include <QtTest/QtTest>

#include <QTemporaryDir>

#include <filesystem>

#include "core/render/mesh.h"
#include "core/render/sequence.h"
#include "core/track/tapvid_dataset.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/video/video_source.h"
#include "tests/common/render_job.h"
#include "tests/common/sample_data.h"

using namespace corrlens::render;
namespace stdfs = std::filesystem;

namespace {

const std::string kSpider = corrlens::test::AssimpModel("OBJ/spider.obj");

// A small non-square sequence (width != height catches swapped axes).
SequenceOptions Small(const std::string& out, uint64_t seed = 3) {
  SequenceOptions options;
  options.mesh_path = kSpider;
  options.output_dir = out;
  options.frames = 8;
  options.points = 40;
  options.path.sweep_deg = 90.0;
  options.path.seed = seed;
  Intrinsics k = Intrinsics::Square(96);
  k.width = 112;
  k.cx = 56.0;
  options.render.intrinsics = k;
  return options;
}

SequenceResult Run(const SequenceOptions& options) { return corrlens::test::RunJob(RunRenderSequence, options); }
QString ErrorOf(const SequenceOptions& options) { return corrlens::test::JobError(RunRenderSequence, options); }

}  // namespace

class SequenceTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    CORRLENS_REQUIRE_ASSIMP_MODEL("OBJ/spider.obj");
    options_ = Small(dir_.filePath("seq").toStdString());
    options_.video_out = dir_.filePath("seq.mp4").toStdString();
    result_ = Run(options_);
  }

  void PathIsSmoothAndSeeded() {
    const Intrinsics k = Intrinsics::Square(128);
    SequencePathOptions path;
    for (SequencePath shape : {SequencePath::kOrbit, SequencePath::kSpiral}) {
      path.shape = shape;
      const std::vector<Pose> a = SequencePoses(path, 30, k, 0.8);
      QCOMPARE(int(a.size()), 30);
      for (size_t t = 1; t < a.size(); ++t) {
        QVERIFY(RotationAngleDeg(a[t], a[t - 1]) < 12.0);  // 90 deg over 29 steps plus elevation
        QVERIFY(cv::norm(cv::Vec3d(a[t](0, 3), a[t](1, 3), a[t](2, 3)) -
                         cv::Vec3d(a[t - 1](0, 3), a[t - 1](1, 3), a[t - 1](2, 3))) < 0.3);
      }
      QCOMPARE(SequencePoses(path, 30, k, 0.8)[7], a[7]);
      path.seed = 9;
      QVERIFY(cv::norm(SequencePoses(path, 30, k, 0.8)[0] - a[0]) > 1e-3);
      path.seed = 0;
    }
  }

  void TracksReprojectTheirPoints() {
    const SequenceTracks& tracks = result_.tracks;
    QCOMPARE(tracks.Count(), 40);
    QCOMPARE(tracks.frames, 8);
    QCOMPARE(int(result_.obj_to_cam.size()), 8);
    for (int n = 0; n < tracks.Count(); ++n) {
      QVERIFY(!tracks.Occluded(n, 0));
      QCOMPARE(tracks.At(n, 0), tracks.query[size_t(n)]);
      for (int t = 0; t < tracks.frames; ++t) {
        double u = 0, v = 0;
        const cv::Vec3d cam = Transform(result_.obj_to_cam[size_t(t)], tracks.object_points[size_t(n)]);
        QVERIFY(Project(result_.intrinsics, cam, &u, &v));
        QVERIFY2(std::abs(tracks.At(n, t).x - (u + 0.5)) < 1e-3 && std::abs(tracks.At(n, t).y - (v + 0.5)) < 1e-3,
                 qPrintable(QString("point %1 frame %2").arg(n).arg(t)));
      }
    }
  }

  void OcclusionAgreesWithDepth() {
    auto renderer = Renderer::Create(options_.render);
    renderer->SetMesh(LoadMesh(kSpider));
    const SequenceTracks& tracks = result_.tracks;
    const Intrinsics& k = result_.intrinsics;
    int visible = 0, hidden = 0, blocked = 0;
    for (int t = 0; t < tracks.frames; ++t) {
      const RenderedView view = renderer->Render(result_.obj_to_cam[size_t(t)]);
      for (int n = 0; n < tracks.Count(); ++n) {
        const double z = Transform(result_.obj_to_cam[size_t(t)], tracks.object_points[size_t(n)])[2];
        // camera.h pixel centres: the 2x2 footprint around (x - 0.5, y - 0.5)
        const int x0 = int(std::floor(tracks.At(n, t).x - 0.5)), y0 = int(std::floor(tracks.At(n, t).y - 0.5));
        bool seen = false, inside = false, in_front = false;
        for (int y = y0; y <= y0 + 1; ++y) {
          for (int x = x0; x <= x0 + 1; ++x) {
            if (x < 0 || y < 0 || x >= k.width || y >= k.height) continue;
            inside = true;
            const float d = view.depth.at<float>(y, x);
            // the surface there is this point's (slack: a slanted surface spans ~0.05 over the footprint)
            seen = seen || (d > 0.f && std::abs(d - z) < 0.05);
            in_front = in_front || !(d > 0.f) || d < z - 0.004;  // background or something nearer
          }
        }
        if (!tracks.Occluded(n, t)) {
          QVERIFY(inside && seen);
          ++visible;
        } else {
          QVERIFY(!inside || in_front);
          ++hidden;
          blocked += inside ? 1 : 0;
        }
      }
    }
    qInfo("%d visible and %d occluded track points (%d of them inside the image)", visible, hidden, blocked);
    QVERIFY(hidden > 0 && visible > 0);
  }

  void DeterministicWithTheSeed() {
    const SequenceResult again = Run(Small(dir_.filePath("again").toStdString()));
    QCOMPARE(again.tracks.xy, result_.tracks.xy);
    QCOMPARE(again.tracks.occluded, result_.tracks.occluded);
    for (const char* name : {"tapvid_davis_data_strided.pkl", "sequence.json"}) {
      QCOMPARE(corrlens::fs::ReadFile(dir_.filePath("again/").toStdString() + name),
               corrlens::fs::ReadFile(options_.output_dir + "/" + name));
    }
    const SequenceResult other = Run(Small(dir_.filePath("other").toStdString(), 4));
    QVERIFY(other.tracks.xy != result_.tracks.xy);
  }

  void BothLayoutsLoadInCoreTrack() {
    using namespace corrlens::track;
    const TapVidDataset strided = LoadTapVid(options_.output_dir);
    const TapVidDataset official = LoadTapVid(options_.output_dir + "/tapvid_davis.pkl");
    QCOMPARE(official.layout, TapVidLayout::kOfficial);
    QCOMPARE(int(strided.videos.size()), 1);
    QCOMPARE(int(official.videos.size()), 1);
    const TapVidVideo& a = strided.videos[0];
    const TapVidVideo& b = official.videos[0];
    QCOMPARE(b.name, std::string("spider"));
    QCOMPARE(a.width, 112);
    QCOMPARE(a.height, 96);
    QCOMPARE(b.width, 112);
    QCOMPARE(a.frames, 8);
    QCOMPARE(a.QueryCount(), result_.queries);
    QCOMPARE(int(a.groups.size()), int(b.groups.size()));
    for (size_t g = 0; g < a.groups.size(); ++g) {
      QCOMPARE(a.groups[g].frame, b.groups[g].frame);
      QCOMPARE(a.groups[g].truth.occluded, b.groups[g].truth.occluded);
      for (size_t i = 0; i < a.groups[g].truth.xy.size(); ++i)
        QVERIFY(std::abs(a.groups[g].truth.xy[i] - b.groups[g].truth.xy[i]) < 1e-3);
    }
    QCOMPARE(OpenTapVidFrames(a)->FrameCount(), 8);
    const cv::Mat frame = OpenTapVidFrames(b)->Frame(3);
    QCOMPARE(frame.cols, 112);
    QCOMPARE(frame.rows, 96);
  }

  void WritesTheVideoFile() {
    QCOMPARE(result_.video_path, options_.video_out);
    const auto video = corrlens::video::OpenVideo(options_.video_out);
    QCOMPARE(video->Info().width, 112);
    QCOMPARE(video->Info().height, 96);
    QCOMPARE(video->FrameCount(), 8);
    QVERIFY(!video->Frame(7).empty());
  }

  void PointsLeaveTheFrame() {
    SequenceOptions options = Small(dir_.filePath("spiral").toStdString());
    options.path.shape = SequencePath::kSpiral;
    options.path.drift = 1.0;
    const SequenceResult result = Run(options);
    QVERIFY(result.outside_fraction > 0.0);
  }

  void BadInputGivesOneLine() {
    SequenceOptions options = Small(dir_.filePath("bad").toStdString());
    options.frames = 0;
    QVERIFY(ErrorOf(options).contains("key 'frames'"));
    options = Small(dir_.filePath("bad").toStdString());
    options.render.intrinsics = Intrinsics::Square(100000);
    QVERIFY(ErrorOf(options).contains("key 'size'"));
    options = Small(dir_.filePath("bad").toStdString());
    options.points = 0;
    QVERIFY(ErrorOf(options).contains("key 'points'"));
    options = Small(dir_.filePath("bad").toStdString());
    options.mesh_path = "/nonexistent/mesh.obj";
    QVERIFY(ErrorOf(options).contains("/nonexistent/mesh.obj"));
    QVERIFY(!stdfs::exists(dir_.filePath("bad").toStdString()));
    options = Small(options_.output_dir);  // earlier output is kept without force
    QVERIFY(ErrorOf(options).contains("not empty"));
    options.video_out = options_.video_out;  // nor an existing video
    options.output_dir = dir_.filePath("bad").toStdString();
    QVERIFY(ErrorOf(options).contains("video file exists"));
    options.force = true;
    options.video_out = dir_.filePath("x.mkv").toStdString();
    const QString error = ErrorOf(options);
    QVERIFY(error.contains("unsupported video file extension") && !error.contains('\n'));
  }

 private:
  QTemporaryDir dir_;
  SequenceOptions options_;
  SequenceResult result_;
};

QTEST_APPLESS_MAIN(SequenceTest)
#include "sequence_test.moc"
