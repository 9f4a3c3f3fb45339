#include "core/model/weight_io.h"

#include <torch/torch.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "core/io/tensor_file.h"
#include "core/io/torch_convert.h"
#include "core/util/check.h"
#include "core/util/error.h"

namespace corrlens::model {
namespace {

// A tensor provided by the file under our (hub) name, with its source key.
// Data is converted only when copied into the model (one tensor at a time,
// so loading a 1B-parameter file needs no second full copy).
struct Provided {
  std::vector<const io::TensorData*> parts;  // one tensor, or HF query/key/value
  std::string source;
  std::vector<int64_t> shape;  // after fusing the parts along dim 0

  at::Tensor Materialize() const {
    if (parts.size() == 1) return io::ToTorch(*parts[0]);
    std::vector<at::Tensor> tensors;
    for (const io::TensorData* part : parts) tensors.push_back(io::ToTorch(*part));
    return at::cat(tensors, 0);
  }
};

bool StartsWith(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

std::string ShapeText(at::IntArrayRef sizes) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < sizes.size(); ++i) out << (i ? "," : "") << sizes[i];
  out << "]";
  return out.str();
}

// Keys some checkpoints carry that a feature backbone does not use.
bool Ignorable(const std::string& key) {
  static const char* kPrefixes[] = {"head.",   "head_dist.", "fc_norm.",   "classifier.",
                                    "pooler.", "dist_token", "mask_token", "embeddings.mask_token"};
  for (const char* p : kPrefixes)
    if (StartsWith(key, p)) return true;
  return key == "head";
}

// Hugging Face transformers Dinov2 name -> hub name ("" if not a backbone key).
// q/k/v parts map to "<hub qkv name>#q" etc. and are fused afterwards.
std::string HubNameFromHf(const std::string& key) {
  static const std::map<std::string, std::string> kTop = {
      {"embeddings.cls_token", "cls_token"},
      {"embeddings.mask_token", "mask_token"},
      {"embeddings.position_embeddings", "pos_embed"},
      {"embeddings.register_tokens", "register_tokens"},
      {"embeddings.patch_embeddings.projection.weight", "patch_embed.proj.weight"},
      {"embeddings.patch_embeddings.projection.bias", "patch_embed.proj.bias"},
      {"layernorm.weight", "norm.weight"},
      {"layernorm.bias", "norm.bias"}};
  if (auto it = kTop.find(key); it != kTop.end()) return it->second;
  static const std::regex kLayer(R"(encoder\.layer\.(\d+)\.(.+))");
  std::smatch m;
  if (!std::regex_match(key, m, kLayer)) return "";
  const std::string block = "blocks." + m[1].str() + ".";
  const std::string rest = m[2].str();
  static const std::map<std::string, std::string> kBlock = {{"norm1.weight", "norm1.weight"},
                                                            {"norm1.bias", "norm1.bias"},
                                                            {"norm2.weight", "norm2.weight"},
                                                            {"norm2.bias", "norm2.bias"},
                                                            {"attention.output.dense.weight", "attn.proj.weight"},
                                                            {"attention.output.dense.bias", "attn.proj.bias"},
                                                            {"layer_scale1.lambda1", "ls1.gamma"},
                                                            {"layer_scale2.lambda1", "ls2.gamma"},
                                                            {"mlp.fc1.weight", "mlp.fc1.weight"},
                                                            {"mlp.fc1.bias", "mlp.fc1.bias"},
                                                            {"mlp.fc2.weight", "mlp.fc2.weight"},
                                                            {"mlp.fc2.bias", "mlp.fc2.bias"},
                                                            {"mlp.weights_in.weight", "mlp.w12.weight"},
                                                            {"mlp.weights_in.bias", "mlp.w12.bias"},
                                                            {"mlp.weights_out.weight", "mlp.w3.weight"},
                                                            {"mlp.weights_out.bias", "mlp.w3.bias"}};
  if (auto it = kBlock.find(rest); it != kBlock.end()) return block + it->second;
  static const std::regex kQkv(R"(attention\.attention\.(query|key|value)\.(weight|bias))");
  if (std::regex_match(rest, m, kQkv)) return block + "attn.qkv." + m[2].str() + "#" + m[1].str();
  return "";
}

// Reverse of HubNameFromHf for everything but the fused qkv.
std::string HfNameFromHub(const std::string& name) {
  static const std::map<std::string, std::string> kTop = {
      {"cls_token", "embeddings.cls_token"},
      {"mask_token", "embeddings.mask_token"},
      {"pos_embed", "embeddings.position_embeddings"},
      {"register_tokens", "embeddings.register_tokens"},
      {"patch_embed.proj.weight", "embeddings.patch_embeddings.projection.weight"},
      {"patch_embed.proj.bias", "embeddings.patch_embeddings.projection.bias"},
      {"norm.weight", "layernorm.weight"},
      {"norm.bias", "layernorm.bias"}};
  if (auto it = kTop.find(name); it != kTop.end()) return it->second;
  static const std::regex kBlock(R"(blocks\.(\d+)\.(.+))");
  std::smatch m;
  if (!std::regex_match(name, m, kBlock)) return name;
  static const std::map<std::string, std::string> kRest = {{"attn.proj.weight", "attention.output.dense.weight"},
                                                           {"attn.proj.bias", "attention.output.dense.bias"},
                                                           {"ls1.gamma", "layer_scale1.lambda1"},
                                                           {"ls2.gamma", "layer_scale2.lambda1"},
                                                           {"mlp.w12.weight", "mlp.weights_in.weight"},
                                                           {"mlp.w12.bias", "mlp.weights_in.bias"},
                                                           {"mlp.w3.weight", "mlp.weights_out.weight"},
                                                           {"mlp.w3.bias", "mlp.weights_out.bias"}};
  const std::string rest = m[2].str();
  auto it = kRest.find(rest);
  return "encoder.layer." + m[1].str() + "." + (it != kRest.end() ? it->second : rest);
}

// Backbone parameters of the model by hub name (LoRA excluded).
std::map<std::string, at::Tensor> ExpectedParameters(const VisionTransformerImpl& model) {
  std::map<std::string, at::Tensor> expected;
  for (const auto& item : model.named_parameters(/*recurse=*/true))
    if (item.key().find(".lora.") == std::string::npos) expected.emplace(item.key(), item.value());
  return expected;
}

// Wrapper prefixes checkpoints put before the state dict keys.
const std::vector<std::string>& WrapperPrefixes() {
  static const std::vector<std::string> kPrefixes = {
      "",        "model.", "state_dict.",       "module.",       "backbone.",
      "dinov2.", "vit.",   "teacher.backbone.", "model.dinov2.", "encoder."};
  return kPrefixes;
}

std::string MapKey(const std::string& key, WeightLayout layout) {
  return layout == WeightLayout::kHuggingFace ? HubNameFromHf(key) : key;
}

// Picks the wrapper prefix and the layout that explain the most keys.
void ChooseLayout(const io::TensorFile& file, const std::map<std::string, at::Tensor>& expected, WeightLayout* layout,
                  std::string* prefix) {
  const WeightLayout requested = *layout;
  int best = -1;
  for (const std::string& p : WrapperPrefixes()) {
    for (WeightLayout l : {WeightLayout::kTorchHub, WeightLayout::kHuggingFace}) {
      if (requested != WeightLayout::kAuto && l != requested) continue;
      int hits = 0;
      for (const io::NamedTensor& t : file.tensors) {
        if (!StartsWith(t.path, p)) continue;
        std::string name = MapKey(t.path.substr(p.size()), l);
        name = name.substr(0, name.find('#'));
        hits += expected.count(name) ? 1 : 0;
      }
      if (hits > best) best = hits, *layout = l, *prefix = p;
    }
  }
  if (*layout == WeightLayout::kAuto) *layout = WeightLayout::kTorchHub;
}

// Joins up to `limit` names, then "... (+N more)".
std::string FirstFew(const std::vector<std::string>& names, size_t limit = 4) {
  std::string text;
  for (size_t i = 0; i < names.size() && i < limit; ++i) text += (i ? ", " : "") + names[i];
  if (names.size() > limit) text += fmt::format(", ... (+{} more)", names.size() - limit);
  return text;
}

// A guess of the architecture a file holds, for error messages.
std::string GuessArch(const std::map<std::string, Provided>& provided) {
  auto it = provided.find("cls_token");
  if (it == provided.end()) return "";
  if (it->second.shape.empty()) return "";
  const int64_t dim = it->second.shape.back();
  int depth = 0;
  static const std::regex kBlock(R"(blocks\.(\d+)\..*)");
  for (const auto& [name, p] : provided) {
    std::smatch m;
    if (std::regex_match(name, m, kBlock)) depth = std::max(depth, std::stoi(m[1].str()) + 1);
  }
  const auto reg = provided.find("register_tokens");
  const int64_t registers = reg == provided.end() || reg->second.shape.size() < 2 ? 0 : reg->second.shape[1];
  std::string matches;
  for (const std::string& arch : VitConfig::KnownArchs()) {
    const VitConfig c = VitConfig::ForArch(arch);
    if (c.embed_dim == dim && c.depth == depth && c.num_register_tokens == registers)
      matches += (matches.empty() ? "" : " or ") + arch;
  }
  return fmt::format("the file holds a ViT with dim {}, {} blocks, {} registers{}", dim, depth, registers,
                     matches.empty() ? "" : " (" + matches + "?)");
}

// File tensors under hub names; HF q/k/v parts fused into qkv.
std::map<std::string, Provided> CollectProvided(const io::TensorFile& file, WeightLayout layout,
                                                const std::string& prefix, std::vector<std::string>* unexpected,
                                                std::vector<std::string>* ignored) {
  std::map<std::string, Provided> provided;
  std::map<std::string, std::map<std::string, Provided>> qkv_parts;
  for (const io::NamedTensor& t : file.tensors) {
    const std::string key = StartsWith(t.path, prefix) ? t.path.substr(prefix.size()) : t.path;
    const std::string name = StartsWith(t.path, prefix) ? MapKey(key, layout) : "";
    if (name.empty()) {
      (Ignorable(key) ? ignored : unexpected)->push_back(t.path);
      continue;
    }
    Provided value{{&t.tensor}, t.path, t.tensor.shape};
    if (const size_t hash = name.find('#'); hash != std::string::npos)
      qkv_parts[name.substr(0, hash)][name.substr(hash + 1)] = std::move(value);
    else
      provided[name] = std::move(value);
  }
  for (auto& [name, parts] : qkv_parts) {
    if (parts.size() != 3) continue;  // reported as missing qkv below
    Provided fused{{parts["query"].parts[0], parts["key"].parts[0], parts["value"].parts[0]},
                   parts["query"].source + " (+key, value)",
                   parts["query"].shape};
    if (!fused.shape.empty())
      fused.shape[0] = parts["query"].shape[0] + parts["key"].shape.at(0) + parts["value"].shape.at(0);
    provided[name] = std::move(fused);
  }
  return provided;
}

}  // namespace

