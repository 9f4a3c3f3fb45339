// The TorchScript backend against Python: a scripted conv backbone (with an
// adapter module) and a traced random-weight DINOv2 ViT-S give the features
// of the eager Python modules (1e-5), the traced ViT those of the native ViT
// engine, and bad files are refused with one clear line.
#include <QtTest>

#include "plugins/torchscript/torchscript_backend.h"
#include "plugins/vit/vit_backend.h"
#include "tests/common/test_helpers.h"
#include "tests/plugins/torchscript_fixtures.h"

using namespace corrlens;
using corrlens::model::test::RelativeError;
using corrlens::test::ErrorOf;

namespace {

std::unique_ptr<FeatureBackend> Load(const std::string& path) {
  TorchScriptBackendOptions options;
  options.path = path;
  return CreateTorchScriptBackend(options);
}

torchscript::Manifest Geometry(int patch, int stride, int resolution = 0) {
  torchscript::Manifest m;
  m.patch = patch;
  m.stride = stride;
  m.resolution = resolution;
  return m;
}

}  // namespace

class TorchScriptBackendTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { CORRLENS_MAKE_TORCHSCRIPT_FIXTURES(fixtures_); }

  void PlansTheGridFromTheManifest() {
    ExtractOptions options;  // resolution 640, downsample 8
    GridGeometry g = PlanTorchScriptGeometry(Geometry(8, 8, 320), 224, 168, options);
    QCOMPARE(g.input_width, 320);
    QCOMPARE(g.input_height, 240);
    QCOMPARE(g.grid_width, 40);
    QCOMPARE(g.grid_height, 30);
    g = PlanTorchScriptGeometry(Geometry(14, 14), 800, 600, options);  // the ViT reference geometry
    QCOMPARE(g.input_width, 1120);
    QCOMPARE(g.input_height, 840);
    QCOMPARE(g.grid_width, 80);
    g = PlanTorchScriptGeometry(Geometry(16, 8), 640, 480, options);  // overlapping cells
    QCOMPARE(g.input_width, 79 * 8 + 16);
    QCOMPARE(g.grid_width, 80);
    options.input_width = 112;
    options.input_height = 56;
    g = PlanTorchScriptGeometry(Geometry(14, 14), 640, 480, options);
    QCOMPARE(g.grid_width, 8);
    QCOMPARE(g.grid_height, 4);
    torchscript::Manifest fixed = Geometry(14, 14);
    fixed.input_width = 224;
    fixed.input_height = 168;
    g = PlanTorchScriptGeometry(fixed, 640, 480, options);  // the manifest's fixed size wins
    QCOMPARE(g.grid_width, 16);
    QCOMPARE(g.grid_height, 12);
    QCOMPARE(g.image_width, 640);
  }

  void ConvBackboneMatchesPython_data() {
    QTest::addColumn<QString>("image");
    QTest::addColumn<bool>("refine");
    QTest::newRow("a, adapter") << "a" << true;
    QTest::newRow("b (resized), adapter") << "b" << true;
    QTest::newRow("a, no adapter") << "a" << false;
  }
  void ConvBackboneMatchesPython() {
    QFETCH(QString, image);
    QFETCH(bool, refine);
    auto backend = Load(fixtures_.Model("ts_conv"));
    ExtractOptions options;
    options.refine = refine;
    const FeatureMap map = backend->Extract(fixtures_.Image(image.toStdString()), options, CancelToken());
    const at::Tensor want = fixtures_.Expected("ts_conv_" + image.toStdString() + (refine ? "" : "_noadapter"));
    const double error = RelativeError(map.features, want);
    QVERIFY2(error >= 0 && error < 1e-5, qPrintable(QString("relative error %1").arg(error)));
    QCOMPARE(map.geometry.patch, 8);
    QCOMPARE(map.geometry.stride, 8);
    QCOMPARE(map.geometry.grid_width, int(want.size(2)));
    QVERIFY(map.Valid());
    QVERIFY(map.backend_id.rfind("ts_conv/", 0) == 0);
  }

  void TracedVitMatchesPython_data() {
    QTest::addColumn<QString>("image");
    QTest::newRow("a (the traced size)") << "a";
    QTest::newRow("b (resized to it)") << "b";
  }
  void TracedVitMatchesPython() {
    QFETCH(QString, image);
    auto backend = Load(fixtures_.Model("ts_vits14"));
    const cv::Mat rgb = fixtures_.Image(image.toStdString());
    const FeatureMap map = backend->Extract(rgb, ExtractOptions(), CancelToken());
    const double error = RelativeError(map.features, fixtures_.Expected("ts_vits14_" + image.toStdString()));
    QVERIFY2(error >= 0 && error < 1e-5, qPrintable(QString("relative error %1").arg(error)));
    QCOMPARE(map.geometry.input_width, 224);
    QCOMPARE(map.geometry.input_height, 168);
    QCOMPARE(map.geometry.grid_width, 16);
    QCOMPARE(map.geometry.grid_height, 12);
    QCOMPARE(map.geometry.image_width, rgb.cols);
  }

  void TracedVitMatchesTheNativeEngine() {
    VitBackendOptions vit;
    vit.arch = "dinov2_vits14";
    vit.weights_path = fixtures_.Root() + "/vits14.pth";
    auto native = CreateVitBackend(vit);
    ExtractOptions options;
    options.input_width = 224;
    options.input_height = 168;
    const cv::Mat rgb = fixtures_.Image("a");
    const FeatureMap want = native->Extract(rgb, options, CancelToken());
    const FeatureMap got = Load(fixtures_.Model("ts_vits14"))->Extract(rgb, ExtractOptions(), CancelToken());
    const double error = RelativeError(got.features, want.features);
    QVERIFY2(error >= 0 && error < 1e-4, qPrintable(QString("relative error %1").arg(error)));
  }

  void InfoNamesTheModelAndHashesItsFiles() {
    auto conv = Load(fixtures_.Model("ts_conv"));
    auto vit = Load(fixtures_.Model("ts_vits14") + "/model.pt");  // the module file also finds its manifest
    QCOMPARE(conv->Info().id, std::string("ts_conv"));
    QCOMPARE(conv->Info().display_name, std::string("Test conv backbone (TorchScript)"));
    QCOMPARE(conv->Info().dim, 16);  // after the adapter
    QCOMPARE(vit->Info().dim, 384);
    QCOMPARE(conv->Info().device, std::string("cpu"));
    QCOMPARE(conv->Info().weights_hash.size(), size_t(16));
    QVERIFY(conv->Info().weights_hash != vit->Info().weights_hash);
    QCOMPARE(Load(fixtures_.Model("ts_conv") + "/corrlens.json")->Info().weights_hash, conv->Info().weights_hash);
  }

  void CancelledBeforeWork() {
    auto backend = Load(fixtures_.Model("ts_conv"));
    CancelToken cancel;
    cancel.Cancel();
    QVERIFY_THROWS_EXCEPTION(Cancelled, backend->Extract(fixtures_.Image("a"), ExtractOptions(), cancel));
  }

  void BadFilesAreRefused_data() {
    QTest::addColumn<QString>("folder");
    QTest::addColumn<QString>("file");  // the file the error names
    QTest::addColumn<QString>("expected");
    QTest::newRow("not TorchScript") << "not_torchscript"
                                     << "model.pt"
                                     << "not a TorchScript module: not a zip";
    QTest::newRow("torch.save state dict") << "state_dict"
                                           << "model.pt"
                                           << "holds weights, not a program";
    QTest::newRow("tokens, rank 3") << "tokens"
                                    << "model.pt"
                                    << "expected a floating-point feature map [1, C, h, w]";
    QTest::newRow("a tuple") << "tuple"
                             << "model.pt"
                             << "returns a Tuple";
    QTest::newRow("grid != manifest") << "grid"
                                      << "corrlens.json"
                                      << "but the manifest's patch_size 14 and stride 14";
    QTest::newRow("channels != manifest") << "channels"
                                          << "corrlens.json"
                                          << "returns 32 channels, the manifest says 64";
    QTest::newRow("manifest not JSON") << "json"
                                       << "corrlens.json"
                                       << "not valid JSON";
  }
  void BadFilesAreRefused() {
    QFETCH(QString, folder);
    QFETCH(QString, file);
    QFETCH(QString, expected);
    const std::string dir = fixtures_.Bad(folder.toStdString());
    const QString what = QString::fromStdString(ErrorOf([&] { Load(dir); }));
    QVERIFY2(what.contains(expected), qPrintable(what));
    QVERIFY2(what.startsWith(QString::fromStdString(dir) + "/" + file + ": "), qPrintable(what));
    QVERIFY(!what.contains('\n'));
    if (folder == "tokens") QVERIFY2(what.contains("[1, 12, 32]") && what.contains("reshaped"), qPrintable(what));
  }

  void MissingFolderAndBadDevice() {
    QVERIFY(ErrorOf([&] { Load(fixtures_.Root() + "/nope"); }).find("file not found") != std::string::npos);
    QVERIFY(ErrorOf([&] { Load(""); }).find("needs a model folder") != std::string::npos);
    TorchScriptBackendOptions options;
    options.path = fixtures_.Model("ts_conv");
    options.device = "toaster";
    QVERIFY(ErrorOf([&] { CreateTorchScriptBackend(options); }).find("bad device") != std::string::npos);
  }

 private:
  corrlens::test::TorchScriptFixtures fixtures_;
};

QTEST_GUILESS_MAIN(TorchScriptBackendTest)
#include "torchscript_backend_test.moc"
