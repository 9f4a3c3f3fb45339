// The Finetune workspace (offscreen, renders under Xvfb): a 2-step run of a
// random ViT-S on a tiny render, with the probe on a held-out mesh, fills
// both charts and writes its checkpoint into a new folder (never over an
// existing run); the result is then added as a model through the real
// registry and computes features as the Pair workspace would. The run's
// screenshot goes to <build>/finetune_test.png; docs/images/finetune.png is
// that screenshot of a longer run (CORRLENS_FINETUNE_DEMO_STEPS=30).
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include "tests/common/test_paths.h"

#include <opencv2/core.hpp>

#include "app/gui/registry_provider.h"
#include "core/render/renderer.h"
#include "tests/common/sample_data.h"
#include "ui/finetune_charts.h"
#include "ui/finetune_setup.h"
#include "ui/finetune_workspace.h"
#include "ui/session_model.h"

using namespace corrlens;
using namespace corrlens::ui;

namespace {

FinetuneSettings TinyRun(const QString& out_dir) {
  FinetuneSettings s;
  s.meshes = {QString::fromStdString(test::AssimpModel("OBJ/spider.obj"))};
  s.probe_meshes = {QString::fromStdString(test::AssimpModel("OBJ/WusonOBJ.obj"))};
  s.random_init = true;
  s.steps = 2;
  s.image_size = 128;  // renders; the model sees 64 / 8 = 8 tokens a side
  s.target_res = 64;
  s.points = 1000;
  s.augment = false;
  s.probe_every = 1;
  s.probe_views = 3;
  s.probe_size = 64;
  s.out_dir = out_dir;
  return s;
}

}  // namespace

class FinetuneWorkspaceTest : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir dir_;

 private slots:
  void initTestCase() { qputenv("CORRLENS_CACHE_DIR", dir_.filePath("cache").toUtf8()); }
  void freshRunFolderNeverReusesARun();
  void opensMeshesAndRefusesIncompleteSettings();
  void documentRoundTrip();
  void trainsChartsAndAddsTheModel();
  void cancelThenStartContinuesTheRun();
};

void FinetuneWorkspaceTest::freshRunFolderNeverReusesARun() {
  const QString run = dir_.filePath("fresh/run");
  QCOMPARE(FinetuneWorkspace::FreshRunFolder(run, "", "x"), run);
  QVERIFY(QDir().mkpath(run));
  QCOMPARE(FinetuneWorkspace::FreshRunFolder(run, "", "x"), run);  // empty folder: fine
  QFile(run + "/last.ckpt").open(QIODevice::WriteOnly);
  QCOMPARE(FinetuneWorkspace::FreshRunFolder(run, "", "x"), run + "-2");
  const QString generated = FinetuneWorkspace::FreshRunFolder("", dir_.filePath("base"), "dinov2_vits14");
  QVERIFY2(generated.startsWith(dir_.filePath("base/dinov2_vits14-")), qPrintable(generated));
}

void FinetuneWorkspaceTest::opensMeshesAndRefusesIncompleteSettings() {
  SessionModel session;
  FinetuneWorkspace workspace(&session, nullptr);
  QVERIFY(workspace.CanOpen({"a.obj", "b.GLB"}));
  QVERIFY(!workspace.CanOpen({"a.png"}));
  QString error;
  QVERIFY(!workspace.Start(&error));
  QVERIFY2(error.contains("add training meshes"), qPrintable(error));
  QVERIFY(!workspace.Running());
  QVERIFY(!workspace.Open({dir_.filePath("missing.obj")}, std::nullopt, &error));
  QVERIFY2(error.contains("missing.obj"), qPrintable(error));
  QVERIFY(!workspace.AddTrainedModel(&error));
  QVERIFY2(error.contains("no model registry"), qPrintable(error));
}

void FinetuneWorkspaceTest::documentRoundTrip() {
  SessionModel session;
  FinetuneWorkspace a(&session, nullptr), b(&session, nullptr);
  FinetuneSettings s = TinyRun(dir_.filePath("doc"));
  s.lr = 3e-5;
  s.steps = 17;
  s.bf16 = true;
  a.Setup()->SetSettings(s);
  QString error;
  QVERIFY(b.LoadDocument(a.SaveDocument(), dir_.path(), &error));
  const FinetuneSettings r = b.Setup()->Settings();
  QCOMPARE(r.meshes, s.meshes);
  QCOMPARE(r.probe_meshes, s.probe_meshes);
  QCOMPARE(r.steps, 17);
  QCOMPARE(r.lr, 3e-5);
  QCOMPARE(r.out_dir, s.out_dir);
  QVERIFY(r.random_init);
  QVERIFY(r.bf16);
  QVERIFY(!FinetuneSettings().bf16);      // float32 unless asked
  QCOMPARE(FinetuneSettings().lr, 1e-5);  // the reference's defaults
  QCOMPARE(FinetuneSettings().points, 3000);
}

