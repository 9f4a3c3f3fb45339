// The tracker against an independent PyTorch implementation of the
// reference rules (tests/track/tracker_reference.py) on the same random
// feature volumes: the paper's grid (854x476, patch 14, stride 7) and a
// dense-SIFT-like one (patch 16); plus a volume with a known motion.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>
#include "tests/common/test_paths.h"

#include <torch/torch.h>

#include <cmath>

#include "core/io/tensor.h"
#include "core/io/tensor_file.h"
#include "core/track/tracker.h"
#include "core/util/error.h"
#include "tests/common/python.h"

using namespace corrlens;
using namespace corrlens::track;

namespace {

GridGeometry Geometry(int width, int height, int patch, int stride) {
  GridGeometry g;
  g.image_width = g.input_width = width;
  g.image_height = g.input_height = height;
  g.patch = patch;
  g.stride = stride;
  g.grid_width = 1 + (width - patch) / stride;
  g.grid_height = 1 + (height - patch) / stride;
  return g;
}

// A smooth random field sliding by (dx, dy) cells per frame plus noise; an
// occluder of fresh noise covers part of frames 4 and 5. [T, C, Hg, Wg].
at::Tensor RandomVolume(const GridGeometry& g, int frames, int channels, int dx, int dy) {
  torch::manual_seed(7);
  const int pad = 2 * frames;
  const at::Tensor coarse = torch::randn({1, channels, g.grid_height / 4 + 3, g.grid_width / 4 + 3});
  const at::Tensor field = torch::nn::functional::interpolate(
      coarse, torch::nn::functional::InterpolateFuncOptions()
                  .size(std::vector<int64_t>{g.grid_height + 2 * pad, g.grid_width + 2 * pad})
                  .mode(torch::kBilinear)
                  .align_corners(true))[0];
  std::vector<at::Tensor> out;
  for (int t = 0; t < frames; ++t) {
    at::Tensor f = field.slice(1, pad + dy * t, pad + dy * t + g.grid_height)
                       .slice(2, pad + dx * t, pad + dx * t + g.grid_width)
                       .clone();
    f += 0.3 * torch::randn_like(f);
    if (t == 4 || t == 5) f.slice(1, 2, g.grid_height / 2).slice(2, 3, g.grid_width / 2).normal_();
    out.push_back(f);
  }
  return torch::stack(out);
}

FeatureVolume ChannelsLast(const at::Tensor& tchw, const GridGeometry& g) {
  return {tchw.permute({0, 2, 3, 1}).contiguous(), g};
}

void WriteNpy(const std::string& path, const at::Tensor& t) {
  const at::Tensor c = t.contiguous().to(torch::kFloat32);
  const auto* p = reinterpret_cast<const uint8_t*>(c.data_ptr<float>());
  io::WriteNpy(path, io::TensorData::FromBytes(io::DType::kFloat32, c.sizes().vec(),
                                               std::vector<uint8_t>(p, p + c.numel() * sizeof(float))));
}

std::vector<Query> SomeQueries(const GridGeometry& g, int frames) {
  std::vector<Query> q;
  for (int i = 0; i < 8; ++i)
    q.push_back({(i * 3) % frames, 20.0 + (g.image_width - 40) * ((i * 37) % 100) / 100.0,
                 15.0 + (g.image_height - 30) * ((i * 61) % 100) / 100.0});
  q.push_back({1, 2.0, g.image_height - 1.0});  // at the border
  return q;
}

// Runs ours and the Python reference; compares tracks, flags, similarities.
void CompareWithReference(const GridGeometry& g, const at::Tensor& tchw, const std::vector<Query>& queries) {
  Progress progress;
  const TrackResult ours = TrackPoints(ChannelsLast(tchw, g), queries, TrackerOptions(), progress, CancelToken());
  QTemporaryDir dir;
  const QString volume = dir.filePath("volume.npy"), query_file = dir.filePath("queries.npy");
  WriteNpy(volume.toStdString(), tchw);
  std::vector<float> q;
  for (const Query& x : queries) q.insert(q.end(), {float(x.x), float(x.y), float(x.frame)});
  WriteNpy(query_file.toStdString(), torch::from_blob(q.data(), {int64_t(queries.size()), 3}, torch::kFloat32));
  const auto py = test::RunPython3({corrlens::test::SourcePath("/tests/track/tracker_reference.py"), volume, query_file,
                                    QString::number(g.image_width), QString::number(g.image_height),
                                    QString::number(g.patch), QString::number(g.stride)},
                                   240000);
  if (!py.ok && py.err.contains("No module named")) QSKIP("/usr/bin/python3 lacks torch or numpy");
  QVERIFY2(py.ok, qPrintable(py.err));
  const QJsonObject ref = QJsonDocument::fromJson(py.out.toUtf8()).object();
  double worst = 0.0, worst_sim = 0.0;
  int occluded = 0, flips = 0;
  for (int n = 0; n < ours.tracks.tracks; ++n)
    for (int t = 0; t < ours.tracks.frames; ++t) {
      const QJsonArray p = ref["tracks"].toArray()[n].toArray()[t].toArray();
      worst = std::max(
          {worst, std::abs(ours.tracks.X(n, t) - p[0].toDouble()), std::abs(ours.tracks.Y(n, t) - p[1].toDouble())});
      worst_sim = std::max(worst_sim, std::abs(ours.similarity[size_t(n) * ours.tracks.frames + t] -
                                               ref["similarity"].toArray()[n].toArray()[t].toDouble()));
      const bool r = ref["occluded"].toArray()[n].toArray()[t].toBool();
      flips += r != ours.tracks.Occluded(n, t);
      occluded += r;
    }
  qInfo("%dx%d patch %d stride %d: max position difference %.2e px, similarity %.2e, %d of %d occluded, %d flips",
        g.image_width, g.image_height, g.patch, g.stride, worst, worst_sim, occluded,
        ours.tracks.tracks * ours.tracks.frames, flips);
  QVERIFY(worst < 1e-3);
  QVERIFY(worst_sim < 1e-4);
  QCOMPARE(flips, 0);
  QVERIFY(occluded > 0 && occluded < ours.tracks.tracks * ours.tracks.frames);  // both kinds present
}

}  // namespace

