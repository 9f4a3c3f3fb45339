// SessionModel: the shared models and view settings, and their JSON.
#include <QtTest>

#include <QJsonArray>
#include <QSignalSpy>

#include "ui/session_model.h"

using corrlens::ui::SessionModel;
using corrlens::ui::ViewSettings;

class SessionModelTest : public QObject {
  Q_OBJECT
 private slots:
  void modelsChangeOnlyWhenDifferent() {
    SessionModel session;
    QSignalSpy spy(&session, &SessionModel::modelsChanged);
    session.SetModels({"dense_sift"});
    session.SetModels({"dense_sift"});
    QCOMPARE(spy.count(), 1);
    QCOMPARE(session.Models(), QStringList{"dense_sift"});
  }

  void jsonRoundTrip() {
    SessionModel a;
    a.SetModels({"dense_sift", "dinov2_vitb14"});
    ViewSettings view;
    view.heatmap_opacity = 0.3;
    view.show_mutual = true;
    view.hover_preview = false;
    a.SetView(view);
    SessionModel b;
    QSignalSpy models(&b, &SessionModel::modelsChanged);
    QSignalSpy views(&b, &SessionModel::viewChanged);
    QString error;
    QVERIFY2(b.FromJson(a.ToJson(), &error), qPrintable(error));
    QCOMPARE(b.Models(), a.Models());
    QCOMPARE(b.View().heatmap_opacity, 0.3);
    QVERIFY(b.View().show_mutual);
    QVERIFY(!b.View().hover_preview);
    QVERIFY(b.View().show_heatmap);
    QCOMPARE(models.count(), 1);
    QCOMPARE(views.count(), 1);
  }

  void refusesMalformedValuesAndChangesNothing() {
    SessionModel session;
    session.SetModels({"dense_sift"});
    QString error;
    QVERIFY(!session.FromJson(QJsonObject{{"models", "dense_sift"}}, &error));
    QVERIFY2(error.contains("\"models\""), qPrintable(error));
    QVERIFY(!session.FromJson(QJsonObject{{"models", QJsonArray{1, 2}}}, &error));
    QVERIFY(!session.FromJson(QJsonObject{{"view", 3}}, &error));
    QVERIFY2(error.contains("\"view\""), qPrintable(error));
    QVERIFY(!SessionModel::Check(QJsonObject{{"view", 3}}, &error));
    QVERIFY(SessionModel::Check(QJsonObject{}, &error));
    QCOMPARE(session.Models(), QStringList{"dense_sift"});  // untouched
  }

  void outOfRangeOpacityIsClamped() {
    SessionModel session;
    QString error;
    QVERIFY(session.FromJson(QJsonObject{{"view", QJsonObject{{"heatmap_opacity", 7.0}}}}, &error));
    QCOMPARE(session.View().heatmap_opacity, 1.0);
  }

  void pointColorsAreDistinct() {
    QVERIFY(SessionModel::PointColor(0) != SessionModel::PointColor(1));
    QVERIFY(SessionModel::PointColor(1) != SessionModel::PointColor(2));
  }
};

QTEST_GUILESS_MAIN(SessionModelTest)
#include "session_model_test.moc"
