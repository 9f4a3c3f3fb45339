// A restartable background worker for interactive recomputation (hover,
// clicks): only the latest request runs; a newer one cancels the running
// request and replaces any pending one.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "core/util/progress.h"

namespace corrlens::ui {

class LatestWorker {
 public:
  using Task = std::function<void(const CancelToken& cancel)>;

  LatestWorker();
  ~LatestWorker();  // cancels and joins

  // Queues `task`, replacing a pending one and cancelling the running one.
  void Submit(Task task);
  // Drops the pending task and cancels the running one.
  void Cancel();
  // Blocks until nothing is pending or running (tests).
  void WaitIdle();

 private:
  void Loop();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  Task pending_;
  std::shared_ptr<CancelToken> running_cancel_;
  bool busy_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace corrlens::ui