std::string LayoutName(WeightLayout layout) {
  switch (layout) {
    case WeightLayout::kAuto: return "auto";
    case WeightLayout::kTorchHub: return "torch-hub/timm";
    case WeightLayout::kHuggingFace: return "huggingface";
  }
  return "?";
}

LoadReport LoadBackboneWeights(VisionTransformerImpl& model, const io::TensorFile& file, WeightLayout layout) {
  LoadReport report;
  report.source = file.source;
  const auto expected = ExpectedParameters(model);
  ChooseLayout(file, expected, &layout, &report.prefix);
  report.layout = layout;
  std::vector<std::string> missing, unexpected, misshaped;
  auto provided = CollectProvided(file, layout, report.prefix, &unexpected, &report.ignored);
  const std::string guess = GuessArch(provided);  // before unexpected entries are dropped
  for (auto it = provided.begin(); it != provided.end();) {
    if (expected.count(it->first)) {
      ++it;
      continue;
    }
    (Ignorable(it->first) ? report.ignored : unexpected).push_back(it->second.source);
    it = provided.erase(it);
  }
  for (const auto& [name, param] : expected) {
    auto it = provided.find(name);
    if (it == provided.end()) {
      if (name != "mask_token") missing.push_back(name);
    } else if (at::IntArrayRef(it->second.shape) != param.sizes()) {
      misshaped.push_back(
          fmt::format("{} {} vs model {}", it->second.source, ShapeText(it->second.shape), ShapeText(param.sizes())));
    }
  }
  if (!missing.empty() || !unexpected.empty() || !misshaped.empty()) {
    std::vector<std::string> parts;
    if (!missing.empty()) parts.push_back(fmt::format("{} missing ({})", missing.size(), FirstFew(missing)));
    if (!unexpected.empty())
      parts.push_back(fmt::format("{} unexpected ({})", unexpected.size(), FirstFew(unexpected)));
    if (!misshaped.empty())
      parts.push_back(fmt::format("{} mis-shaped ({})", misshaped.size(), FirstFew(misshaped, 3)));
    std::string message = "weights do not fit " + model.config().arch + ": ";
    for (size_t i = 0; i < parts.size(); ++i) message += (i ? "; " : "") + parts[i];
    throw Error(message, {file.source, std::nullopt, missing.empty() ? "" : missing.front()},
                guess.empty() ? "wrong architecture or not a " + model.config().family + " backbone file"
                              : "wrong architecture: " + guess);
  }
  torch::NoGradGuard no_grad;
  for (auto& [name, param] : expected) {
    auto it = provided.find(name);
    if (it == provided.end()) continue;
    param.copy_(it->second.Materialize());
    ++report.loaded;
  }
  return report;
}

