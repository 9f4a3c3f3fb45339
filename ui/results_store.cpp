#include "ui/results_store.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <atomic>

#include "core/util/error.h"

namespace corrlens::ui {
namespace {

// Schema steps: kMigrations[v] takes a database from user_version v to v + 1.
// A new version appends a step; existing steps never change.
const QVector<QStringList> kMigrations = {
    {
        "CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, started TEXT NOT NULL, finished TEXT, "
        "status TEXT NOT NULL, preset TEXT NOT NULL, tasks TEXT NOT NULL, models TEXT NOT NULL, "
        "versions TEXT NOT NULL, settings TEXT NOT NULL)",
        "CREATE TABLE reports (id INTEGER PRIMARY KEY AUTOINCREMENT, "
        "run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, task TEXT NOT NULL, "
        "protocol TEXT NOT NULL, dataset TEXT NOT NULL, added TEXT NOT NULL, json TEXT NOT NULL)",
        "CREATE INDEX reports_by_run ON reports(run_id)",
        "CREATE TABLE metrics (report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE, "
        "run_id INTEGER NOT NULL, task TEXT NOT NULL, model TEXT NOT NULL, method TEXT NOT NULL, "
        "metric TEXT NOT NULL, value REAL NOT NULL, unit TEXT NOT NULL)",
        "CREATE INDEX metrics_by_run ON metrics(run_id, task, model, metric)",
        "CREATE INDEX metrics_by_name ON metrics(task, metric, model)",
        "CREATE TABLE failures (id INTEGER PRIMARY KEY AUTOINCREMENT, "
        "run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, task TEXT NOT NULL, "
        "model TEXT NOT NULL, message TEXT NOT NULL)",
        "CREATE INDEX failures_by_run ON failures(run_id)",
    },
};

// SQLite binds a null QString as NULL; every text column is NOT NULL.
QString Text(const QString& text) { return text.isNull() ? QStringLiteral("") : text; }
QString Text(const std::string& text) { return Text(QString::fromStdString(text)); }

QString Now() { return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs); }
QDateTime ParseTime(const QVariant& value) {
  return value.isNull() ? QDateTime() : QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
}

// The columns ReadRunInfo reads, in its order.
const char* const kRunColumns =
    "SELECT id, started, finished, status, settings, (SELECT COUNT(*) FROM reports WHERE run_id = runs.id) "
    "FROM runs";

QJsonObject MapToJson(const QMap<QString, QString>& map) {
  QJsonObject json;
  for (auto it = map.begin(); it != map.end(); ++it) json.insert(it.key(), it.value());
  return json;
}

QMap<QString, QString> MapFromJson(const QJsonValue& value) {
  QMap<QString, QString> map;
  const QJsonObject json = value.toObject();
  for (auto it = json.begin(); it != json.end(); ++it) map.insert(it.key(), it.value().toString());
  return map;
}

RunInfo ReadRunInfo(const QSqlQuery& query) {
  RunInfo info;
  info.id = query.value(0).toLongLong();
  info.started = ParseTime(query.value(1));
  info.finished = ParseTime(query.value(2));
  info.status = RunStatusFromName(query.value(3).toString());
  info.settings = RunSettings::FromJson(QJsonDocument::fromJson(query.value(4).toString().toUtf8()).object());
  info.reports = query.value(5).toInt();
  return info;
}

QString CsvField(const QString& text) {
  if (!text.contains(',') && !text.contains('"') && !text.contains('\n')) return text;
  return '"' + QString(text).replace('"', "\"\"") + '"';
}

bool WriteAtomically(const QString& path, const QByteArray& bytes, QString* error) {
  QSaveFile file(path);
  if (file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size() && file.commit()) return true;
  if (error) *error = QStringLiteral("%1: cannot write (%2)").arg(path, file.errorString());
  return false;
}

}  // namespace

QJsonObject RunSettings::ToJson() const {
  return {{"tasks", QJsonArray::fromStringList(tasks)},
          {"models", QJsonArray::fromStringList(models)},
          {"preset", preset},
          {"datasets", MapToJson(datasets)},
          {"protocols", MapToJson(protocols)},
          {"versions", versions}};
}

RunSettings RunSettings::FromJson(const QJsonObject& json) {
  RunSettings s;
  for (const QJsonValue& v : json.value("tasks").toArray()) s.tasks << v.toString();
  for (const QJsonValue& v : json.value("models").toArray()) s.models << v.toString();
  s.preset = json.value("preset").toString(s.preset);
  s.datasets = MapFromJson(json.value("datasets"));
  s.protocols = MapFromJson(json.value("protocols"));
  s.versions = json.value("versions").toString();
  return s;
}

