// Progress reporting and cooperative cancellation for long-running jobs.
// Both are thread-safe: a worker reports, the GUI or CLI observes.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace corrlens {

// Set from any thread; checked by workers between units of work.
class CancelToken {
 public:
  void Cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  void Reset() { cancelled_.store(false, std::memory_order_relaxed); }
  bool IsCancelled() const { return cancelled_.load(std::memory_order_relaxed); }
  // Throws corrlens::Cancelled when cancellation was requested.
  void ThrowIfCancelled() const;

 private:
  std::atomic<bool> cancelled_{false};
};

// A monotonic fraction in [0, 1] plus a message. Reports that would move the
// fraction backwards keep the previous fraction. A listener sees every change.
class Progress {
 public:
  using Listener = std::function<void(double fraction, const std::string& message)>;

  // Copies share state: a copy reports into the same fraction and listener.
  Progress() : Progress(Listener{}) {}
  explicit Progress(Listener listener);

  // Reports `fraction` (clamped to [0,1], never decreasing) and a message.
  void Report(double fraction, const std::string& message = {});
  // Reports step `done` of `total` inside the sub-range set by Scope.
  void Step(size_t done, size_t total, const std::string& message = {});
  double Fraction() const;
  std::string Message() const;

  // Maps the sub-range [begin, end] of this progress to [0, 1] for a nested
  // task; Report/Step on the returned object write through to this one.
  Progress Sub(double begin, double end);

 private:
  struct Shared {
    std::mutex mutex;
    double fraction = 0.0;
    std::string message;
    Listener listener;
  };
  Progress(std::shared_ptr<Shared> shared, double begin, double end)
      : shared_(std::move(shared)), begin_(begin), end_(end) {}

  std::shared_ptr<Shared> shared_;
  double begin_ = 0.0;
  double end_ = 1.0;
};

}  // namespace corrlens
