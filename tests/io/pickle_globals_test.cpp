#include <QtTest>

#include "tests/common/test_helpers.h"

#include "core/io/pickle_flatten.h"
#include "core/io/pickle_globals.h"
#include "core/io/pickle_reader.h"
#include "core/io/pickle_writer.h"
#include "core/io/utf8.h"
#include "core/util/error.h"

using namespace corrlens::io;
using namespace corrlens::io::pickle;

namespace {

// A persistent_load that makes a float32 storage of `numel` elements for any id.
PersistentLoad FakeStorages(int64_t numel) {
  return [numel](Arena& arena, Value* pid) {
    Value* storage = arena.New(Kind::kStorage);
    storage->storage = std::make_unique<StorageInfo>();
    storage->storage->key = pid->kind == Kind::kString ? pid->text : "k";
    storage->storage->dtype = DType::kFloat32;
    storage->storage->numel = numel;
    return storage;
  };
}

PickleResult Parse(PickleWriter& w, PersistentLoad load = nullptr) {
  w.Stop();
  PickleOptions options;
  options.persistent_load = std::move(load);
  options.file = "g.pkl";
  return ParsePickle(w.Bytes().data(), w.Bytes().size(), options);
}

nlohmann::json Meta(PickleWriter& w) { return Flatten(*Parse(w).root, nullptr).metadata; }

// Emits module.name(*args) where args are written by `emit_args` after a MARK.
template <typename F>
void Call(PickleWriter& w, const std::string& module, const std::string& name, F emit_args) {
  w.Global(module, name);
  w.Mark();
  emit_args();
  w.TupleFromMark();
  w.Reduce();
}

void Tensor(PickleWriter& w, int64_t offset, std::vector<int64_t> size, std::vector<int64_t> stride) {
  Call(w, "torch._utils", "_rebuild_tensor_v2", [&] {
    w.String("key0");
    w.BinPersId();
    w.Int(offset);
    w.Mark();
    for (int64_t s : size) w.Int(s);
    w.TupleFromMark();
    w.Mark();
    for (int64_t s : stride) w.Int(s);
    w.TupleFromMark();
    w.Bool(true);
    Call(w, "collections", "OrderedDict", [] {});
  });
}

using corrlens::test::ErrorOf;

}  // namespace

class PickleGlobalsTest : public QObject {
  Q_OBJECT
 private slots:
  void namesAreNormalised() {
    QCOMPARE(QualifiedName("__builtin__", "set"), std::string("builtins.set"));
    QCOMPARE(QualifiedName("copy_reg", "_reconstructor"), std::string("copyreg._reconstructor"));
    QVERIFY(IsAllowlisted("torch._utils._rebuild_tensor_v2"));
    QVERIFY(IsAllowlisted("numpy._core.multiarray._reconstruct"));
    for (const char* evil : {"os.system", "posix.system", "builtins.eval", "builtins.exec", "builtins.getattr",
                             "subprocess.Popen", "pickle.loads", "builtins.__import__", "torch.load"})
      QVERIFY2(!IsAllowlisted(evil), evil);
  }

  void rebuildTensorMakesAValidatedView() {
    PickleWriter w;
    Tensor(w, 2, {2, 3}, {1, 2});  // needs 2 + 1 + 4 + 1 = 8 elements
    const PickleResult r = Parse(w, FakeStorages(8));
    QCOMPARE(r.root->kind, Kind::kTensor);
    QCOMPARE(r.root->tensor->data.strides, (std::vector<int64_t>{1, 2}));
    QCOMPARE(r.root->tensor->requires_grad, true);
    PickleWriter bad;
    Tensor(bad, 3, {2, 3}, {1, 2});
    const std::string error = ErrorOf([&] { Parse(bad, FakeStorages(8)); });
    QVERIFY2(error.find("needs 9 elements but storage 'key0' holds 8") != std::string::npos, error.c_str());
    QVERIFY2(error.find("g.pkl") != std::string::npos && error.find("at byte") != std::string::npos, error.c_str());
  }

  void parametersKeepTheirFlag() {
    PickleWriter w;
    Call(w, "torch._utils", "_rebuild_parameter", [&] {
      Tensor(w, 0, {2}, {1});
      w.Bool(false);
      Call(w, "collections", "OrderedDict", [] {});
    });
    const PickleResult r = Parse(w, FakeStorages(2));
    QVERIFY(r.root->tensor->parameter);
    QVERIFY(!r.root->tensor->requires_grad);
  }

  void containersFromAllowlistedCallables() {
    PickleWriter w;
    w.Mark();
    Call(w, "collections", "OrderedDict", [&] {
      w.Mark();
      w.Mark();
      w.String("b");
      w.Int(2);
      w.TupleFromMark();
      w.Mark();
      w.String("a");
      w.Int(1);
      w.TupleFromMark();
      w.TupleFromMark();
    });
    Call(w, "builtins", "set", [&] { w.Json(nlohmann::json::array({1, 2})); });
    Call(w, "torch", "Size", [&] { w.Json(nlohmann::json::array({3, 4})); });
    Call(w, "torch", "device", [&] {
      w.String("cuda");
      w.Int(1);
    });
    Call(w, "_codecs", "encode", [&] {
      w.String("\xc3\xa9\x01");
      w.String("latin1");
    });
    Call(w, "builtins", "complex", [&] {
      w.Float(1.5);
      w.Int(-2);
    });
    w.Global("torch", "bfloat16");
    w.TupleFromMark();
    const nlohmann::json j = Meta(w);
    QCOMPARE(j[0]["b"].get<int>(), 2);
    QCOMPARE(j[1]["__set__"], nlohmann::json::parse("[1, 2]"));
    QCOMPARE(j[2], nlohmann::json::parse("[3, 4]"));
    QCOMPARE(j[3].get<std::string>(), std::string("cuda:1"));
    QCOMPARE(j[4]["head"].get<std::string>(), std::string("e901"));
    QCOMPARE(j[5]["__complex__"], nlohmann::json::parse("[1.5, -2.0]"));
    QCOMPARE(j[6].get<std::string>(), std::string("torch.bfloat16"));
  }

