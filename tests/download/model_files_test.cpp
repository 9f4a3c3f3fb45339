// Model files (core/download/model_files, hf_cache): a catalog entry's files
// fetched from a loopback server into the torch-hub cache and the Hugging
// Face cache layout (checked by a Python snippet that resolves it as
// huggingface_hub does), states, wrong hashes, offline mode and removal.
#include <QtTest>

#include <QCryptographicHash>
#include <QTemporaryDir>

#include "core/download/hf_cache.h"
#include "core/download/model_files.h"
#include "tests/common/local_http_server.h"
#include "tests/common/python.h"
#include "tests/common/test_helpers.h"

using namespace corrlens;
using namespace corrlens::download;
using corrlens::test::ErrorOf;
using corrlens::test::LocalHttpServer;
using corrlens::test::ServerContent;

namespace {

const char kCommit[] = "0123456789abcdef0123456789abcdef01234567";

// Resolves <repo>/<file> through refs/main -> snapshots/<commit>/<file> ->
// ../../blobs/<sha256>, as huggingface_hub's try_to_load_from_cache does.
const char kResolveSnippet[] = R"(
import hashlib, os, sys
hub, repo, name = sys.argv[1:4]
folder = os.path.join(hub, "models--" + repo.replace("/", "--"))
commit = open(os.path.join(folder, "refs", "main")).read()
path = os.path.join(folder, "snapshots", commit, name)
assert os.path.islink(path), path
real = os.path.realpath(path)
assert os.path.dirname(real) == os.path.realpath(os.path.join(folder, "blobs")), real
data = open(path, "rb").read()
assert os.path.basename(real) == hashlib.sha256(data).hexdigest()
print(commit, len(data))
)";

// Writes a file into the layout the way huggingface_hub does.
const char kWriteSnippet[] = R"(
import hashlib, os, sys
hub, repo, name, commit = sys.argv[1:5]
data = b"weights written by python"
folder = os.path.join(hub, "models--" + repo.replace("/", "--"))
sha = hashlib.sha256(data).hexdigest()
os.makedirs(os.path.join(folder, "blobs"), exist_ok=True)
os.makedirs(os.path.join(folder, "snapshots", commit), exist_ok=True)
os.makedirs(os.path.join(folder, "refs"), exist_ok=True)
open(os.path.join(folder, "blobs", sha), "wb").write(data)
os.symlink(os.path.join("..", "..", "blobs", sha), os.path.join(folder, "snapshots", commit, name))
open(os.path.join(folder, "refs", "main"), "w").write(commit)
)";

}  // namespace

class ModelFilesTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { QVERIFY2(server_.Ok(), "the loopback server did not start"); }

  void init() {
    dir_ = std::make_unique<QTemporaryDir>();
    options_ = ModelFilesOptions();
    options_.discovery.torch_hub_dir = Path("torch/hub/checkpoints");
    options_.discovery.hf_hub_dir = Path("hf/hub");
    options_.network.hf_endpoint = server_.UrlStd();
    options_.network.dinov2_base_url = server_.UrlStd("/dinov2");
    options_.network.first_backoff_s = 0.01;
    options_.records_dir = Path("records");
  }

  void fetchesIntoBothCachesInTheirLayouts() {
    const model::CatalogEntry& entry = *model::FindCatalogEntry("dinov2_vits14+3dcorr");
    ModelFilesStatus before = InspectModelFiles(entry, options_);
    QCOMPARE(before.state, ModelState::kDownloadable);
    QCOMPARE(int(before.files.size()), 2);
    QVERIFY(QString::fromStdString(before.files[0].url).endsWith("/dinov2/dinov2_vits14/dinov2_vits14_pretrain.pth"));
    QVERIFY(
        QString::fromStdString(before.files[1].url).endsWith("/qq456cvb/3DCorrEnhance/resolve/main/dinov2_small.ckpt"));
    Progress progress;
    const auto downloader = Downloader::Create(options_.network);
    const std::vector<DownloadResult> results = FetchModelFiles(entry, options_, *downloader, progress, {});
    QCOMPARE(int(results.size()), 2);
    QVERIFY(results[1].verified);  // the LFS ETag is the SHA-256

    const QString pth = QString::fromStdString(Path("torch/hub/checkpoints/dinov2_vits14_pretrain.pth"));
    QCOMPARE(QFileInfo(pth).size(), 300000);
    const test::PythonResult py = test::RunPython3(
        {"-c", kResolveSnippet, QString::fromStdString(Path("hf/hub")), "qq456cvb/3DCorrEnhance", "dinov2_small.ckpt"});
    QVERIFY2(py.ok, qPrintable(py.err));
    QCOMPARE(py.out.trimmed(), QString("%1 300000").arg(kCommit));
    const QString link =
        QString::fromStdString(HfSnapshotPath(Path("hf/hub"), "qq456cvb/3DCorrEnhance", kCommit, "dinov2_small.ckpt"));
    const QString sha = QString::fromLatin1(
        QCryptographicHash::hash(ServerContent("dinov2_small.ckpt", 300000), QCryptographicHash::Sha256).toHex());
    QCOMPARE(QFile::symLinkTarget(link),
             QFileInfo(QString::fromStdString(Path("hf/hub/models--qq456cvb--3DCorrEnhance/blobs/")) + sha)
                 .absoluteFilePath());
    QCOMPARE(QFileInfo(QString::fromStdString(Path("hf/hub/models--qq456cvb--3DCorrEnhance/refs/main"))).size(), 40);

    const model::ResolvedModel resolved = model::ResolveModel(entry, options_.discovery);  // the catalog finds both
    QVERIFY(resolved.Complete());
    QCOMPARE(QString::fromStdString(resolved.adapter.location), QString("huggingface cache"));
    const ModelFilesStatus after = InspectModelFiles(entry, options_);
    QCOMPARE(after.state, ModelState::kAvailable);
    QCOMPARE(after.disk_bytes, uint64_t{600000});
    QVERIFY(QFile::exists(QString::fromStdString(Path("records/hf--qq456cvb-3DCorrEnhance--dinov2_small.ckpt.json"))));
    QVERIFY(FetchModelFiles(entry, options_, *downloader, progress, {}).empty());  // nothing left to fetch
  }

  void findsFilesPythonWrote() {
    const test::PythonResult py = test::RunPython3({"-c", kWriteSnippet, QString::fromStdString(Path("hf/hub")),
                                                    "qq456cvb/3DCorrEnhance", "dinov2_base.ckpt", kCommit});
    QVERIFY2(py.ok, qPrintable(py.err));
    ModelFilesOptions options = options_;
    options.adapter_only = true;
    const ModelFilesStatus s = InspectModelFiles(*model::FindCatalogEntry("dinov2_vitb14+3dcorr"), options);
    QCOMPARE(s.state, ModelState::kAvailable);
    QVERIFY(
        QString::fromStdString(s.files[0].found_path).contains(QString("snapshots/%1/dinov2_base.ckpt").arg(kCommit)));
  }

  // huggingface_hub's lock (<hub>/.locks/models--org--name/<etag>.lock, held
  // by Python here) makes the download wait until it is released.
  void waitsForTheLockPythonHolds() {
    const QString sha = QString::fromLatin1(
        QCryptographicHash::hash(ServerContent("dinov2_large.ckpt", 300000), QCryptographicHash::Sha256).toHex());
    const QString lock = QString::fromStdString(Path("hf/hub/.locks/models--qq456cvb--3DCorrEnhance/")) + sha + ".lock";
    QDir().mkpath(QFileInfo(lock).path());
    QProcess holder;
    holder.start("/usr/bin/python3", {"-c",
                                      "import fcntl, os, sys, time\n"
                                      "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)\n"
                                      "fcntl.flock(fd, fcntl.LOCK_EX)\n"
                                      "print('locked', flush=True)\n"
                                      "time.sleep(1.5)\n",
                                      lock});
    QVERIFY(holder.waitForReadyRead(20000));
    ModelFilesOptions options = options_;
    options.adapter_only = true;
    QElapsedTimer timer;
    timer.start();
    Progress progress;
    FetchModelFiles(*model::FindCatalogEntry("dinov2_vitl14+3dcorr"), options, *Downloader::Create(options.network),
                    progress, {});
    QVERIFY2(timer.elapsed() > 700, qPrintable(QString::number(timer.elapsed())));  // it waited
    QCOMPARE(InspectModelFiles(*model::FindCatalogEntry("dinov2_vitl14+3dcorr"), options).state,
             ModelState::kAvailable);
    holder.waitForFinished(10000);
  }

  void partialDownloadsShowAsPartial() {
    const std::string partial = Path("torch/hub/checkpoints/dinov2_vitb14_pretrain.pth.incomplete");
    QDir().mkpath(QString::fromStdString(Path("torch/hub/checkpoints")));
    QFile file(QString::fromStdString(partial));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray(1234, 'x'));
    file.close();
    const ModelFilesStatus s = InspectModelFiles(*model::FindCatalogEntry("dinov2_vitb14"), options_);
    QCOMPARE(s.state, ModelState::kPartial);
    QCOMPARE(s.files[0].partial_bytes, uint64_t{1234});
    QCOMPARE(QString(StateName(s.state)), QString("partial"));
  }

  void wrongPublishedHashPlacesNothing() {
    model::CatalogEntry entry = *model::FindCatalogEntry("dinov2_vits14+3dcorr");
    entry.adapter.front().repo = "bad/repo";  // the server publishes a wrong SHA-256 for this repo
    ModelFilesOptions options = options_;
    options.adapter_only = true;
    Progress progress;
    const std::string e =
        ErrorOf([&] { FetchModelFiles(entry, options, *Downloader::Create(options.network), progress, {}); });
    QVERIFY2(e.find("SHA-256 mismatch") != std::string::npos, e.c_str());
    const QDir blobs(QString::fromStdString(Path("hf/hub/models--bad--repo/blobs")));
    QVERIFY(blobs.entryList(QDir::Files).isEmpty());  // neither the blob nor its .incomplete
    QVERIFY(!QDir(QString::fromStdString(Path("hf/hub/models--bad--repo/snapshots"))).exists());
  }

  void offlineModeRefusesWithoutARequest() {
    ModelFilesOptions options = options_;
    options.network.offline = true;
    const int before = server_.Requests().size();
    Progress progress;
    const std::string e = ErrorOf([&] {
      FetchModelFiles(*model::FindCatalogEntry("dinov2_vits14+3dcorr"), options, *Downloader::Create(options.network),
                      progress, {});
    });
    QVERIFY2(e.find("HF_HUB_OFFLINE") != std::string::npos, e.c_str());
    QCOMPARE(server_.Requests().size(), before);
  }

  void removeDeletesOnlyTheEntrysFiles() {
    const model::CatalogEntry& entry = *model::FindCatalogEntry("dinov2_vits14+3dcorr");
    Progress progress;
    FetchModelFiles(entry, options_, *Downloader::Create(options_.network), progress, {});
    // Files that are not this entry's: another adapter in the same repo, another checkpoint.
    const test::PythonResult py = test::RunPython3({"-c", kWriteSnippet, QString::fromStdString(Path("hf/hub")),
                                                    "qq456cvb/3DCorrEnhance", "clip.ckpt", "feedface"});
    QVERIFY2(py.ok, qPrintable(py.err));
    const QString other = QString::fromStdString(Path("torch/hub/checkpoints/other.pth"));
    QFile f(other);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.close();
    const std::vector<std::string> removed = RemoveModelFiles(entry, options_);
    QCOMPARE(int(removed.size()), 5);  // .pth and its record; snapshot link, blob and record of the adapter
    QCOMPARE(InspectModelFiles(entry, options_).state, ModelState::kDownloadable);
    QVERIFY(QFile::exists(other));
    ModelFilesOptions adapter = options_;
    adapter.adapter_only = true;
    QCOMPARE(InspectModelFiles(*model::FindCatalogEntry("clip_vitb16+3dcorr"), adapter).state, ModelState::kAvailable);
    QVERIFY(RemoveModelFiles(entry, options_).empty());
  }

 private:
  std::string Path(const QString& relative) const { return dir_->filePath(relative).toStdString(); }

  LocalHttpServer server_;
  std::unique_ptr<QTemporaryDir> dir_;
  ModelFilesOptions options_;
};

QTEST_GUILESS_MAIN(ModelFilesTest)
#include "model_files_test.moc"