LoadReport LoadBackboneWeights(VisionTransformerImpl& model, const std::string& path, WeightLayout layout) {
  const io::TensorFile file = io::ReadTensorFile(path);
  return LoadBackboneWeights(model, file, layout);
}

std::vector<io::NamedTensor> BackboneStateDict(const VisionTransformerImpl& model) {
  std::vector<io::NamedTensor> tensors;
  for (const auto& item : model.named_parameters(/*recurse=*/true)) {
    if (item.key().find(".lora.") != std::string::npos) continue;
    tensors.push_back({item.key(), io::FromTorch(item.value().to(at::kCPU, at::kFloat).contiguous())});
  }
  return tensors;
}

std::vector<io::NamedTensor> HuggingFaceStateDict(const VisionTransformerImpl& model) {
  std::vector<io::NamedTensor> tensors;
  static const std::regex kQkv(R"(blocks\.(\d+)\.attn\.qkv\.(weight|bias))");
  const char* kParts[] = {"query", "key", "value"};
  for (const auto& item : model.named_parameters(/*recurse=*/true)) {
    if (item.key().find(".lora.") != std::string::npos) continue;
    const at::Tensor value = item.value().to(at::kCPU, at::kFloat).contiguous();
    std::smatch m;
    if (std::regex_match(item.key(), m, kQkv)) {
      const auto chunks = value.chunk(3, 0);
      for (int i = 0; i < 3; ++i)
        tensors.push_back({fmt::format("encoder.layer.{}.attention.attention.{}.{}", m[1].str(), kParts[i], m[2].str()),
                           io::FromTorch(chunks[i].contiguous())});
      continue;
    }
    tensors.push_back({HfNameFromHub(item.key()), io::FromTorch(value)});
  }
  return tensors;
}

