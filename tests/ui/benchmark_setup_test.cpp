// Benchmark setup panel: ticked models by default, tasks whose data is
// present, dataset validation that says what to download and where, the
// run plan and the settings app/ keeps.
#include <QtTest>

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QTemporaryDir>

#include "core/bench/task_catalog.h"
#include "tests/common/sample_data.h"
#include "ui/benchmark_runner.h"
#include "ui/benchmark_setup.h"

using namespace corrlens::ui;

namespace {

QVector<ModelEntry> Models() {
  return {{"dense_sift", "Dense SIFT", true, ""},
          {"dense_rootsift", "Dense RootSIFT", true, ""},
          {"dinov2_vitb14", "DINOv2 ViT-B/14", false, "weights missing: looked in ~/.cache/torch/hub"}};
}

}  // namespace

class BenchmarkSetupTest : public QObject {
  Q_OBJECT
 private slots:
  void ticksTheSessionsModelsAndTasksWithData() {
    CORRLENS_REQUIRE_OPENCV_DATA("aloeGT.png");
    BenchmarkSetup setup;
    setup.SetModels(Models(), {"dense_sift", "dinov2_vitb14"});
    QCOMPARE(setup.ModelList()->count(), 3);
    QCOMPARE(setup.ModelList()->item(0)->checkState(), Qt::Checked);
    QCOMPARE(setup.ModelList()->item(1)->checkState(), Qt::Unchecked);
    QVERIFY(!(setup.ModelList()->item(2)->flags() & Qt::ItemIsEnabled));  // weights missing: cannot run
    const RunSettings plan = setup.Plan();
    QCOMPARE(plan.models, QStringList{"dense_sift"});
    QVERIFY(plan.tasks.contains("homography") && plan.tasks.contains("stereo"));
    QVERIFY(!plan.tasks.contains("transfer") || setup.Problem("transfer").isEmpty());
    QCOMPARE(plan.preset, QString("quick"));
    QVERIFY(setup.RunButton()->isEnabled());
  }

  void aMissingDatasetSaysWhatToDownloadAndWhere() {
    QTemporaryDir dir;
    BenchmarkSettings settings;
    settings.tasks = {"transfer"};
    BenchmarkSetup setup(settings);
    setup.SetModels(Models(), {"dense_sift"});
    setup.SetDataset("transfer", dir.path());
    const QString problem = setup.Problem("transfer");
    QVERIFY2(problem.startsWith(dir.path() + "/PF-dataset-PASCAL/test_pairs_pf_different_views.csv is missing"),
             qPrintable(problem));
    QVERIFY(!setup.RunButton()->isEnabled());
    const QString help = TaskDataHelp("transfer");
    QVERIFY(help.contains("PF-dataset-PASCAL.zip") && help.contains("https://"));
    QVERIFY(help.contains("PF-dataset-PASCAL/JPEGImages/"));
    bool shown = false;
    for (QLabel* label : setup.findChildren<QLabel*>()) shown |= label->text().contains("PF-dataset-PASCAL.zip");
    QVERIFY(shown);
    // A valid layout (images are checked by folder, the pair list by file).
    QDir(dir.path()).mkpath("PF-dataset-PASCAL/JPEGImages");
    QFile csv(dir.filePath("PF-dataset-PASCAL/test_pairs_pf_different_views.csv"));
    QVERIFY(csv.open(QIODevice::WriteOnly));
    csv.close();
    setup.SetDataset("transfer", dir.path());
    QCOMPARE(setup.Problem("transfer"), QString());
    QVERIFY(setup.RunButton()->isEnabled());
    // The standard protocol reads another pair list.
    setup.findChild<QComboBox*>("benchmark_protocol")->setCurrentIndex(1);
    QVERIFY(setup.Problem("transfer").contains("test_pairs_pf_same_views.csv"));
  }

  void everyTaskExplainsItsDataAndMetric() {
    for (const std::string& task : corrlens::bench::TaskNames())
      QVERIFY2(!TaskDataHelp(QString::fromStdString(task)).isEmpty(), task.c_str());
    const QString pose = TaskDataHelp("pose");
    QVERIFY(pose.contains("OnePose") && pose.contains("lowtexture_test_data/") && pose.contains("anno_3d_average.npz"));
    QVERIFY(pose.contains("corrlens-cli render --format onepose"));
    QVERIFY(pose.contains("1/3/5 deg and cm") && pose.contains("k = 0..10"));
    // A missing pose dataset shows it under the task.
    QTemporaryDir dir;
    BenchmarkSettings settings;
    settings.tasks = {"pose"};
    BenchmarkSetup setup(settings);
    setup.SetDataset("pose", dir.path());
    QVERIFY(setup.Problem("pose").contains("lowtexture_test_data is missing"));
    bool shown = false;
    for (QLabel* label : setup.findChildren<QLabel*>()) shown |= label->text().contains("k = 0..10");
    QVERIFY(shown);
  }

  void planAndSettingsFollowThePanel() {
    BenchmarkSettings settings;
    settings.tasks = {"stereo"};
    settings.preset = "paper";
    settings.datasets = {{"equivariance", "/meshes"}};
    BenchmarkSetup setup(settings);
    setup.SetModels(Models(), {"dense_sift", "dense_rootsift"});
    QList<int> changes;
    connect(&setup, &BenchmarkSetup::settingsChanged, this, [&] { changes << 1; });
    RunSettings plan = setup.Plan();
    QCOMPARE(plan.tasks, QStringList{"stereo"});
    QCOMPARE(plan.models, (QStringList{"dense_sift", "dense_rootsift"}));
    QCOMPARE(plan.preset, QString("paper"));
    setup.SetTaskChecked("homography", true);
    setup.SetPreset("quick");
    QVERIFY(changes.size() >= 2);
    plan = setup.Plan();
    QCOMPARE(plan.tasks, (QStringList{"homography", "stereo"}));  // display order
    const BenchmarkSettings saved = setup.Settings();
    QCOMPARE(saved.tasks, (QStringList{"homography", "stereo"}));
    QCOMPARE(saved.preset, QString("quick"));
    QCOMPARE(saved.datasets.value("equivariance"), QString("/meshes"));
  }

  void runAndCancelFollowTheRun() {
    BenchmarkSetup setup;
    setup.SetModels(Models(), {"dense_sift"});
    QList<int> runs, cancels;
    connect(&setup, &BenchmarkSetup::runRequested, this, [&] { runs << 1; });
    connect(&setup, &BenchmarkSetup::cancelRequested, this, [&] { cancels << 1; });
    setup.SetRunning(true);
    QVERIFY(!setup.RunButton()->isEnabled());
    QVERIFY(setup.CancelButton()->isEnabled());
    BenchmarkProgress progress;
    progress.task = "homography";
    progress.model = "dense_sift";
    progress.task_count = progress.model_count = 1;
    progress.fraction = 0.4;
    progress.eta_seconds = 12;
    progress.message = "dense_sift: matching";
    setup.ShowProgress(progress);
    QCOMPARE(setup.ProgressLabel()->text(),
             QString("homography 1/1 · dense_sift 1/1 · 40% · ETA 0:12\ndense_sift: matching"));
    setup.CancelButton()->click();
    QCOMPARE(cancels.size(), 1);
    setup.SetRunning(false);
    QCOMPARE(setup.RunButton()->isEnabled(), setup.Problem("homography").isEmpty());
  }
};

QTEST_MAIN(BenchmarkSetupTest)
#include "benchmark_setup_test.moc"
