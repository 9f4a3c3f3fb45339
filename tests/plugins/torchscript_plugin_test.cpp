// Registration of TorchScript backbones: model folders become backends named
// by their manifests (in-process and in the built-in table through
// $CORRLENS_MODELS), "torchscript" runs a folder given as weights, and
// `corrlens-cli match` runs both, refusing a bad module with one line.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>

#include "plugins/registry/builtin_backends.h"
#include "plugins/torchscript/torchscript_plugin.h"
#include "tests/common/test_helpers.h"
#include "tests/plugins/torchscript_fixtures.h"

using namespace corrlens;
using corrlens::test::CliResult;
using corrlens::test::ErrorOf;
using corrlens::test::RunCli;

namespace {

const BackendDescription* Find(const std::vector<BackendDescription>& list, const std::string& name) {
  const auto it = std::find_if(list.begin(), list.end(), [&](const BackendDescription& d) { return d.name == name; });
  return it == list.end() ? nullptr : &*it;
}

}  // namespace

class TorchScriptPluginTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    CORRLENS_MAKE_TORCHSCRIPT_FIXTURES(fixtures_);
    // The built-in table reads $CORRLENS_MODELS once, on first use.
    qputenv("CORRLENS_MODELS", QByteArray::fromStdString("/nonexistent:" + fixtures_.Models()));
    for (const char* key : {"a", "b"}) {
      cv::Mat bgr;
      cv::cvtColor(fixtures_.Image(key), bgr, cv::COLOR_RGB2BGR);
      const std::string path = fixtures_.Root() + "/" + key + ".png";
      QVERIFY(cv::imwrite(path, bgr));
    }
  }

  void RegistersEveryModelFolder() {
    BackendRegistry registry;
    const std::vector<std::string> added = RegisterTorchScriptModels(registry, {fixtures_.Models()});
    QCOMPARE(added, (std::vector<std::string>{"ts_conv", "ts_vits14"}));
    QVERIFY(RegisterTorchScriptModels(registry, {fixtures_.Models()}).empty());  // once only
    const std::vector<BackendDescription> list = registry.List();
    const BackendDescription* conv = Find(list, "ts_conv");
    QVERIFY(conv);
    QCOMPARE(conv->family, std::string("torchscript"));
    QCOMPARE(conv->display_name, std::string("Test conv backbone (TorchScript)"));
    QVERIFY(conv->available);
    QVERIFY2(conv->weights.find("ts_conv/model.pt + ") != std::string::npos, conv->weights.c_str());
    QCOMPARE(registry.Create("ts_vits14")->Info().dim, 384);
  }

  void BrokenManifestIsListedAsUnavailable() {
    BackendRegistry registry;
    RegisterTorchScriptModels(registry, {fixtures_.Root() + "/bad"});
    const std::vector<BackendDescription> list = registry.List();
    const BackendDescription* json = Find(list, "json");  // named after its folder
    QVERIFY(json);
    QVERIFY(!json->available);
    QCOMPARE(json->searched.size(), size_t(1));
    QVERIFY2(json->searched[0].find("not valid JSON") != std::string::npos, json->searched[0].c_str());
    QVERIFY(ErrorOf([&] { registry.Create("json"); }).find("not valid JSON") != std::string::npos);
    // A valid manifest is listed; its module is checked when it is created.
    QVERIFY(Find(list, "tokens")->available);
    QVERIFY(ErrorOf([&] { registry.Create("tokens"); }).find("[1, C, h, w]") != std::string::npos);
  }

  void TakenNamesAreSkipped() {
    BackendRegistry registry;
    BackendRegistration taken;
    taken.name = "ts_conv";
    taken.create = [](const BackendCreateOptions&) -> std::unique_ptr<FeatureBackend> { return nullptr; };
    registry.Add(taken);
    QCOMPARE(RegisterTorchScriptModels(registry, {fixtures_.Models()}), std::vector<std::string>{"ts_vits14"});
    QVERIFY(registry.List().front().family.empty());  // the first entry stays
  }

  void BuiltinTableHasTheModelsOfCorrLensModels() {
    QVERIFY(BuiltinBackends().HasFamily("torchscript"));
    QVERIFY(BuiltinBackends().Contains("ts_conv"));
    QVERIFY(BuiltinBackends().Contains("ts_vits14"));
    const BackendDescription* generic = Find(ListBackends(), "torchscript");
    QVERIFY(generic && generic->is_architecture && !generic->available);
    BackendCreateOptions options;
    options.weights_path = fixtures_.Model("ts_conv");
    QCOMPARE(CreateBackend("torchscript", options)->Info().id, std::string("ts_conv"));
    QVERIFY(ErrorOf([] { CreateBackend("torchscript"); }).find("needs its folder") != std::string::npos);
  }

  void CliMatchRunsTorchScriptModels() {
    const CliResult r = Match({"--model", "ts_conv", "--model", "ts_vits14", "--model", "dense_sift"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QJsonArray models = QJsonDocument::fromJson(r.out.toUtf8()).object()["models"].toArray();
    QCOMPARE(models.size(), 3);
    QCOMPARE(models[0].toObject()["model"].toString(), QString("ts_conv"));
    QCOMPARE(models[1].toObject()["model"].toString(), QString("ts_vits14"));
    for (const auto& model : models) {
      const QJsonArray matches = model.toObject()["matches"].toArray();
      QCOMPARE(matches.size(), 2);
      const QJsonArray xy = matches[0].toObject()["match"].toArray();
      QVERIFY(xy[0].toDouble() >= 0 && xy[0].toDouble() < 200 && xy[1].toDouble() >= 0 && xy[1].toDouble() < 150);
    }
    // A folder given as the weights of "torchscript".
    const CliResult folder =
        Match({"--model", "torchscript", "--weights", QString::fromStdString(fixtures_.Model("ts_conv"))});
    QVERIFY2(folder.code == 0, qPrintable(folder.err));
  }

  void CliMatchRefusesABadModuleWithOneLine() {
    const QString bad = QString::fromStdString(fixtures_.Bad("tokens"));
    const CliResult r = Match({"--model", "torchscript", "--weights", bad});
    QCOMPARE(r.code, 1);
    QCOMPARE(r.err.trimmed().count('\n'), 0);
    QVERIFY2(r.err.contains(bad + "/model.pt") && r.err.contains("[1, C, h, w]"), qPrintable(r.err));
  }

 private:
  CliResult Match(const QStringList& models) const {
    const QString root = QString::fromStdString(fixtures_.Root());
    QStringList args = {"match",    "--source",     root + "/a.png", "--target",  root + "/b.png",
                        "--points", "100,80;30,40", "--json",        "--no-cache"};
    return RunCli(args + models, 300000);
  }

  corrlens::test::TorchScriptFixtures fixtures_;
};

QTEST_GUILESS_MAIN(TorchScriptPluginTest)
#include "torchscript_plugin_test.moc"
