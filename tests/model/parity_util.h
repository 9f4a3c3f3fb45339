// Runs one parity case: the same random weights (written by Python's
// torch.save or by our own writer), the same image and points through
// scripts/reference/dinov2_reference.py and through VitFeatureExtractor, and
// compares the feature map, the sampled descriptors and the CLS token.
#pragma once

#include "core/util/sample_data.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>

#include "core/io/image.h"
#include "core/model/vit_extractor.h"
#include "core/model/weight_io.h"
#include "model_test_util.h"

namespace corrlens::model::test {

struct ParityCase {
  std::string arch;                 // VitConfig::ForArch name
  int depth = 0;                    // 0 = full depth
  bool cpp_writes_weights = false;  // else Python's torch.save writes them
  enum class Adapter { kNone, kPython, kCpp } adapter = Adapter::kNone;
  ExtractOptions options;  // resolution / input size / stride / layer
  int sampling_patch = 0;  // 14 = the timm scripts' sampling
  cv::Mat image;           // RGB
  std::vector<std::pair<double, double>> points;
  uint64_t seed = 1;
};

struct ParityResult {
  double map_error = -1, point_error = -1, cls_error = -1;  // max|diff| / max|ref|
  int grid_h = 0, grid_w = 0;
};

inline std::string OpenCvData(const std::string& name) { return corrlens::OpenCvSampleDir() + "/" + name; }

// Evenly spread points plus corners and points outside the image.
inline std::vector<std::pair<double, double>> SpreadPoints(int width, int height) {
  std::vector<std::pair<double, double>> points = {
      {0, 0}, {width - 1.0, height - 1.0}, {-5, height / 2.0}, {width + 3.0, 1}};
  for (int i = 0; i < 12; ++i) points.emplace_back((i * 37.3 + 5) * width / 450.0, (i * 23.9 + 3) * height / 290.0);
  return points;
}

inline AdapterWeights RandomAdapter(const VitConfig& config, uint64_t seed) {
  torch::manual_seed(seed);
  AdapterWeights a;
  const int64_t c = config.embed_dim, n = 2 * std::min(4, config.depth);
  for (int64_t i = 0; i < n; ++i) {
    a.lora_a.push_back(torch::randn({4, c}) / std::sqrt(double(c)));
    a.lora_b.push_back(torch::randn({c, 4}) * 0.05);
  }
  a.refine_weight = torch::randn({c, c, 3, 3}) / std::sqrt(9.0 * c);
  a.refine_bias = torch::randn({c}) * 0.02;
  return a;
}

// All cases of one test: inputs (and C++-written weights) are prepared for
// every case, the reference runs once (`--batch`, one Python start-up), then
// each case is checked on its own.
class ParitySuite {
 public:
  void Add(const std::string& name, ParityCase pc) { cases_.emplace_back(name, std::move(pc)); }

  // Writes inputs and runs the reference for every case; false on failure.
  bool RunReference() {
    QJsonArray batch;
    for (auto& [name, pc] : cases_) batch.append(QJsonArray::fromStringList(PrepareCase(name, pc)));
    const QString list = dir_.filePath("batch.json");
    QFile file(list);
    if (!file.open(QIODevice::WriteOnly)) return false;
    file.write(QJsonDocument(batch).toJson());
    file.close();
    return RunPython({QString::fromStdString(ReferenceScript()), "--batch", list});
  }

  // Runs the C++ side of case `name` and compares with the reference output.
  ParityResult Check(const std::string& name) {
    ParityResult result;
    for (auto& [n, pc] : cases_)
      if (n == name) result = CheckCase(n, pc);
    return result;
  }

 private:
  std::string Path(const std::string& name, const char* file) const {
    return dir_.filePath(QString::fromStdString(name + "_" + file)).toStdString();
  }

  static VitConfig Config(const ParityCase& pc) {
    VitConfig config = VitConfig::ForArch(pc.arch);
    if (pc.depth > 0) config.depth = pc.depth;
    return config;
  }

