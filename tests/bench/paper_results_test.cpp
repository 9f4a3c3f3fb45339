// The paper's published numbers (resources/data/paper/paper_results.csv):
// parsing, units and the lookup for our task/metric/model names.
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

#include "core/bench/paper_results.h"
#include "core/util/error.h"

using namespace corrlens;
using namespace corrlens::bench;

class PaperResultsTest : public QObject {
  Q_OBJECT

 private slots:
  void ReadsEveryRow() {
    const PaperResults results = PaperResults::Read(PaperResults::DefaultPath());
    QCOMPARE(results.All().size(), size_t(644));
  }

  void FindsMainTableValuesNotAblations() {
    const PaperResults results = PaperResults::Read(PaperResults::DefaultPath());
    // Table 10 (different views): DINOv2 56.90 -> finetuned 60.76; the Table 2
    // ablation rows (Conv 0: 57.14, ...) must not be picked.
    const auto base = results.Find("transfer", "paper", "pck_0.10", "dinov2_vitb14");
    QVERIFY(base);
    QCOMPARE(base->table, std::string("Table 10 (arXiv v1)"));
    QVERIFY(std::abs(base->value - 0.5690) < 1e-12);  // a fraction
    const auto tuned = results.Find("transfer", "paper", "pck_0.10", "dinov2_vitb14+3dcorr");
    QVERIFY(tuned && std::abs(tuned->value - 0.6076) < 1e-12);
    QVERIFY(results.Find("transfer", "standard", "pck_0.10", "dinov2_vitb14"));  // Table 11, same view
    const auto small = results.Find("transfer", "paper", "pck_0.05", "dinov2_vits14+3dcorr");
    QVERIFY(small && small->table == "Table 12 (arXiv v1)" && std::abs(small->value - 0.4102) < 1e-12);
    QVERIFY(results.Find("equivariance", "", "ape", "clip_vitb16"));
    QVERIFY(!results.Find("transfer", "paper", "pck_0.10", "dense_sift"));  // not in the paper
    QVERIFY(!results.Find("homography", "", "pck@5px", "dinov2_vitb14"));
    // Pose: Table 7's 5cm-5deg, not Table 2's ablation (72.83).
    const auto pose = results.Find("pose", "", "pose_5cm_5deg", "dinov2_vitb14+3dcorr");
    QVERIFY(pose && pose->table == "Table 7 (arXiv v1)" && std::abs(pose->value - 0.7735) < 1e-12);
    QVERIFY(results.Find("pose", "", "pose_1cm_1deg", "dinov2_vitb14"));
  }

  void MapsCatalogNames() {
    QCOMPARE(PaperBackbone("dinov2_vitb14"), (std::pair<std::string, std::string>{"DINOv2", "baseline"}));
    QCOMPARE(PaperBackbone("dinov2_vits14_reg+3dcorr"),
             (std::pair<std::string, std::string>{"DINOv2-S-reg", "finetuned"}));
    QCOMPARE(PaperBackbone("deit3_vitb16"), (std::pair<std::string, std::string>{"DeiT", "baseline"}));
    QCOMPARE(PaperBackbone("dense_sift").first, std::string());
  }

  void Errors() {
    QTemporaryDir dir;
    const std::string bad = dir.filePath("bad.csv").toStdString();
    std::ofstream(bad) << "a,b,c\n";
    QVERIFY_THROWS_EXCEPTION(Error, PaperResults::Read(bad));
    QVERIFY_THROWS_EXCEPTION(Error, PaperResults::Read(dir.filePath("missing.csv").toStdString()));
    std::ofstream(bad) << "table,backbone,variant,task,metric,value,units,source_url,notes\nT,B,v,t,m,abc,%,u,n\n";
    QVERIFY_THROWS_EXCEPTION(Error, PaperResults::Read(bad));
  }
};

QTEST_APPLESS_MAIN(PaperResultsTest)
#include "paper_results_test.moc"
