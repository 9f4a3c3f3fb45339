#include "ui/latest_worker.h"

namespace corrlens::ui {

LatestWorker::LatestWorker() : thread_([this] { Loop(); }) {}

LatestWorker::~LatestWorker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    pending_ = nullptr;
    if (running_cancel_) running_cancel_->Cancel();
  }
  wake_.notify_all();
  thread_.join();
}

void LatestWorker::Submit(Task task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_ = std::move(task);
    if (running_cancel_) running_cancel_->Cancel();
  }
  wake_.notify_all();
}

void LatestWorker::Cancel() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_ = nullptr;
    if (running_cancel_) running_cancel_->Cancel();
  }
  idle_.notify_all();
}

void LatestWorker::WaitIdle() {
  std::unique_lock<std::mutex> lock(mutex_);
  idle_.wait(lock, [this] { return !pending_ && !busy_; });
}

void LatestWorker::Loop() {
  for (;;) {
    Task task;
    std::shared_ptr<CancelToken> cancel;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stop_ || pending_; });
      if (stop_) return;
      task = std::move(pending_);
      pending_ = nullptr;
      cancel = running_cancel_ = std::make_shared<CancelToken>();
      busy_ = true;
    }
    try {
      task(*cancel);
    } catch (...) {
      // Tasks report their own errors; a cancelled or failed task just ends.
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      running_cancel_.reset();
      busy_ = false;
    }
    idle_.notify_all();
  }
}

}  // namespace corrlens::ui
