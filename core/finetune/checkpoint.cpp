#include "core/finetune/checkpoint.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/io/tensor_file.h"
#include "core/io/torch_convert.h"
#include "core/util/check.h"
#include "core/util/error.h"
#include "core/util/fs_cleanup.h"

namespace corrlens::finetune {
namespace {

io::TensorData Cpu(const at::Tensor& t) { return io::FromTorch(t.detach().to(at::kCPU, at::kFloat).contiguous()); }

}  // namespace

std::string BackboneSize(const std::string& arch) {
  for (const auto& [tag, size] : {std::pair{"vits", "small"}, {"vitb", "base"}, {"vitl", "large"}, {"vitg", "giant"}})
    if (arch.find(tag) != std::string::npos) return size;
  return arch;
}

void WriteFinetuneCheckpoint(const std::string& path, const FinetuneCheckpoint& ckpt) {
  const auto& a = ckpt.adapter;
  CL_CHECK(a.refine_weight.defined() && a.lora_a.size() == a.lora_b.size()) << "incomplete adapter";
  fs::RemoveStaleTemporaries(path);  // left by a run that was killed while saving
  std::vector<io::NamedTensor> tensors;
  tensors.push_back({"state_dict.refine_conv.weight", Cpu(a.refine_weight)});
  tensors.push_back({"state_dict.refine_conv.bias", Cpu(a.refine_bias)});
  for (size_t i = 0; i < a.lora_a.size(); ++i) tensors.push_back({fmt::format("w_a_{:03d}", i), Cpu(a.lora_a[i])});
  for (size_t i = 0; i < a.lora_b.size(); ++i) tensors.push_back({fmt::format("w_b_{:03d}", i), Cpu(a.lora_b[i])});
  const auto& opt = ckpt.optimizer;
  for (size_t i = 0; i < opt.exp_avg.size(); ++i) {
    tensors.push_back({fmt::format("optimizer.exp_avg.{:03d}", i), Cpu(opt.exp_avg[i])});
    tensors.push_back({fmt::format("optimizer.exp_avg_sq.{:03d}", i), Cpu(opt.exp_avg_sq[i])});
  }
  io::TorchWriteOptions options;
  options.nest = true;
  options.archive_name = "checkpoint";
  options.extra =
      std::make_shared<const nlohmann::json>(nlohmann::json{{"epoch", ckpt.epoch},
                                                            {"global_step", ckpt.global_step},
                                                            {"pytorch-lightning_version", "2.2.5"},
                                                            {"hyper_parameters",
                                                             {{"backbone", ckpt.backbone},
                                                              {"backbone_size", BackboneSize(ckpt.backbone)},
                                                              {"r", a.Rank()},
                                                              {"reg", ckpt.reg},
                                                              {"bf16", ckpt.bf16}}},
                                                            {"optimizer", {{"step", opt.step}}},
                                                            {"seed", ckpt.seed}});
  io::WriteTorchCheckpoint(path, tensors, options);  // atomic
}

FinetuneCheckpoint ReadFinetuneCheckpoint(const std::string& path) {
  const io::TensorFile file = io::ReadTensorFile(path);
  FinetuneCheckpoint ckpt;
  ckpt.adapter = model::ReadAdapter(file);
  const nlohmann::json meta = file.metadata ? *file.metadata : nlohmann::json::object();
  auto integer = [&](const nlohmann::json& j, const char* key) -> int64_t {
    return j.is_object() && j.contains(key) && j[key].is_number_integer() ? j[key].get<int64_t>() : 0;
  };
  ckpt.global_step = integer(meta, "global_step");
  ckpt.epoch = integer(meta, "epoch");
  ckpt.seed = integer(meta, "seed");
  if (meta.contains("hyper_parameters") && meta["hyper_parameters"].is_object()) {
    const auto& hp = meta["hyper_parameters"];
    if (hp.contains("backbone") && hp["backbone"].is_string()) ckpt.backbone = hp["backbone"].get<std::string>();
    if (hp.contains("reg") && hp["reg"].is_boolean()) ckpt.reg = hp["reg"].get<bool>();
    if (hp.contains("bf16") && hp["bf16"].is_boolean()) ckpt.bf16 = hp["bf16"].get<bool>();
  }
  if (meta.contains("optimizer")) ckpt.optimizer.step = integer(meta["optimizer"], "step");
  const size_t count = 2 * ckpt.adapter.lora_a.size() + 2;
  for (size_t i = 0; i < count; ++i) {
    const io::TensorData* m = file.Find(fmt::format("optimizer.exp_avg.{:03d}", i));
    const io::TensorData* v = file.Find(fmt::format("optimizer.exp_avg_sq.{:03d}", i));
    if (!m || !v) {
      if (i > 0)
        throw Error("optimizer state incomplete", {path, std::nullopt, fmt::format("optimizer.exp_avg.{:03d}", i)});
      ckpt.optimizer = {};  // adapter-only checkpoint: fresh optimizer
      break;
    }
    ckpt.optimizer.exp_avg.push_back(io::ToTorch(*m).to(at::kFloat).clone());
    ckpt.optimizer.exp_avg_sq.push_back(io::ToTorch(*v).to(at::kFloat).clone());
  }
  return ckpt;
}

}  // namespace corrlens::finetune
