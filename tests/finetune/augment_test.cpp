// Training augmentations: each transform at fixed parameters equals
// albumentations 1.3.1 (the reference's pin) as re-stated with cv2/numpy in
// tests/finetune/augment_reference.py, bit for bit (same OpenCV); points move
// with the image; dropped 2D points take their 3D points with them.
#include <QTemporaryDir>
#include <QtTest>

#include <torch/torch.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <random>

#include "core/finetune/augment.h"
#include "core/io/tensor_file.h"
#include "core/io/torch_convert.h"
#include "tests/common/python.h"
#include "tests/common/test_paths.h"

using namespace corrlens;
using finetune::ShiftScaleRotateParams;

namespace {

cv::Mat ReadRgb(const char* relative) {
  cv::Mat bgr = cv::imread(test::SourcePath(relative).toStdString(), cv::IMREAD_COLOR), rgb;
  if (!bgr.empty()) cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

io::TensorData FromMat(const cv::Mat& m) {  // [H, W(, C)] with the Mat's depth
  const at::ScalarType t = m.depth() == CV_8U ? at::kByte : m.depth() == CV_32S ? at::kInt : at::kDouble;
  std::vector<int64_t> shape = {m.rows, m.cols};
  if (m.channels() > 1) shape.push_back(m.channels());
  return io::FromTorch(torch::from_blob(m.data, shape, t).clone());
}
io::TensorData FromVector(const std::vector<double>& v, int64_t cols) {
  return io::FromTorch(torch::tensor(v, at::kDouble).reshape({-1, cols}));
}

cv::Mat ToMat(const io::TensorFile& f, const std::string& key) {
  const io::TensorData* t = f.Find(key);
  if (!t) return {};
  const at::Tensor x = io::ToTorch(*t).to(at::kByte).contiguous();
  return cv::Mat(int(x.size(0)), int(x.size(1)), x.dim() == 3 ? CV_8UC3 : CV_8UC1, x.data_ptr()).clone();
}

QString Differs(const cv::Mat& ours, const cv::Mat& ref, const std::string& what) {
  if (ref.empty()) return QString::fromStdString(what + ": missing in the reference output");
  cv::Mat d;
  cv::absdiff(ours.reshape(1), ref.reshape(1), d);
  return QString::fromStdString(what + ": " + std::to_string(cv::countNonZero(d)) + " values differ, max " +
                                std::to_string(cv::norm(d, cv::NORM_INF)));
}
bool Same(const cv::Mat& a, const cv::Mat& b) {
  return !b.empty() && a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

// A dark image with a Gaussian spot (sigma 2.5 px) centred on each point.
cv::Mat Spots(cv::Size size, const std::vector<cv::Point2f>& pts) {
  cv::Mat f(size, CV_32FC1, cv::Scalar(0));
  for (const auto& p : pts)
    for (int y = int(p.y) - 10; y <= int(p.y) + 10; ++y)
      for (int x = int(p.x) - 10; x <= int(p.x) + 10; ++x)
        f.at<float>(y, x) += 250.0f * std::exp(-((x - p.x) * (x - p.x) + (y - p.y) * (y - p.y)) / (2 * 2.5f * 2.5f));
  cv::Mat g, rgb;
  f.convertTo(g, CV_8UC1);
  cv::cvtColor(g, rgb, cv::COLOR_GRAY2RGB);
  return rgb;
}

}  // namespace

class AugmentTest : public QObject {
  Q_OBJECT
 private slots:
  void parityWithAlbumentations();
  void pointsFollowTheImage();
  void droppedPointsKeepCorrespondences();
};

void AugmentTest::parityWithAlbumentations() {
  const cv::Mat rgb = ReadRgb("/resources/examples/objs_1-1.png");    // 512x512 rendered object
  const cv::Mat geo = ReadRgb("/resources/examples/scenes_2-1.jpg");  // 200x300: not square
  QVERIFY(!rgb.empty() && !geo.empty());
  cv::Mat grey, mask;
  cv::cvtColor(geo, grey, cv::COLOR_RGB2GRAY);
  mask = (grey > 100);
  std::mt19937_64 rng(5);
  std::vector<double> points;
  for (int i = 0; i < 300; ++i)  // integer pixels, as np.where gives them
    points.push_back(double(rng() % geo.cols)), points.push_back(double(rng() % geo.rows));
  const std::vector<ShiftScaleRotateParams> ssr = {{30, 1.2, 0.1, -0.2}, {-45, 0.75, -0.25, 0.25}, {90, 1, 0, 0}};
  const std::vector<std::pair<double, double>> bc = {{1.15, -0.1}, {0.85, 0.18}, {1.2, 0.2}, {1.0, 0.0}};
  const double intensity = 0.3, color_shift = 0.03, lambda = finetune::IsoNoiseLambda(rgb, intensity);
  QVERIFY(lambda > 1);
  cv::Mat lum(rgb.size(), CV_32SC1), hue(rgb.size(), CV_64FC1), gauss(rgb.size(), CV_64FC3);
  std::poisson_distribution<int> poisson(lambda);
  std::normal_distribution<double> normal(0, 1);
  for (auto it = lum.begin<int>(); it != lum.end<int>(); ++it) *it = poisson(rng);
  for (auto it = hue.begin<double>(); it != hue.end<double>(); ++it) *it = normal(rng) * color_shift * 360 * intensity;
  for (auto it = gauss.begin<cv::Vec3d>(); it != gauss.end<cv::Vec3d>(); ++it)
    for (int c = 0; c < 3; ++c) (*it)[c] = normal(rng) * std::sqrt(30.0);
  const double clip = 2.7;

  QTemporaryDir dir;
  std::vector<double> ssr_flat, bc_flat;
  for (const auto& p : ssr) ssr_flat.insert(ssr_flat.end(), {p.angle_deg, p.scale, p.dx, p.dy});
  for (const auto& [a, b] : bc) bc_flat.insert(bc_flat.end(), {a, b});
  const std::vector<io::NamedTensor> in = {{"rgb", FromMat(rgb)},
                                           {"geo_rgb", FromMat(geo)},
                                           {"geo_mask", FromMat(mask)},
                                           {"geo_points", FromVector(points, 2)},
                                           {"ssr", FromVector(ssr_flat, 4)},
                                           {"iso_intensity", FromVector({intensity}, 1)},
                                           {"iso_luminance", FromMat(lum)},
                                           {"iso_hue", FromMat(hue)},
                                           {"gauss", FromMat(gauss)},
                                           {"clahe_clip", FromVector({clip}, 1)},
                                           {"bc", FromVector(bc_flat, 2)}};
  const std::string in_path = dir.filePath("in.pt").toStdString(), out_path = dir.filePath("out.pt").toStdString();
  io::WriteTorchCheckpoint(in_path, in);
  const auto py = test::RunPython3({test::SourcePath("/tests/finetune/augment_reference.py"),
                                    QString::fromStdString(in_path), QString::fromStdString(out_path)});
  if (py.err.contains("cv2")) QSKIP("python3-opencv is not installed");
  QVERIFY2(py.ok, qPrintable(py.err));
  const io::TensorFile ref = io::ReadTensorFile(out_path);

  for (size_t i = 0; i < ssr.size(); ++i) {
    finetune::ViewSample v{geo.clone(), mask.clone(), {}, {}};
    for (size_t k = 0; k < points.size(); k += 2) v.points2d.emplace_back(float(points[k]), float(points[k + 1]));
    finetune::ApplyShiftScaleRotate(v, ssr[i]);
    const std::string n = std::to_string(i);
    QVERIFY2(Same(v.rgb, ToMat(ref, "ssr_rgb_" + n)), qPrintable(Differs(v.rgb, ToMat(ref, "ssr_rgb_" + n), "ssr")));
    QVERIFY2(Same(v.mask, ToMat(ref, "ssr_mask_" + n)), qPrintable(Differs(v.mask, ToMat(ref, "ssr_mask_" + n), "m")));
    const at::Tensor rp = io::ToTorch(*ref.Find("ssr_points_" + n));
    QCOMPARE(rp.size(0), int64_t(v.points2d.size()));
    for (int64_t k = 0; k < rp.size(0); ++k) {
      QVERIFY(std::abs(v.points2d[k].x - rp[k][0].item<double>()) < 1e-4);
      QVERIFY(std::abs(v.points2d[k].y - rp[k][1].item<double>()) < 1e-4);
    }
  }
  for (int k : {1, 3}) {
    const cv::Mat ours = finetune::GaussianBlurImage(rgb, k), r = ToMat(ref, "blur_" + std::to_string(k));
    QVERIFY2(Same(ours, r), qPrintable(Differs(ours, r, "blur")));
  }
  QCOMPARE(lambda, io::ToTorch(*ref.Find("iso_lambda")).item<double>());
  const std::vector<std::pair<std::string, cv::Mat>> colour = {{"iso", finetune::IsoNoiseImage(rgb, lum, hue)},
                                                               {"gauss", finetune::GaussNoiseImage(rgb, gauss)},
                                                               {"clahe", finetune::ClaheImage(rgb, clip)}};
  for (const auto& [key, ours] : colour)
    QVERIFY2(Same(ours, ToMat(ref, key)), qPrintable(Differs(ours, ToMat(ref, key), key)));
  for (size_t i = 0; i < bc.size(); ++i) {
    const cv::Mat ours = finetune::BrightnessContrastImage(rgb, bc[i].first, bc[i].second);
    const cv::Mat r = ToMat(ref, "bc_" + std::to_string(i));
    QVERIFY2(Same(ours, r), qPrintable(Differs(ours, r, "bc")));
  }
  QVERIFY(!Same(finetune::IsoNoiseImage(rgb, lum, hue), rgb));  // the noise did something
}

void AugmentTest::pointsFollowTheImage() {
  const cv::Size size(320, 240);
  const std::vector<cv::Point2f> pts = {{130, 100}, {190, 140}, {160, 120}, {120, 150}, {205, 90}};
  const std::vector<ShiftScaleRotateParams> params = {{30, 1.2, 0.05, -0.05}, {-40, 0.8, -0.1, 0.1}};
  for (const ShiftScaleRotateParams& p : params) {
    finetune::ViewSample v{Spots(size, pts), cv::Mat(size, CV_8UC1, cv::Scalar(255)), pts, {}};
    finetune::ApplyShiftScaleRotate(v, p);
    cv::Mat g;
    cv::cvtColor(v.rgb, g, cv::COLOR_RGB2GRAY);
    for (const cv::Point2f& q : v.points2d) {  // the spot's centroid lies on the moved point
      double sw = 0, sx = 0, sy = 0;
      for (int y = int(q.y) - 12; y <= int(q.y) + 12; ++y)
        for (int x = int(q.x) - 12; x <= int(q.x) + 12; ++x) {
          const double w = g.at<uint8_t>(y, x);
          sw += w, sx += w * x, sy += w * y;
        }
      QVERIFY(sw > 0);
      QVERIFY2(std::hypot(sx / sw - q.x, sy / sw - q.y) < 0.05,
               qPrintable(QString("centroid (%1, %2) vs point (%3, %4)").arg(sx / sw).arg(sy / sw).arg(q.x).arg(q.y)));
    }
  }
}

void AugmentTest::droppedPointsKeepCorrespondences() {
  const cv::Size size(128, 96);
  finetune::AugmentOptions o;
  o.geometric_probability = 1;  // always move
  o.color_probability = 0;
  o.shift = 0.5;  // large shifts: many points leave the image
  int runs_with_drops = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    finetune::ViewSample v{
        cv::Mat(size, CV_8UC3, cv::Scalar(90, 120, 200)), cv::Mat(size, CV_8UC1, cv::Scalar(0)), {}, {}};
    cv::rectangle(v.mask, cv::Rect(20, 20, 60, 50), cv::Scalar(255), cv::FILLED);
    std::vector<cv::Point2f> original;
    for (int i = 0; i < 200; ++i) original.emplace_back(float(i % size.width), float((7 * i) % size.height));
    v.points2d = original;
    for (int i = 0; i < 200; ++i) v.points3d.emplace_back(float(i), 0.f, 0.f);  // x = original index
    std::mt19937_64 rng(seed);
    finetune::AugmentView(v, o, rng);
    QCOMPARE(v.points2d.size(), v.points3d.size());
    if (v.points2d.size() == original.size()) continue;
    if (v.points2d.size() < 3) continue;  // nothing left to fit
    ++runs_with_drops;
    std::vector<cv::Point2f> from;
    for (const auto& p3 : v.points3d) from.push_back(original[size_t(p3.x)]);
    const size_t a = 0, b = from.size() / 2, c = from.size() - 1;  // one affine map fits every kept pair
    if (std::abs((from[b] - from[a]).cross(from[c] - from[a])) < 100) continue;
    const cv::Mat m = cv::getAffineTransform(std::vector<cv::Point2f>{from[a], from[b], from[c]},
                                             std::vector<cv::Point2f>{v.points2d[a], v.points2d[b], v.points2d[c]});
    std::vector<cv::Point2f> mapped;
    cv::transform(from, mapped, m);
    for (size_t i = 0; i < mapped.size(); ++i) QVERIFY(cv::norm(mapped[i] - v.points2d[i]) < 1e-2);
    for (const auto& q : v.points2d) QVERIFY(q.x >= 0 && q.x < size.width && q.y >= 0 && q.y < size.height);
    cv::Mat outside_mask;  // background is black outside the moved mask
    cv::cvtColor(v.rgb, outside_mask, cv::COLOR_RGB2GRAY);
    QCOMPARE(cv::countNonZero(outside_mask & (v.mask == 0)), 0);
  }
  QVERIFY(runs_with_drops > 3);
}

QTEST_GUILESS_MAIN(AugmentTest)
#include "augment_test.moc"
