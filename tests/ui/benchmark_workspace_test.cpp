// The Benchmark workspace in the main window: a run of two tasks x two models
// on real data (opencv-doc, dense SIFT / RootSIFT, quick preset) fills the
// charts, tables and history; cancel leaves the database consistent;
// double-clicking an item opens it in the Pair, Video or Pose workspace.
#include <QtTest>
#include "tests/common/test_paths.h"

#include <QBarSeries>
#include <QLabel>
#include <QPushButton>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>

#include <opencv2/imgcodecs.hpp>

#include "tests/common/sample_data.h"
#include "tests/pose/onepose_fixture.h"
#include "tests/ui/benchmark_test_support.h"
#include "ui/benchmark_charts.h"
#include "ui/benchmark_runner.h"
#include "ui/benchmark_setup.h"
#include "ui/benchmark_table.h"
#include "ui/benchmark_workspace.h"
#include "ui/history_view.h"
#include "ui/main_window.h"
#include "ui/pair_document.h"
#include "ui/pair_workspace.h"
#include "ui/pose_controller.h"
#include "ui/pose_workspace.h"
#include "ui/session_model.h"
#include "ui/video_document.h"
#include "ui/video_workspace.h"

using namespace corrlens;
using namespace corrlens::ui;

namespace {

// A main window with the real classical models ticked and its database in `dir`.
struct Fixture {
  QTemporaryDir dir;
  test::ClassicalProvider provider;
  std::unique_ptr<MainWindow> window;
  explicit Fixture(const QStringList& models, bool test_models = true) {
    provider.with_test_models = test_models;
    MainWindowServices services{&provider, {}, dir.filePath("runs.sqlite")};
    services.benchmark.tasks = {"homography", "stereo"};
    services.benchmark.preset = "quick";
    window = std::make_unique<MainWindow>(WindowState{}, services);
    window->Session()->SetModels(models);
    static_cast<QTabWidget*>(window->centralWidget())->setCurrentWidget(window->Benchmark());
  }
  BenchmarkWorkspace* Bench() const { return window->Benchmark(); }
  bool RunAndWait() {
    Bench()->Setup()->RunButton()->click();
    return Bench()->Runner()->IsRunning() &&
           QTest::qWaitFor([this] { return !Bench()->Runner()->IsRunning(); }, 180000);
  }
};

// Double-clicks the items view's row showing `item`; false when absent.
bool DoubleClickItem(BenchmarkTables* tables, const QString& item) {
  QTableView* view = tables->ItemsView();
  for (int row = 0; row < view->model()->rowCount(); ++row) {
    if (tables->ItemAt(row)->item != item) continue;
    view->scrollTo(view->model()->index(row, 2));
    const QPoint at = view->visualRect(view->model()->index(row, 2)).center();
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, at);  // a press selects, then the double-click
    QTest::mouseDClick(view->viewport(), Qt::LeftButton, {}, at);
    return true;
  }
  return false;
}

}  // namespace

class BenchmarkWorkspaceTest : public QObject {
  Q_OBJECT
 private slots:
  void aWindowWithoutBackendsHasNoBenchmark() {
    MainWindow window({});
    for (const auto* workspace : window.Workspaces()) QVERIFY(workspace->Id() != "benchmark");
    QVERIFY(!window.Benchmark());
  }

