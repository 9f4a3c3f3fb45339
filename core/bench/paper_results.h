// The paper's published numbers (arXiv v1 tables, resources/data/paper/
// paper_results.csv with its provenance README) looked up for a CorrLens
// task, metric and model, so every chart and table can show them beside ours
// with their source.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace corrlens::bench {

struct PaperValue {
  std::string table;     // "Table 10 (arXiv v1)"
  std::string backbone;  // as printed: "DINOv2", "DINOv2-S-reg", "CLIP"
  std::string variant;   // "baseline" or "finetuned"
  std::string task;      // the CSV's task, e.g. "semantic_transfer_PF-PASCAL_different_view"
  std::string metric;    // as printed: "PCK@0.05"
  double value = 0.0;    // as a fraction (the CSV's percentages / 100)
  std::string notes;
};

class PaperResults {
 public:
  // Reads the CSV; throws corrlens::Error naming the file and line.
  static PaperResults Read(const std::string& csv);
  // resources/data/paper/paper_results.csv of the source tree or the install
  // ($CORRLENS_DATA_DIR, then the build's source dir, then /usr/share/corrlens).
  static std::string DefaultPath();

  // The paper's value for our `task` ("transfer", "equivariance", ...,
  // with `protocol` "paper"/"standard" for transfer), our `metric`
  // ("pck_0.10", "pcdp@0.05", "ape") and our model name
  // ("dinov2_vitb14+3dcorr"); nullopt when the paper has none. Only the main
  // result tables count (Tables 5-12), never an ablation.
  std::optional<PaperValue> Find(const std::string& task, const std::string& protocol, const std::string& metric,
                                 const std::string& model) const;
  const std::vector<PaperValue>& All() const { return values_; }

 private:
  std::vector<PaperValue> values_;
};

// The paper's backbone label and variant for a catalog name, e.g.
// "dinov2_vits14_reg+3dcorr" -> {"DINOv2-S-reg", "finetuned"}; {"", ""} when
// the paper has no such backbone. Unlabelled "DINOv2" in the paper is ViT-B/14.
std::pair<std::string, std::string> PaperBackbone(const std::string& model);

}  // namespace corrlens::bench
