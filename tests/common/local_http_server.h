// Starts tests/download/http_server.py (/usr/bin/python3) on 127.0.0.1 with a
// free port for the download tests; stops it on destruction. Header-only.
#pragma once

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>
#include <QVector>
#include "tests/common/test_paths.h"

namespace corrlens::test {

class LocalHttpServer {
 public:
  LocalHttpServer() {
    log_ = dir_.filePath("requests.jsonl");
    process_.start(QStringLiteral("/usr/bin/python3"),
                   {corrlens::test::SourcePath("/tests/download/http_server.py"), "--log", log_});
    if (process_.waitForReadyRead(20000)) port_ = QString::fromUtf8(process_.readLine()).trimmed().toInt();
  }
  ~LocalHttpServer() {
    process_.kill();
    process_.waitForFinished(5000);
  }
  bool Ok() const { return port_ > 0; }
  int Port() const { return port_; }
  // "http://127.0.0.1:<port>" + path.
  QString Url(const QString& path = {}) const { return QStringLiteral("http://127.0.0.1:%1").arg(port_) + path; }
  std::string UrlStd(const QString& path = {}) const { return Url(path).toStdString(); }
  // Every request so far: method, path, proxied, range, auth.
  QVector<QJsonObject> Requests() const {
    QVector<QJsonObject> out;
    QFile file(log_);
    if (!file.open(QIODevice::ReadOnly)) return out;
    for (const QByteArray& line : file.readAll().split('\n'))
      if (!line.trimmed().isEmpty()) out.push_back(QJsonDocument::fromJson(line).object());
    return out;
  }

 private:
  QTemporaryDir dir_;
  QString log_;
  QProcess process_;
  int port_ = 0;
};

// The server's deterministic bytes for `name` (same formula as the script).
inline QByteArray ServerContent(const QString& name, int size) {
  int seed = 0;
  for (char c : name.toUtf8()) seed += static_cast<unsigned char>(c);
  seed %= 251;
  QByteArray out(size, '\0');
  for (int i = 0; i < size; ++i) out[i] = static_cast<char>(((i % 251) * 7 + seed) % 251);
  return out;
}

}  // namespace corrlens::test
