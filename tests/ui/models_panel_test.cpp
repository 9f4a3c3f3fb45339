// ModelsPanel: the models tree (families, sizes, states), ticks <-> session
// models, and downloads from a loopback server through a JobRunner that
// update the row, make the model tickable, cancel and remove.
#include <QtTest>

#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTreeWidget>

#include "core/download/http_download.h"
#include "core/util/error.h"
#include "tests/common/local_http_server.h"
#include "ui/backend_provider.h"
#include "ui/job_runner.h"
#include "ui/models_panel.h"
#include "ui/session_model.h"

using namespace corrlens::ui;

namespace {

class Catalog : public BackendProvider {
 public:
  QVector<ModelEntry> Models() override {
    QVector<ModelEntry> out = {{"dense_sift", "Dense SIFT", true, "no weights needed"},
                               {"dinov2_vitb14", "DINOv2 ViT-B/14", false, "looked in ~/.cache/torch/hub/checkpoints"}};
    out[0].family = "Classical";
    out[1].family = "DINOv2";
    out[1].group = "ViT-B/14";
    if (extra) out.push_back({"custom1", "Custom", true, "/tmp/w.pth"});
    return out;
  }
  std::shared_ptr<corrlens::FeatureProvider> Features() override { return nullptr; }
  ModelEntry AddCustom(const QString&, const QString&, const QString&) override {
    throw corrlens::Error("bad weights", {"/tmp/w.pth"}, "not a checkpoint");
  }
  QStringList Architectures() override { return {"dinov2_vitb14"}; }
  bool extra = false;
};

// Downloadable models served by the loopback server ("slow": 1 kB every
// 50 ms, the others 300 kB; a "+3dcorr" id brings its backbone too),
// available once their file is on disk.
class Downloads : public Catalog {
 public:
  Downloads(const corrlens::test::LocalHttpServer& server, const QString& dir, QStringList ids = {"fast", "slow"})
      : server_(server), dir_(dir), ids_(std::move(ids)) {}
  QVector<ModelEntry> Models() override {
    QVector<ModelEntry> out;
    for (const QString& id : ids_) {
      ModelEntry e{id, "DINOv2 ViT-S/14 " + id, QFile::exists(Path(id)), "test model"};
      e.family = "DINOv2";
      e.group = "ViT-S/14";
      e.downloadable = !e.available;
      e.partial = QFile::exists(Path(id) + ".incomplete");
      e.size_bytes = e.available ? QFileInfo(Path(id)).size() : 0;
      if (e.available) e.files = {Path(id)};
      e.folder = dir_;
      out.push_back(e);
    }
    return out;
  }
  void Download(const QString& id, corrlens::Progress& progress, const corrlens::CancelToken& cancel) override {
    if (id.endsWith("+3dcorr")) Download(id.section('+', 0, 0), progress, cancel);
    corrlens::download::DownloadRequest request;
    request.url = server_.UrlStd(id == "slow" ? "/slow/slow?size=1000000" : "/files/" + id + "?size=300000");
    request.destination = Path(id).toStdString();
    corrlens::download::Downloader::Create({})->Fetch(request, progress, cancel);
  }
  QStringList Remove(const QString& id) override {
    return QFile::remove(Path(id)) ? QStringList{Path(id)} : QStringList{};
  }

 private:
  QString Path(const QString& id) const { return dir_ + "/" + id; }
  const corrlens::test::LocalHttpServer& server_;
  QString dir_;
  QStringList ids_;
};

// A catalog with one custom model that can be forgotten.
class WithCustom : public Catalog {
 public:
  QVector<ModelEntry> Models() override {
    QVector<ModelEntry> out = Catalog::Models();
    if (!forgotten) out.push_back({"custom:dinov2_vits14:w.pth", "dinov2_vits14 (w.pth)", true, "/data/w.pth"});
    return out;
  }
  bool Forget(const QString& id) override {
    if (forgotten || id != "custom:dinov2_vits14:w.pth") return false;
    return forgotten = true;
  }
  bool forgotten = false;
};

}  // namespace