  void unknownCallsNewObjAndBuildStayOpaque() {
    PickleWriter w;
    w.Mark();
    Call(w, "os", "system", [&] { w.String("rm -rf /"); });
    w.Global("argparse", "Namespace");
    w.Tuple(0);
    w.Reduce();
    w.Json({{"lr", 0.5}});
    w.Build();
    w.TupleFromMark();
    const PickleResult r = Parse(w);
    const nlohmann::json j = Flatten(*r.root, nullptr).metadata;
    QCOMPARE(j[0]["__opaque__"].get<std::string>(), std::string("os.system"));
    QCOMPARE(j[1]["__opaque__"].get<std::string>(), std::string("argparse.Namespace"));
    QCOMPARE(j[1]["state"]["lr"].get<double>(), 0.5);
    QCOMPARE(r.opaque_globals, (std::vector<std::string>{"os.system", "argparse.Namespace"}));
  }

  void callingAnOpaqueResultStaysOpaque() {
    // getattr(__import__('os'), 'system')('id'): every step is inert.
    PickleWriter w;
    Call(w, "builtins", "getattr", [&] {
      Call(w, "builtins", "__import__", [&] { w.String("os"); });
      w.String("system");
    });
    w.Mark();
    w.String("id");
    w.TupleFromMark();
    w.Reduce();
    const nlohmann::json j = Meta(w);
    QCOMPARE(j["__opaque__"].get<std::string>(), std::string("builtins.getattr(...)"));
  }

  void notCallableIsAnError() {
    PickleWriter w;
    w.Int(3);
    w.Tuple(0);
    w.Reduce();
    QVERIFY(ErrorOf([&] { Parse(w); }).find("not callable") != std::string::npos);
  }

  void numpyArraysWithUnsupportedDtypesBecomeOpaque() {
    PickleWriter w;
    Call(w, "numpy.core.multiarray", "_reconstruct", [&] {
      w.Global("numpy", "ndarray");
      w.Json(nlohmann::json::array({0}));
      w.String("b");
    });
    w.Mark();
    w.Int(1);
    w.Json(nlohmann::json::array({2}));
    Call(w, "numpy", "dtype", [&] { w.String("u2"); });
    w.Bool(false);
    w.String("abcd");
    w.TupleFromMark();
    w.Build();
    const nlohmann::json j = Meta(w);
    QCOMPARE(j["__opaque__"].get<std::string>(), std::string("numpy.ndarray"));
    QVERIFY2(j["args"][0].get<std::string>().find("uint16") != std::string::npos, j.dump().c_str());
  }

  void longNonAsciiNamesAreCutOnACharacterBoundary() {
    // Issue 16: "__main__." is 9 bytes, so cutting at 512 bytes fell inside a
    // two-byte character and --json refused the stored name.
    std::string name;
    for (int i = 0; i < 600; ++i) name += "\xc3\xa9";  // U+00E9
    PickleWriter w;
    Call(w, "__main__", name, [] {});
    const PickleResult r = Parse(w);
    QCOMPARE(r.opaque_globals.size(), size_t(1));
    const std::string& stored = r.opaque_globals[0];
    QVERIFY(stored.size() <= 512 && stored.size() >= 509);
    QVERIFY(IsValidUtf8(stored));
    QCOMPARE(stored.substr(0, 11), std::string("__main__.\xc3\xa9"));
    const nlohmann::json j = Flatten(*r.root, nullptr).metadata;
    QCOMPARE(j["__opaque__"].get<std::string>(), stored);
    QVERIFY(!nlohmann::json(r.opaque_globals).dump().empty());  // strict UTF-8 check of nlohmann
    QVERIFY(!j.dump().empty());
  }

  void calledOpaqueNamesStayBounded() {
    // x()()()...: each call used to append "(...)" to the stored name.
    PickleWriter w;
    w.Global("__main__", "F");
    for (int i = 0; i < 2000; ++i) {
      w.Tuple(0);
      w.Reduce();
    }
    const PickleResult r = Parse(w);
    QVERIFY(r.root->text.size() <= 512);
    QVERIFY(IsValidUtf8(r.root->text));
  }

  void nestedRebuildFromTypeIsNotFollowed() {
    PickleWriter w;
    Call(w, "torch._tensor", "_rebuild_from_type_v2", [&] {
      w.Global("torch._tensor", "_rebuild_from_type_v2");
      w.Global("torch", "Tensor");
      w.Tuple(0);
      w.None();
    });
    const nlohmann::json j = Meta(w);
    QCOMPARE(j["__opaque__"].get<std::string>(), std::string("torch._tensor._rebuild_from_type_v2"));
  }
};

QTEST_APPLESS_MAIN(PickleGlobalsTest)
#include "pickle_globals_test.moc"
