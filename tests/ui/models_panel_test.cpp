// ModelsPanel: catalog entries with their state, ticks <-> session models.
#include <QtTest>

#include <QListWidget>

#include "core/util/error.h"
#include "ui/backend_provider.h"
#include "ui/models_panel.h"
#include "ui/session_model.h"

using namespace corrlens::ui;

namespace {

class Catalog : public BackendProvider {
 public:
  QVector<ModelEntry> Models() override {
    QVector<ModelEntry> out = {{"dense_sift", "Dense SIFT", true, "no weights needed"},
                               {"dinov2_vitb14", "DINOv2 ViT-B/14", false, "looked in ~/.cache/torch/hub/checkpoints"}};
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

}  // namespace

class ModelsPanelTest : public QObject {
  Q_OBJECT
 private slots:
  void showsStateAndSyncsTicks() {
    SessionModel session;
    Catalog catalog;
    ModelsPanel panel(&session, &catalog);
    auto* list = panel.findChild<QListWidget*>();
    QVERIFY(list);
    QCOMPARE(list->count(), 2);
    QListWidgetItem* sift = list->item(0);
    QListWidgetItem* vit = list->item(1);
    QVERIFY(sift->flags() & Qt::ItemIsEnabled);
    QVERIFY(!(vit->flags() & Qt::ItemIsEnabled));  // weights missing: greyed out
    QVERIFY(vit->text().contains("weights missing"));
    QVERIFY(vit->toolTip().contains("looked in"));

    sift->setCheckState(Qt::Checked);  // tick -> session
    QCOMPARE(session.Models(), QStringList{"dense_sift"});
    session.SetModels({});  // session -> ticks
    QCOMPARE(sift->checkState(), Qt::Unchecked);

    panel.SetModelState("dense_sift", "computing 40%", false);  // from the pair controller
    QCOMPARE(sift->text(), QString("Dense SIFT  (computing 40%)"));
    panel.SetModelState("dense_sift", "bad image: x.png", true);
    QCOMPARE(sift->text(), QString("Dense SIFT  (error)"));
    QVERIFY(sift->toolTip().startsWith("bad image: x.png"));
    panel.SetModelState("dinov2_vitb14", "ready", false);  // greyed entries keep "weights missing"
    QVERIFY(vit->text().contains("weights missing"));

    session.SetModels({"dense_sift"});
    catalog.extra = true;
    panel.Refresh();  // rescans and keeps the selection
    QCOMPARE(list->count(), 3);
    QCOMPARE(list->item(0)->checkState(), Qt::Checked);
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
    QCOMPARE(owned.findChild<QListWidget*>()->item(0)->checkState(), Qt::Checked);
  }
};

QTEST_MAIN(ModelsPanelTest)
#include "models_panel_test.moc"
