#include <QtTest>

#include "core/io/pickle_value.h"
#include "core/util/error.h"

using namespace corrlens::io::pickle;

class PickleValueTest : public QObject {
  Q_OBJECT
 private slots:
  void dictSetReplacesEqualKeys() {
    Arena arena(1 << 20);
    Value* dict = arena.New(Kind::kDict);
    DictSet(arena, dict, arena.NewInt(1), arena.NewString("a"));
    Value* one = arena.New(Kind::kFloat);
    one->real = 1.0;
    DictSet(arena, dict, one, arena.NewString("b"));                   // 1.0 == 1
    DictSet(arena, dict, arena.NewString("1"), arena.NewString("c"));  // "1" != 1
    QCOMPARE(dict->entries.size(), size_t(2));
    QCOMPARE(dict->entries[0].second->text, std::string("b"));
    Value* tuple_key = arena.NewTuple({arena.NewInt(1), arena.NewString("x")});
    DictSet(arena, dict, tuple_key, arena.NewInt(5));
    DictSet(arena, dict, arena.NewTuple({arena.NewInt(1), arena.NewString("x")}), arena.NewInt(6));
    QCOMPARE(dict->entries.size(), size_t(3));
    QCOMPARE(dict->entries[2].second->integer, int64_t(6));
    QCOMPARE(DictGet(*dict, "1")->text, std::string("c"));
    QVERIFY(!DictGet(*dict, "zz"));
  }

  void unhashableKeysAreAppended() {
    Arena arena(1 << 20);
    Value* dict = arena.New(Kind::kDict);
    DictSet(arena, dict, arena.New(Kind::kList), arena.NewInt(1));
    DictSet(arena, dict, arena.New(Kind::kList), arena.NewInt(2));
    QCOMPARE(dict->entries.size(), size_t(2));
  }

  void keyTextForPaths() {
    Arena arena(1 << 20);
    QCOMPARE(KeyText(*arena.NewInt(-3)), std::string("-3"));
    QCOMPARE(KeyText(*arena.NewTuple({arena.NewInt(1)})), std::string("(1,)"));
    QCOMPARE(KeyText(*arena.NewTuple({arena.NewInt(1), arena.NewString("a")})), std::string("(1, a)"));
    QCOMPARE(KeyText(*arena.New(Kind::kNone)), std::string("None"));
    Arena big(uint64_t{1} << 30);
    Value* deep = big.NewInt(1);
    for (int i = 0; i < 100000; ++i) deep = big.NewTuple({deep});  // no stack overflow
    QVERIFY(KeyText(*deep).find("(...)") != std::string::npos);
  }

  void budgetIsEnforced() {
    Arena arena(1000);
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, arena.NewString(std::string(2000, 'x')));
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, arena.Charge(~uint64_t{0}));
  }

  void accessorsCheckKinds() {
    Arena arena(1 << 20);
    QCOMPARE(arena.NewInt(4)->AsInt("x"), int64_t(4));
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, arena.NewString("a")->AsInt("x"));
    QVERIFY_THROWS_EXCEPTION(corrlens::Error, arena.NewInt(1)->AsString("x"));
  }

  void sanitizeUtf8ReplacesInvalidBytes() {
    QCOMPARE(SanitizeUtf8("ok \xc3\xa9"), std::string("ok \xc3\xa9"));
    QCOMPARE(SanitizeUtf8("a\xff"
                          "b"),
             std::string("a\xef\xbf\xbd"
                         "b"));
    QCOMPARE(SanitizeUtf8("\xc0\x80"), std::string("\xef\xbf\xbd\xef\xbf\xbd"));  // overlong
    QCOMPARE(SanitizeUtf8("\xed\xa0\x80").size(), size_t(9));                     // surrogate
    QCOMPARE(SanitizeUtf8("\xe2\x82"), std::string("\xef\xbf\xbd\xef\xbf\xbd"));  // truncated
  }
};

QTEST_APPLESS_MAIN(PickleValueTest)
#include "pickle_value_test.moc"
