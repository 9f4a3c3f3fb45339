// The corrlens.json manifest of TorchScript backbones: fields, defaults,
// errors that name the file and the key, and discovery in model folders.
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include "plugins/torchscript/torchscript_manifest.h"
#include "tests/common/test_helpers.h"

using namespace corrlens;
using corrlens::test::ErrorOf;

namespace {

void Write(const QString& path, const QByteArray& content) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QFile file(path);
  QVERIFY(file.open(QIODevice::WriteOnly));
  file.write(content);
}

// A model folder `name` in `root` with a module file and this manifest.
QString ModelFolder(const QTemporaryDir& root, const QString& name, const QByteArray& manifest) {
  const QString dir = root.filePath(name);
  Write(dir + "/model.pt", "PK\x03\x04 not read here");
  Write(dir + "/corrlens.json", manifest);
  return dir;
}

}  // namespace

class TorchScriptManifestTest : public QObject {
  Q_OBJECT

 private slots:
  void ReadsEveryField() {
    QTemporaryDir root;
    const QString dir = ModelFolder(root, "m", R"({"version": 1, "name": "my_net", "display_name": "My net",
        "model": "model.pt", "adapter": "model.pt", "input": {"mean": [0.5, 0.5, 0.5], "std": [0.25, 0.5, 1]},
        "patch_size": 16, "stride": 8, "resolution": 448, "input_size": [224, 160], "channels": 256,
        "description": "unknown keys are ignored"})");
    const torchscript::Manifest m = torchscript::ReadManifest((dir + "/corrlens.json").toStdString());
    QCOMPARE(m.name, std::string("my_net"));
    QCOMPARE(m.display_name, std::string("My net"));
    QCOMPARE(QString::fromStdString(m.model_path), QFileInfo(dir + "/model.pt").absoluteFilePath());
    QCOMPARE(m.adapter_path, m.model_path);
    QCOMPARE(m.mean[0], 0.5f);
    QCOMPARE(m.std[0], 0.25f);
    QCOMPARE(m.std[2], 1.f);
    QCOMPARE(m.patch, 16);
    QCOMPARE(m.stride, 8);
    QCOMPARE(m.resolution, 448);
    QVERIFY(m.FixedInput());
    QCOMPARE(m.input_width, 224);
    QCOMPARE(m.input_height, 160);
    QCOMPARE(m.channels, 256);
    QVERIFY(!m.text.empty());
  }

  void Defaults() {
    QTemporaryDir root;
    const QString dir = ModelFolder(root, "m", R"({"name": "net", "model": "model.pt", "patch_size": 14})");
    const torchscript::Manifest m = torchscript::ReadManifest((dir + "/corrlens.json").toStdString());
    QCOMPARE(m.stride, 14);
    QCOMPARE(m.display_name, std::string("net (TorchScript)"));
    QCOMPARE(m.mean[0], 0.485f);
    QCOMPARE(m.std[2], 0.225f);
    QCOMPARE(m.resolution, 0);
    QVERIFY(!m.FixedInput());
    QCOMPARE(m.channels, 0);
    QVERIFY(m.adapter_path.empty());
  }

  void ErrorsNameTheFileAndTheKey_data() {
    QTest::addColumn<QByteArray>("manifest");
    QTest::addColumn<QString>("expected");
    QTest::newRow("not json") << QByteArray(R"({"name": "x",,})") << "not valid JSON (at byte";
    QTest::newRow("not an object") << QByteArray("[1, 2]") << "not a JSON object";
    QTest::newRow("no name") << QByteArray(R"({"model": "model.pt", "patch_size": 8})") << "has no \"name\"";
    QTest::newRow("bad name") << QByteArray(R"({"name": "a b", "model": "model.pt", "patch_size": 8})")
                              << "not a valid model name";
    QTest::newRow("no model") << QByteArray(R"({"name": "a", "patch_size": 8})") << "key 'model'";
    QTest::newRow("missing module") << QByteArray(R"({"name": "a", "model": "gone.pt", "patch_size": 8})")
                                    << "'gone.pt', which is not a file";
    QTest::newRow("missing adapter") << QByteArray(
                                            R"({"name": "a", "model": "model.pt", "adapter": "r.pt", "patch_size": 8})")
                                     << "key 'adapter'";
    QTest::newRow("no patch") << QByteArray(R"({"name": "a", "model": "model.pt"})") << "has no \"patch_size\"";
    QTest::newRow("patch text") << QByteArray(R"({"name": "a", "model": "model.pt", "patch_size": "14"})")
                                << "\"patch_size\" must be an integer";
    QTest::newRow("mean of 2") << QByteArray(R"({"name": "a", "model": "model.pt", "patch_size": 8,
        "input": {"mean": [0.5, 0.5]}})")
                               << "list of 3 numbers";
    QTest::newRow("zero std") << QByteArray(R"({"name": "a", "model": "model.pt", "patch_size": 8,
        "input": {"std": [1, 0, 1]}})")
                              << "must be positive";
    QTest::newRow("input size") << QByteArray(R"({"name": "a", "model": "model.pt", "patch_size": 8,
        "input_size": [224]})") << "[width, height]";
    QTest::newRow("version") << QByteArray(R"({"version": 2, "name": "a", "model": "model.pt", "patch_size": 8})")
                             << "unsupported manifest version";
  }
  void ErrorsNameTheFileAndTheKey() {
    QFETCH(QByteArray, manifest);
    QFETCH(QString, expected);
    QTemporaryDir root;
    const QString path = ModelFolder(root, "m", manifest) + "/corrlens.json";
    const QString what = QString::fromStdString(ErrorOf([&] { torchscript::ReadManifest(path.toStdString()); }));
    QVERIFY2(what.contains(expected), qPrintable(what));
    QVERIFY2(what.contains(QFileInfo(path).absoluteFilePath()), qPrintable(what));
    QVERIFY(!what.contains('\n'));
  }

  void ManifestPathForFolderManifestOrModule() {
    QTemporaryDir root;
    const QString dir = ModelFolder(root, "m", R"({"name": "a", "model": "model.pt", "patch_size": 8})");
    const std::string manifest = (dir + "/corrlens.json").toStdString();
    QCOMPARE(torchscript::ManifestPathFor(dir.toStdString()), manifest);
    QCOMPARE(torchscript::ManifestPathFor(manifest), manifest);
    QCOMPARE(torchscript::ManifestPathFor((dir + "/model.pt").toStdString()), manifest);
    QDir().mkpath(root.filePath("empty"));
    QVERIFY(ErrorOf([&] {
              torchscript::ManifestPathFor(root.filePath("empty").toStdString());
            }).find("no corrlens.json in this folder") != std::string::npos);
    QVERIFY(ErrorOf([&] {
              torchscript::ManifestPathFor(root.filePath("nope").toStdString());
            }).find("file not found") != std::string::npos);
  }

  void FindsManifestsInAFolderAndItsSubfolders() {
    QTemporaryDir root;
    ModelFolder(root, "b_net", "{}");
    ModelFolder(root, "a_net", "{}");
    QDir().mkpath(root.filePath("not_a_model"));
    Write(root.filePath("deeper/x/corrlens.json"), "{}");  // two levels down: not searched
    const std::vector<std::string> found = torchscript::FindManifests(root.path().toStdString());
    QCOMPARE(found.size(), size_t(2));
    QVERIFY(found[0].find("a_net/corrlens.json") != std::string::npos);
    QVERIFY(found[1].find("b_net/corrlens.json") != std::string::npos);
    QCOMPARE(torchscript::FindManifests(root.filePath("a_net").toStdString()).size(), size_t(1));
    QVERIFY(torchscript::FindManifests(root.filePath("nope").toStdString()).empty());
    QVERIFY(torchscript::FindManifests("").empty());
  }

  void ModelNames() {
    QVERIFY(torchscript::ValidModelName("dinov2_vits14.ts+3dcorr-v1"));
    QVERIFY(!torchscript::ValidModelName(""));
    QVERIFY(!torchscript::ValidModelName("custom:x"));
    QVERIFY(!torchscript::ValidModelName("a/b"));
    QVERIFY(!torchscript::ValidModelName(std::string(65, 'a')));
  }
};

QTEST_APPLESS_MAIN(TorchScriptManifestTest)
#include "torchscript_manifest_test.moc"
