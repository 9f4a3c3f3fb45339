// The versions kill_writer writes and the checks kill_test applies: version
// `i` of each kind is a function of `i` alone, so a file that mixes two
// versions or is cut short is recognised.
#pragma once

#include <QJsonArray>
#include <QJsonObject>

#include <torch/types.h>

#include <fstream>
#include <iterator>
#include <string>

#include "core/bench/report.h"
#include "core/feature/feature_map.h"
#include "core/finetune/checkpoint.h"
#include "tests/common/local_http_server.h"
#include "ui/session_file.h"

namespace corrlens::reliability {

constexpr int kCacheKeys = 4;

inline std::string CacheKey(long i) { return "kill-test-" + std::to_string(i % kCacheKeys); }

// [64, 32, 32] floats (256 KB), every value i.
inline FeatureMap CacheMap(long i) {
  FeatureMap map;
  map.features = torch::full({64, 32, 32}, static_cast<float>(i));
  map.geometry.image_width = map.geometry.image_height = 448;
  map.geometry.input_width = map.geometry.input_height = 448;
  map.geometry.grid_width = map.geometry.grid_height = 32;
  map.backend_id = "kill-test";
  return map;
}

// "" when `map` is a complete version written under `key`, else the defect.
inline std::string CheckCacheMap(const std::string& key, const FeatureMap& map) {
  if (!map.Valid() || map.features.sizes() != torch::IntArrayRef({64, 32, 32})) return "wrong shape";
  const float v = map.features.flatten()[0].item<float>();
  if (!torch::all(map.features == v).item<bool>()) return "values of two versions";
  if (CacheKey(static_cast<long>(v)) != key) return "a version of another key";
  return "";
}

// A pair session whose points are (i % 50 + 1) copies of [i, i + 0.5].
inline ui::SessionContents SessionVersion(long i) {
  ui::SessionContents contents;
  contents.shared.insert("models", QJsonArray{"dense_sift"});
  QJsonArray points;
  for (long k = 0; k <= i % 50; ++k) points.append(QJsonArray{double(i), i + 0.5});
  QJsonObject pair;
  pair.insert("points", points);
  pair.insert("active_point", 0);
  contents.workspaces.insert("pair", pair);
  return contents;
}

inline std::string CheckSession(const ui::SessionContents& contents) {
  const QJsonArray points = contents.workspaces.value("pair").value("points").toArray();
  if (points.isEmpty()) return "no points";
  const double v = points[0].toArray()[0].toDouble();
  const long i = static_cast<long>(v);
  if (points.size() != i % 50 + 1) return "point count of another version";
  for (const auto& p : points) {
    if (p.toArray()[0].toDouble() != v || p.toArray()[1].toDouble() != v + 0.5) return "points of two versions";
  }
  return "";
}

// An adapter (rank 2, 8 channels, 2 blocks) whose every weight is i.
inline finetune::FinetuneCheckpoint CheckpointVersion(long i) {
  finetune::FinetuneCheckpoint c;
  const float v = static_cast<float>(i);
  for (int b = 0; b < 2; ++b) {
    c.adapter.lora_a.push_back(torch::full({2, 8}, v));
    c.adapter.lora_b.push_back(torch::full({8, 2}, v));
  }
  c.adapter.refine_weight = torch::full({8, 8, 3, 3}, v);
  c.adapter.refine_bias = torch::full({8}, v);
  c.global_step = i;
  c.backbone = "dinov2_vits14";
  return c;
}

inline std::string CheckCheckpoint(const finetune::FinetuneCheckpoint& c) {
  const float v = static_cast<float>(c.global_step);
  if (c.adapter.lora_a.size() != 2 || c.adapter.lora_b.size() != 2 || !c.adapter.refine_weight.defined())
    return "missing tensors";
  for (const auto& t : {c.adapter.lora_a[0], c.adapter.lora_a[1], c.adapter.lora_b[0], c.adapter.lora_b[1],
                        c.adapter.refine_weight, c.adapter.refine_bias}) {
    if (!torch::all(t == v).item<bool>()) return "weights of another step";
  }
  return "";
}

// A report with one row whose metric "value" is i and 20 items i + k.
inline bench::Report ResultsReport(long i) {
  bench::Report report;
  report.task = "kill-test";
  bench::ReportRow row;
  row.model = "m";
  row.metrics.Set("value", double(i), bench::Unit::kCount);
  for (int k = 0; k < 20; ++k) {
    bench::ReportItem item;
    item.id = std::to_string(k);
    item.metrics.Set("value", double(i + k), bench::Unit::kCount);
    row.items.push_back(item);
  }
  report.rows.push_back(row);
  return report;
}

inline std::string CheckReport(const bench::Report& report) {
  if (report.rows.size() != 1 || report.rows[0].items.size() != 20) return "rows or items missing";
  const double v = report.rows[0].metrics.Get("value");
  for (int k = 0; k < 20; ++k) {
    if (report.rows[0].items[k].metrics.Get("value") != v + k) return "items of another run";
  }
  return "";
}

// Downloads: the loopback server's deterministic files, 2 MB each, three
// names in rotation.
constexpr int kDownloadBytes = 2'000'000;

inline std::string DownloadName(long i) { return "file-" + std::to_string(i % 3) + ".bin"; }

// "" when the file at `path` is exactly the server's `name`.
inline std::string CheckDownload(const std::string& path, const std::string& name) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const QByteArray expected = test::ServerContent(QString::fromStdString(name), kDownloadBytes);
  if (bytes.size() != size_t(expected.size())) return "cut short: " + std::to_string(bytes.size()) + " bytes";
  if (bytes != expected.toStdString()) return "wrong bytes";
  return "";
}

}  // namespace corrlens::reliability
