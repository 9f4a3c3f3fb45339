// ReturnFreeHeapMemory gives freed heap pages back even under a high trim
// threshold (the setting core/model uses for inference).
#include <QtTest>

#include <malloc.h>

#include <cstring>
#include <vector>

#include "core/util/heap.h"

class HeapTest : public QObject {
  Q_OBJECT

 private slots:
  void returnsFreedPages() {
    mallopt(M_MMAP_THRESHOLD, 32 << 20);  // 1 MB blocks come from the heap
    mallopt(M_TRIM_THRESHOLD, 1 << 30);   // and free() keeps them resident
    const int64_t before = corrlens::ResidentBytes();
    QVERIFY(before > 0);
    std::vector<char*> blocks;
    for (int i = 0; i < 128; ++i) {
      blocks.push_back(static_cast<char*>(std::malloc(1 << 20)));
      std::memset(blocks.back(), 1, 1 << 20);
    }
    char* keep = static_cast<char*>(std::malloc(4096));  // pins the heap top
    const int64_t used = corrlens::ResidentBytes();
    QVERIFY2(used - before > (100 << 20), qPrintable(QString::number(used - before)));
    for (char* b : blocks) std::free(b);
    const int64_t freed = corrlens::ResidentBytes();
    QVERIFY(freed - before > (100 << 20));  // still resident
    corrlens::ReturnFreeHeapMemory();
    const int64_t trimmed = corrlens::ResidentBytes();
    QVERIFY2(freed - trimmed > (100 << 20), qPrintable(QString("%1 -> %2").arg(freed).arg(trimmed)));
    std::free(keep);
  }
};

QTEST_APPLESS_MAIN(HeapTest)
#include "heap_test.moc"
