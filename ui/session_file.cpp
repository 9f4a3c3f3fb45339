#include "ui/session_file.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>

#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/fs_cleanup.h"

namespace corrlens::ui {
namespace {

const char* kFormat = "corrlens-session";
constexpr qint64 kMaxFileBytes = 16 << 20;

void SetError(QString* error, const QString& message) {
  if (error) *error = message;
}

// Version 1: one flat pair session.
SessionContents FromVersion1(const QJsonObject& json) {
  SessionContents contents;
  for (const char* key : {"models", "view"}) {
    if (json.contains(key)) contents.shared.insert(key, json.value(key));
  }
  QJsonObject pair;
  for (const char* key : {"source", "target", "points", "active_point"}) {
    if (json.contains(key)) pair.insert(key, json.value(key));
  }
  contents.workspaces.insert(QStringLiteral("pair"), pair);
  return contents;
}

bool FromVersion2(const QJsonObject& json, SessionContents* contents, QString* error) {
  const QJsonValue workspaces = json.value("workspaces");
  if (!workspaces.isUndefined() && !workspaces.isObject()) {
    SetError(error, QStringLiteral("\"workspaces\" is not an object"));
    return false;
  }
  SessionContents out;
  const QJsonObject sections = workspaces.toObject();
  for (auto it = sections.begin(); it != sections.end(); ++it) {
    if (!it.value().isObject()) {
      SetError(error, QStringLiteral("workspace \"%1\" is not an object").arg(it.key()));
      return false;
    }
    out.workspaces.insert(it.key(), it.value().toObject());
  }
  out.shared = json;
  for (const char* key : {"format", "version", "workspaces"}) out.shared.remove(key);
  *contents = out;
  return true;
}

}  // namespace

QJsonObject SessionToJson(const SessionContents& contents) {
  QJsonObject json = contents.shared;
  json.insert("format", kFormat);
  json.insert("version", kSessionVersion);
  QJsonObject workspaces;
  for (auto it = contents.workspaces.begin(); it != contents.workspaces.end(); ++it)
    workspaces.insert(it.key(), it.value());
  json.insert("workspaces", workspaces);
  return json;
}

bool SessionFromJson(const QJsonObject& json, SessionContents* contents, QString* error) {
  if (json.value("corrlens_session").toInt(0) == 1 && !json.contains("format")) {
    *contents = FromVersion1(json);
    return true;
  }
  if (json.value("format").toString() != kFormat) {
    SetError(error, QStringLiteral("not a CorrLens session (no \"format\": \"%1\")").arg(kFormat));
    return false;
  }
  const int version = json.value("version").toInt(0);
  if (version < 2 || version > kSessionVersion) {
    SetError(error,
             version > kSessionVersion
                 ? QStringLiteral("session version %1 is newer than this CorrLens reads (%2)")
                       .arg(version)
                       .arg(kSessionVersion)
                 : QStringLiteral("unknown session version \"%1\"").arg(json.value("version").toVariant().toString()));
    return false;
  }
  return FromVersion2(json, contents, error);
}

bool WriteSessionFile(const QString& path, const SessionContents& contents, QString* error) {
  const QByteArray data = QJsonDocument(SessionToJson(contents)).toJson();
  const std::string file = path.toStdString();
  if (!QFileInfo(path).absoluteDir().exists()) {  // a session never creates folders
    SetError(error, QStringLiteral("%1: cannot write (the folder does not exist)").arg(path));
    return false;
  }
  fs::RemoveStaleTemporaries(file);  // left by a save that was killed
  try {
    fs::WriteFileAtomic(file, data.constData(), static_cast<size_t>(data.size()));  // never half-written
  } catch (const std::exception& e) {
    SetError(error, QStringLiteral("%1: cannot write (%2)").arg(path, QString::fromStdString(e.what())));
    return false;
  }
  return true;
}

bool ReadSessionFile(const QString& path, SessionContents* contents, QString* error) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    SetError(error, QStringLiteral("%1: cannot open (%2)").arg(path, file.errorString()));
    return false;
  }
  if (file.size() > kMaxFileBytes) {
    SetError(error, QStringLiteral("%1: not a session file (%2 bytes)").arg(path).arg(file.size()));
    return false;
  }
  QJsonParseError parse;
  const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parse);
  if (!doc.isObject()) {
    SetError(error, QStringLiteral("%1: not a session file (%2 at byte %3)")
                        .arg(path, parse.error == QJsonParseError::NoError ? QStringLiteral("not an object")
                                                                           : parse.errorString())
                        .arg(parse.offset));
    return false;
  }
  QString reason;
  if (!SessionFromJson(doc.object(), contents, &reason)) {
    SetError(error, QStringLiteral("%1: %2").arg(path, reason));
    return false;
  }
  return true;
}

}  // namespace corrlens::ui
