#include "core/corr/feature_cache.h"

#include <torch/torch.h>
#include <nlohmann/json.hpp>
#include <opencv2/core/mat.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <future>
#include <list>
#include <mutex>
#include <unordered_map>

#include "core/util/check.h"
#include "core/util/fs.h"
#include "core/util/log.h"

namespace corrlens {
namespace {

namespace stdfs = std::filesystem;
using MapPtr = std::shared_ptr<const FeatureMap>;

// Disk entry layout (little-endian):
//   "CLFEAT01" | u64 header length | 16 hex chars: hash of the header |
//   header (JSON: key, backend id, geometry, shape, payload size + hash) |
//   payload (float32 [C, Hg, Wg]).
// Our own format rather than .npy: an entry must carry its geometry and key,
// and checksums let a truncated or flipped file be detected and dropped.
constexpr char kMagic[9] = "CLFEAT01";
constexpr size_t kPrefixBytes = 8 + 8 + 16;
constexpr char kExtension[] = ".clf";

int64_t MapBytes(const FeatureMap& map) {
  return map.features.defined() ? map.features.numel() * static_cast<int64_t>(map.features.element_size()) : 0;
}

nlohmann::json GeometryJson(const GridGeometry& g) {
  return {{"image", {g.image_width, g.image_height}},
          {"input", {g.input_width, g.input_height}},
          {"patch", g.patch},
          {"stride", g.stride},
          {"grid", {g.grid_width, g.grid_height}}};
}

GridGeometry GeometryFromJson(const nlohmann::json& j) {
  GridGeometry g;
  g.image_width = j.at("image").at(0).get<int>();
  g.image_height = j.at("image").at(1).get<int>();
  g.input_width = j.at("input").at(0).get<int>();
  g.input_height = j.at("input").at(1).get<int>();
  g.patch = j.at("patch").get<int>();
  g.stride = j.at("stride").get<int>();
  g.grid_width = j.at("grid").at(0).get<int>();
  g.grid_height = j.at("grid").at(1).get<int>();
  return g;
}

std::vector<uint8_t> Serialize(const std::string& key, const FeatureMap& map) {
  const at::Tensor cpu = map.features.to(torch::kCPU, torch::kFloat32).contiguous();
  const size_t payload_bytes = static_cast<size_t>(cpu.numel()) * sizeof(float);
  const nlohmann::json header = {{"version", 1},
                                 {"key", key},
                                 {"backend_id", map.backend_id},
                                 {"geometry", GeometryJson(map.geometry)},
                                 {"shape", {cpu.size(0), cpu.size(1), cpu.size(2)}},
                                 {"payload_bytes", payload_bytes},
                                 {"payload_hash", fs::HashHex(cpu.data_ptr(), payload_bytes)}};
  const std::string text = header.dump();
  std::vector<uint8_t> out(kPrefixBytes + text.size() + payload_bytes);
  std::memcpy(out.data(), kMagic, 8);
  const uint64_t length = text.size();
  for (int i = 0; i < 8; ++i) out[8 + i] = static_cast<uint8_t>(length >> (8 * i));
  std::memcpy(out.data() + 16, fs::HashHex(text.data(), text.size()).data(), 16);
  std::memcpy(out.data() + kPrefixBytes, text.data(), text.size());
  std::memcpy(out.data() + kPrefixBytes + text.size(), cpu.data_ptr(), payload_bytes);
  return out;
}

// Parses and validates an entry; throws Error saying what is wrong.
FeatureMap Deserialize(const std::vector<uint8_t>& bytes, const std::string& key) {
  CL_CHECK(bytes.size() >= kPrefixBytes && std::memcmp(bytes.data(), kMagic, 8) == 0)
      << "not a feature-cache entry (bad magic)";
  uint64_t length = 0;
  for (int i = 0; i < 8; ++i) length |= uint64_t{bytes[8 + i]} << (8 * i);
  CL_CHECK(length <= bytes.size() - kPrefixBytes) << "truncated header";
  const std::string text(reinterpret_cast<const char*>(bytes.data()) + kPrefixBytes, length);
  CL_CHECK(fs::HashHex(text.data(), text.size()) == std::string(reinterpret_cast<const char*>(bytes.data()) + 16, 16))
      << "header checksum mismatch";
  const nlohmann::json header = nlohmann::json::parse(text);
  CL_CHECK(header.at("version").get<int>() == 1) << "unknown entry version";
  CL_CHECK(header.at("key").get<std::string>() == key) << "entry belongs to another key";
  const auto shape = header.at("shape").get<std::vector<int64_t>>();
  const uint64_t payload_bytes = header.at("payload_bytes").get<uint64_t>();
  CL_CHECK(shape.size() == 3 && payload_bytes == uint64_t(shape[0] * shape[1] * shape[2]) * sizeof(float))
      << "inconsistent shape";
  CL_CHECK_EQ(bytes.size(), kPrefixBytes + length + payload_bytes) << "truncated or oversized payload";
  const uint8_t* payload = bytes.data() + kPrefixBytes + length;
  CL_CHECK(fs::HashHex(payload, payload_bytes) == header.at("payload_hash").get<std::string>())
      << "payload checksum mismatch";
  FeatureMap map;
  map.backend_id = header.at("backend_id").get<std::string>();
  map.geometry = GeometryFromJson(header.at("geometry"));
  map.features = torch::empty(shape, torch::kFloat32);
  std::memcpy(map.features.data_ptr(), payload, payload_bytes);
  CL_CHECK(map.Valid()) << "geometry does not match the tensor";
  return map;
}

}  // namespace

struct FeatureCache::Impl {
  struct MemoryEntry {
    std::string key;
    MapPtr map;
    int64_t bytes = 0;
  };
  FeatureCacheOptions options;
  std::string directory;
  mutable std::mutex mutex;    // guards everything below
  std::list<MemoryEntry> lru;  // front = most recently used
  std::unordered_map<std::string, std::list<MemoryEntry>::iterator> index;
  std::unordered_map<std::string, std::shared_future<MapPtr>> in_flight;
  FeatureCacheStats stats;
  std::mutex disk_mutex;  // serialises cap enforcement within the process

