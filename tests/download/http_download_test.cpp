// Downloader (core/download/http_download) against a loopback server
// (tests/download/http_server.py): plain files, resume after a dropped
// connection, servers without Range, redirects, HTTP errors, hash mismatch,
// cancel, proxy and offline mode. No other host is ever contacted.
#include <QtTest>

#include <QCryptographicHash>
#include <QTemporaryDir>

#include <thread>

#include "core/download/http_download.h"
#include "core/download/sha256.h"
#include "tests/common/local_http_server.h"
#include "tests/common/test_helpers.h"

using namespace corrlens;
using namespace corrlens::download;
using corrlens::test::ErrorOf;
using corrlens::test::LocalHttpServer;
using corrlens::test::ServerContent;

namespace {

NetworkOptions Fast() {
  NetworkOptions options;  // no proxy, not offline: nothing from the environment
  options.first_backoff_s = 0.01;
  options.max_backoff_s = 0.05;
  options.connect_timeout_s = 5;
  return options;
}

DownloadRequest Req(const std::string& url, const std::string& destination) {
  DownloadRequest request;
  request.url = url;
  request.destination = destination;
  return request;
}

QByteArray ReadAll(const QString& path) {
  QFile file(path);
  return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QString Sha(const QByteArray& data) {
  return QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
}

}  // namespace

class HttpDownloadTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { QVERIFY2(server_.Ok(), "the loopback server did not start"); }
  void init() { QVERIFY(dir_.isValid()); }

