// The only bridge from core jobs to Qt: runs work on a thread pool, forwards
// progress through queued signals, cancels, and waits in its destructor.
#pragma once

#include <QObject>
#include <QString>
#include <QThreadPool>

#include <functional>
#include <map>
#include <memory>

#include "core/util/progress.h"

namespace corrlens::ui {

class JobRunner : public QObject {
  Q_OBJECT
 public:
  using JobId = quint64;
  // Work runs on a pool thread; it must not touch widgets.
  using Work = std::function<void(Progress& progress, const CancelToken& cancel)>;
  // Runs on the GUI thread after the work returned normally.
  using Done = std::function<void()>;

  explicit JobRunner(QObject* parent = nullptr, int max_threads = 1);
  ~JobRunner() override;  // cancels every job and waits for them

  // Starts `work`; `done` runs on the GUI thread when it succeeds.
  JobId Run(const QString& title, Work work, Done done = {});
  void Cancel(JobId id);
  void CancelAll();
  // Blocks until every job has finished (tests and shutdown only).
  void WaitForAll();
  int ActiveJobs() const { return static_cast<int>(jobs_.size()); }

 signals:
  void jobStarted(quint64 id, const QString& title);
  void jobProgress(quint64 id, double fraction, const QString& message);
  void jobFinished(quint64 id);
  void jobFailed(quint64 id, const QString& title, const QString& error);
  void jobCancelled(quint64 id);
  void idle();

 private:
  struct Job {
    QString title;
    std::shared_ptr<CancelToken> cancel;
  };
  void Finish(JobId id, const QString& error, bool cancelled, const Done& done);

  QThreadPool pool_;
  std::map<JobId, Job> jobs_;
  JobId next_id_ = 1;
};

}  // namespace corrlens::ui
