#include <QtTest>

#include <QElapsedTimer>

#include "tests/common/test_helpers.h"

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

  void sharedReferencesAreWrittenOnce() {
    // "billion laughs": each level is a list holding the previous level twice.
    // Each level is written out once; later references name its first path.
    Arena arena(1 << 20);
    Value* level = arena.NewInt(1);
    for (int i = 0; i < 40; ++i) {
      Value* next = arena.New(Kind::kList);
      next->items = {level, level};
      level = next;
    }
    FlattenOptions options;
    options.max_nodes = 100000;
    const FlattenResult r = Flatten(*level, nullptr, options);
    const std::string text = r.metadata.dump();
    QVERIFY2(text.size() < 20000, text.substr(0, 200).c_str());
    QVERIFY(text.find("__shared__") != std::string::npos);
    QCOMPARE(r.metadata[1]["__shared__"].get<std::string>(), std::string("0"));  // level 39, first written at "0"
    QCOMPARE(r.metadata[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]
                       [0][0][0][0][0][0][0][0]
                           .get<int>(),
             1);
    // Small shared values are copied (a reference would not be shorter).
    QCOMPARE(r.metadata[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]
                       [0][0][0][0][0][0][0][1],
             nlohmann::json::parse("1"));
  }

  void oneBigKeyReachedAMillionTimesStaysSmall() {
    // Issue 16: a 30 KB key in a dict reached through 1000 x 1000 shared
    // references expanded to a million JSON objects (3.5 GB).
    Arena arena(uint64_t{1} << 30);
    Value* dict = arena.New(Kind::kDict);
    DictSet(arena, dict, arena.NewString(std::string(30000, 'k')), arena.NewInt(0));
    Value* inner = arena.New(Kind::kList);
    inner->items.assign(1000, dict);
    Value* outer = arena.New(Kind::kList);
    outer->items.assign(1000, inner);
    QElapsedTimer timer;
    timer.start();
    const FlattenResult r = Flatten(*outer, nullptr);
    QVERIFY2(timer.elapsed() < 5000, std::to_string(timer.elapsed()).c_str());
    const std::string text = r.metadata.dump();
    QVERIFY2(text.size() < 200000, std::to_string(text.size()).c_str());
    QCOMPARE(r.metadata[0][1]["__shared__"].get<std::string>(), std::string("0.0"));
    QCOMPARE(r.metadata[1]["__shared__"].get<std::string>(), std::string("0"));
    QCOMPARE(r.metadata[0][0].begin().key().size(), size_t(kMaxKeyText + 3));  // cut, "..." appended
  }

  void tiedTensorsKeepEveryPath() {
    // The same tensor object under two names (tied weights), and a shared
    // module dict holding tensors: every path is listed.
    Arena arena(1 << 20);
    Value* weight = Numpy(arena, {2});
    Value* module = arena.New(Kind::kDict);
    DictSet(arena, module, arena.NewString("w"), weight);
    for (int i = 0; i < 40; ++i)
      DictSet(arena, module, arena.NewString("pad" + std::to_string(i)), arena.NewString(std::string(40, 'x')));
    Value* root = arena.New(Kind::kDict);
    DictSet(arena, root, arena.NewString("embed"), weight);
    DictSet(arena, root, arena.NewString("head"), weight);
    DictSet(arena, root, arena.NewString("a"), module);
    DictSet(arena, root, arena.NewString("b"), module);
    const FlattenResult r = Flatten(*root, nullptr);
    std::vector<std::string> paths;
    for (const auto& t : r.tensors) paths.push_back(t.path);
    QCOMPARE(paths, (std::vector<std::string>{"embed", "head", "a.w", "b.w"}));
    QCOMPARE(r.metadata["head"]["__tensor__"].get<std::string>(), std::string("head"));
    QCOMPARE(r.metadata["b"]["__shared__"].get<std::string>(), std::string("a"));
  }

  void tensorsThatMultiplyAreRefused() {
    // Billion laughs with a tensor at the bottom: 2^40 tensor paths.
    Arena arena(1 << 20);
    Value* level = Numpy(arena, {1});
    for (int i = 0; i < 40; ++i) {
      Value* next = arena.New(Kind::kList);
      next->items = {level, level};
      level = next;
    }
    FlattenOptions options;
    options.max_bytes = 64 << 20;
    QString error = QString::fromStdString(corrlens::test::ErrorOf([&] { Flatten(*level, nullptr, options); }));
    QVERIFY2(error.contains("64 MiB of memory"), qPrintable(error));
    options.max_bytes = uint64_t{1} << 30;
    options.max_nodes = 100000;
    error = QString::fromStdString(corrlens::test::ErrorOf([&] { Flatten(*level, nullptr, options); }));
    QVERIFY2(error.contains("more than 100000 values"), qPrintable(error));
  }

  void budgetIncludesWhatTheParseUsed() {
    Arena arena(1 << 20);
    Value* list = arena.New(Kind::kList);
    list->items.assign(1000, arena.NewString("abc"));
    FlattenOptions options;
    options.max_bytes = 1 << 20;
    QVERIFY(Flatten(*list, nullptr, options).metadata.size() == 1000);
    options.already_used = (1 << 20) - 1000;
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, Flatten(*list, nullptr, options));
  }

  void keysThatTextAlikeStayDistinct() {
    // Many keys with one display text (objects as keys) get #2, #3...
    Arena arena(1 << 24);
    Value* dict = arena.New(Kind::kDict);
    for (int i = 0; i < 20000; ++i) DictSet(arena, dict, arena.New(Kind::kObject), arena.NewInt(i));
    QElapsedTimer timer;
    timer.start();
    const FlattenResult r = Flatten(*dict, nullptr);
    QVERIFY2(timer.elapsed() < 5000, std::to_string(timer.elapsed()).c_str());
    QCOMPARE(r.metadata.size(), size_t(20000));
    QCOMPARE(r.metadata["<object>#20000"].get<int>(), 19999);
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