  MapPtr LookupMemoryLocked(const std::string& memory_key);
  void InsertMemory(const std::string& memory_key, MapPtr map);
  MapPtr FindOnDisk(const std::string& key, const std::string& memory_key, const std::string& device,
                    bool keep_in_memory = true);
  void WriteDisk(const std::string& key, const FeatureMap& map);
  void EnforceDiskCap();
  std::string PathOf(const std::string& key) const {
    return directory + "/" + fs::HashHex(key.data(), key.size()) + kExtension;
  }
};

MapPtr FeatureCache::Impl::LookupMemoryLocked(const std::string& memory_key) {
  auto it = index.find(memory_key);
  if (it == index.end()) return nullptr;
  lru.splice(lru.begin(), lru, it->second);
  return it->second->map;
}

void FeatureCache::Impl::InsertMemory(const std::string& memory_key, MapPtr map) {
  const int64_t bytes = MapBytes(*map);
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = index.find(memory_key); it != index.end()) {
    stats.memory_bytes -= it->second->bytes;
    lru.erase(it->second);
    index.erase(it);
  }
  if (bytes > options.memory_bytes) return;  // larger than the whole budget
  lru.push_front({memory_key, std::move(map), bytes});
  index[memory_key] = lru.begin();
  stats.memory_bytes += bytes;
  while (stats.memory_bytes > options.memory_bytes && !lru.empty()) {
    stats.memory_bytes -= lru.back().bytes;
    index.erase(lru.back().key);
    lru.pop_back();
    ++stats.memory_evictions;
  }
  stats.memory_entries = static_cast<int64_t>(lru.size());
}

