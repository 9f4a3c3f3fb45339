// The PF-PASCAL pair lists: both real CSVs of the reference (shipped in
// resources/data/pf-pascal) and malformed ones.
#include <QTemporaryDir>
#include <QtTest>
#include "tests/common/test_paths.h"

#include <fstream>
#include <numeric>

#include "core/bench/pf_pascal.h"
#include "core/util/error.h"

using namespace corrlens;
using namespace corrlens::bench;

namespace {

const std::string kDir = corrlens::test::SourceDir() + "/resources/data/pf-pascal/";

std::string Write(const QTemporaryDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir.filePath(QString::fromStdString(name)).toStdString();
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

QString ErrorOf(const std::string& path) {
  try {
    ReadPfPascalPairs(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

class PfPascalTest : public QObject {
  Q_OBJECT

 private slots:
  void ReadsBothReferenceFiles() {
    for (const char* name : {"test_pairs_pf_different_views.csv", "test_pairs_pf_same_views.csv"}) {
      const PfPascalPairs pairs = ReadPfPascalPairs(kDir + name);
      QCOMPARE(pairs.pairs.size(), size_t(299));
      std::vector<int> per_class(20, 0);
      for (const PfPascalPair& p : pairs.pairs) ++per_class[p.category];
      QCOMPARE(per_class, PfPascalWeights());  // the reference's weights are the pair counts
      QCOMPARE(pairs.pairs[0].row, 0);
      QCOMPARE(pairs.pairs[0].source_image.rfind("PF-dataset-PASCAL/JPEGImages/", 0), size_t(0));
      int aligned = 0;
      for (const PfPascalPair& p : pairs.pairs)
        aligned += static_cast<int>(std::min(p.source_points.size(), p.target_points.size()));
      const bool different = std::string(name).find("different") != std::string::npos;
      QCOMPARE(pairs.mismatched_rows, different ? 131 : 0);
      QCOMPARE(aligned, different ? 2259 : 2414);
    }
    QCOMPARE(PfPascalClasses().size(), size_t(20));
    QCOMPARE(std::accumulate(PfPascalWeights().begin(), PfPascalWeights().end(), 0), 299);
  }

  void RootIsTheFolderAbovePfDatasetPascal() {
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkpath("PF-dataset-PASCAL"));
    const std::string csv = Write(dir, "PF-dataset-PASCAL/p.csv",
                                  "source_image,target_image,class,XA,YA,XB,YB\na.jpg,b.jpg,3,1;2,3;4,5,6\n");
    const PfPascalPairs pairs = ReadPfPascalPairs(csv);
    QCOMPARE(pairs.root, dir.path().toStdString());
    QCOMPARE(pairs.pairs[0].category, 2);
    QCOMPARE(pairs.pairs[0].source_points[1], cv::Point2d(2, 4));
    QCOMPARE(pairs.mismatched_rows, 1);
  }

  void MalformedFilesNameTheLine() {
    QTemporaryDir dir;
    const std::string header = "source_image,target_image,class,XA,YA,XB,YB\n";
    QVERIFY(ErrorOf(Write(dir, "h.csv", "a,b,c\n")).contains("unexpected header"));
    QVERIFY(ErrorOf(Write(dir, "e.csv", header)).contains("no pairs"));
    QVERIFY(ErrorOf(Write(dir, "c.csv", header + "a,b,21,1,1,1,1\n")).contains("line 2"));
    QVERIFY(ErrorOf(Write(dir, "f.csv", header + "a,b,1,1;x,1;2,1,1\n")).contains("bad coordinate 'x'"));
    QVERIFY(ErrorOf(Write(dir, "n.csv", header + "a,b,1,1;2,1,1,1\n")).contains("differ in length"));
    QVERIFY(ErrorOf(Write(dir, "k.csv", header + "a,b,1,1,1\n")).contains("expected 7"));
    QVERIFY(ErrorOf(Write(dir, "i.csv", header + "a,b,1,1;inf,1;2,1,1\n")).contains("bad coordinate"));
    QVERIFY(ErrorOf(dir.filePath("missing.csv").toStdString()).contains("not found"));
    QVERIFY(ErrorOf(Write(dir, "c.csv", header + "a,b,21,1,1,1,1\n")).startsWith(dir.filePath("c.csv")));
  }
};

QTEST_APPLESS_MAIN(PfPascalTest)
#include "pf_pascal_test.moc"
