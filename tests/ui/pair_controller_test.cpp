#include <QtTest>

#include <QSignalSpy>
#include <atomic>
#include <torch/torch.h>

#include "core/util/error.h"
#include "tests/common/random_maps.h"
#include "ui/backend_provider.h"
#include "ui/job_runner.h"
#include "ui/pair_controller.h"
#include "ui/pair_row.h"
#include "ui/pair_workspace.h"
#include "ui/session_model.h"

using namespace corrlens;
using namespace corrlens::ui;

namespace {

// Random features that are identical for both images of the same size, so
// every point matches itself; "slow" waits for cancellation; "broken" fails.
class FakeProvider : public BackendProvider {
 public:
  QVector<ModelEntry> Models() override {
    return {{"same", "Same features", true, ""}, {"slow", "Slow", true, ""}, {"broken", "Broken", false, "nowhere"}};
  }
  FeatureSource Features() override {
    return [this](const cv::Mat& rgb, const std::string& model, const ExtractOptions&, const CancelToken& cancel) {
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
    };
  }
  ModelEntry AddCustom(const QString&, const QString&, const QString&) override { throw Error("unsupported"); }
  QStringList Architectures() override { return {}; }
  std::atomic<int> calls{0};
  std::atomic<bool> started{false};
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
    session.LoadImage(0, path, &error);
    session.LoadImage(1, path, &error);
  }
  bool WaitIdle() { return QTest::qWaitFor([&] { return workspace.Controller()->IsIdle(); }, 10000); }
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
    f.session.AddPoint({44, 44});
    f.session.AddPoint({76, 52});
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
  }

  void featuresAreComputedOncePerImage() {
    Fixture f;
    f.session.SetModels({"same"});
    QVERIFY(f.WaitIdle());
    const int calls = f.provider.calls;
    for (int i = 0; i < 5; ++i) f.session.AddPoint({10.0 + i, 10.0 + i});
    QVERIFY(f.WaitIdle());
    QCOMPARE(int(f.provider.calls), calls);  // clicks reuse the prepared maps
  }

  void cancelDuringComputation() {
    Fixture f;
    QSignalSpy cancelled(&f.jobs, &JobRunner::jobCancelled);
    f.session.SetModels({"slow"});
    QTRY_VERIFY(f.provider.started.load());
    f.jobs.CancelAll();
    QVERIFY(cancelled.wait(5000));
    QVERIFY(f.WaitIdle());
    QCOMPARE(f.workspace.Rows()[0]->findChildren<QLabel*>()[1]->text(), QString("cancelled"));
  }

  void missingWeightsShowAnErrorInTheRow() {
    Fixture f;
    f.session.SetModels({"same", "broken"});
    QVERIFY(f.WaitIdle());
    QCOMPARE(f.workspace.Rows().size(), size_t(2));
    const QString status = f.workspace.Rows()[1]->findChildren<QLabel*>()[1]->text();
    QVERIFY2(status.contains("/models/broken.pth"), qPrintable(status));
    f.session.AddPoint({36, 20});
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
    // Identical maps: PCA colours of source and target agree.
    const QImage src = f.workspace.Rows()[0]->Source()->grab().toImage();
    QVERIFY(!src.isNull());
  }
};

QTEST_MAIN(PairControllerTest)
#include "pair_controller_test.moc"