  void sha256MatchesKnownVectors() {
    Sha256 hash;
    hash.Update("abc", 3);
    QCOMPARE(QString::fromStdString(hash.HexDigest()),
             QString("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    QVERIFY(IsSha256Hex(std::string(64, 'a')));
    QVERIFY(!IsSha256Hex("abc"));
  }

  void formatsProgress() {
    QCOMPARE(QString::fromStdString(FormatTransfer({12300000, 88000000, 5100000, 14.2})),
             QString("12.3 MB of 88.0 MB, 5.1 MB/s, 14 s left"));
    QCOMPARE(QString::fromStdString(FormatBytes(512)), QString("512 B"));
  }

  void downloadsAPlainFile() {
    const QString dest = dir_.filePath("plain/a.bin");
    DownloadRequest request = Req(server_.UrlStd("/files/a.bin?size=300000"), dest.toStdString());
    int reports = 0;
    request.on_transfer = [&](const TransferStats& s) { reports += s.done <= s.total ? 1 : 0; };
    Progress progress;
    const DownloadResult r = Downloader::Create(Fast())->Fetch(request, progress, CancelToken());
    const QByteArray expected = ServerContent("a.bin", 300000);
    QCOMPARE(ReadAll(dest), expected);
    QCOMPARE(QString::fromStdString(r.sha256), Sha(expected));
    QCOMPARE(r.bytes, uint64_t{300000});
    QVERIFY(!r.verified && !r.resumed);
    QVERIFY(!QFile::exists(dest + ".incomplete"));
    QCOMPARE(progress.Fraction(), 1.0);
    QVERIFY(reports >= 0);
  }

  void resumesAfterTheServerDropsTheConnection() {
    const QString dest = dir_.filePath("drop.bin");
    DownloadRequest request = Req(server_.UrlStd("/drop/drop.bin?size=400000"), dest.toStdString());
    Progress progress;
    const DownloadResult r = Downloader::Create(Fast())->Fetch(request, progress, CancelToken());
    QCOMPARE(ReadAll(dest), ServerContent("drop.bin", 400000));
    QCOMPARE(r.attempts, 2);
    QVERIFY(r.resumed);
    QVERIFY(LastRange("/drop/drop.bin").startsWith("bytes=2"));  // continued from the half it had
  }

  void continuesAnExistingPartialFile() {
    const QString dest = dir_.filePath("part.bin");
    QFile partial(dest + ".incomplete");
    QVERIFY(partial.open(QIODevice::WriteOnly));
    partial.write(ServerContent("part.bin", 300000).left(1000));
    partial.close();
    Progress progress;
    const DownloadResult r = Downloader::Create(Fast())->Fetch(
        Req(server_.UrlStd("/files/part.bin"), dest.toStdString()), progress, CancelToken());
    QVERIFY(r.resumed);
    QCOMPARE(LastRange("/files/part.bin"), QString("bytes=1000-"));
    QCOMPARE(ReadAll(dest), ServerContent("part.bin", 300000));
  }

  void startsOverWhenTheServerIgnoresRange() {
    const QString dest = dir_.filePath("norange.bin");
    QFile partial(dest + ".incomplete");
    QVERIFY(partial.open(QIODevice::WriteOnly));
    partial.write("garbage that is not the file");
    partial.close();
    Progress progress;
    Downloader::Create(Fast())->Fetch(Req(server_.UrlStd("/norange/norange.bin?size=200000"), dest.toStdString()),
                                      progress, CancelToken());
    QCOMPARE(ReadAll(dest), ServerContent("norange.bin", 200000));
  }

  void followsARedirectChainButNotALoop() {
    const QString dest = dir_.filePath("redirected.bin");
    Progress progress;
    const DownloadResult r = Downloader::Create(Fast())->Fetch(
        Req(server_.UrlStd("/redirect/3/files/r.bin?size=5000"), dest.toStdString()), progress, CancelToken());
    QVERIFY(QString::fromStdString(r.final_url).endsWith("/files/r.bin?size=5000"));
    QCOMPARE(ReadAll(dest), ServerContent("r.bin", 5000));
    const std::string loop = ErrorOf([&] {
      Downloader::Create(Fast())->Fetch(Req(server_.UrlStd("/loop/x"), dir_.filePath("loop").toStdString()), progress,
                                        CancelToken());
    });
    QVERIFY2(loop.find("too many redirects") != std::string::npos, loop.c_str());
  }

  void httpErrorsAreOneLine() {
    Progress progress;
    const QString dest = dir_.filePath("missing.bin");
    const std::string e404 = ErrorOf([&] {
      Downloader::Create(Fast())->Fetch(Req(server_.UrlStd("/status/404"), dest.toStdString()), progress,
                                        CancelToken());
    });
    QVERIFY2(e404.find("HTTP 404 Not Found") != std::string::npos, e404.c_str());
    QVERIFY(e404.find('\n') == std::string::npos);
    QVERIFY(!QFile::exists(dest) && !QFile::exists(dest + ".incomplete"));
    const std::string e401 = ErrorOf([&] {
      Downloader::Create(Fast())->Fetch(Req(server_.UrlStd("/auth/x"), dest.toStdString()), progress, CancelToken());
    });
    QVERIFY2(e401.find("HTTP 401") != std::string::npos && e401.find("HF_TOKEN") != std::string::npos, e401.c_str());
    const int before = server_.Requests().size();
    const std::string e503 = ErrorOf([&] {
      NetworkOptions options = Fast();
      options.max_attempts = 3;
      Downloader::Create(options)->Fetch(Req(server_.UrlStd("/status/503"), dest.toStdString()), progress,
                                         CancelToken());
    });
    QVERIFY2(e503.find("HTTP 503 server error (after 3 tries)") != std::string::npos, e503.c_str());
    QCOMPARE(server_.Requests().size() - before, 3);  // bounded retries
  }

  void sendsTheTokenOnlyToTheHubHost() {
    NetworkOptions options = Fast();
    options.hf_token = "secret-token";
    options.hf_endpoint = server_.UrlStd();
    Progress progress;
    const QString dest = dir_.filePath("private.bin");
    Downloader::Create(options)->Fetch(Req(server_.UrlStd("/auth/p.bin?size=100"), dest.toStdString()), progress,
                                       CancelToken());
    QCOMPARE(ReadAll(dest), ServerContent("p.bin", 100));
    options.hf_endpoint = "https://hub.example";  // another host: no token, so 401
    const std::string e = ErrorOf([&] {
      Downloader::Create(options)->Fetch(Req(server_.UrlStd("/auth/q.bin"), dest.toStdString() + "2"), progress,
                                         CancelToken());
    });
    QVERIFY2(e.find("HTTP 401") != std::string::npos, e.c_str());
  }

  void wrongHashPlacesNothing() {
    const QString dest = dir_.filePath("hash.bin");
    DownloadRequest request = Req(server_.UrlStd("/files/hash.bin?size=1000"), dest.toStdString());
    request.expected_sha256 = std::string(64, '0');
    Progress progress;
    const std::string e = ErrorOf([&] { Downloader::Create(Fast())->Fetch(request, progress, CancelToken()); });
    QVERIFY2(e.find("SHA-256 mismatch") != std::string::npos, e.c_str());
    QVERIFY(!QFile::exists(dest));
    QVERIFY(!QFile::exists(dest + ".incomplete"));
    request.expected_sha256 = Sha(ServerContent("hash.bin", 1000)).toStdString();
    QVERIFY(Downloader::Create(Fast())->Fetch(request, progress, CancelToken()).verified);
  }

  void diskFullIsOneLine() {
    if (!QFileInfo("/dev/full").exists()) QSKIP("no /dev/full here");
    DownloadRequest request =
        Req(server_.UrlStd("/files/full.bin?size=300000"), dir_.filePath("full.bin").toStdString());
    request.partial = "/dev/full";  // every write fails with ENOSPC
    Progress progress;
    const std::string e = ErrorOf([&] { Downloader::Create(Fast())->Fetch(request, progress, CancelToken()); });
    QVERIFY2(e.find("disk full") != std::string::npos && e.find('\n') == std::string::npos, e.c_str());
    QVERIFY(!QFile::exists(dir_.filePath("full.bin")));
    QVERIFY(QFileInfo("/dev/full").exists());  // left alone
  }

  void cancelStopsASlowDownloadAndKeepsThePartialFile() {
    const QString dest = dir_.filePath("slow.bin");
    CancelToken cancel;
    std::thread canceller([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(600));
      cancel.Cancel();
    });
    Progress progress;
    QElapsedTimer timer;
    timer.start();
    bool cancelled = false;
    try {
      Downloader::Create(Fast())->Fetch(Req(server_.UrlStd("/slow/slow.bin?size=1000000"), dest.toStdString()),
                                        progress, cancel);
    } catch (const Cancelled&) {
      cancelled = true;
    }
    canceller.join();
    QVERIFY(cancelled);
    QVERIFY(timer.elapsed() < 10000);
    QVERIFY(!QFile::exists(dest));
    QVERIFY(QFileInfo(dest + ".incomplete").size() > 0);  // resumable
  }

  void usesTheProxyUnlessNoProxyMatches() {
    NetworkOptions options = Fast();
    options.http_proxy = server_.UrlStd();  // the stub answers absolute-form requests itself
    Progress progress;
    const QString dest = dir_.filePath("proxied.bin");
    // The host does not exist: only the proxy can answer.
    Downloader::Create(options)->Fetch(Req("http://models.invalid/files/x.bin?size=777", dest.toStdString()), progress,
                                       CancelToken());
    QCOMPARE(ReadAll(dest), ServerContent("x.bin", 777));
    QVERIFY(server_.Requests().back()["proxied"].toBool());
    options.http_proxy = "http://127.0.0.1:9";  // nothing listens there
    options.no_proxy = "127.0.0.1";
    Downloader::Create(options)->Fetch(Req(server_.UrlStd("/files/direct.bin?size=10"), dest.toStdString() + "2"),
                                       progress, CancelToken());
    QVERIFY(!server_.Requests().back()["proxied"].toBool());
  }

  void readsTheEnvironment() {
    qputenv("HTTPS_PROXY", "http://proxy.local:3128");
    qputenv("http_proxy", "http://lower.local:8080");
    qputenv("NO_PROXY", "localhost,127.0.0.1");
    qputenv("HF_ENDPOINT", "http://mirror.local/");
    qputenv("HF_HUB_OFFLINE", "1");
    qputenv("HF_TOKEN", "t");
    const NetworkOptions o = NetworkOptions::FromEnvironment();
    for (const char* name : {"HTTPS_PROXY", "http_proxy", "NO_PROXY", "HF_ENDPOINT", "HF_HUB_OFFLINE", "HF_TOKEN"})
      qunsetenv(name);
    QCOMPARE(QString::fromStdString(o.https_proxy), QString("http://proxy.local:3128"));
    QCOMPARE(QString::fromStdString(o.http_proxy), QString("http://lower.local:8080"));
    QCOMPARE(QString::fromStdString(o.no_proxy), QString("localhost,127.0.0.1"));
    QCOMPARE(QString::fromStdString(o.hf_endpoint), QString("http://mirror.local"));
    QVERIFY(o.offline);
    QCOMPARE(QString::fromStdString(o.hf_token), QString("t"));
  }

  void offlineModeRefusesWithoutNetworkAccess() {
    NetworkOptions options = Fast();
    options.offline = true;
    const int before = server_.Requests().size();
    Progress progress;
    const std::string e = ErrorOf([&] {
      Downloader::Create(options)->Fetch(Req(server_.UrlStd("/files/o.bin"), dir_.filePath("o.bin").toStdString()),
                                         progress, CancelToken());
    });
    QVERIFY2(e.find("offline mode") != std::string::npos && e.find("HF_HUB_OFFLINE") != std::string::npos, e.c_str());
    const std::string head = ErrorOf([&] { Downloader::Create(options)->Head(server_.UrlStd("/files/o"), {}); });
    QVERIFY(head.find("offline mode") != std::string::npos);
    QCOMPARE(server_.Requests().size(), before);
  }

  void headReportsHubHeaders() {
    const RemoteFileInfo info =
        Downloader::Create(Fast())->Head(server_.UrlStd("/org/repo/resolve/main/w.ckpt"), CancelToken());
    QCOMPARE(info.status, 302L);
    QCOMPARE(QString::fromStdString(info.repo_commit), QString("0123456789abcdef0123456789abcdef01234567"));
    QCOMPARE(QString::fromStdString(info.etag), Sha(ServerContent("w.ckpt", 300000)));
    QCOMPARE(info.size, uint64_t{300000});
    QVERIFY(QString::fromStdString(info.location).contains("/cdn/w.ckpt"));
  }

 private:
  // The Range header of the last request whose path starts with `path`.
  QString LastRange(const QString& path) const {
    QString range;
    for (const QJsonObject& r : server_.Requests())
      if (r["path"].toString().startsWith(path)) range = r["range"].toString();
    return range;
  }

  LocalHttpServer server_;
  QTemporaryDir dir_;
};

QTEST_GUILESS_MAIN(HttpDownloadTest)
#include "http_download_test.moc"