  void runsTwoTasksOnTwoModels() {
    CORRLENS_REQUIRE_OPENCV_DATA("aloeGT.png");
    Fixture f({"dense_sift", "dense_rootsift"}, /*test_models=*/false);
    f.window->resize(1600, 1000);
    f.window->show();
    QVERIFY(QTest::qWaitForWindowExposed(f.window.get()));
    QCOMPARE(f.Bench()->Setup()->Plan().models, (QStringList{"dense_sift", "dense_rootsift"}));
    QVERIFY(f.RunAndWait());
    QCOMPARE(f.Bench()->Runner()->Status(), RunStatus::kFinished);
    // Charts: a curve chart per task (2 models x 2 methods) and the AUC bars.
    const QList<QChartView*>& views = f.Bench()->Charts()->Views();
    QCOMPARE(views.size(), 3);
    QCOMPARE(views[0]->objectName(), QString("homography"));
    QCOMPARE(views[0]->chart()->series().size(), 4);
    QCOMPARE(views[1]->chart()->series().size(), 4);
    const QString legend = views[0]->chart()->series()[0]->name();
    QVERIFY2(legend.startsWith("dense_sift · argmax (AUC ") && legend.endsWith("%)"), qPrintable(legend));
    auto* shown = views[0]->parentWidget()->findChild<QLabel*>("chart_legend");  // the legend the user reads
    QVERIFY(shown && shown->text().count("(AUC ") == 4);
    auto* bars = qobject_cast<QBarSeries*>(views[2]->chart()->series()[0]);
    QVERIFY(bars);
    QCOMPARE(bars->count(), 2);
    // Tables and the stored run.
    QCOMPARE(f.Bench()->Tables()->Results()->rowCount(), 2);
    QVERIFY(f.Bench()->Tables()->Results()->columnCount() >= 2 * 2 * 7);
    const QVector<RunInfo> runs = f.Bench()->Store()->ListRuns();
    QCOMPARE(runs.size(), 1);
    QCOMPARE(runs[0].status, RunStatus::kFinished);
    QCOMPARE(runs[0].reports, 2);
    QCOMPARE(f.Bench()->History()->RunsTable()->rowCount(), 1);
    QTest::qWait(200);  // let the charts lay out
    QVERIFY(f.window->grab().save(corrlens::test::BinaryPath("/benchmark_test.png")));
    // Double-clicking the pair item opens graf1 -> graf3 in the Pair workspace.
    QVERIFY(DoubleClickItem(f.Bench()->Tables(), "graf1.png -> graf3.png"));
    QCOMPARE(f.window->CurrentWorkspace(), f.window->Pair());
    QTRY_VERIFY_WITH_TIMEOUT(f.window->Pair()->Document()->HasImages(), 20000);  // decoded off the GUI thread
    QVERIFY(f.window->Pair()->Document()->ImagePath(Side::kSource).endsWith("graf1.png"));
    QVERIFY(f.window->Pair()->Document()->ImagePath(Side::kTarget).endsWith("graf3.png"));
  }

  void cancelLeavesTheDatabaseConsistent() {
    CORRLENS_REQUIRE_OPENCV_DATA("aloeGT.png");
    Fixture f({"dense_sift", "gated"});
    connect(f.Bench()->Runner(), &BenchmarkRunner::taskFinished, this, [&] { f.provider.features->Close(); });
    f.Bench()->Setup()->RunButton()->click();
    QVERIFY(QTest::qWaitFor([&] { return f.provider.features->Waiting(); }, 60000));
    QVERIFY(f.Bench()->Status().startsWith("Benchmark: stereo 2/2 · gated 2/2"));
    f.Bench()->Setup()->CancelButton()->click();
    QVERIFY(QTest::qWaitFor([&] { return !f.Bench()->Runner()->IsRunning(); }, 20000));
    const QString path = f.Bench()->Store()->Path();
    ResultsStore reopened;  // a second connection sees the committed state
    QVERIFY(reopened.Open(path));
    QCOMPARE(reopened.MarkedIncompleteOnOpen(), 0);
    const QVector<RunInfo> runs = reopened.ListRuns();
    QCOMPARE(runs.size(), 1);
    QCOMPARE(runs[0].status, RunStatus::kCancelled);
    const auto run = reopened.LoadRun(runs[0].id);
    QVERIFY(run);
    QCOMPARE(run->reports.size(), size_t(1));
    QCOMPARE(run->reports[0].task, std::string("homography"));
    QCOMPARE(run->reports[0].rows.size(), size_t(4));
    QCOMPARE(f.Bench()->Charts()->Views().size(), 2);  // homography and the bars: what finished
    QVERIFY(f.Bench()->Setup()->RunButton()->isEnabled());
  }

