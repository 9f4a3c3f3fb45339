// Mesh silhouettes: the outline of an exported object at a test frame's true
// pose covers the exporter's own render of it and the frame image's
// non-black pixels (IoU > 0.99 each), a perturbed pose does not (< 0.9),
// non-square cameras, concurrent callers, the export marker and one-line
// errors; XVFB.
#include <QtTest/QtTest>

#include <QTemporaryDir>
#include <opencv2/calib3d.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/pose/onepose_dataset.h"
#include "core/pose/onepose_export.h"
#include "core/pose/pose_silhouette.h"
#include "core/render/renderer.h"
#include "core/util/error.h"
#include "tests/common/sample_data.h"

using namespace corrlens::pose;
using namespace corrlens::render;
namespace stdfs = std::filesystem;

namespace {

double IoU(const cv::Mat& a, const cv::Mat& b) {
  const double inter = cv::countNonZero(a & b), uni = cv::countNonZero(a | b);
  return uni > 0 ? inter / uni : 1.0;
}

cv::Mat Filled(const Contours& contours, cv::Size size) {
  cv::Mat mask = cv::Mat::zeros(size, CV_8UC1);
  // Even-odd fill of every boundary (holes are boundaries too), then the
  // boundaries themselves.
  for (const auto& c : contours) {
    cv::Mat one = cv::Mat::zeros(size, CV_8UC1);
    cv::drawContours(one, std::vector<std::vector<cv::Point>>{c}, 0, 255, cv::FILLED);
    cv::bitwise_xor(mask, one, mask);
  }
  // A hole's boundary runs through object pixels, which its fill cleared.
  cv::drawContours(mask, contours, -1, 255, 1);
  return mask;
}

// `pose` turned by `deg` about the object's y axis and shifted `dx` metres.
cv::Matx44d Perturbed(const cv::Matx44d& pose, double deg, double dx) {
  cv::Matx33d r;
  cv::Rodrigues(cv::Vec3d(0, deg * CV_PI / 180.0, 0), r);
  cv::Matx44d delta = cv::Matx44d::eye();
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) delta(i, j) = r(i, j);
  cv::Matx44d out = pose * delta;
  out(0, 3) += dx;
  return out;
}

QString ErrorOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const corrlens::Error& e) {
    return e.what();
  }
  return {};
}

}  // namespace

class PoseSilhouetteTest : public QObject {
  Q_OBJECT

  // A Renderer of the source mesh in metres scaled by the marker's
  // metres_per_mesh_unit (not by the diagonal, as SilhouetteRenderer).
  std::unique_ptr<Renderer> MarkerScaledRenderer() {
    std::ifstream in(object_dir_ + "/corrlens_export.json");
    const nlohmann::json marker = nlohmann::json::parse(in);
    Mesh mesh = LoadMesh(marker["mesh"].get<std::string>());
    const double factor = marker["metres_per_mesh_unit"].get<double>() / mesh.scale;
    for (MeshPart& part : mesh.parts)
      for (float& p : part.positions) p = float(p * factor);
    mesh.radius *= factor;
    RenderOptions options;
    options.intrinsics = Intrinsics::Square(512);
    auto renderer = Renderer::Create(options);
    renderer->SetMesh(mesh);
    return renderer;
  }

 private slots:
  void initTestCase() {
    CORRLENS_REQUIRE_ASSIMP_MODEL("OBJ/spider.obj");
    OnePoseExportOptions options;
    options.mesh_path = corrlens::test::AssimpModel("OBJ/spider.obj");
    options.root = dir_.path().toStdString();
    options.reference_views = 2;
    options.test_views = 3;
    corrlens::Progress progress;
    corrlens::CancelToken cancel;
    object_dir_ = ExportOnePoseObject(options, progress, cancel).object_dir;
    frames_ = ReadOnePoseTestFrames(OnePoseLayoutOfObjectFolder(object_dir_), FramePreset::kFull);
    QCOMPARE(int(frames_.size()), 3);
  }

  void ReadsTheExportMarker() {
    const std::optional<SilhouetteSource> source = ReadSilhouetteSource(object_dir_);
    QVERIFY(source.has_value());
    QCOMPARE(stdfs::path(source->mesh_path).filename().string(), std::string("spider.obj"));
    QCOMPARE(source->object_diagonal, 0.2);
    QVERIFY(!ReadSilhouetteSource(dir_.path().toStdString()).has_value());  // no marker: a real object
  }

