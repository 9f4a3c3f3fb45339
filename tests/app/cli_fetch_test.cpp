// `corrlens-cli fetch` and `corrlens-cli models` (states, --remove) as
// processes against a loopback server, with every cache inside a temporary
// folder (app/cli/cmd_fetch.cpp, cmd_models.cpp).
#include <QtTest>
#include "tests/common/test_paths.h"

#include <QJsonArray>
#include <QTemporaryDir>

#include "tests/common/local_http_server.h"

namespace {

const QString kCli = corrlens::test::BinaryPath("/app/corrlens-cli");

struct Run {
  int code = -1;
  QString out, err;
};

}  // namespace

class CliFetchTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { QVERIFY2(server_.Ok(), "the loopback server did not start"); }

  void fetchesShowsStatesAndRemoves() {
    const QString pth = dir_.filePath("torch/hub/checkpoints/dinov2_vits14_pretrain.pth");
    Run models = Cli({"models", "--online"});  // sizes from HEAD requests
    QCOMPARE(models.code, 0);
    QVERIFY2(Line(models.out, "dinov2_vits14+3dcorr").contains("downloadable 600.0 kB"), qPrintable(models.out));

    Run fetch = Cli({"fetch", "dinov2_vits14+3dcorr"});
    QVERIFY2(fetch.code == 0, qPrintable(fetch.err));
    QVERIFY2(fetch.err.contains("dinov2_vits14+3dcorr: available (2 file(s) downloaded)"), qPrintable(fetch.err));
    QVERIFY2(fetch.out.contains("(verified)") && fetch.out.contains("(recorded)"), qPrintable(fetch.out));
    QCOMPARE(QFileInfo(pth).size(), 300000);
    QVERIFY(QFileInfo(dir_.filePath("hf/hub/models--qq456cvb--3DCorrEnhance/snapshots/"
                                    "0123456789abcdef0123456789abcdef01234567/dinov2_small.ckpt"))
                .isSymLink());

    models = Cli({"models"});
    QVERIFY2(Line(models.out, "dinov2_vits14+3dcorr").contains("available"), qPrintable(models.out));
    QVERIFY(Line(models.out, "dinov2_vits14 ").contains("available"));
    const Run again = Cli({"fetch", "--json", "dinov2_vits14+3dcorr"});  // nothing left to download
    QVERIFY2(again.code == 0, qPrintable(again.err));
    const QJsonObject first = Json(again.out)["models"].toArray().at(0).toObject();
    QCOMPARE(first["state"].toString(), QString("available"));
    QCOMPARE(first["downloaded"].toArray().size(), 0);

    QFile other(dir_.filePath("torch/hub/checkpoints/keep.pth"));  // never touched
    QVERIFY(other.open(QIODevice::WriteOnly));
    other.close();
    const Run remove = Cli({"models", "--remove", "dinov2_vits14+3dcorr"});
    QCOMPARE(remove.code, 0);
    QVERIFY2(remove.out.contains("removed " + pth), qPrintable(remove.out));
    QVERIFY(remove.out.contains("dinov2_small.ckpt"));
    QVERIFY(!QFile::exists(pth));
    QVERIFY(QFile::exists(other.fileName()));
    QVERIFY(Cli({"models", "--remove", "dinov2_vits14+3dcorr"}).out.contains("nothing to remove"));
    const QJsonArray all = Json(Cli({"models", "--json"}).out)["models"].toArray();
    for (const auto& m : all)
      if (m.toObject()["name"].toString() == "dinov2_vits14+3dcorr")
        QCOMPARE(m.toObject()["state"].toString(), QString("downloadable"));
  }

  void adapterOnlyFetchesOneFile() {
    const Run fetch = Cli({"fetch", "--adapter-only", "--json", "dinov2_vitb14+3dcorr"});
    QVERIFY2(fetch.code == 0, qPrintable(fetch.err));
    const QJsonObject model = Json(fetch.out)["models"].toArray().at(0).toObject();
    QCOMPARE(model["downloaded"].toArray().size(), 1);
    QVERIFY(model["downloaded"].toArray().at(0).toObject()["verified"].toBool());
    QVERIFY(!QFile::exists(dir_.filePath("torch/hub/checkpoints/dinov2_vitb14_pretrain.pth")));
  }

  void errorsAreOneLine() {
    const Run unknown = Cli({"fetch", "no_such_model"});
    QCOMPARE(unknown.code, 1);
    QVERIFY2(unknown.err.contains("no downloadable model named 'no_such_model'"), qPrintable(unknown.err));
    const int before = server_.Requests().size();
    const Run offline = Cli({"fetch", "dinov2_vitl14"}, {{"HF_HUB_OFFLINE", "1"}});
    QCOMPARE(offline.code, 1);
    QVERIFY2(offline.err.contains("offline mode") && offline.err.trimmed().count('\n') == 0, qPrintable(offline.err));
    QCOMPARE(server_.Requests().size(), before);  // no request at all
  }

  void honoursTheProxyVariable() {
    // The DINOv2 host does not exist; only the proxy stub can answer.
    const Run fetch = Cli({"fetch", "dinov2_vitl14"},
                          {{"CORRLENS_DINOV2_URL", "http://dinov2.invalid/dinov2"}, {"HTTP_PROXY", server_.Url()}});
    QVERIFY2(fetch.code == 0, qPrintable(fetch.err));
    QVERIFY(server_.Requests().back()["proxied"].toBool());
  }

 private:
  Run Cli(const QStringList& args, const QList<QPair<QString, QString>>& extra = {}) {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char* name : {"http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy",
                             "NO_PROXY", "no_proxy", "HF_HUB_OFFLINE", "HF_TOKEN", "HF_HUB_CACHE", "CORRLENS_MODELS"})
      env.remove(name);
    env.insert("HF_ENDPOINT", server_.Url());
    env.insert("CORRLENS_DINOV2_URL", server_.Url("/dinov2"));
    env.insert("TORCH_HOME", dir_.filePath("torch"));
    env.insert("HF_HOME", dir_.filePath("hf"));
    env.insert("XDG_CACHE_HOME", dir_.filePath("xdg"));
    env.insert("CORRLENS_CACHE_DIR", dir_.filePath("corrlens"));
    for (const auto& [name, value] : extra) env.insert(name, value);
    QProcess process;
    process.setProcessEnvironment(env);
    process.start(kCli, args);
    process.waitForFinished(60000);
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            QString::fromUtf8(process.readAllStandardOutput()), QString::fromUtf8(process.readAllStandardError())};
  }

  static QJsonObject Json(const QString& text) { return QJsonDocument::fromJson(text.toUtf8()).object(); }

  // The line of `text` that starts with `prefix`.
  static QString Line(const QString& text, const QString& prefix) {
    for (const QString& line : text.split('\n'))
      if (line.startsWith(prefix)) return line;
    return {};
  }

  corrlens::test::LocalHttpServer server_;
  QTemporaryDir dir_;
};

QTEST_GUILESS_MAIN(CliFetchTest)
#include "cli_fetch_test.moc"
