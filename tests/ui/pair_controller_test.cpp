// PairController: prepares models through JobRunner, reports their states
// and emits per-row results that the Pair workspace shows.
#include <QtTest>

#include <torch/torch.h>
#include <QSignalSpy>
#include <atomic>

#include "core/util/error.h"
#include "tests/common/random_maps.h"
#include "ui/backend_provider.h"
#include "ui/cv_qt.h"
#include "ui/job_runner.h"
#include "ui/pair_controller.h"
#include "ui/pair_document.h"
#include "ui/pair_row.h"
#include "ui/pair_workspace.h"
#include "ui/session_model.h"

using namespace corrlens;
using namespace corrlens::ui;

namespace {

// Random features that are identical for both images of the same size, so
// every point matches itself; "slow" waits for cancellation; "broken" fails.
class FakeFeatures : public FeatureProvider {
 public:
  std::shared_ptr<const FeatureMap> Get(const cv::Mat& rgb, const std::string& model, const ExtractOptions&,
                                        const CancelToken& cancel) override {
    calls++;
    if (model == "broken") throw Error("weights not found", {"/models/broken.pth"}, "not downloaded");
    if (model == "slow") {
      started = true;
      for (;;) {
        cancel.ThrowIfCancelled();
        QThread::msleep(2);
      }
    }
    return test::RandomGridMap(rgb.cols, rgb.rows, 16, 7, model);
  }
  BackendInfo Info(const std::string& model) override { return {model, model, 16, "", "cpu"}; }
  std::atomic<int> calls{0};
  std::atomic<bool> started{false};
};

class FakeProvider : public BackendProvider {
 public:
  QVector<ModelEntry> Models() override {
    return {{"same", "Same features", true, ""}, {"slow", "Slow", true, ""}, {"broken", "Broken", false, "nowhere"}};
  }
  std::shared_ptr<FeatureProvider> Features() override { return features; }
  ModelEntry AddCustom(const QString&, const QString&, const QString&) override { throw Error("unsupported"); }
  QStringList Architectures() override { return {}; }
  std::shared_ptr<FakeFeatures> features = std::make_shared<FakeFeatures>();
};

QImage TestImage() {
  QImage image(128, 96, QImage::Format_RGB888);
  for (int y = 0; y < image.height(); ++y)
    for (int x = 0; x < image.width(); ++x) image.setPixelColor(x, y, QColor(x * 2, y * 2, 100));
  return image;
}

struct Fixture {
  SessionModel session;
  JobRunner jobs;
  FakeProvider provider;
  PairWorkspace workspace{&session, &jobs, &provider};
  Fixture() {
    QTemporaryDir dir;
    const QString path = dir.filePath("a.png");
    TestImage().save(path);
    QString error;
    workspace.Document()->LoadPair(path, path, &error);
  }
  bool WaitIdle() {
    return QTest::qWaitFor([&] { return workspace.Controller()->IsIdle(); }, 10000);
  }
  QString RowStatus(int row) const { return workspace.Rows()[row]->findChildren<QLabel*>()[1]->text(); }
};

}  // namespace

class PairControllerTest : public QObject {
  Q_OBJECT
 private slots:
  void clickedPointsMatchThemselves() {
    Fixture f;
    f.session.SetModels({"same"});
    QVERIFY(f.WaitIdle());
    // Token centres sit at 4 + 8 i; points far enough from the border that the
    // soft-argmax window (35 px) is symmetric.
    f.workspace.Document()->AddPoint({44, 44});
    f.workspace.Document()->AddPoint({76, 52});
    QVERIFY(f.WaitIdle());
    const auto matches = f.workspace.Controller()->Matches();
    QCOMPARE(matches.size(), 1);
    QCOMPARE(matches[0].matches.size(), 2);
    QVERIFY(std::abs(matches[0].matches[0].target.x - 44) < 2.0);
    QVERIFY(std::abs(matches[0].matches[0].target.y - 44) < 2.0);
    QVERIFY(std::abs(matches[0].matches[1].target.x - 76) < 2.0);
    QVERIFY(std::abs(matches[0].matches[1].target.y - 52) < 2.0);
    QVERIFY(matches[0].matches[0].score > 0.9f);
    QVERIFY(f.workspace.Controller()->MatchesCsv().contains("same,2,76.00,52.00"));
    QCOMPARE(f.RowStatus(0), QString("ready"));
  }

