#include "core/io/torch_checkpoint.h"

#include <cstring>
#include <map>

#include "core/io/byte_source.h"
#include "core/io/numpy_dtype.h"
#include "core/io/pickle_flatten.h"
#include "core/io/pickle_reader.h"
#include "core/io/utf8.h"
#include "core/io/zip_reader.h"
#include "core/util/error.h"

namespace corrlens::io {
namespace {

using pickle::Kind;
using pickle::Value;

constexpr const char* kBadCheckpoint = "corrupted checkpoint, or not written by torch.save";
// LONG1 0x1950a86a20f9469cfc6c: the legacy torch.save magic number.
constexpr uint8_t kLegacyMagic[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};

pickle::PickleOptions PickleOptionsFor(const ReadOptions& options, const std::string& file, const std::string& key,
                                       uint64_t base_offset) {
  pickle::PickleOptions p;
  p.max_bytes = options.max_pickle_bytes;
  p.file = file;
  p.key = key;
  p.base_offset = base_offset;
  return p;
}

// Fields shared by zip and legacy persistent ids: ('storage', type, key, location, numel, ...).
struct StorageId {
  DType dtype;
  std::string key;
  std::string location;
  int64_t numel;
};

StorageId ParseStorageId(const Value* pid, size_t min_items) {
  if (pid->kind != Kind::kTuple || pid->items.size() < min_items)
    throw Error("persistent id is not a storage tuple", {}, kBadCheckpoint);
  const Value* tag = pid->items[0];
  if ((tag->kind != Kind::kString && tag->kind != Kind::kBytes) || tag->text != "storage")
    throw Error("persistent id of kind '" + ValidUtf8(tag->text, 40) + "' is not a storage", {},
                "unsupported content (only tensors can be loaded safely)");
  const Value* type = pid->items[1];
  if ((type->kind != Kind::kGlobal && type->kind != Kind::kDType) || !type->dtype_known)
    throw Error("unknown storage type '" + ValidUtf8(type->text, 80) + "'", {}, "unsupported dtype or unsafe content");
  StorageId id{type->dtype, pid->items[2]->AsString("storage key"), pid->items[3]->AsString("storage location"),
               pid->items[4]->AsInt("storage size")};
  if (id.numel < 0) throw Error("negative storage size", {"", std::nullopt, id.key}, kBadCheckpoint);
  return id;
}

Value* NewStorage(pickle::Arena& arena, const StorageId& id, uint64_t serial) {
  Value* storage = arena.New(Kind::kStorage);
  storage->storage = std::make_unique<pickle::StorageInfo>();
  storage->storage->key = id.key;
  storage->storage->dtype = id.dtype;
  storage->storage->numel = id.numel;
  storage->storage->location = id.location;
  storage->storage->id = serial;
  arena.Charge(id.key.size() + id.location.size() + 64);
  return storage;
}

uint64_t StorageBytes(const StorageId& id) {
  uint64_t bytes = 0;
  if (__builtin_mul_overflow(static_cast<uint64_t>(id.numel), DTypeSize(id.dtype), &bytes))
    throw Error("storage size overflows", {"", std::nullopt, id.key}, "crafted file");
  return bytes;
}

TensorFile Finish(TensorFormat format, const std::string& source, const pickle::PickleResult& parsed,
                  const pickle::StorageResolver& resolver, const ReadOptions& options) {
  pickle::FlattenOptions flatten;
  flatten.max_depth = options.max_depth;
  // One budget for the parse and for what Flatten builds from it.
  flatten.max_bytes = options.max_pickle_bytes;
  flatten.already_used = parsed.arena ? parsed.arena->Used() : 0;
  pickle::FlattenResult flat;
  try {
    flat = pickle::Flatten(*parsed.root, resolver, flatten);
  } catch (const Error& e) {
    throw e.WithFile(source);
  }
  TensorFile file;
  file.format = format;
  file.source = source;
  file.tensors = std::move(flat.tensors);
  file.metadata = std::make_shared<nlohmann::json>(std::move(flat.metadata));
  file.opaque_classes = parsed.opaque_globals;
  return file;
}

// The folder prefix ("archive/") of the data.pkl that torch would load.
std::string TorchPrefix(const ZipReader& zip) {
  const auto& entries = zip.Entries();
  if (entries.empty()) return {};
  const std::string& first = entries.front().name;
  const size_t slash = first.find('/');
  if (slash == std::string::npos) return {};
  const std::string prefix = first.substr(0, slash + 1);
  return zip.Find(prefix + "data.pkl") ? prefix : std::string();
}

}  // namespace

bool IsTorchZip(const ZipReader& zip) { return !TorchPrefix(zip).empty(); }

bool IsTorchLegacy(const uint8_t* bytes, uint64_t size) {
  return size >= sizeof(kLegacyMagic) && std::memcmp(bytes, kLegacyMagic, sizeof(kLegacyMagic)) == 0;
}

TensorFile ReadTorchZip(const ZipReader& zip, const ReadOptions& options) {
  const std::string file = zip.Source().Name();
  const std::string prefix = TorchPrefix(zip);
  if (prefix.empty())
    throw Error("zip archive has no <folder>/data.pkl", {file}, "not a torch checkpoint (a plain zip?)");
  const ZipEntry& pkl = *zip.Find(prefix + "data.pkl");
  if (pkl.size > options.max_pickle_bytes)
    throw Error("data.pkl of " + std::to_string(pkl.size) + " bytes exceeds the pickle budget",
                {file, pkl.data_offset, pkl.name}, "crafted file (raise ReadOptions::max_pickle_bytes if genuine)");
  bool big_endian = false;
  if (const ZipEntry* order = zip.Find(prefix + "byteorder")) {
    const std::vector<uint8_t> text = order->size <= 16 ? zip.Read(*order) : std::vector<uint8_t>();
    const std::string value(text.begin(), text.end());
    if (value != "little" && value != "big")
      throw Error("byteorder record is '" + ValidUtf8(value, 16) + "'", {file, order->data_offset, order->name},
                  kBadCheckpoint);
    big_endian = value == "big";
  }
  const std::vector<uint8_t> bytes = zip.Read(pkl);
  pickle::PickleOptions popts = PickleOptionsFor(options, file, pkl.name, pkl.method == 0 ? pkl.data_offset : 0);
  uint64_t serial = 0;
  popts.persistent_load = [&](pickle::Arena& arena, Value* pid) {
    const StorageId id = ParseStorageId(pid, 5);
    const ZipEntry* record = zip.Find(prefix + "data/" + id.key);
    if (!record)
      throw Error("storage record 'data/" + ValidUtf8(id.key, 64) + "' is missing", {"", std::nullopt, id.key},
                  "truncated or incomplete checkpoint");
    if (StorageBytes(id) != record->size)
      throw Error("storage '" + ValidUtf8(id.key, 64) + "' announces " + std::to_string(StorageBytes(id)) +
                      " bytes but its record holds " + std::to_string(record->size),
                  {"", std::nullopt, record->name}, kBadCheckpoint);
    return NewStorage(arena, id, serial++);
  };
  const pickle::PickleResult parsed = pickle::ParsePickle(bytes.data(), bytes.size(), popts);
  std::map<std::string, Storage> cache;
  pickle::StorageResolver resolver = [&](const Value& storage, const std::string& path) -> Storage {
    if (!options.WantsData(path)) return nullptr;
    const pickle::StorageInfo& info = *storage.storage;
    auto it = cache.find(info.key);
    if (it != cache.end()) return it->second;
    const ZipEntry& record = *zip.Find(prefix + "data/" + info.key);
    std::vector<uint8_t> data = zip.Read(record);
    if (big_endian) SwapBytes(data, DTypeSize(info.dtype));
    Storage shared = std::make_shared<const std::vector<uint8_t>>(std::move(data));
    cache.emplace(info.key, shared);
    return shared;
  };
  return Finish(TensorFormat::kTorchZip, file, parsed, resolver, options);
}

TensorFile ReadTorchLegacy(const ByteSource& source, const ReadOptions& options) {
  const std::string file = source.Name();
  const uint64_t head = std::min<uint64_t>(source.Size(), options.max_pickle_bytes);
  const std::vector<uint8_t> bytes = source.ReadVector(0, head);
  auto arena = std::make_shared<pickle::Arena>(options.max_pickle_bytes);
  uint64_t pos = 0;
  auto next = [&](const pickle::PersistentLoad& load) {
    pickle::PickleOptions popts = PickleOptionsFor(options, file, "", pos);
    popts.persistent_load = load;
    pickle::PickleResult r = pickle::ParsePickle(bytes.data() + pos, bytes.size() - pos, popts, arena);
    pos += r.end;
    return r;
  };
  const pickle::PickleResult magic = next(nullptr);
  if (magic.root->kind != Kind::kBigInt || magic.root->text != "0x1950a86a20f9469cfc6c")
    throw Error("legacy torch magic number missing", {file, 0}, "not a torch checkpoint");
  const pickle::PickleResult version = next(nullptr);
  if (version.root->kind != Kind::kInt || version.root->integer != 1001)
    throw Error("unsupported legacy torch protocol version", {file, pos}, "checkpoint from an unknown torch version");
  const pickle::PickleResult sys_info = next(nullptr);
  const Value* little = sys_info.root->kind == Kind::kDict ? pickle::DictGet(*sys_info.root, "little_endian") : nullptr;
  const bool big_endian = little && little->kind == Kind::kBool && !little->boolean;
  std::map<std::string, StorageId> roots;
  uint64_t serial = 0;
  const pickle::PickleResult main = next([&](pickle::Arena& a, Value* pid) {
    StorageId id = ParseStorageId(pid, 6);
    auto [it, inserted] = roots.emplace(id.key, id);
    if (!inserted && (it->second.dtype != id.dtype || it->second.numel != id.numel))
      throw Error("storage '" + id.key + "' announced twice with different sizes", {"", std::nullopt, id.key},
                  kBadCheckpoint);
    Value* storage = NewStorage(a, id, serial++);
    const Value* view = pid->items[5];
    if (view->kind == Kind::kTuple && view->items.size() == 3) {  // (view_key, offset, size)
      const int64_t offset = view->items[1]->AsInt("view offset"), size = view->items[2]->AsInt("view size");
      if (offset < 0 || size < 0 || offset > id.numel || size > id.numel - offset)
        throw Error("storage view outside its storage", {"", std::nullopt, id.key}, kBadCheckpoint);
      storage->storage->view_offset = offset;
      storage->storage->numel = size;
    }
    return storage;
  });
  const pickle::PickleResult keys = next(nullptr);
  if (keys.root->kind != Kind::kList) throw Error("legacy storage key list missing", {file, pos}, kBadCheckpoint);
  std::map<std::string, uint64_t> offsets;  // key -> absolute offset of its bytes
  for (const Value* key_value : keys.root->items) {
    const std::string& key = key_value->AsString("storage key");
    auto it = roots.find(key);
    if (it == roots.end()) throw Error("storage key list names an unknown storage", {file, pos, key}, kBadCheckpoint);
    uint8_t count_bytes[8];
    source.ReadAt(pos, count_bytes, 8);
    uint64_t count = 0;
    for (int i = 0; i < 8; ++i) count |= static_cast<uint64_t>(count_bytes[big_endian ? 7 - i : i]) << (8 * i);
    if (count != static_cast<uint64_t>(it->second.numel))
      throw Error(
          "storage holds " + std::to_string(count) + " elements, the pickle says " + std::to_string(it->second.numel),
          {file, pos, key}, kBadCheckpoint);
    source.CheckRange(pos + 8, StorageBytes(it->second), "storage '" + key + "'");
    offsets[key] = pos + 8;
    pos += 8 + StorageBytes(it->second);
  }
  std::map<std::string, Storage> cache;
  pickle::StorageResolver resolver = [&](const Value& storage, const std::string& path) -> Storage {
    const std::string& key = storage.storage->key;
    auto at = offsets.find(key);
    if (at == offsets.end()) throw Error("storage has no data in the file", {file, std::nullopt, key}, kBadCheckpoint);
    if (!options.WantsData(path)) return nullptr;
    if (auto it = cache.find(key); it != cache.end()) return it->second;
    const StorageId& root = roots.at(key);
    std::vector<uint8_t> data = source.ReadVector(at->second, StorageBytes(root));
    if (big_endian) SwapBytes(data, DTypeSize(root.dtype));
    return cache[key] = std::make_shared<const std::vector<uint8_t>>(std::move(data));
  };
  return Finish(TensorFormat::kTorchLegacy, file, main, resolver, options);
}

TensorFile ReadPlainPickle(const ByteSource& source, const ReadOptions& options) {
  if (source.Size() > options.max_pickle_bytes)
    throw Error("pickle of " + std::to_string(source.Size()) + " bytes exceeds the pickle budget", {source.Name()},
                "raise ReadOptions::max_pickle_bytes if genuine");
  const std::vector<uint8_t> bytes = source.ReadVector(0, source.Size());
  const pickle::PickleResult parsed =
      pickle::ParsePickle(bytes.data(), bytes.size(), PickleOptionsFor(options, source.Name(), "", 0));
  TensorFile file = Finish(TensorFormat::kPickle, source.Name(), parsed, nullptr, options);
  if (!options.load_data || options.load_only) {
    for (NamedTensor& t : file.tensors) {
      if (!options.WantsData(t.path)) t.tensor.storage = nullptr;
    }
  }
  return file;
}

}  // namespace corrlens::io
