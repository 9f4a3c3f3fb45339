#include <QtTest>

#include "core/util/check.h"
#include "core/util/error.h"

class ErrorTest : public QObject {
  Q_OBJECT
 private slots:
  void formatsOneLineWithLocationAndCause() {
    corrlens::Error e("truncated tensor data", {"model.pth", 1234, "blocks.0.attn.qkv.weight"}, "incomplete download");
    const std::string text = e.what();
    QCOMPARE(QString::fromStdString(text), QString("model.pth: truncated tensor data (at byte 1234, key "
                                                   "'blocks.0.attn.qkv.weight'; likely cause: incomplete download)"));
    QVERIFY(text.find('\n') == std::string::npos);
  }
  void newlinesAreFlattened() {
    corrlens::Error e("line one\nline two");
    QVERIFY(std::string(e.what()).find('\n') == std::string::npos);
  }
  void withFileFillsOnlyEmptyFile() {
    corrlens::Error e("bad", {"", 3, ""});
    QCOMPARE(QString::fromStdString(e.WithFile("a.npy").where().file), QString("a.npy"));
    corrlens::Error f("bad", {"b.npy"});
    QCOMPARE(QString::fromStdString(f.WithFile("a.npy").where().file), QString("b.npy"));
  }
  void checkThrowsInsteadOfAborting() {
    bool thrown = false;
    try {
      int a = 2, b = 3;
      CL_CHECK_EQ(a, b) << "sizes differ";
    } catch (const corrlens::Error& e) {
      thrown = true;
      QVERIFY(std::string(e.what()).find("sizes differ") != std::string::npos);
      QVERIFY(std::string(e.what()).find("2 vs 3") != std::string::npos);
    }
    QVERIFY(thrown);
    CL_CHECK(true) << "never thrown";
  }
};

QTEST_APPLESS_MAIN(ErrorTest)
#include "error_test.moc"