  void emitsOneResultPerPreparedRow() {
    Fixture f;
    QSignalSpy rows(f.workspace.Controller(), &PairController::rowsChanged);
    f.session.SetModels({"same", "broken"});
    QCOMPARE(rows.count(), 1);
    QCOMPARE(rows.first()[0].toStringList(), (QStringList{"same", "broken"}));
    QCOMPARE(rows.first()[1].toStringList(), (QStringList{"Same features", "Broken"}));
    QVERIFY(f.WaitIdle());
    PairResults last;
    connect(f.workspace.Controller(), &PairController::resultsReady, this,
            [&](const PairResults& results) { last = results; });
    f.workspace.Document()->AddPoint({44, 44});
    QVERIFY(f.WaitIdle());
    QCOMPARE(last.size(), 1);  // "broken" never prepared: no row result
    QCOMPARE(last[0].id, QString("same"));
    QCOMPARE(last[0].matches.size(), 1);
    QVERIFY(!last[0].heatmap.isNull());  // the active point's heatmap
    QVERIFY(last[0].min_score <= last[0].max_score);
    QVERIFY(last[0].error.isEmpty());
  }

  void featuresAreComputedOncePerImage() {
    Fixture f;
    f.session.SetModels({"same"});
    QVERIFY(f.WaitIdle());
    const int calls = f.provider.features->calls;
    for (int i = 0; i < 5; ++i) f.workspace.Document()->AddPoint({10.0 + i, 10.0 + i});
    QVERIFY(f.WaitIdle());
    QCOMPARE(int(f.provider.features->calls), calls);  // clicks reuse the prepared maps
  }

  void cancelDuringComputation() {
    Fixture f;
    QSignalSpy cancelled(&f.jobs, &JobRunner::jobCancelled);
    QSignalSpy states(f.workspace.Controller(), &PairController::modelStateChanged);
    f.session.SetModels({"slow"});
    QTRY_VERIFY(f.provider.features->started.load());
    f.jobs.CancelAll();
    QVERIFY(cancelled.wait(5000));
    QVERIFY(f.WaitIdle());
    QCOMPARE(f.RowStatus(0), QString("cancelled"));
    QCOMPARE(states.last()[0].toString(), QString("slow"));
    QCOMPARE(states.last()[1].toString(), QString("cancelled"));
  }

  void missingWeightsShowAnErrorInTheRow() {
    Fixture f;
    f.session.SetModels({"same", "broken"});
    QVERIFY(f.WaitIdle());
    QCOMPARE(f.workspace.Rows().size(), size_t(2));
    const QString status = f.RowStatus(1);
    QVERIFY2(status.contains("/models/broken.pth"), qPrintable(status));
    f.workspace.Document()->AddPoint({36, 20});
    QVERIFY(f.WaitIdle());
    QCOMPARE(f.workspace.Controller()->Matches()[0].matches.size(), 1);
    QCOMPARE(f.workspace.Controller()->Matches()[1].matches.size(), 0);
  }

  void mutualAndPcaOverlays() {
    Fixture f;
    f.session.SetModels({"same"});
    QVERIFY(f.WaitIdle());
    ViewSettings view = f.session.View();
    view.show_mutual = true;
    view.show_pca = true;
    f.session.SetView(view);
    QVERIFY(f.WaitIdle());
    // The rows show PairComparison's PCA colours: computed again here from
    // the same maps, pixel for pixel.
    PairComparison reference(f.provider.features);
    reference.SetImages(MatFromQImage(TestImage()), MatFromQImage(TestImage()));
    Progress progress;
    reference.Prepare("same", progress, CancelToken());
    const std::array<cv::Mat, 2> pca = reference.PcaImages("same");
    const QImage source = f.workspace.Rows()[0]->Source()->BaseImage();
    const QImage target = f.workspace.Rows()[0]->Target()->BaseImage();
    QCOMPARE(source, QImageFromMat(pca[0]));
    QCOMPARE(target, QImageFromMat(pca[1]));
    // Identical maps: the same feature has the same colour in both images,
    // and the colours are not the photo's.
    QCOMPARE(source, target);
    QVERIFY(source != TestImage());
    // PCA off: the photos come back.
    view.show_pca = false;
    f.session.SetView(view);
    QVERIFY(f.WaitIdle());
    QCOMPARE(f.workspace.Rows()[0]->Source()->BaseImage(), TestImage());
  }

  void newImagesArePreparedAgain() {
    Fixture f;
    f.session.SetModels({"same"});
    QVERIFY(f.WaitIdle());
    QSignalSpy results(f.workspace.Controller(), &PairController::resultsReady);
    QTemporaryDir dir;
    QImage other = TestImage().scaled(96, 64);
    QVERIFY(other.save(dir.filePath("b.png")));
    QString error;
    QVERIFY(f.workspace.Document()->LoadImage(Side::kTarget, dir.filePath("b.png"), &error));
    QVERIFY(f.WaitIdle());
    QVERIFY(results.count() >= 1);
    QCOMPARE(f.RowStatus(0), QString("ready"));  // prepared again for the new pair
  }
};

QTEST_MAIN(PairControllerTest)
#include "pair_controller_test.moc"
