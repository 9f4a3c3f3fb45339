// The latest result of an interactive computation (hover, clicks, toggles),
// delivered on the GUI thread. Submit() runs a computation on a LatestWorker
// (a newer request cancels the running one and replaces a pending one) and
// posts its result to the context object's thread, where it is handed over
// unless it is stale: older than a result already delivered, or requested
// before Discard(). A result newer than the one shown but older than the
// latest request is still delivered, so a moving hover keeps updating.
#pragma once

#include <QMetaObject>
#include <QObject>
#include <QString>

#include <exception>
#include <functional>
#include <memory>
#include <utility>

#include "core/util/error.h"
#include "ui/latest_worker.h"

namespace corrlens::ui {

template <typename T>
class LatestResult {
 public:
  // Runs on the worker thread; may throw Cancelled or any std::exception.
  using Compute = std::function<T(const CancelToken& cancel)>;
  // Run on the context's thread with the request number (Submit's return).
  using Deliver = std::function<void(quint64 generation, const T& result)>;
  using Fail = std::function<void(quint64 generation, const QString& error)>;

  // `context` must outlive this object; Submit and Discard are called on its
  // thread. A computation that throws (other than Cancelled) goes to `fail`.
  LatestResult(QObject* context, Deliver deliver, Fail fail = {})
      : context_(context), state_(std::make_shared<State>()) {
    state_->deliver = std::move(deliver);
    state_->fail = std::move(fail);
  }
  // Cancels and joins the worker; results still queued are dropped.
  ~LatestResult() = default;
  LatestResult(const LatestResult&) = delete;
  LatestResult& operator=(const LatestResult&) = delete;

  // Starts `compute` as the newest request and returns its number (1, 2, ...).
  quint64 Submit(Compute compute) {
    const quint64 generation = ++state_->requested;
    std::weak_ptr<State> weak = state_;
    QObject* context = context_;
    worker_.Submit([compute = std::move(compute), weak, context, generation](const CancelToken& cancel) {
      try {
        T result = compute(cancel);
        if (cancel.IsCancelled()) return;  // superseded while finishing
        Post(context, [weak, generation, result = std::move(result)] {
          std::shared_ptr<State> state = weak.lock();
          if (!state || generation <= state->done) return;  // stale
          state->done = generation;
          if (state->deliver) state->deliver(generation, result);
        });
      } catch (const Cancelled&) {
        // A newer request or Discard() replaced this one.
      } catch (const std::exception& e) {
        Post(context, [weak, generation, error = QString::fromStdString(e.what())] {
          std::shared_ptr<State> state = weak.lock();
          if (!state || generation <= state->done) return;
          state->done = generation;
          if (state->fail) state->fail(generation, error);
        });
      }
    });
    return generation;
  }

  // Cancels the running and pending requests and drops their results.
  void Discard() {
    worker_.Cancel();
    state_->done = state_->requested;
  }

  // Number of the newest request (0 before the first).
  quint64 Generation() const { return state_->requested; }
  // True when the newest request was delivered, failed or discarded.
  bool IsCurrent() const { return state_->done == state_->requested; }
  // Blocks until the worker is idle; results may still be queued (tests).
  void WaitIdle() { worker_.WaitIdle(); }

 private:
  // Shared with queued deliveries, which find it gone after destruction.
  struct State {
    Deliver deliver;
    Fail fail;
    quint64 requested = 0;  // newest Submit
    quint64 done = 0;       // newest request delivered, failed or discarded
  };

  template <typename F>
  static void Post(QObject* context, F&& function) {
    QMetaObject::invokeMethod(context, std::forward<F>(function), Qt::QueuedConnection);
  }

  QObject* context_;
  std::shared_ptr<State> state_;
  LatestWorker worker_;  // last member: cancelled and joined first
};

}  // namespace corrlens::ui
