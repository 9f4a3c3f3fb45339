// Fuzz target: the safe pickle reader and Flatten (core/io/pickle_*), with
// a persistent_load that turns ('storage', type, key, location, numel) ids
// into storages, as the torch readers do.
#include <cstdint>
#include <memory>

#include "core/io/pickle_flatten.h"
#include "core/io/pickle_reader.h"
#include "core/util/error.h"
#include "tests/fuzz/fuzz_util.h"

using namespace corrlens;
using namespace corrlens::io::pickle;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  PickleOptions options;
  options.file = "fuzz.pkl";
  options.max_bytes = uint64_t{256} << 20;
  options.persistent_load = [](Arena& arena, Value* pid) -> Value* {
    if (pid->kind != Kind::kTuple || pid->items.size() < 5) throw Error("not a storage id");
    const Value* type = pid->items[1];
    Value* storage = arena.New(Kind::kStorage);
    storage->storage = std::make_unique<StorageInfo>();
    storage->storage->key = pid->items[2]->kind == Kind::kString ? pid->items[2]->text : "k";
    storage->storage->dtype = type->dtype_known ? type->dtype : io::DType::kUInt8;
    storage->storage->numel = pid->items[4]->kind == Kind::kInt ? pid->items[4]->integer : 0;
    if (storage->storage->numel < 0 || storage->storage->numel > (1 << 16)) throw Error("bad storage size");
    return storage;
  };
  PickleResult parsed;
  try {
    parsed = ParsePickle(data, size, options);
  } catch (const Error&) {
    return 0;
  }
  fuzz::Require(parsed.root != nullptr && parsed.end <= size, "parse result");
  for (const std::string& name : parsed.opaque_globals) fuzz::Require(io::IsValidUtf8(name), "opaque global UTF-8");
  StorageResolver resolver = [](const Value& storage, const std::string&) -> io::Storage {
    const StorageInfo& info = *storage.storage;
    return std::make_shared<const std::vector<uint8_t>>(static_cast<size_t>(info.numel) * io::DTypeSize(info.dtype), 1);
  };
  FlattenOptions flatten;
  flatten.max_bytes = options.max_bytes;
  flatten.already_used = parsed.arena->Used();
  flatten.max_nodes = 2'000'000;
  try {
    const FlattenResult result = Flatten(*parsed.root, resolver, flatten);
    io::TensorFile file;
    file.tensors = result.tensors;
    file.metadata = std::make_shared<nlohmann::json>(result.metadata);
    file.opaque_classes = parsed.opaque_globals;
    fuzz::CheckTensorFile(file);
  } catch (const Error&) {
  }
  return 0;
}
