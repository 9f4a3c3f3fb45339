#include "core/util/progress.h"

#include <algorithm>

#include "core/util/error.h"

namespace corrlens {

void CancelToken::ThrowIfCancelled() const {
  if (IsCancelled()) throw Cancelled();
}

Progress::Progress(Listener listener) : shared_(std::make_shared<Shared>()) { shared_->listener = std::move(listener); }

void Progress::Report(double fraction, const std::string& message) {
  auto& shared = shared_;
  fraction = begin_ + std::clamp(fraction, 0.0, 1.0) * (end_ - begin_);
  Listener listener;
  double value;
  std::string text;
  {
    std::lock_guard<std::mutex> lock(shared->mutex);
    shared->fraction = std::max(shared->fraction, fraction);
    if (!message.empty()) shared->message = message;
    value = shared->fraction;
    text = shared->message;
    listener = shared->listener;
  }
  if (listener) listener(value, text);
}

void Progress::Step(size_t done, size_t total, const std::string& message) {
  Report(total == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total), message);
}

double Progress::Fraction() const {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  return shared_->fraction;
}

std::string Progress::Message() const {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  return shared_->message;
}

Progress Progress::Sub(double begin, double end) {
  auto& shared = shared_;
  double span = end_ - begin_;
  return Progress(shared, begin_ + std::clamp(begin, 0.0, 1.0) * span, begin_ + std::clamp(end, 0.0, 1.0) * span);
}

}  // namespace corrlens
