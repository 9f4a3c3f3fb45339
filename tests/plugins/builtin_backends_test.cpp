// The built-in backend table (plugins/registry): names, creation errors, status.
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>

#include "core/util/error.h"
#include "plugins/registry/builtin_backends.h"

using namespace corrlens;

class BuiltinBackendsTest : public QObject {
  Q_OBJECT

 private slots:
  void ListsClassicalBackendsFirst() {
    const std::vector<std::string> names = BackendNames();
    QVERIFY(names.size() >= 2);
    QCOMPARE(names[0], std::string("dense_sift"));
    const std::vector<BackendDescription> list = ListBackends();
    QCOMPARE(list.size(), names.size());
    QVERIFY(list[0].available);
    QCOMPARE(list[0].family, std::string("classical"));
    for (const BackendDescription& d : list) {
      QVERIFY(!d.name.empty() && !d.display_name.empty());
      if (d.family == "vit" && d.weights == "missing") QVERIFY2(!d.searched.empty(), d.name.c_str());
    }
  }

  void CreatesDenseSift() {
    auto backend = CreateBackend("dense_sift");
    QVERIFY(backend);
    QCOMPARE(backend->Info().id, std::string("dense_sift"));
    QCOMPARE(CreateBackend("dense_rootsift")->Info().id, std::string("dense_rootsift"));
  }

  void UnknownNameListsKnownOnes() {
    try {
      CreateBackend("no_such_model");
      QFAIL("expected an error");
    } catch (const Error& e) {
      const QString what = e.what();
      QVERIFY(what.contains("unknown model 'no_such_model'"));
      QVERIFY(what.contains("dense_sift"));
      QVERIFY(!what.contains('\n'));
    }
  }

  void MissingWeightsSayWhereItLooked() {
    // With HOME and caches pointed at an empty folder no ViT weights exist.
    const std::vector<std::string> names = BackendNames();
    const auto vit =
        std::find_if(names.begin(), names.end(), [](const std::string& n) { return n.rfind("dinov2_vits14", 0) == 0; });
    if (vit == names.end()) QSKIP("this build has no ViT catalog");
    QTemporaryDir home;
    qputenv("HOME", home.path().toUtf8());
    qputenv("XDG_CACHE_HOME", (home.path() + "/cache").toUtf8());
    qunsetenv("TORCH_HOME");
    qunsetenv("HF_HOME");
    qunsetenv("HF_HUB_CACHE");
    qunsetenv("CORRLENS_MODELS");
    try {
      CreateBackend(*vit);
      QFAIL("expected an error");
    } catch (const Error& e) {
      const QString what = e.what();
      QVERIFY2(what.contains(home.path()) || what.contains("no ViT backends"), e.what());
    }
  }

  void BadDevice() {
    BackendCreateOptions options;
    options.device = "toaster";
    QVERIFY_THROWS_EXCEPTION(Error, CreateBackend("dense_sift", options));
  }

  void EveryPluginRegistered() {
    // classical always; the ViT catalog when plugins/vit is built (it is in CI).
    QVERIFY(BuiltinBackends().HasFamily("classical"));
    QVERIFY(VitBackendsBuilt());
    QVERIFY(BuiltinBackends().Contains("dinov2_vits14+3dcorr"));
    for (const BackendDescription& d : ListBackends()) {
      if (d.family == "vit") QCOMPARE(d.is_architecture, d.name.find('+') == std::string::npos);
    }
  }
};

QTEST_APPLESS_MAIN(BuiltinBackendsTest)
#include "builtin_backends_test.moc"
