// The backend registration table (core/feature/backend_registry): entries,
// availability checks, creation and its errors.
#include <QtTest>

#include "core/feature/backend_registry.h"
#include "core/util/error.h"

using namespace corrlens;

namespace {

class FixedBackend : public FeatureBackend {
 public:
  explicit FixedBackend(std::string device) { info_ = {"fixed", "Fixed", 3, "", std::move(device)}; }
  const BackendInfo& Info() const override { return info_; }
  FeatureMap Extract(const cv::Mat&, const ExtractOptions&, const CancelToken&) override { return {}; }

 private:
  BackendInfo info_;
};

BackendRegistration Fixed(const std::string& name, bool available) {
  BackendRegistration r;
  r.name = name;
  r.family = "test";
  r.create = [](const BackendCreateOptions& o) { return std::make_unique<FixedBackend>(o.device); };
  r.status = [available](const std::vector<std::string>& dirs) {
    BackendStatus s;
    s.available = available;
    s.weights = available ? "here" : "missing";
    if (!available) s.searched = dirs;
    return s;
  };
  return r;
}

}  // namespace

class BackendRegistryTest : public QObject {
  Q_OBJECT

 private slots:
  void ListsInRegistrationOrderWithStatus() {
    BackendRegistry registry;
    registry.Add(Fixed("b", true));
    registry.Add(Fixed("a", false));
    BackendRegistration plain;
    plain.name = "c";
    plain.family = "other";
    plain.create = [](const BackendCreateOptions& o) { return std::make_unique<FixedBackend>(o.device); };
    registry.Add(plain);
    QCOMPARE(registry.Names(), (std::vector<std::string>{"b", "a", "c"}));
    const auto list = registry.List({"/models"});
    QVERIFY(list[0].available);
    QVERIFY(!list[1].available);
    QCOMPARE(list[1].searched, std::vector<std::string>{"/models"});
    QVERIFY(list[2].available);  // no status check: always available
    QCOMPARE(list[2].display_name, std::string("c"));
    QVERIFY(registry.HasFamily("other") && !registry.HasFamily("vit"));
  }

  void CreatesWithOptions() {
    BackendRegistry registry;
    registry.Add(Fixed("x", true));
    BackendCreateOptions options;
    options.device = "cuda:1";
    QCOMPARE(registry.Create("x", options)->Info().device, std::string("cuda:1"));
  }

  void Errors() {
    BackendRegistry registry;
    registry.Add(Fixed("x", true));
    QVERIFY_THROWS_EXCEPTION(Error, registry.Add(Fixed("x", true)));  // duplicate
    QVERIFY_THROWS_EXCEPTION(Error, registry.Add(BackendRegistration{}));
    try {
      registry.Create("y");
      QFAIL("expected an error");
    } catch (const Error& e) {
      QVERIFY(QString(e.what()).contains("unknown model 'y'"));
      QVERIFY(QString(e.what()).contains("known models: x"));
      QCOMPARE(e.where().key, std::string("model"));  // the thing, not a CLI flag
    }
    BackendCreateOptions no_device;
    no_device.device = "";
    QVERIFY_THROWS_EXCEPTION(Error, registry.Create("x", no_device));
  }
};

QTEST_APPLESS_MAIN(BackendRegistryTest)
#include "backend_registry_test.moc"