class ModelsPanelTest : public QObject {
  Q_OBJECT
 private slots:
  void showsStateAndSyncsTicks() {
    SessionModel session;
    Catalog catalog;
    ModelsPanel panel(&session, &catalog);
    QTreeWidgetItem* sift = panel.ItemFor("dense_sift");
    QTreeWidgetItem* vit = panel.ItemFor("dinov2_vitb14");
    QVERIFY(sift && vit);
    QVERIFY(sift->flags() & Qt::ItemIsUserCheckable);
    QVERIFY(!(vit->flags() & Qt::ItemIsUserCheckable));  // weights missing: cannot be ticked
    QCOMPARE(vit->text(ModelsPanel::kStateColumn), QString("weights missing"));
    QVERIFY(vit->toolTip(ModelsPanel::kNameColumn).contains("looked in"));

    sift->setCheckState(ModelsPanel::kNameColumn, Qt::Checked);  // tick -> session
    QCOMPARE(session.Models(), QStringList{"dense_sift"});
    session.SetModels({});  // session -> ticks
    QCOMPARE(sift->checkState(ModelsPanel::kNameColumn), Qt::Unchecked);

    panel.SetModelState("dense_sift", "computing 40%", false);  // from the pair controller
    QCOMPARE(sift->text(ModelsPanel::kStateColumn), QString("computing 40%"));
    panel.SetModelState("dense_sift", "bad image: x.png", true);
    QCOMPARE(sift->text(ModelsPanel::kStateColumn), QString("error"));
    QVERIFY(sift->toolTip(ModelsPanel::kNameColumn).startsWith("bad image: x.png"));
    panel.SetModelState("dinov2_vitb14", "ready", false);  // missing entries keep their state
    QCOMPARE(vit->text(ModelsPanel::kStateColumn), QString("weights missing"));

    session.SetModels({"dense_sift"});
    catalog.extra = true;
    panel.Refresh();  // rescans and keeps the selection
    QVERIFY(panel.ItemFor("custom1"));
    QCOMPARE(panel.ItemFor("dense_sift")->checkState(ModelsPanel::kNameColumn), Qt::Checked);
  }

  void groupsByFamilyAndSize() {
    SessionModel session;
    Catalog catalog;
    ModelsPanel panel(&session, &catalog);
    auto* tree = panel.findChild<QTreeWidget*>();
    QCOMPARE(tree->topLevelItemCount(), 2);
    QCOMPARE(tree->topLevelItem(0)->text(0), QString("Classical"));
    QTreeWidgetItem* dinov2 = tree->topLevelItem(1);
    QCOMPARE(dinov2->text(0), QString("DINOv2"));
    QCOMPARE(dinov2->child(0)->text(0), QString("ViT-B/14"));
    QCOMPARE(dinov2->child(0)->child(0), panel.ItemFor("dinov2_vitb14"));
  }

  // The pair controller reacts to a new selection before the panel does and
  // reports states from inside that signal: the panel must not read its
  // stale ticks back into the session (that emptied the selection and
  // crashed the app on the demo).
  void stateUpdatesDoNotChangeTheSelection() {
    SessionModel session;
    Catalog catalog;
    ModelsPanel* panel = nullptr;
    QObject::connect(&session, &SessionModel::modelsChanged, [&] {
      if (panel) panel->SetModelState("dense_sift", "computing features...", false);
    });
    ModelsPanel owned(&session, &catalog);
    panel = &owned;
    session.SetModels({"dense_sift"});
    QCOMPARE(session.Models(), QStringList{"dense_sift"});
    QCOMPARE(owned.ItemFor("dense_sift")->checkState(ModelsPanel::kNameColumn), Qt::Checked);
  }