QString RunStatusName(RunStatus status) {
  switch (status) {
    case RunStatus::kRunning: return QStringLiteral("running");
    case RunStatus::kFinished: return QStringLiteral("finished");
    case RunStatus::kCancelled: return QStringLiteral("cancelled");
    case RunStatus::kFailed: return QStringLiteral("failed");
    case RunStatus::kIncomplete: return QStringLiteral("incomplete");
  }
  return QStringLiteral("incomplete");
}

RunStatus RunStatusFromName(const QString& name) {
  for (RunStatus s : {RunStatus::kRunning, RunStatus::kFinished, RunStatus::kCancelled, RunStatus::kFailed})
    if (RunStatusName(s) == name) return s;
  return RunStatus::kIncomplete;
}

ResultsStore::ResultsStore() {
  static std::atomic<int> counter{0};
  connection_ = QStringLiteral("corrlens_results_%1").arg(++counter);
}

ResultsStore::~ResultsStore() { Close(); }

bool ResultsStore::Fail(const QString& what, const QString& reason, QString* error) const {
  if (error)
    *error =
        QStringLiteral("%1: %2: %3").arg(path_.isEmpty() ? QStringLiteral("results database") : path_, what, reason);
  return false;
}

bool ResultsStore::Open(const QString& path, QString* error) {
  Close();
  path_ = path;
  if (!QSqlDatabase::isDriverAvailable("QSQLITE"))
    return Fail("cannot open", "Qt's SQLite driver is missing (install the Debian package libqt6sql6-sqlite)", error);
  QSqlDatabase db = QSqlDatabase::addDatabase("QSQLITE", connection_);
  db.setDatabaseName(path);
  if (!db.open()) {
    const QString reason = db.lastError().text();
    Close();
    return Fail("cannot open", reason, error);
  }
  QSqlQuery pragma(db);
  // WAL keeps every committed transaction through a crash of the program.
  for (const char* sql : {"PRAGMA foreign_keys = ON", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL",
                          "PRAGMA busy_timeout = 5000"}) {
    if (!pragma.exec(sql)) {
      const QString reason = pragma.lastError().text();
      Close();
      return Fail("not a results database", reason, error);
    }
  }
  if (!CreateOrMigrate(error)) {
    Close();
    return false;
  }
  marked_incomplete_ = MarkIncompleteOnOpen();
  return true;
}

bool ResultsStore::CreateOrMigrate(QString* error) {
  QSqlDatabase db = QSqlDatabase::database(connection_, false);
  QSqlQuery query(db);
  if (!query.exec("PRAGMA user_version") || !query.next())
    return Fail("not a results database", query.lastError().text(), error);
  const int version = query.value(0).toInt();
  if (version > kSchemaVersion)
    return Fail("cannot open",
                QStringLiteral("schema version %1 was written by a newer CorrLens (this one reads up to %2)")
                    .arg(version)
                    .arg(kSchemaVersion),
                error);
  for (int v = version; v < kSchemaVersion; ++v) {
    if (!db.transaction()) return Fail("cannot migrate", db.lastError().text(), error);
    for (const QString& sql : kMigrations[v]) {
      if (!query.exec(sql)) {
        const QString reason = query.lastError().text();
        db.rollback();
        return Fail(QStringLiteral("cannot migrate to schema %1").arg(v + 1), reason, error);
      }
    }
    if (!query.exec(QStringLiteral("PRAGMA user_version = %1").arg(v + 1)) || !db.commit()) {
      const QString reason = query.lastError().text() + db.lastError().text();
      db.rollback();
      return Fail(QStringLiteral("cannot migrate to schema %1").arg(v + 1), reason, error);
    }
  }
  return true;
}

int ResultsStore::MarkIncompleteOnOpen() {
  QSqlQuery query(QSqlDatabase::database(connection_, false));
  query.prepare("UPDATE runs SET status = :incomplete WHERE status = :running");
  query.bindValue(":incomplete", RunStatusName(RunStatus::kIncomplete));
  query.bindValue(":running", RunStatusName(RunStatus::kRunning));
  return query.exec() ? query.numRowsAffected() : 0;
}

void ResultsStore::Close() {
  if (!QSqlDatabase::contains(connection_)) return;
  {
    QSqlDatabase db = QSqlDatabase::database(connection_, false);
    db.close();
  }
  QSqlDatabase::removeDatabase(connection_);
}

bool ResultsStore::IsOpen() const {
  return QSqlDatabase::contains(connection_) && QSqlDatabase::database(connection_, false).isOpen();
}