MapPtr FeatureCache::Impl::FindOnDisk(const std::string& key, const std::string& memory_key, const std::string& device,
                                      bool keep_in_memory) {
  if (options.disk_bytes == 0) return nullptr;
  const std::string path = PathOf(key);
  std::error_code ec;
  if (!stdfs::is_regular_file(path, ec)) return nullptr;
  FeatureMap map;
  try {
    map = Deserialize(fs::ReadFile(path, uint64_t{16} << 30), key);
  } catch (const std::exception& e) {
    // Corrupt, truncated or from another key: drop it, the caller recomputes.
    log::Warn("feature cache: dropping bad entry {}: {}", path, e.what());
    stdfs::remove(path, ec);
    std::lock_guard<std::mutex> lock(mutex);
    ++stats.corrupt_dropped;
    return nullptr;
  }
  stdfs::last_write_time(path, stdfs::file_time_type::clock::now(), ec);  // LRU order on disk
  map.features = map.features.to(c10::Device(device));
  auto shared = std::make_shared<const FeatureMap>(std::move(map));
  if (keep_in_memory) InsertMemory(memory_key, shared);
  std::lock_guard<std::mutex> lock(mutex);
  ++stats.disk_hits;
  return shared;
}

void FeatureCache::Impl::WriteDisk(const std::string& key, const FeatureMap& map) {
  if (options.disk_bytes == 0 || MapBytes(map) > options.disk_bytes) return;
  try {
    const std::vector<uint8_t> bytes = Serialize(key, map);
    fs::WriteFileAtomic(PathOf(key), bytes.data(), bytes.size());
  } catch (const std::exception& e) {
    log::Warn("feature cache: cannot write entry: {}", e.what());
    return;
  }
  EnforceDiskCap();
}

void FeatureCache::Impl::EnforceDiskCap() {
  std::lock_guard<std::mutex> disk_lock(disk_mutex);
  struct Entry {
    stdfs::path path;
    uint64_t size;
    stdfs::file_time_type time;
  };
  std::vector<Entry> entries;
  uint64_t total = 0;
  std::error_code ec;
  const auto stale = stdfs::file_time_type::clock::now() - std::chrono::hours(1);
  for (const auto& item : stdfs::directory_iterator(directory, ec)) {
    std::error_code item_ec;
    if (!item.is_regular_file(item_ec)) continue;
    const std::string name = item.path().filename().string();
    const auto time = item.last_write_time(item_ec);
    if (name.find(".tmp") != std::string::npos) {  // left over by a crashed writer
      if (!item_ec && time < stale) stdfs::remove(item.path(), item_ec);
      continue;
    }
    if (item.path().extension() != kExtension) continue;
    const uint64_t size = item.file_size(item_ec);
    if (item_ec) continue;
    entries.push_back({item.path(), size, time});
    total += size;
  }
  if (total <= static_cast<uint64_t>(options.disk_bytes)) return;
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.time < b.time; });
  int64_t evicted = 0;
  for (const Entry& entry : entries) {
    if (total <= static_cast<uint64_t>(options.disk_bytes)) break;
    if (stdfs::remove(entry.path, ec)) {
      total -= entry.size;
      ++evicted;
    }
  }
  std::lock_guard<std::mutex> lock(mutex);
  stats.disk_evictions += evicted;
}

FeatureCache::FeatureCache(FeatureCacheOptions options) : impl_(std::make_unique<Impl>()) {
  CL_CHECK(options.Check()) << "invalid FeatureCacheOptions (sizes must be >= 0)";
  impl_->options = options;
  impl_->directory = options.directory.empty() ? fs::CacheDir() + "/features" : options.directory;
  // Applies the cap and removes what killed writers left behind.
  if (options.disk_bytes > 0) impl_->EnforceDiskCap();
}

FeatureCache::~FeatureCache() = default;

std::string FeatureCache::ImageHash(const cv::Mat& image) {
  const cv::Mat data = image.isContinuous() ? image : image.clone();
  const std::string content = fs::HashHex(data.data, data.total() * data.elemSize());
  const std::string text = std::to_string(image.cols) + "x" + std::to_string(image.rows) + "t" +
                           std::to_string(image.type()) + ":" + content;
  return fs::HashHex(text.data(), text.size());
}

