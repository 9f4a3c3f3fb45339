// The session file: the neutral part every workspace shares (SessionModel:
// models and view settings) plus one section per workspace, by its Id():
//   {"format": "corrlens-session", "version": 2, "models": [...],
//    "view": {...}, "workspaces": {"pair": {...}, ...}}
// Version 1 files (pair sessions: {"corrlens_session": 1, "source", "target",
// "points", "active_point", "models", "view"}) read as their version 2 form.
#pragma once

#include <QJsonObject>
#include <QMap>
#include <QString>

namespace corrlens::ui {

// The version this build writes; it reads every version up to it.
constexpr int kSessionVersion = 2;

// What a session file holds, in the current layout.
struct SessionContents {
  QJsonObject shared;                     // SessionModel::ToJson()
  QMap<QString, QJsonObject> workspaces;  // Workspace::SaveDocument() by Id()
};

// The current layout of `contents` (keys of `shared` at the top level).
QJsonObject SessionToJson(const SessionContents& contents);
// Reads any supported version; false with `error` (the reason) otherwise.
bool SessionFromJson(const QJsonObject& json, SessionContents* contents, QString* error);

// Writes `contents` atomically (never a half-written file); false with
// `error` ("<file>: <reason>").
bool WriteSessionFile(const QString& path, const SessionContents& contents, QString* error);
// Reads `path`; false with `error` ("<file>: <reason>") when it cannot be
// read, is not JSON or is not a session this version understands.
bool ReadSessionFile(const QString& path, SessionContents* contents, QString* error);

}  // namespace corrlens::ui