  void downloadUpdatesTheRowAndMakesTheModelTickable() {
    corrlens::test::LocalHttpServer server;
    QVERIFY(server.Ok());
    QTemporaryDir dir;
    Downloads provider(server, dir.path());
    SessionModel session;
    JobRunner jobs(nullptr, 2);
    ModelsPanel panel(&session, &provider, &jobs);
    QSignalSpy downloaded(&panel, &ModelsPanel::modelDownloaded);
    QCOMPARE(panel.ItemFor("fast")->text(ModelsPanel::kStateColumn), QString("downloadable"));
    QVERIFY(!panel.DownloadModel("dense_sift"));  // not listed here
    QVERIFY(panel.DownloadModel("fast"));
    QVERIFY(panel.IsDownloading("fast"));
    QVERIFY(panel.ItemFor("fast")->text(ModelsPanel::kStateColumn).startsWith("downloading"));
    QTRY_COMPARE_WITH_TIMEOUT(downloaded.count(), 1, 20000);
    QTreeWidgetItem* fast = panel.ItemFor("fast");
    QCOMPARE(fast->text(ModelsPanel::kStateColumn), QString("available"));
    QCOMPARE(fast->text(ModelsPanel::kSizeColumn), QString("300.0 kB"));
    QVERIFY(fast->flags() & Qt::ItemIsUserCheckable);
    fast->setCheckState(ModelsPanel::kNameColumn, Qt::Checked);
    QCOMPARE(session.Models(), QStringList{"fast"});
    QVERIFY(panel.findChild<QLabel*>()->text().contains("300.0 kB"));

    QVERIFY(panel.DownloadModel("slow"));  // cancel keeps the partial file: the row says "partial"
    // Wait for bytes on disk (1%), not just the first progress report: a
    // cancel before any byte arrives leaves nothing to resume.
    const auto slow_state = [&] { return panel.ItemFor("slow")->text(ModelsPanel::kStateColumn); };
    QTRY_VERIFY_WITH_TIMEOUT(slow_state().startsWith("downloading ") && slow_state() != "downloading 0%", 20000);
    panel.CancelDownload("slow");
    QTRY_VERIFY_WITH_TIMEOUT(!panel.IsDownloading("slow"), 10000);
    QCOMPARE(panel.ItemFor("slow")->text(ModelsPanel::kStateColumn), QString("partial"));

    QCOMPARE(panel.RemoveModel("fast"), QStringList{dir.filePath("fast")});
    QCOMPARE(panel.ItemFor("fast")->text(ModelsPanel::kStateColumn), QString("downloadable"));
  }

  // Ticking a missing model asks, then downloads it and ticks it.
  void tickingAMissingModelOffersItsDownload() {
    corrlens::test::LocalHttpServer server;
    QVERIFY(server.Ok());
    QTemporaryDir dir;
    Downloads provider(server, dir.path(), {"fast"});
    SessionModel session;
    JobRunner jobs(nullptr, 2);
    ModelsPanel panel(&session, &provider, &jobs);
    bool asked = false;
    QTimer::singleShot(50, [&] {  // answers the question box
      auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
      asked = box && box->text().contains("DINOv2 ViT-S/14 fast");
      if (box) box->button(QMessageBox::Yes)->click();
    });
    panel.ItemFor("fast")->setCheckState(ModelsPanel::kNameColumn, Qt::Checked);
    QCOMPARE(panel.ItemFor("fast")->checkState(ModelsPanel::kNameColumn), Qt::Unchecked);  // not before it is there
    QVERIFY(session.Models().isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(session.Models(), QStringList{"fast"}, 20000);
    QVERIFY(asked);
  }

  // No ViT available: one click downloads ViT-S/14 + 3DCorrEnhance and ticks
  // it with its baseline.
  void offerDownloadsAndTicksBothModels() {
    corrlens::test::LocalHttpServer server;
    QVERIFY(server.Ok());
    QTemporaryDir dir;
    Downloads provider(server, dir.path(), {"dinov2_vits14", "dinov2_vits14+3dcorr"});
    SessionModel session;
    JobRunner jobs(nullptr, 2);
    ModelsPanel panel(&session, &provider, &jobs);
    auto* offer = panel.findChild<QPushButton*>("offer_download");
    QVERIFY(offer);
    QVERIFY(!offer->parentWidget()->isHidden());  // the offer bar is shown
    offer->click();
    QTRY_COMPARE_WITH_TIMEOUT(session.Models(), QStringList({"dinov2_vits14", "dinov2_vits14+3dcorr"}), 20000);
    QVERIFY(offer->parentWidget()->isHidden());  // a ViT is available now
  }

  // Remove on a custom model forgets it (files stay) and unticks it.
  void removeForgetsACustomModel() {
    SessionModel session;
    WithCustom catalog;
    ModelsPanel panel(&session, &catalog);
    const QString id = "custom:dinov2_vits14:w.pth";
    session.SetModels({id, "dense_sift"});
    QVERIFY(panel.ItemFor(id));
    panel.findChild<QTreeWidget*>()->setCurrentItem(panel.ItemFor(id));
    QPushButton* remove = nullptr;
    for (QPushButton* b : panel.findChildren<QPushButton*>())
      if (b->text() == "Remove") remove = b;
    QVERIFY(remove && remove->isEnabled());
    QVERIFY(!panel.ForgetModel("dense_sift"));
    QVERIFY(panel.ForgetModel(id));
    QVERIFY(catalog.forgotten);
    QVERIFY(!panel.ItemFor(id));
    QCOMPARE(session.Models(), QStringList{"dense_sift"});
  }
};

QTEST_MAIN(ModelsPanelTest)
#include "models_panel_test.moc"
