// Every task by name: names, dataset checks with their messages, presets,
// and one run through RunTask.
#include <QTemporaryDir>
#include <QtTest>

#include "core/bench/task_catalog.h"
#include "core/corr/feature_service.h"
#include "core/util/error.h"
#include "plugins/classical/classical_plugin.h"
#include "tests/common/sample_data.h"

using namespace corrlens;
using namespace corrlens::bench;

class TaskCatalogTest : public QObject {
  Q_OBJECT

 private slots:
  void NamesAndDescriptions() {
    const std::vector<std::string> names = TaskNames();
    for (const char* task : {"transfer", "equivariance", "homography", "stereo"}) {
      QVERIFY2(std::find(names.begin(), names.end(), task) != names.end(), task);
      QVERIFY(!TaskDescription(task).empty());
    }
  }

  void ValidationSaysWhatIsMissing() {
    QTemporaryDir root;
    TaskSpec transfer;
    transfer.task = "transfer";
    transfer.dataset = root.path().toStdString();
    const std::string missing = ValidateDataset(transfer);
    QVERIFY2(missing.find("test_pairs_pf_different_views.csv is missing") != std::string::npos, missing.c_str());
    QVERIFY(missing.find("PF-dataset-PASCAL.zip") != std::string::npos);
    transfer.protocol = "standard";
    QVERIFY(ValidateDataset(transfer).find("same_views") != std::string::npos);
    TaskSpec mesh;
    mesh.task = "equivariance";
    mesh.dataset = "/nonexistent/mesh.obj";
    QVERIFY(!ValidateDataset(mesh).empty());
    TaskSpec unknown;
    unknown.task = "juggling";
    QVERIFY(!ValidateDataset(unknown).empty());
    CORRLENS_REQUIRE_OPENCV_DATA("graf1.png");
    TaskSpec homography;
    homography.task = "homography";
    QCOMPARE(ValidateDataset(homography), std::string());
  }

  void RunsAQuickTask() {
    CORRLENS_REQUIRE_OPENCV_DATA("graf1.png");
    BackendRegistry registry;
    RegisterClassicalBackends(registry);
    FeatureService service(registry, {});
    TaskSpec spec;
    spec.task = "homography";
    spec.models = {"dense_sift"};
    spec.preset = "quick";
    Progress progress;
    const Report report = RunTask(spec, service, progress, CancelToken());
    QCOMPARE(report.task, std::string("homography"));
    QVERIFY(report.protocol.find("grid step 48") != std::string::npos);
    QVERIFY(report.notes.back().find("quick preset") != std::string::npos);
    spec.preset = "fast";
    QVERIFY_THROWS_EXCEPTION(Error, RunTask(spec, service, progress, CancelToken()));
    spec.preset = "quick";
    spec.task = "juggling";
    QVERIFY_THROWS_EXCEPTION(Error, RunTask(spec, service, progress, CancelToken()));
  }
};

QTEST_APPLESS_MAIN(TaskCatalogTest)
#include "task_catalog_test.moc"
