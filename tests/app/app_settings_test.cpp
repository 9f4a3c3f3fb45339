// app_settings: the QSettings keys the GUI keeps between runs (custom models
// here), written to a temporary INI file.
#include <QtTest>

#include <QTemporaryDir>

#include "app/gui/app_settings.h"

using corrlens::app::CustomModelSpec;

class AppSettingsTest : public QObject {
  Q_OBJECT

 private slots:
  void customModelsRoundTrip() {
    QTemporaryDir dir;
    const QString path = dir.filePath("corrlens.ini");
    const QVector<CustomModelSpec> models = {{"dinov2_vitb14", "/data/w b.pth", ""},
                                             {"dinov2_vits14", "/data/s.pth", "/data/adapter.ckpt"}};
    {
      QSettings settings(path, QSettings::IniFormat);
      corrlens::app::SaveCustomModels(settings, models);
    }
    QSettings settings(path, QSettings::IniFormat);
    QCOMPARE(corrlens::app::LoadCustomModels(settings), models);

    // Saving a shorter list leaves no stale entry behind.
    corrlens::app::SaveCustomModels(settings, {models[1]});
    QCOMPARE(corrlens::app::LoadCustomModels(settings), QVector<CustomModelSpec>{models[1]});
    corrlens::app::SaveCustomModels(settings, {});
    QVERIFY(corrlens::app::LoadCustomModels(settings).isEmpty());
  }

  // A hand-edited entry without an architecture or weights is skipped.
  void incompleteEntriesAreSkipped() {
    QTemporaryDir dir;
    QSettings settings(dir.filePath("corrlens.ini"), QSettings::IniFormat);
    settings.beginWriteArray("models/custom", 3);
    settings.setArrayIndex(0);
    settings.setValue("arch", "dinov2_vits14");
    settings.setArrayIndex(1);
    settings.setValue("weights", "/data/w.pth");
    settings.setArrayIndex(2);
    settings.setValue("arch", "dinov2_vits14");
    settings.setValue("weights", "/data/w.pth");
    settings.endArray();
    const auto models = corrlens::app::LoadCustomModels(settings);
    QCOMPARE(models.size(), 1);
    QCOMPARE(models[0].weights, QString("/data/w.pth"));
  }
};

QTEST_GUILESS_MAIN(AppSettingsTest)
#include "app_settings_test.moc"
