// Feature-map cache: an in-memory LRU bounded by bytes in front of an
// on-disk cache (default $XDG_CACHE_HOME/corrlens/features) bounded by a
// size cap. Keys combine the image content hash, the backend id, its weights
// hash and ExtractOptions::Key(). Thread-safe; concurrent requests for the
// same key compute once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/feature/feature_backend.h"
#include "core/feature/feature_map.h"
#include "core/util/progress.h"

namespace cv {
class Mat;
}

namespace corrlens {

struct FeatureCacheOptions {
  // In-memory budget in tensor bytes; 0 disables the memory level.
  int64_t memory_bytes = int64_t{1} << 30;
  // On-disk cap in bytes (least recently used files go first); 0 disables
  // the disk level.
  int64_t disk_bytes = int64_t{4} << 30;
  // Folder of the disk cache; "" = corrlens::fs::CacheDir() + "/features".
  std::string directory;

  bool Check() const { return memory_bytes >= 0 && disk_bytes >= 0; }
};

// Counters since construction.
struct FeatureCacheStats {
  int64_t memory_hits = 0;
  int64_t disk_hits = 0;
  int64_t misses = 0;           // computed by a backend
  int64_t corrupt_dropped = 0;  // disk entries that failed validation
  int64_t memory_evictions = 0;
  int64_t disk_evictions = 0;
  int64_t memory_bytes = 0;  // bytes held in memory now
  int64_t memory_entries = 0;
};

class FeatureCache {
 public:
  explicit FeatureCache(FeatureCacheOptions options = {});
  ~FeatureCache();
  FeatureCache(const FeatureCache&) = delete;
  FeatureCache& operator=(const FeatureCache&) = delete;

  // Content hash of an image (pixels, size and type).
  static std::string ImageHash(const cv::Mat& image);
  // Cache key of (image, backend, weights, options).
  static std::string MakeKey(const std::string& image_hash, const BackendInfo& backend, const ExtractOptions& options);

  // Looks `key` up in memory, then on disk (a disk hit is moved to `device`,
  // e.g. "cpu", "cuda:0", and kept in memory). nullptr when absent; corrupt
  // or truncated disk entries are deleted and reported as absent.
  std::shared_ptr<const FeatureMap> Find(const std::string& key, const std::string& device);
  // Stores `map` in memory and on disk (atomic write). Disk failures are
  // logged, not thrown: the cache is an optimisation.
  void Insert(const std::string& key, const FeatureMap& map);

  // The map of `rgb` (CV_8UC3, RGB) from `backend`: cached, or extracted
  // and cached. Concurrent callers with the same key wait for one
  // extraction. `backend` is not locked here: callers sharing one backend
  // between threads must serialise Extract themselves (or use one per
  // thread). Throws what Extract throws (Error, Cancelled).
  std::shared_ptr<const FeatureMap> GetOrCompute(const cv::Mat& rgb, FeatureBackend& backend,
                                                 const ExtractOptions& options, const CancelToken& cancel);

  // Generic form: returns the entry for `key` or runs `compute` once (other
  // callers of the same key wait, polling their own `cancel`). With
  // `keep_in_memory` false a memory hit is still used, but a disk hit or a
  // computed map goes to disk only (maps the caller copies elsewhere).
  std::shared_ptr<const FeatureMap> GetOrCompute(const std::string& key, const std::string& device,
                                                 const std::function<FeatureMap()>& compute, const CancelToken& cancel,
                                                 bool keep_in_memory = true);

  // Path of the disk file for `key` (it may not exist).
  std::string DiskPath(const std::string& key) const;
  // Drops all in-memory entries (disk entries stay).
  void ClearMemory();
  FeatureCacheStats Stats() const;
  const FeatureCacheOptions& Options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace corrlens