// ---- adapters -----------------------------------------------------------------

AdapterWeights ReadAdapter(const io::TensorFile& file) {
  AdapterWeights adapter;
  auto require = [&](const std::string& key) {
    const io::TensorData* t = file.Find(key);
    if (!t)
      throw Error("adapter entry missing", {file.source, std::nullopt, key},
                  "not a 3DCorrEnhance checkpoint (expects state_dict.refine_conv and w_a_000/w_b_000...)");
    return io::ToTorch(*t).to(at::kFloat).clone();
  };
  adapter.refine_weight = require("state_dict.refine_conv.weight");
  adapter.refine_bias = require("state_dict.refine_conv.bias");
  for (int i = 0;; ++i) {
    const std::string a = fmt::format("w_a_{:03d}", i), b = fmt::format("w_b_{:03d}", i);
    if (!file.Find(a) && !file.Find(b)) break;
    adapter.lora_a.push_back(require(a));
    adapter.lora_b.push_back(require(b));
  }
  const int64_t c = adapter.refine_bias.size(0);
  if (adapter.refine_weight.sizes() != at::IntArrayRef({c, c, 3, 3}))
    throw Error("refine_conv.weight has shape " + ShapeText(adapter.refine_weight.sizes()),
                {file.source, std::nullopt, "state_dict.refine_conv.weight"}, fmt::format("expected [{0},{0},3,3]", c));
  if (adapter.lora_a.empty() || adapter.lora_a.size() % 2 != 0)
    throw Error(fmt::format("{} LoRA pairs found", adapter.lora_a.size()), {file.source, std::nullopt, "w_a_000"},
                "expected an even number (q and v per block)");
  const int64_t r = adapter.lora_a[0].size(0);
  for (size_t i = 0; i < adapter.lora_a.size(); ++i) {
    if (adapter.lora_a[i].sizes() != at::IntArrayRef({r, c}) || adapter.lora_b[i].sizes() != at::IntArrayRef({c, r}))
      throw Error(fmt::format("LoRA pair {} has shapes {} and {}", i, ShapeText(adapter.lora_a[i].sizes()),
                              ShapeText(adapter.lora_b[i].sizes())),
                  {file.source, std::nullopt, fmt::format("w_a_{:03d}", i)},
                  fmt::format("expected [{0},{1}] and [{1},{0}]", r, c));
  }
  return adapter;
}

