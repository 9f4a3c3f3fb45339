// Per-model state of a workspace's feature jobs, as its rows and the models
// panel show it: "computing features...", "computing 40%", "ready",
// "cancelled" or an error. Follows the JobRunner's signals for the jobs it
// tracks and reports a model's state only when its text changes.
#pragma once

#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>

#include <map>

namespace corrlens::ui {

class JobRunner;

class ModelStatus : public QObject {
  Q_OBJECT
 public:
  // Where a model's feature job stands.
  enum class Phase { kIdle, kComputing, kPrepared, kFailed, kCancelled };

  explicit ModelStatus(JobRunner* jobs, QObject* parent = nullptr);
  ~ModelStatus() override;  // cancels the jobs it tracks

  // Keeps the phases of `ids` already known and forgets the others. Every
  // text is cleared (new rows show nothing), so the next one is reported.
  void SetModels(const QStringList& ids);
  // `id` is computing its features in `job`; shows "computing features...".
  void Track(const QString& id, quint64 job);
  // Marks `id` idle and cancels its job if one runs (e.g. the images changed).
  void Reset(const QString& id);
  // Shows a result's state ("ready" or an error) without changing the phase.
  void Show(const QString& id, const QString& text, bool is_error = false);

  Phase PhaseOf(const QString& id) const;
  QString Text(const QString& id) const;
  bool IsError(const QString& id) const;
  // True while any tracked job runs.
  bool Busy() const;

 signals:
  // A model's state text changed (on the GUI thread).
  void changed(const QString& id, const QString& text, bool is_error);
  // `id`'s job finished: its features are ready to use.
  void prepared(const QString& id);

 private:
  struct Entry {
    Phase phase = Phase::kIdle;
    quint64 job = 0;
    QString text;
    bool is_error = false;
  };
  // The model whose running job is `job`, or nullptr.
  Entry* FindJob(quint64 job, QString* id);
  void OnJobEnded(quint64 job, Phase phase, const QString& text, bool is_error);

  QPointer<JobRunner> jobs_;  // may go first when a window closes
  std::map<QString, Entry> entries_;
};

}  // namespace corrlens::ui