qint64 ResultsStore::BeginRun(const RunSettings& settings, QString* error) {
  if (!IsOpen()) return Fail("cannot start a run", "the database is not open", error), -1;
  QSqlQuery query(QSqlDatabase::database(connection_, false));
  query.prepare(
      "INSERT INTO runs (started, status, preset, tasks, models, versions, settings) "
      "VALUES (:started, :status, :preset, :tasks, :models, :versions, :settings)");
  query.bindValue(":started", Now());
  query.bindValue(":status", RunStatusName(RunStatus::kRunning));
  query.bindValue(":preset", Text(settings.preset));
  query.bindValue(":tasks", Text(settings.tasks.join(',')));
  query.bindValue(":models", Text(settings.models.join(',')));
  query.bindValue(":versions", Text(settings.versions));
  query.bindValue(":settings", QString::fromUtf8(QJsonDocument(settings.ToJson()).toJson(QJsonDocument::Compact)));
  if (!query.exec()) return Fail("cannot start a run", query.lastError().text(), error), -1;
  return query.lastInsertId().toLongLong();
}

bool ResultsStore::AddReport(qint64 run_id, const bench::Report& report, QString* error) {
  if (!IsOpen()) return Fail("cannot store a report", "the database is not open", error);
  QSqlDatabase db = QSqlDatabase::database(connection_, false);
  if (!db.transaction()) return Fail("cannot store a report", db.lastError().text(), error);
  QSqlQuery query(db);
  query.prepare(
      "INSERT INTO reports (run_id, task, protocol, dataset, added, json) "
      "VALUES (:run, :task, :protocol, :dataset, :added, :json)");
  query.bindValue(":run", run_id);
  query.bindValue(":task", Text(report.task));
  query.bindValue(":protocol", Text(report.protocol));
  query.bindValue(":dataset", Text(report.dataset));
  query.bindValue(":added", Now());
  query.bindValue(":json", Text(report.ToJson(-1)));
  bool ok = query.exec();
  const qint64 report_id = query.lastInsertId().toLongLong();
  QSqlQuery metric(db);
  metric.prepare(
      "INSERT INTO metrics (report_id, run_id, task, model, method, metric, value, unit) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  for (size_t r = 0; ok && r < report.rows.size(); ++r) {
    const bench::ReportRow& row = report.rows[r];
    for (const bench::Metric& m : row.metrics.values) {
      for (const QVariant& v : {QVariant(report_id), QVariant(run_id), QVariant(Text(report.task)),
                                QVariant(Text(row.model)), QVariant(Text(row.method)), QVariant(Text(m.name)),
                                QVariant(m.value), QVariant(Text(QString::fromLatin1(bench::UnitName(m.unit))))})
        metric.addBindValue(v);
      if (!(ok = metric.exec())) break;
    }
  }
  if (ok && db.commit()) return true;
  const QString reason = !query.lastError().text().trimmed().isEmpty()    ? query.lastError().text()
                         : !metric.lastError().text().trimmed().isEmpty() ? metric.lastError().text()
                                                                          : db.lastError().text();
  db.rollback();
  return Fail("cannot store the " + QString::fromStdString(report.task) + " report", reason, error);
}

bool ResultsStore::AddFailure(qint64 run_id, const TaskFailure& failure, QString* error) {
  if (!IsOpen()) return Fail("cannot store a failure", "the database is not open", error);
  QSqlQuery query(QSqlDatabase::database(connection_, false));
  query.prepare("INSERT INTO failures (run_id, task, model, message) VALUES (?, ?, ?, ?)");
  query.addBindValue(run_id);
  query.addBindValue(Text(failure.task));
  query.addBindValue(Text(failure.model));
  query.addBindValue(Text(failure.message));
  return query.exec() || Fail("cannot store a failure", query.lastError().text(), error);
}

bool ResultsStore::FinishRun(qint64 run_id, RunStatus status, QString* error) {
  if (!IsOpen()) return Fail("cannot finish a run", "the database is not open", error);
  QSqlQuery query(QSqlDatabase::database(connection_, false));
  query.prepare("UPDATE runs SET status = ?, finished = ? WHERE id = ?");
  query.addBindValue(RunStatusName(status));
  query.addBindValue(Now());
  query.addBindValue(run_id);
  if (!query.exec()) return Fail("cannot finish a run", query.lastError().text(), error);
  if (query.numRowsAffected() != 1) return Fail("cannot finish a run", QStringLiteral("no run %1").arg(run_id), error);
  return true;
}

