// Render folders on disk: layout, round trip, overwrite rules; XVFB.
#include <QtTest/QtTest>

#include <QTemporaryDir>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/render/render_set.h"
#include "core/util/error.h"
#include "tests/common/render_job.h"
#include "tests/common/sample_data.h"

using namespace corrlens::render;
namespace stdfs = std::filesystem;

namespace {

const std::string kSpider = corrlens::test::AssimpModel("OBJ/spider.obj");

RenderSetOptions SmallSet(const std::string& out) {
  RenderSetOptions options;
  options.mesh_path = kSpider;
  options.output_dir = out;
  options.views.count = 3;
  options.render.intrinsics = Intrinsics::Square(128);
  return options;
}

QString ErrorOf(const RenderSetOptions& options) { return corrlens::test::JobError(RunRenderSet, options); }

}  // namespace

class RenderSetTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { CORRLENS_REQUIRE_ASSIMP_MODEL("OBJ/spider.obj"); }

  void WritesAndReadsBack() {
    QTemporaryDir dir;
    const std::string out = dir.filePath("set").toStdString();
    double last = 0.0;
    corrlens::Progress progress([&last](double fraction, const std::string&) { last = fraction; });
    corrlens::CancelToken cancel;
    const RenderSetResult result = RunRenderSet(SmallSet(out), progress, cancel);
    QCOMPARE(result.views, 3);
    QCOMPARE(result.textured_parts, 4);
    QCOMPARE(last, 1.0);
    for (int i = 0; i < 3; ++i) {
      for (const char* kind : {"color", "depth", "mask"}) {
        QVERIFY(stdfs::is_regular_file(stdfs::path(out) / ViewFileName(kind, i)));
      }
    }
    QCOMPARE(ViewFileName("depth", 12), std::string("depth_000012.png"));
    const cv::Mat depth_mm = cv::imread(out + "/depth_000001.png", cv::IMREAD_ANYDEPTH);
    QCOMPARE(depth_mm.type(), CV_16UC1);

    const RenderSetIndex index = ReadRenderSetIndex(out);
    QCOMPARE(int(index.obj_to_cam.size()), 3);
    QCOMPARE(index.intrinsics.width, 128);
    QCOMPARE(index.intrinsics.fx, 140.0);
    QCOMPARE(index.intrinsics.cx, 64.0);
    const RenderedView view = ReadRenderedView(index, 1);
    QCOMPARE(view.rgb.type(), CV_8UC3);
    QCOMPARE(cv::countNonZero(view.mask), cv::countNonZero(view.depth > 0));
    // Depth in millimetres: values near the camera distance (about 2 m).
    double lo = 0, hi = 0;
    cv::minMaxLoc(view.depth, &lo, &hi, nullptr, nullptr, view.mask);
    const double centre = index.obj_to_cam[1](2, 3);
    QVERIFY2(lo > centre - 0.87 && hi < centre + 0.87 && hi - lo > 0.05,
             qPrintable(QString("%1..%2 around %3").arg(lo).arg(hi).arg(centre)));
    // The same pose rendered in memory agrees to the millimetre quantisation.
    auto renderer = Renderer::Create(SmallSet(out).render);
    renderer->SetMesh(LoadMesh(kSpider));
    const RenderedView fresh = renderer->Render(index.obj_to_cam[1]);
    cv::Mat diff;
    cv::absdiff(fresh.depth, view.depth, diff);
    double worst = 0;
    cv::minMaxLoc(diff, nullptr, &worst);
    QVERIFY2(worst <= 0.0005 + 1e-6, qPrintable(QString::number(worst)));
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, ReadRenderedView(index, 3));
  }

  void NeverOverwritesWithoutForce() {
    QTemporaryDir dir;
    const std::string out = dir.path().toStdString();
    std::ofstream(out + "/notes.txt") << "keep me";
    std::ofstream(out + "/color_000007.png") << "stale";
    const QString message = ErrorOf(SmallSet(out));
    QVERIFY2(message.contains("not empty") && message.contains("--force"), qPrintable(message));
    QVERIFY(!stdfs::exists(out + "/cameras.json"));
    RenderSetOptions forced = SmallSet(out);
    forced.force = true;
    QVERIFY(ErrorOf(forced).isEmpty());
    QVERIFY(stdfs::exists(out + "/notes.txt"));          // not ours: kept
    QVERIFY(!stdfs::exists(out + "/color_000007.png"));  // stale render: removed
    QVERIFY(stdfs::exists(out + "/cameras.json"));
  }

  void FailuresLeaveNoFolder() {
    QTemporaryDir dir;
    const std::string out = dir.filePath("never").toStdString();
    RenderSetOptions missing = SmallSet(out);
    missing.mesh_path = "/nonexistent/thing.glb";
    QVERIFY(ErrorOf(missing).contains("/nonexistent/thing.glb"));
    QVERIFY(!stdfs::exists(out));
    {
      const char* display = std::getenv("DISPLAY");
      const std::string saved = display ? display : "";
      unsetenv("DISPLAY");
      const QString message = ErrorOf(SmallSet(out));
      if (!saved.empty()) setenv("DISPLAY", saved.c_str(), 1);
      QVERIFY2(message.contains("DISPLAY"), qPrintable(message));
    }
    QVERIFY(!stdfs::exists(out));
  }

  void Cancels() {
    QTemporaryDir dir;
    corrlens::Progress progress;
    corrlens::CancelToken cancel;
    cancel.Cancel();
    QVERIFY_THROWS_EXCEPTION(corrlens::Cancelled,
                             RunRenderSet(SmallSet(dir.filePath("c").toStdString()), progress, cancel));
  }

  void RejectsBadIndex() {
    QTemporaryDir dir;
    const std::string out = dir.path().toStdString();
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, ReadRenderSetIndex(out));  // missing
    std::ofstream(out + "/cameras.json") << "{\"width\": 4, \"K\": [[1,0]]";
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, ReadRenderSetIndex(out));  // truncated
    std::ofstream(out + "/cameras.json") << R"({"width": 4, "height": 4, "K": [[1,0,2],[0,1,2]], "views": []})";
    try {
      ReadRenderSetIndex(out);
      QFAIL("expected an error");
    } catch (const corrlens::Error& e) {
      QVERIFY2(QString(e.what()).contains("K"), e.what());
    }
  }
};

QTEST_APPLESS_MAIN(RenderSetTest)
#include "render_set_test.moc"
