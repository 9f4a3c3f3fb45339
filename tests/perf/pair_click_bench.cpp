// Benchmark (not a test): latency from a click on the source image to all
// rows of the Pair workspace updated (matches + heatmap), for 4 models with
// cached ViT-B-sized feature maps (768 channels, 640 px: 80 x 64 tokens),
// and the hover-preview update rate.
//   bench_pair_click [--models 4] [--clicks 30]
#include <QApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>

#include <torch/torch.h>
#include <algorithm>
#include <cstdio>

#include "core/util/sample_data.h"
#include "ui/backend_provider.h"
#include "ui/job_runner.h"
#include "ui/pair_controller.h"
#include "ui/pair_document.h"
#include "ui/pair_workspace.h"
#include "ui/session_model.h"

using namespace corrlens;
using namespace corrlens::ui;

namespace {

// Random ViT-B-sized maps with the reference 640 px geometry.
class RandomVitMaps : public FeatureProvider {
 public:
  std::shared_ptr<const FeatureMap> Get(const cv::Mat& rgb, const std::string&, const ExtractOptions& options,
                                        const CancelToken&) override {
    auto map = std::make_shared<FeatureMap>();
    GridGeometry& g = map->geometry;
    g.image_width = rgb.cols;
    g.image_height = rgb.rows;
    const double scale = double(options.resolution) / std::max(rgb.cols, rgb.rows);
    g.grid_width = int(rgb.cols * scale) / options.downsample;
    g.grid_height = int(rgb.rows * scale) / options.downsample;
    g.patch = g.stride = 14;
    g.input_width = g.grid_width * 14;
    g.input_height = g.grid_height * 14;
    map->features = torch::randn({768, g.grid_height, g.grid_width});
    return map;
  }
  BackendInfo Info(const std::string& model) override { return {model, model, 768, "", "cpu"}; }
};

// Models whose maps are computed once (the comparison keeps them).
class CachedMaps : public BackendProvider {
 public:
  explicit CachedMaps(int models) : models_(models) {}
  QVector<ModelEntry> Models() override {
    QVector<ModelEntry> out;
    for (int i = 0; i < models_; ++i) out.push_back({QString("vit%1").arg(i), QString("ViT-B #%1").arg(i), true, ""});
    return out;
  }
  std::shared_ptr<FeatureProvider> Features() override { return maps_; }
  ModelEntry AddCustom(const QString&, const QString&, const QString&) override { return {}; }
  QStringList Architectures() override { return {}; }

 private:
  int models_;
  std::shared_ptr<RandomVitMaps> maps_ = std::make_shared<RandomVitMaps>();
};

double Percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(q * (v.size() - 1) + 0.5))];
}

}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  int models = 4, clicks = 30;
  for (int i = 1; i + 1 < argc; ++i) {
    if (!strcmp(argv[i], "--models")) models = atoi(argv[i + 1]);
    if (!strcmp(argv[i], "--clicks")) clicks = atoi(argv[i + 1]);
  }
  const QString data = QString::fromStdString(corrlens::OpenCvSampleDir());
  SessionModel session;
  JobRunner jobs;
  CachedMaps provider(models);
  PairWorkspace workspace(&session, &jobs, &provider);
  workspace.resize(1400, 300 * models);
  workspace.show();
  QString error;
  if (!workspace.Document()->LoadPair(data + "/graf1.png", data + "/graf3.png", &error)) {
    fprintf(stderr, "bench_pair_click: %s\n", qPrintable(error));
    return 1;
  }
  QStringList ids;
  for (const ModelEntry& m : provider.Models()) ids << m.id;
  session.SetModels(ids);
  PairController* controller = workspace.Controller();
  if (!QTest::qWaitFor([&] { return controller->IsIdle(); }, 60000)) return 1;

  auto measure = [&](auto&& action) {
    QElapsedTimer timer;
    timer.start();
    action();
    if (!QTest::qWaitFor([&] { return controller->IsIdle(); }, 10000)) fprintf(stderr, "timeout\n");
    QApplication::processEvents();  // paint
    return timer.nsecsElapsed() / 1e6;
  };
  std::vector<double> click_ms, hover_ms;
  for (int i = 0; i < clicks; ++i) {
    const QPointF p(50 + (i * 37) % 700, 40 + (i * 53) % 560);
    click_ms.push_back(measure([&] { workspace.Document()->AddPoint(p); }));
  }
  for (int i = 0; i < clicks; ++i) {
    const QPointF p(60 + (i * 23) % 680, 50 + (i * 31) % 540);
    hover_ms.push_back(measure([&] { emit workspace.sourceHovered(p); }));
  }
  printf("pair click -> %d rows updated (768-d maps, 640 px, features cached, %d points at the end)\n", models, clicks);
  printf("  click: median %.1f ms, p90 %.1f ms, max %.1f ms\n", Percentile(click_ms, 0.5), Percentile(click_ms, 0.9),
         *std::max_element(click_ms.begin(), click_ms.end()));
  printf("  hover: median %.1f ms, p90 %.1f ms (%.0f updates/s)\n", Percentile(hover_ms, 0.5),
         Percentile(hover_ms, 0.9), 1000.0 / Percentile(hover_ms, 0.5));
  return 0;
}