class TrackerTest : public QObject {
  Q_OBJECT

 private slots:
  void PaperGridMatchesReference() {
    const GridGeometry g = Geometry(854, 476, 14, 7);
    CompareWithReference(g, RandomVolume(g, 8, 24, 1, 0), SomeQueries(g, 8));
  }

  void OtherPatchMatchesReference() {
    const GridGeometry g = Geometry(320, 240, 16, 7);
    CompareWithReference(g, RandomVolume(g, 7, 16, 0, 1), SomeQueries(g, 7));
  }

  void FollowsAKnownMotion() {
    // Frame t is frame 0 shifted by 2 cells (14 px) per frame, no noise.
    const GridGeometry g = Geometry(854, 476, 14, 7);
    torch::manual_seed(3);
    const at::Tensor base = torch::randn({32, g.grid_height, g.grid_width + 12});
    std::vector<at::Tensor> frames;
    for (int t = 0; t < 5; ++t) frames.push_back(base.slice(2, 12 - 2 * t, 12 - 2 * t + g.grid_width));
    Progress progress;
    const Query q{0, 7.0 + 7 * 40, 7.0 + 7 * 30};  // a token centre
    const TrackResult r =
        TrackPoints(ChannelsLast(torch::stack(frames), g), {q}, TrackerOptions(), progress, CancelToken());
    for (int t = 0; t < 5; ++t) {
      QVERIFY2(std::abs(r.tracks.X(0, t) - (q.x + 14 * t)) < 1.5, qPrintable(QString::number(r.tracks.X(0, t))));
      QVERIFY(std::abs(r.tracks.Y(0, t) - q.y) < 1.5);
      QVERIFY(!r.tracks.Occluded(0, t));
      QVERIFY(r.similarity[size_t(t)] > 0.99f);
    }
    TrackerOptions no_occlusion;
    no_occlusion.occlusion = false;
    const TrackResult plain =
        TrackPoints(ChannelsLast(torch::stack(frames), g), {q}, no_occlusion, progress, CancelToken());
    QCOMPARE(plain.tracks.xy, r.tracks.xy);
  }

  void HalfVolumeEqualsItsFloatCopy() {
    // A float16 volume is tracked in float32 one frame at a time: the result
    // equals tracking the same values stored as float32, bit for bit.
    const GridGeometry g = Geometry(320, 240, 16, 7);
    const FeatureVolume half{ChannelsLast(RandomVolume(g, 6, 16, 1, 0), g).features.to(torch::kHalf), g};
    const FeatureVolume full{half.features.to(torch::kFloat), g};
    QVERIFY(half.Valid() && full.Valid());
    const FeatureVolume as_double{half.features.to(torch::kDouble), g};
    QVERIFY(!as_double.Valid());
    FeatureVolume wrong_norms = half;
    wrong_norms.inv_norms = torch::ones({6, 3});
    QVERIFY(!wrong_norms.Valid());
    Progress progress;
    const std::vector<Query> queries = SomeQueries(g, 6);
    const TrackResult a = TrackPoints(half, queries, TrackerOptions(), progress, CancelToken());
    const TrackResult b = TrackPoints(full, queries, TrackerOptions(), progress, CancelToken());
    QCOMPARE(a.tracks.xy, b.tracks.xy);
    QCOMPARE(a.tracks.occluded, b.tracks.occluded);
    QCOMPARE(a.similarity, b.similarity);
  }

  void Errors() {
    const GridGeometry g = Geometry(320, 240, 16, 7);
    const FeatureVolume volume = ChannelsLast(RandomVolume(g, 3, 8, 0, 0), g);
    Progress progress;
    const CancelToken none;
    QVERIFY_THROWS_EXCEPTION(Error, TrackPoints(volume, {{3, 10, 10}}, TrackerOptions(), progress, none));
    QVERIFY_THROWS_EXCEPTION(Error, TrackPoints(volume, {{0, 400, 10}}, TrackerOptions(), progress, none));
    QVERIFY_THROWS_EXCEPTION(Error, TrackPoints(volume, {{0, NAN, 10}}, TrackerOptions(), progress, none));
    FeatureVolume bad = volume;
    bad.geometry.grid_width += 1;
    QVERIFY_THROWS_EXCEPTION(Error, TrackPoints(bad, {{0, 10, 10}}, TrackerOptions(), progress, none));
    CancelToken cancel;
    cancel.Cancel();
    QVERIFY_THROWS_EXCEPTION(Cancelled, TrackPoints(volume, {{0, 10, 10}}, TrackerOptions(), progress, cancel));
    QCOMPARE(TrackPoints(volume, {}, TrackerOptions(), progress, none).tracks.tracks, 0);
  }
};

QTEST_APPLESS_MAIN(TrackerTest)
#include "tracker_test.moc"
