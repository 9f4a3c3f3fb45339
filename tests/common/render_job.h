#pragma once
// Core jobs in the render tests: `fn(options, progress, cancel)` run with a
// fresh Progress and CancelToken, and the one-line corrlens::Error it throws
// (empty when it succeeds). Used by the render-set, sequence and OnePose
// export tests.
#include <QString>

#include <utility>

#include "core/util/error.h"
#include "core/util/progress.h"

namespace corrlens::test {

template <typename Fn, typename Options>
auto RunJob(Fn&& fn, const Options& options) {
  corrlens::Progress progress;
  corrlens::CancelToken cancel;
  return std::forward<Fn>(fn)(options, progress, cancel);
}

template <typename Fn, typename Options>
QString JobError(Fn&& fn, const Options& options) {
  try {
    RunJob(std::forward<Fn>(fn), options);
  } catch (const corrlens::Error& e) {
    return QString::fromUtf8(e.what());
  }
  return {};
}

}  // namespace corrlens::test