std::string FeatureCache::MakeKey(const std::string& image_hash, const BackendInfo& backend,
                                  const ExtractOptions& options) {
  return image_hash + "|" + backend.id + "|" + backend.weights_hash + "|" + options.Key();
}

std::shared_ptr<const FeatureMap> FeatureCache::Find(const std::string& key, const std::string& device) {
  const std::string memory_key = key + "@" + device;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    if (MapPtr hit = impl_->LookupMemoryLocked(memory_key)) {
      ++impl_->stats.memory_hits;
      return hit;
    }
  }
  return impl_->FindOnDisk(key, memory_key, device);
}

void FeatureCache::Insert(const std::string& key, const FeatureMap& map) {
  CL_CHECK(map.Valid()) << "refusing to cache an invalid feature map";
  auto shared = std::make_shared<const FeatureMap>(map);
  impl_->InsertMemory(key + "@" + map.features.device().str(), shared);
  impl_->WriteDisk(key, map);
}

std::shared_ptr<const FeatureMap> FeatureCache::GetOrCompute(const std::string& key, const std::string& device,
                                                             const std::function<FeatureMap()>& compute,
                                                             const CancelToken& cancel, bool keep_in_memory) {
  const std::string memory_key = key + "@" + device;
  while (true) {
    cancel.ThrowIfCancelled();
    std::shared_future<MapPtr> pending;
    std::promise<MapPtr> mine;
    {
      std::lock_guard<std::mutex> lock(impl_->mutex);
      if (MapPtr hit = impl_->LookupMemoryLocked(memory_key)) {
        ++impl_->stats.memory_hits;
        return hit;
      }
      auto it = impl_->in_flight.find(memory_key);
      if (it != impl_->in_flight.end()) {
        pending = it->second;
      } else {
        impl_->in_flight.emplace(memory_key, mine.get_future().share());
      }
    }
    if (pending.valid()) {
      while (pending.wait_for(std::chrono::milliseconds(20)) != std::future_status::ready) {
        cancel.ThrowIfCancelled();
      }
      try {
        return pending.get();
      } catch (const Cancelled&) {
        continue;  // the computing caller was cancelled; this one is not: retry
      }
    }
    try {
      MapPtr result = impl_->FindOnDisk(key, memory_key, device, keep_in_memory);
      if (!result) {
        FeatureMap computed = compute();
        CL_CHECK(computed.Valid()) << "backend returned an invalid feature map";
        result = std::make_shared<const FeatureMap>(std::move(computed));
        if (keep_in_memory) impl_->InsertMemory(memory_key, result);
        impl_->WriteDisk(key, *result);
        std::lock_guard<std::mutex> lock(impl_->mutex);
        ++impl_->stats.misses;
      }
      std::lock_guard<std::mutex> lock(impl_->mutex);
      impl_->in_flight.erase(memory_key);
      mine.set_value(result);
      return result;
    } catch (...) {
      std::lock_guard<std::mutex> lock(impl_->mutex);
      impl_->in_flight.erase(memory_key);
      mine.set_exception(std::current_exception());
      throw;
    }
  }
}

std::shared_ptr<const FeatureMap> FeatureCache::GetOrCompute(const cv::Mat& rgb, FeatureBackend& backend,
                                                             const ExtractOptions& options, const CancelToken& cancel) {
  CL_CHECK(options.Check()) << "invalid ExtractOptions";
  const BackendInfo& info = backend.Info();
  const std::string key = MakeKey(ImageHash(rgb), info, options);
  const std::string device = info.device.empty() ? "cpu" : info.device;
  return GetOrCompute(
      key, device, [&] { return backend.Extract(rgb, options, cancel); }, cancel);
}

std::string FeatureCache::DiskPath(const std::string& key) const { return impl_->PathOf(key); }

void FeatureCache::ClearMemory() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->lru.clear();
  impl_->index.clear();
  impl_->stats.memory_bytes = 0;
  impl_->stats.memory_entries = 0;
}

FeatureCacheStats FeatureCache::Stats() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->stats;
}

const FeatureCacheOptions& FeatureCache::Options() const { return impl_->options; }

}  // namespace corrlens