  void doubleClickOpensAPascalPairWithItsKeypoints() {
    CORRLENS_REQUIRE_OPENCV_DATA("graf3.png");
    Fixture f({"dense_sift"});
    f.window->resize(1400, 900);
    f.window->show();
    QVERIFY(QTest::qWaitForWindowExposed(f.window.get()));
    // A PF-PASCAL layout with one pair (images from opencv-doc).
    QDir root(f.dir.path());
    QVERIFY(root.mkpath("pf/PF-dataset-PASCAL/JPEGImages"));
    const QString images = root.filePath("pf/PF-dataset-PASCAL/JPEGImages/");
    QVERIFY(QFile::copy(test::OpenCvDataQ("graf1.png"), images + "src.png"));
    QVERIFY(QFile::copy(test::OpenCvDataQ("graf3.png"), images + "dst.png"));
    QFile csv(root.filePath("pf/PF-dataset-PASCAL/test_pairs_pf_different_views.csv"));
    QVERIFY(csv.open(QIODevice::WriteOnly));
    csv.write(
        "source_image,target_image,class,XA,YA,XB,YB\n"
        "PF-dataset-PASCAL/JPEGImages/src.png,PF-dataset-PASCAL/JPEGImages/dst.png,1,"
        "100;300,200;400,110;310,210;410\n");
    csv.close();
    bench::Report report;
    report.task = "transfer";
    bench::ReportRow row;
    row.model = "dense_sift";
    row.metrics.Set("pck_0.10", 0.5);
    row.items.push_back({"category:aeroplane", {}, {}});
    row.items.push_back({"pair:0", {}, {{"row", "0"}, {"source", "s"}, {"target", "t"}}});
    row.items.back().metrics.Set("mean_error_px", 12.0, bench::Unit::kPixels);
    report.rows = {row};
    RunSettings settings;
    settings.tasks = {"transfer"};
    settings.models = {"dense_sift"};
    settings.datasets["transfer"] = root.filePath("pf");
    ResultsStore* store = f.Bench()->Store();
    const qint64 id = store->BeginRun(settings);
    QVERIFY(store->AddReport(id, report));
    QVERIFY(store->FinishRun(id, RunStatus::kFinished));
    QString error;
    QVERIFY2(f.Bench()->ShowRun(id, &error), qPrintable(error));
    QCOMPARE(f.Bench()->SaveDocument()["run"].toInteger(), id);
    QVERIFY(DoubleClickItem(f.Bench()->Tables(), "pair:0"));
    PairDocument* pair = f.window->Pair()->Document();
    QTRY_VERIFY_WITH_TIMEOUT(pair->HasImages(), 20000);  // decoded off the GUI thread
    QVERIFY(pair->ImagePath(Side::kSource).endsWith("JPEGImages/src.png"));
    QVERIFY(pair->ImagePath(Side::kTarget).endsWith("JPEGImages/dst.png"));
    QTRY_COMPARE(pair->Points(), (QVector<QPointF>{{100, 200}, {300, 400}}));  // XA = 100;300, YA = 200;400
    // A category is a summary: it says so instead of opening anything.
    ItemEntry category{"transfer", "", "category:aeroplane", -1, "", {}};
    QVERIFY(!f.Bench()->OpenItem(category, &error));
    QVERIFY(error.contains("summary"));
  }