void FinetuneWorkspaceTest::trainsChartsAndAddsTheModel() {
  std::string reason;
  if (!render::RenderingAvailable(&reason)) QSKIP(reason.c_str());
  CORRLENS_REQUIRE_ASSIMP_MODEL("OBJ/spider.obj");
  CORRLENS_REQUIRE_ASSIMP_MODEL("OBJ/WusonOBJ.obj");
  const QString wanted = dir_.filePath("run");
  QVERIFY(QDir().mkpath(wanted));
  {
    QFile old(wanted + "/last.ckpt");  // an earlier run: must survive
    QVERIFY(old.open(QIODevice::WriteOnly));
    old.write("earlier run");
  }
  SessionModel session;
  app::RegistryProvider provider;
  FinetuneWorkspace workspace(&session, &provider);
  FinetuneSettings settings = TinyRun(wanted);
  const int demo_steps = qEnvironmentVariableIntValue("CORRLENS_FINETUNE_DEMO_STEPS");
  if (demo_steps > 0) {  // a visible curve for the docs
    settings.steps = demo_steps;
    settings.probe_every = std::max(1, demo_steps / 6);
    settings.lr = 1e-3;
    settings.target_res = 128;
  }
  workspace.Setup()->SetSettings(settings);
  workspace.resize(1400, 860);
  workspace.show();
  QSignalSpy ended(&workspace, &FinetuneWorkspace::runEnded);
  QString error;
  QVERIFY2(workspace.Start(&error), qPrintable(error));
  QVERIFY(workspace.Running());
  QCOMPARE(workspace.RunFolder(), wanted + "-2");
  const int timeout_ms = demo_steps > 0 ? 600000 : 80000;
  QTRY_VERIFY_WITH_TIMEOUT(ended.count() == 1, timeout_ms);
  QVERIFY2(ended[0][0].toBool(), qPrintable(workspace.Status()));
  qInfo("loss points %d, probe points %d; %s", workspace.Charts()->LossPoints(), workspace.Charts()->ProbePoints(),
        qPrintable(workspace.Status()));
  QVERIFY(workspace.Charts()->LossPoints() >= 1);
  QVERIFY(workspace.grab().save(corrlens::test::BinaryPath("/finetune_test.png")));
  if (demo_steps > 0) return;
  QCOMPARE(workspace.Charts()->ProbePoints(), 3);  // before training, after step 1, after step 2
  QCOMPARE(workspace.LastCheckpoint(), wanted + "-2/last.ckpt");
  QVERIFY(QFile::exists(wanted + "-2/last.ckpt"));
  QVERIFY(QFile::exists(wanted + "-2/probe.csv"));
  QFile old(wanted + "/last.ckpt");
  QVERIFY(old.open(QIODevice::ReadOnly));
  QCOMPARE(old.readAll(), QByteArray("earlier run"));

  QSignalSpy added(&workspace, &FinetuneWorkspace::modelAdded);
  QVERIFY2(workspace.AddTrainedModel(&error), qPrintable(error));
  QTRY_VERIFY_WITH_TIMEOUT(added.count() == 1, 30000);
  const QString id = added[0][0].toString();
  QVERIFY2(session.Models().contains(id), qPrintable(id));
  ExtractOptions extract;
  extract.resolution = 112;
  const cv::Mat rgb(96, 128, CV_8UC3, cv::Scalar(90, 120, 200));
  const auto map = provider.Features()->Get(rgb, id.toStdString(), extract, CancelToken());
  QVERIFY(map && map->Valid());
  QCOMPARE(map->Channels(), int64_t{384});
  QVERIFY2(map->backend_id.find("adapter") != std::string::npos, map->backend_id.c_str());  // with the refine conv
}

void FinetuneWorkspaceTest::cancelThenStartContinuesTheRun() {
  std::string reason;
  if (!render::RenderingAvailable(&reason)) QSKIP(reason.c_str());
  CORRLENS_REQUIRE_ASSIMP_MODEL("OBJ/spider.obj");
  SessionModel session;
  FinetuneWorkspace workspace(&session, nullptr);
  FinetuneSettings settings = TinyRun(dir_.filePath("paused"));
  settings.probe_meshes.clear();
  settings.steps = 1000;
  workspace.Setup()->SetSettings(settings);
  QSignalSpy ended(&workspace, &FinetuneWorkspace::runEnded);
  QString error;
  QVERIFY2(workspace.Start(&error), qPrintable(error));
  QTRY_VERIFY_WITH_TIMEOUT(workspace.Charts()->LossPoints() + workspace.Status().count("step") >= 1, 60000);
  workspace.Cancel();
  QTRY_VERIFY_WITH_TIMEOUT(ended.count() == 1, 60000);
  QVERIFY(!ended[0][0].toBool());
  const QString checkpoint = dir_.filePath("paused/last.ckpt");
  QCOMPARE(workspace.LastCheckpoint(), checkpoint);  // written by the cancelled run
  QCOMPARE(workspace.Setup()->Settings().resume, checkpoint);
  QVERIFY2(workspace.Start(&error), qPrintable(error));  // continues in the same folder
  QCOMPARE(workspace.RunFolder(), dir_.filePath("paused"));
  workspace.Cancel();
  QTRY_VERIFY_WITH_TIMEOUT(ended.count() == 2, 60000);
  QVERIFY(!QDir(dir_.filePath("paused-2")).exists());
}

QTEST_MAIN(FinetuneWorkspaceTest)
#include "finetune_workspace_test.moc"