  void MatchesTheRenderedObjectAtTheTruePose() {
    auto renderer = SilhouetteRenderer::Create(*ReadSilhouetteSource(object_dir_));
    // The exporter's own render, its scale from the marker's metres_per_mesh_unit.
    auto truth = MarkerScaledRenderer();
    for (const QueryFrame& frame : frames_) {
      const cv::Mat image = cv::imread(frame.image, cv::IMREAD_GRAYSCALE);
      QVERIFY(!image.empty());
      const cv::Mat object = image > 0;  // black background
      const auto start = std::chrono::steady_clock::now();
      const Contours outline = renderer->Silhouette(frame.intrinsics, image.size(), frame.cam_from_object);
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      QVERIFY(!outline.empty());
      const cv::Mat filled = Filled(outline, image.size());
      const double exact = IoU(filled, truth->Render(frame.cam_from_object).mask);
      const double iou = IoU(filled, object);
      const double off =
          IoU(Filled(renderer->Silhouette(frame.intrinsics, image.size(), Perturbed(frame.cam_from_object, 8, 0.01)),
                     image.size()),
              object);
      qInfo(
          "%s: IoU %.4f with the exporter's mask, %.4f with the image at the true pose, %.4f at 8 deg + 1 cm; %.0f ms",
          frame.name.c_str(), exact, iou, off, ms);
      QVERIFY2(exact > 0.99, qPrintable(QString::number(exact)));
      QVERIFY2(iou > 0.99, qPrintable(QString::number(iou)));
      QVERIFY2(off < 0.9, qPrintable(QString::number(off)));
    }
  }

  void NonSquareCameraAndEmptyViews() {
    auto renderer = SilhouetteRenderer::Create(*ReadSilhouetteSource(object_dir_));
    const QueryFrame& frame = frames_[0];
    // The same camera on a wider canvas: the mask moves with cx, nothing else.
    cv::Matx33d wide = frame.intrinsics;
    wide(0, 2) += 64;
    const cv::Mat square = renderer->Mask(frame.intrinsics, {512, 512}, frame.cam_from_object);
    const cv::Mat shifted = renderer->Mask(wide, {576, 512}, frame.cam_from_object);
    QCOMPARE(shifted.size(), cv::Size(576, 512));
    QVERIFY(IoU(square, shifted(cv::Rect(64, 0, 512, 512))) > 0.995);
    cv::Matx44d behind = frame.cam_from_object;
    behind(2, 3) = -behind(2, 3);
    QCOMPARE(cv::countNonZero(renderer->Mask(frame.intrinsics, {512, 512}, behind)), 0);
    cv::Matx44d nan = frame.cam_from_object;
    nan(0, 3) = std::nan("");
    QVERIFY(renderer->Silhouette(frame.intrinsics, {512, 512}, nan).empty());
  }

  void ConcurrentCallersGetTheSameMask() {
    auto renderer = SilhouetteRenderer::Create(*ReadSilhouetteSource(object_dir_));
    const QueryFrame& frame = frames_[1];
    const cv::Mat expected = renderer->Mask(frame.intrinsics, {512, 512}, frame.cam_from_object);
    cv::Mat a, b;
    std::thread ta([&] { a = renderer->Mask(frame.intrinsics, {512, 512}, frame.cam_from_object); });
    std::thread tb([&] { b = renderer->Mask(frame.intrinsics, {512, 512}, frame.cam_from_object); });
    ta.join();
    tb.join();
    QCOMPARE(cv::countNonZero(a != expected), 0);
    QCOMPARE(cv::countNonZero(b != expected), 0);
  }

  void OneLineErrors() {
    const std::string marker = dir_.filePath("bad/corrlens_export.json").toStdString();
    stdfs::create_directories(stdfs::path(marker).parent_path());
    std::ofstream(marker) << "{\"mesh\": 3";
    QString error = ErrorOf([&] { ReadSilhouetteSource(stdfs::path(marker).parent_path().string()); });
    QVERIFY2(error.contains("corrlens_export.json") && error.contains("not JSON") && !error.contains('\n'),
             qPrintable(error));
    std::ofstream(marker) << "{\"mesh\": \"/x.obj\"}";
    error = ErrorOf([&] { ReadSilhouetteSource(stdfs::path(marker).parent_path().string()); });
    QVERIFY2(error.contains("object_diagonal_m"), qPrintable(error));
    error = ErrorOf([&] { SilhouetteRenderer::Create({dir_.filePath("gone.obj").toStdString(), 0.2}); });
    QVERIFY2(error.contains("gone.obj") && !error.contains('\n'), qPrintable(error));
    auto renderer = SilhouetteRenderer::Create(*ReadSilhouetteSource(object_dir_));
    error = ErrorOf([&] { renderer->Mask(cv::Matx33d::zeros(), {64, 64}, frames_[0].cam_from_object); });
    QVERIFY2(error.contains("spider.obj") && error.contains("intrinsics"), qPrintable(error));
  }

 private:
  QTemporaryDir dir_;
  std::string object_dir_;
  std::vector<QueryFrame> frames_;
};

QTEST_GUILESS_MAIN(PoseSilhouetteTest)
#include "pose_silhouette_test.moc"