bool ResultsStore::DeleteRun(qint64 run_id, QString* error) {
  if (!IsOpen()) return Fail("cannot delete a run", "the database is not open", error);
  QSqlQuery query(QSqlDatabase::database(connection_, false));
  query.prepare("DELETE FROM runs WHERE id = ?");
  query.addBindValue(run_id);
  return query.exec() || Fail("cannot delete a run", query.lastError().text(), error);
}

QVector<RunInfo> ResultsStore::ListRuns() const {
  QVector<RunInfo> runs;
  if (!IsOpen()) return runs;
  QSqlQuery query(QSqlDatabase::database(connection_, false));
  query.exec(QString::fromLatin1(kRunColumns) + " ORDER BY id DESC");
  while (query.next()) runs.push_back(ReadRunInfo(query));
  return runs;
}

std::optional<StoredRun> ResultsStore::LoadRun(qint64 run_id, QString* error) const {
  if (!IsOpen()) return Fail("cannot load a run", "the database is not open", error), std::nullopt;
  StoredRun run;
  QSqlQuery query(QSqlDatabase::database(connection_, false));
  query.prepare(QString::fromLatin1(kRunColumns) + " WHERE id = ?");
  query.addBindValue(run_id);
  if (!query.exec() || !query.next())
    return Fail("cannot load a run", QStringLiteral("no run %1").arg(run_id), error), std::nullopt;
  run.info = ReadRunInfo(query);
  query.prepare("SELECT id, json FROM reports WHERE run_id = ? ORDER BY id");
  query.addBindValue(run_id);
  query.exec();
  while (query.next()) {
    try {
      run.reports.push_back(bench::Report::FromJson(query.value(1).toString().toStdString(),
                                                    "report " + query.value(0).toString().toStdString()));
    } catch (const Error& e) {
      return Fail(QStringLiteral("cannot load run %1").arg(run_id), QString::fromStdString(e.what()), error),
             std::nullopt;
    }
  }
  query.prepare("SELECT task, model, message FROM failures WHERE run_id = ? ORDER BY id");
  query.addBindValue(run_id);
  query.exec();
  while (query.next())
    run.failures.push_back({query.value(0).toString(), query.value(1).toString(), query.value(2).toString()});
  return run;
}

bool ResultsStore::ExportRunJson(qint64 run_id, const QString& path, QString* error) const {
  const std::optional<StoredRun> run = LoadRun(run_id, error);
  if (!run) return false;
  QJsonObject info{
      {"id", run->info.id},
      {"started", run->info.started.toString(Qt::ISODateWithMs)},
      {"finished", run->info.finished.isNull() ? QJsonValue() : run->info.finished.toString(Qt::ISODateWithMs)},
      {"status", RunStatusName(run->info.status)},
      {"settings", run->info.settings.ToJson()}};
  QJsonArray reports, failures;
  for (const bench::Report& r : run->reports)
    reports.append(QJsonDocument::fromJson(QByteArray::fromStdString(r.ToJson(-1))).object());
  for (const TaskFailure& f : run->failures)
    failures.append(QJsonObject{{"task", f.task}, {"model", f.model}, {"message", f.message}});
  const QJsonObject json{{"run", info}, {"reports", reports}, {"failures", failures}};
  return WriteAtomically(path, QJsonDocument(json).toJson(QJsonDocument::Indented), error);
}

bool ResultsStore::ExportRunCsv(qint64 run_id, const QString& path, QString* error) const {
  const std::optional<StoredRun> run = LoadRun(run_id, error);
  if (!run) return false;
  QString csv = QStringLiteral("run,task,model,method,item,metric,value,unit\n");
  auto line = [&](const bench::Report& r, const bench::ReportRow& row, const std::string& item,
                  const bench::Metric& m) {
    const QStringList fields = {QString::number(run_id),           QString::fromStdString(r.task),
                                QString::fromStdString(row.model), QString::fromStdString(row.method),
                                QString::fromStdString(item),      QString::fromStdString(m.name),
                                QString::number(m.value, 'g', 10), QString::fromLatin1(bench::UnitName(m.unit))};
    QStringList quoted;
    for (const QString& f : fields) quoted << CsvField(f);
    csv += quoted.join(',') + '\n';
  };
  for (const bench::Report& r : run->reports) {
    for (const bench::ReportRow& row : r.rows) {
      for (const bench::Metric& m : row.metrics.values) line(r, row, "", m);
      for (const bench::ReportItem& item : row.items)
        for (const bench::Metric& m : item.metrics.values) line(r, row, item.id, m);
    }
  }
  return WriteAtomically(path, csv.toUtf8(), error);
}

}  // namespace corrlens::ui
