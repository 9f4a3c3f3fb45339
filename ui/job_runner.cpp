#include "ui/job_runner.h"

#include <QMetaObject>
#include <QPointer>
#include <QRunnable>

#include "core/util/error.h"

namespace corrlens::ui {

JobRunner::JobRunner(QObject* parent, int max_threads) : QObject(parent) { pool_.setMaxThreadCount(max_threads); }

JobRunner::~JobRunner() {
  CancelAll();
  pool_.waitForDone();
}

JobRunner::JobId JobRunner::Run(const QString& title, Work work, Done done) {
  const JobId id = next_id_++;
  auto cancel = std::make_shared<CancelToken>();
  jobs_[id] = Job{title, cancel};
  emit jobStarted(id, title);
  QPointer<JobRunner> self(this);
  pool_.start([self, id, cancel, work = std::move(work), done = std::move(done)]() {
    Progress progress([self, id](double fraction, const std::string& message) {
      if (!self) return;
      QMetaObject::invokeMethod(
          self.data(),
          [self, id, fraction, text = QString::fromStdString(message)] {
            if (self && self->jobs_.count(id)) emit self->jobProgress(id, fraction, text);
          },
          Qt::QueuedConnection);
    });
    QString error;
    bool cancelled = false;
    try {
      cancel->ThrowIfCancelled();
      work(progress, *cancel);
      cancelled = cancel->IsCancelled();
    } catch (const Cancelled&) {
      cancelled = true;
    } catch (const std::exception& e) {
      error = QString::fromStdString(e.what());
    } catch (...) {
      error = QStringLiteral("unknown error");
    }
    if (!self) return;
    QMetaObject::invokeMethod(
        self.data(),
        [self, id, error, cancelled, done] {
          if (self) self->Finish(id, error, cancelled, done);
        },
        Qt::QueuedConnection);
  });
  return id;
}

void JobRunner::Finish(JobId id, const QString& error, bool cancelled, const Done& done) {
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return;
  const QString title = it->second.title;
  jobs_.erase(it);
  if (cancelled) {
    emit jobCancelled(id);
  } else if (!error.isEmpty()) {
    emit jobFailed(id, title, error);
  } else {
    if (done) done();
    emit jobFinished(id);
  }
  if (jobs_.empty()) emit idle();
}

void JobRunner::Cancel(JobId id) {
  auto it = jobs_.find(id);
  if (it != jobs_.end()) it->second.cancel->Cancel();
}

void JobRunner::CancelAll() {
  for (auto& [id, job] : jobs_) job.cancel->Cancel();
}

void JobRunner::WaitForAll() { pool_.waitForDone(); }

}  // namespace corrlens::ui