  QStringList PrepareCase(const std::string& name, const ParityCase& pc) {
    const VitConfig config = Config(pc);
    auto q = [&](const char* file) { return QString::fromStdString(Path(name, file)); };
    SaveImageNpy(Path(name, "image.npy"), pc.image);
    std::vector<float> flat;
    for (const auto& [x, y] : pc.points) flat.insert(flat.end(), {float(x), float(y)});
    SaveNpy(Path(name, "points.npy"),
            torch::from_blob(flat.data(), {int64_t(pc.points.size()), 2}, torch::kFloat).clone());
    QStringList args = {"--arch",    QString::fromStdString(pc.arch),
                        "--depth",   QString::number(config.depth),
                        "--image",   q("image.npy"),
                        "--points",  q("points.npy"),
                        "--out-dir", q("out"),
                        "--res",     QString::number(pc.options.resolution),
                        "--seed",    QString::number(pc.seed),
                        "--layer",   pc.options.layer == FeatureLayer::kNorm ? "norm" : "prenorm"};
    if (pc.options.input_width > 0)
      args << "--input-size" << QString("%1x%2").arg(pc.options.input_width).arg(pc.options.input_height);
    if (pc.options.stride > 0) args << "--stride" << QString::number(pc.options.stride);
    if (pc.sampling_patch > 0) args << "--sampling-patch" << QString::number(pc.sampling_patch);
    if (pc.cpp_writes_weights) {
      VisionTransformer source(config);
      source->RandomInit(pc.seed);
      io::WriteTorchCheckpoint(Path(name, "weights.pth"), BackboneStateDict(*source));
      args << "--weights" << q("weights.pth");
    } else {
      args << "--random-weights-out" << q("weights.pth");
    }
    if (pc.adapter == ParityCase::Adapter::kCpp) {
      WriteAdapter(Path(name, "adapter.ckpt"), RandomAdapter(config, pc.seed));
      args << "--adapter" << q("adapter.ckpt");
    } else if (pc.adapter == ParityCase::Adapter::kPython) {
      args << "--random-adapter-out" << q("adapter.ckpt");
    }
    return args;
  }

  ParityResult CheckCase(const std::string& name, const ParityCase& pc) {
    const VitConfig config = Config(pc);
    VisionTransformer model(config);
    LoadBackboneWeights(*model, Path(name, "weights.pth"));
    RefineHead refine{nullptr};
    if (pc.adapter != ParityCase::Adapter::kNone) {
      refine = RefineHead(config.embed_dim);
      ApplyAdapter(*model, *refine, ReadAdapter(Path(name, "adapter.ckpt")));
    }
    VitFeatureExtractor extractor(model, refine, "cpu");
    const PreparedImage prepared = extractor.Prepare(pc.image, pc.options);
    at::Tensor cls;
    const FeatureMap map = extractor.ExtractPrepared(prepared, pc.options, CancelToken(), &cls);
    ParityResult r;
    r.grid_h = map.geometry.grid_height;
    r.grid_w = map.geometry.grid_width;
    const std::string out = Path(name, "out");
    r.map_error = RelativeError(map.features.permute({1, 2, 0}), LoadNpy(out + "/map.npy"));
    r.point_error =
        RelativeError(SampleReferencePoints(map, pc.points, true, pc.sampling_patch), LoadNpy(out + "/points.npy"));
    r.cls_error = RelativeError(cls[0], LoadNpy(out + "/cls.npy"));
    qInfo("%s depth %d grid %dx%d: map %.2e, points %.2e, cls %.2e", pc.arch.c_str(), config.depth, r.grid_h, r.grid_w,
          r.map_error, r.point_error, r.cls_error);
    return r;
  }

  QTemporaryDir dir_;
  std::vector<std::pair<std::string, ParityCase>> cases_;
};

// The acceptance bound: max abs error <= 1e-4 of the feature scale.
inline bool WithinTolerance(const ParityResult& r) {
  auto ok = [](double e) { return e >= 0 && e <= 1e-4; };
  return ok(r.map_error) && ok(r.point_error) && ok(r.cls_error);
}

// Runs case `name` of `suite` and checks its token grid and the tolerance
// (QtTest macros: call from a test slot or another void function).
inline void CheckParity(ParitySuite& suite, const std::string& name, int grid_h, int grid_w) {
  const ParityResult r = suite.Check(name);
  QCOMPARE(r.grid_h, grid_h);
  QCOMPARE(r.grid_w, grid_w);
  QVERIFY2(WithinTolerance(r),
           qPrintable(QString("map %1 points %2 cls %3").arg(r.map_error).arg(r.point_error).arg(r.cls_error)));
}

}  // namespace corrlens::model::test