  // A tracking video opens in the Video workspace at its worst frame, a
  // pose frame in the Pose workspace; a video inside a pickle says why not.
  void doubleClickOpensAVideoAtItsWorstFrameAndAPoseFrame() {
    CORRLENS_REQUIRE_OPENCV_DATA("graf1.png");
    Fixture f({"dense_sift"});
    f.window->resize(1400, 900);
    f.window->show();
    QVERIFY(QTest::qWaitForWindowExposed(f.window.get()));
    QDir root(f.dir.path());
    QVERIFY(root.mkpath("video"));
    const cv::Mat graf = cv::imread(test::OpenCvData("graf1.png"));
    for (int t = 0; t < 5; ++t)
      QVERIFY(cv::imwrite(root.filePath(QString::asprintf("video/%05d.jpg", t)).toStdString(),
                          graf(cv::Rect(10 * t, 0, 320, 240))));
    const std::string object = test::OnePoseFixture::Write(root.filePath("pose").toStdString());
    const QString folder = root.filePath("pose/lowtexture_test_data/" + QString::fromStdString(object));
    bench::Report tracking;
    tracking.task = "tracking";
    bench::ReportRow row;
    row.model = "dense_sift";
    row.metrics.Set("average_jaccard", 0.5);
    row.items.push_back({"video:0", {}, {{"source", root.filePath("video").toStdString()}, {"worst_frame", "3"}}});
    row.items.push_back({"video:1", {}, {{"source", "/data/tapvid_davis.pkl:bear"}, {"worst_frame", "2"}}});
    tracking.rows = {row};
    bench::Report pose;
    pose.task = "pose";
    row.metrics = {};
    row.metrics.Set("pose_5cm_5deg", 1.0);
    row.items = {
        {"frame:" + object + "/8", {}, {{"object", object}, {"frame", "8"}, {"folder", folder.toStdString()}}}};
    pose.rows = {row};
    RunSettings settings;
    settings.tasks = {"tracking", "pose"};
    settings.models = {"dense_sift"};
    ResultsStore* store = f.Bench()->Store();
    const qint64 id = store->BeginRun(settings);
    QVERIFY(store->AddReport(id, tracking) && store->AddReport(id, pose));
    QVERIFY(store->FinishRun(id, RunStatus::kFinished));
    QString error;
    QVERIFY2(f.Bench()->ShowRun(id, &error), qPrintable(error));
    VideoWorkspace* video = nullptr;
    PoseWorkspace* poses = nullptr;
    for (Workspace* w : f.window->Workspaces()) {
      if (auto* v = qobject_cast<VideoWorkspace*>(w)) video = v;
      if (auto* p = qobject_cast<PoseWorkspace*>(w)) poses = p;
    }
    QVERIFY(video && poses);
    // dense_sift stays ticked: tracking and pose jobs start, and the window
    // closes while they run (the pose controller once cancelled them through
    // the already deleted job runner).
    QVERIFY(DoubleClickItem(f.Bench()->Tables(), "video:0"));
    QCOMPARE(f.window->CurrentWorkspace(), video);
    QTRY_COMPARE_WITH_TIMEOUT(video->Document()->Path(), root.filePath("video"), 20000);  // opened off the GUI thread
    QCOMPARE(video->Document()->CurrentFrame(), 3);
    QVERIFY(DoubleClickItem(f.Bench()->Tables(), QString::fromStdString("frame:" + object + "/8")));
    QCOMPARE(f.window->CurrentWorkspace(), poses);
    QVERIFY(QTest::qWaitFor([&] { return poses->Controller()->Query().name == "8"; }, 30000));
    QCOMPARE(poses->Controller()->ReferenceSource(), folder);
    // The official pickle embeds its videos: nothing to open, and it says so.
    ItemEntry embedded{"tracking", "", "video:1", -1, "", {{"source", "/data/tapvid_davis.pkl:bear"}}};
    QVERIFY(!f.Bench()->OpenItem(embedded, &error));
    QVERIFY2(error.contains("tapvid_davis.pkl cannot be opened"), qPrintable(error));
  }

  void settingsAndSessionSection() {
    Fixture f({"dense_sift"});
    QList<BenchmarkSettings> saved;
    connect(f.Bench(), &BenchmarkWorkspace::settingsChanged, this, [&](const BenchmarkSettings& s) { saved << s; });
    f.Bench()->Setup()->SetPreset("paper");
    QVERIFY(!saved.isEmpty());
    QCOMPARE(saved.back().preset, QString("paper"));
    QCOMPARE(saved.back().tasks, (QStringList{"homography", "stereo"}));
    QString error;
    QVERIFY(!f.Bench()->LoadDocument({{"run", "three"}}, QString(), &error));
    QVERIFY(error.contains("run"));
    QVERIFY(f.Bench()->LoadDocument({{"run", 42}}, QString(), &error));  // a deleted run is not an error
    QVERIFY(!f.Bench()->CanOpen({"a.png", "b.png"}));
    QVERIFY(f.window->Workspaces().contains(f.Bench()));  // among Pair, Video, Finetune...
    QCOMPARE(f.Bench()->Id(), QString("benchmark"));
  }
};

QTEST_MAIN(BenchmarkWorkspaceTest)
#include "benchmark_workspace_test.moc"
