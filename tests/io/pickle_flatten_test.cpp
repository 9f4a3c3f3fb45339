#include <QtTest>

#include "core/io/pickle_flatten.h"
#include "core/io/pickle_reader.h"
#include "core/io/pickle_writer.h"
#include "core/util/error.h"

using namespace corrlens::io;
using namespace corrlens::io::pickle;

namespace {

Value* Numpy(Arena& arena, std::vector<int64_t> shape) {
  Value* v = arena.New(Kind::kTensor);
  v->tensor = std::make_unique<TensorInfo>();
  v->tensor->numpy = true;
  TensorData& t = v->tensor->data;
  t.dtype = DType::kUInt8;
  t.shape = std::move(shape);
  t.storage = std::make_shared<const std::vector<uint8_t>>(static_cast<size_t>(t.NumElements()), 7);
  return v;
}

}  // namespace

class PickleFlattenTest : public QObject {
  Q_OBJECT
 private slots:
  void pathsFollowDictsListsAndObjects() {
    Arena arena(1 << 20);
    Value* root = arena.New(Kind::kDict);
    Value* inner = arena.New(Kind::kDict);
    DictSet(arena, inner, arena.NewInt(0), Numpy(arena, {2}));
    Value* list = arena.New(Kind::kList);
    list->items = {arena.NewInt(1), Numpy(arena, {1, 1})};
    Value* object = arena.New(Kind::kObject);
    object->text = "__main__.Cfg";
    object->state = arena.New(Kind::kDict);
    DictSet(arena, object->state, arena.NewString("w"), Numpy(arena, {3}));
    DictSet(arena, root, arena.NewString("state"), inner);
    DictSet(arena, root, arena.NewString("list"), list);
    DictSet(arena, root, arena.NewString("cfg"), object);
    const FlattenResult r = Flatten(*root, nullptr);
    std::vector<std::string> paths;
    for (const auto& t : r.tensors) paths.push_back(t.path);
    QCOMPARE(paths, (std::vector<std::string>{"state.0", "list.1", "cfg.state.w"}));
    QCOMPARE(r.metadata["cfg"]["__opaque__"].get<std::string>(), std::string("__main__.Cfg"));
    QCOMPARE(r.metadata["list"][1]["__tensor__"].get<std::string>(), std::string("list.1"));
    QCOMPARE(r.metadata["list"][1]["shape"], nlohmann::json::parse("[1, 1]"));
  }

  void sharedReferencesThatMultiplyAreRefused() {
    // "billion laughs": each level is a list holding the previous level twice.
    Arena arena(1 << 20);
    Value* level = arena.NewInt(1);
    for (int i = 0; i < 40; ++i) {
      Value* next = arena.New(Kind::kList);
      next->items = {level, level};
      level = next;
    }
    FlattenOptions options;
    options.max_nodes = 100000;
    try {
      Flatten(*level, nullptr, options);
      QFAIL("no error");
    } catch (const corrlens::Error& e) {
      QVERIFY2(std::string(e.what()).find("more than 100000 values") != std::string::npos, e.what());
    }
  }

  void deepNestingIsRefused() {
    Arena arena(1 << 24);
    Value* level = arena.NewInt(1);
    for (int i = 0; i < 1000; ++i) {
      Value* next = arena.New(Kind::kList);
      next->items = {level};
      level = next;
    }
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, Flatten(*level, nullptr));
  }

  void resolverSuppliesTorchStorages() {
    Arena arena(1 << 20);
    Value* storage = arena.New(Kind::kStorage);
    storage->storage = std::make_unique<StorageInfo>();
    storage->storage->key = "0";
    storage->storage->numel = 4;
    storage->storage->dtype = DType::kInt8;
    Value* tensor = arena.New(Kind::kTensor);
    tensor->tensor = std::make_unique<TensorInfo>();
    tensor->tensor->storage = storage;
    tensor->tensor->data.dtype = DType::kInt8;
    tensor->tensor->data.shape = {2};
    tensor->tensor->data.strides = {2};
    tensor->tensor->data.storage_offset = 1;
    int calls = 0;
    StorageResolver resolver = [&](const Value& s, const std::string& path) -> Storage {
      ++calls;
      if (path != "") return nullptr;
      return std::make_shared<const std::vector<uint8_t>>(std::vector<uint8_t>{0, 1, 2, 3});
    };
    FlattenResult r = Flatten(*tensor, resolver);
    QCOMPARE(calls, 1);
    QCOMPARE(r.tensors[0].tensor.ToDoubles(), (std::vector<double>{1, 3}));
    StorageResolver short_storage = [](const Value&, const std::string&) -> Storage {
      return std::make_shared<const std::vector<uint8_t>>(std::vector<uint8_t>{0, 1, 2});
    };
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, Flatten(*tensor, short_storage));
  }

  void specialFloatsAndBytesAreRepresentable() {
    Arena arena(1 << 20);
    Value* list = arena.New(Kind::kList);
    Value* inf = arena.New(Kind::kFloat);
    inf->real = std::numeric_limits<double>::infinity();
    Value* bytes = arena.NewString(std::string("\x01\xff", 2), Kind::kBytes);
    Value* bad_text = arena.NewString("\xff");
    list->items = {inf, bytes, bad_text};
    const nlohmann::json j = Flatten(*list, nullptr).metadata;
    QCOMPARE(j[0]["__float__"].get<std::string>(), std::string("inf"));
    QCOMPARE(j[1]["head"].get<std::string>(), std::string("01ff"));
    QCOMPARE(j[2].get<std::string>(), std::string("\xef\xbf\xbd"));
    QVERIFY(!j.dump().empty());  // valid UTF-8 everywhere
  }
};

QTEST_APPLESS_MAIN(PickleFlattenTest)
#include "pickle_flatten_test.moc"