AdapterWeights ReadAdapter(const std::string& path) { return ReadAdapter(io::ReadTensorFile(path)); }

void WriteAdapter(const std::string& path, const AdapterWeights& adapter, const AdapterMetadata& metadata) {
  CL_CHECK(adapter.refine_weight.defined() && adapter.lora_a.size() == adapter.lora_b.size()) << "incomplete adapter";
  auto cpu = [](const at::Tensor& t) { return io::FromTorch(t.detach().to(at::kCPU, at::kFloat).contiguous()); };
  std::vector<io::NamedTensor> tensors;
  tensors.push_back({"state_dict.refine_conv.weight", cpu(adapter.refine_weight)});
  tensors.push_back({"state_dict.refine_conv.bias", cpu(adapter.refine_bias)});
  for (size_t i = 0; i < adapter.lora_a.size(); ++i)
    tensors.push_back({fmt::format("w_a_{:03d}", i), cpu(adapter.lora_a[i])});
  for (size_t i = 0; i < adapter.lora_b.size(); ++i)
    tensors.push_back({fmt::format("w_b_{:03d}", i), cpu(adapter.lora_b[i])});
  io::TorchWriteOptions options;
  options.nest = true;  // {"state_dict": {"refine_conv": {...}}, "w_a_000": ...}
  options.extra =
      std::make_shared<const nlohmann::json>(nlohmann::json{{"epoch", metadata.epoch},
                                                            {"global_step", metadata.global_step},
                                                            {"pytorch-lightning_version", metadata.lightning_version}});
  io::WriteTorchCheckpoint(path, tensors, options);
}

void ApplyAdapter(VisionTransformerImpl& model, RefineHeadImpl& refine, const AdapterWeights& adapter) {
  const int64_t c = model.config().embed_dim;
  if (adapter.Dim() != c)
    throw Error(fmt::format("adapter is for dim {}, model {} has {}", adapter.Dim(), model.config().arch, c),
                {"", std::nullopt, "refine_conv"}, "adapter and backbone do not belong together");
  const size_t blocks = static_cast<size_t>(std::min(4, model.config().depth));
  if (adapter.lora_a.size() != 2 * blocks)
    throw Error(fmt::format("adapter has {} LoRA matrices, the model expects {}", adapter.lora_a.size(), 2 * blocks),
                {"", std::nullopt, "w_a"}, "adapter and backbone do not belong together");
  model.EnableLora(adapter.Rank());
  torch::NoGradGuard no_grad;
  const auto modules = model.LoraModules();
  for (size_t k = 0; k < modules.size(); ++k) {
    modules[k]->a_q.copy_(adapter.lora_a[2 * k]);
    modules[k]->b_q.copy_(adapter.lora_b[2 * k]);
    modules[k]->a_v.copy_(adapter.lora_a[2 * k + 1]);
    modules[k]->b_v.copy_(adapter.lora_b[2 * k + 1]);
  }
  refine.weight.copy_(adapter.refine_weight);
  refine.bias.copy_(adapter.refine_bias);
}

AdapterWeights ExtractAdapter(const VisionTransformerImpl& model, const RefineHeadImpl& refine) {
  AdapterWeights adapter;
  for (const auto& module : model.LoraModules()) {
    adapter.lora_a.push_back(module->a_q.detach().clone());
    adapter.lora_a.push_back(module->a_v.detach().clone());
    adapter.lora_b.push_back(module->b_q.detach().clone());
    adapter.lora_b.push_back(module->b_v.detach().clone());
  }
  adapter.refine_weight = refine.weight.detach().clone();
  adapter.refine_bias = refine.bias.detach().clone();
  return adapter;
}

}  // namespace corrlens::model
