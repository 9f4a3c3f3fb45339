#include "core/finetune/adapter_model.h"

#include <ATen/autocast_mode.h>
#include <c10/util/Exception.h>
#include <torch/torch.h>

#include <cmath>
#include <optional>
#include <string>

#include "core/finetune/recomputed_attention.h"
#include "core/finetune/smooth_ap_loss.h"
#include "core/util/check.h"
#include "core/util/error.h"

namespace corrlens::finetune {
namespace {

using model::BlockImpl;

// One block with LoRA, out of place so autograd can differentiate it (same
// arithmetic as BlockImpl::forward and the reference _LoRA_qkv).
at::Tensor DifferentiableBlock(const BlockImpl& block, const at::Tensor& x, bool recompute_attention) {
  const auto& attn = *block.attn;
  const int64_t batch = x.size(0), n = x.size(1), dim = x.size(2), heads = attn.heads, d = dim / heads;
  const at::Tensor h = block.norm1->forward(x);
  at::Tensor qkv = attn.qkv->forward(h);
  if (attn.lora) {
    const auto& l = *attn.lora;
    const at::Tensor zeros = at::zeros({batch, n, dim}, qkv.options());
    qkv = qkv + at::cat({at::linear(at::linear(h, l.a_q), l.b_q), zeros, at::linear(at::linear(h, l.a_v), l.b_v)}, -1);
  }
  const at::Tensor parts = qkv.view({batch, n, 3, heads, d}).permute({2, 0, 3, 1, 4});
  const at::Tensor q = parts[0] * std::pow(double(d), -0.5), k = parts[1], v = parts[2];
  const at::Tensor mixed = recompute_attention ? RecomputedAttention(q, k, v)
                                               : at::matmul(at::softmax(at::matmul(q, k.transpose(-2, -1)), -1), v);
  at::Tensor y = attn.proj->forward(mixed.transpose(1, 2).reshape({batch, n, dim}));
  if (block.ls1) y = y * block.ls1->gamma;
  at::Tensor out = x + y;
  const auto& mlp = *block.mlp;
  at::Tensor z;
  if (mlp.kind == model::FfnKind::kMlp) {
    z = mlp.fc2->forward(at::gelu(mlp.fc1->forward(block.norm2->forward(out))));
  } else {
    const auto halves = mlp.w12->forward(block.norm2->forward(out)).chunk(2, -1);
    z = mlp.w3->forward(at::silu(halves[0]) * halves[1]);
  }
  if (block.ls2) z = z * block.ls2->gamma;
  return out + z;
}

void KaimingUniformA5(at::Tensor& t, int64_t fan_in, at::Generator& gen) {
  const double bound = 1.0 / std::sqrt(double(fan_in));  // gain(sqrt 5) * sqrt(3 / fan_in)
  t.uniform_(-bound, bound, gen);
}

}  // namespace

AutocastGuard::AutocastGuard(c10::DeviceType device, bool enabled) : device_(device) {
  namespace ac = at::autocast;
  if (device_ == c10::DeviceType::CPU) {
    was_enabled_ = ac::is_cpu_enabled(), was_dtype_ = ac::get_autocast_cpu_dtype();
    ac::set_cpu_enabled(enabled), ac::set_autocast_cpu_dtype(at::kBFloat16);
  } else if (device_ == c10::DeviceType::CUDA) {
    was_enabled_ = ac::is_enabled(), was_dtype_ = ac::get_autocast_gpu_dtype();
    ac::set_enabled(enabled), ac::set_autocast_gpu_dtype(at::kBFloat16);
  } else {
    throw Error(std::string("bfloat16 autocast runs on cpu or cuda, not ") + c10::DeviceTypeName(device, true),
                {"", std::nullopt, "bf16"});
  }
  ac::increment_nesting();
}

AutocastGuard::~AutocastGuard() {
  namespace ac = at::autocast;
  if (ac::decrement_nesting() == 0) ac::clear_cache();  // cached bf16 copies of weights that will change
  if (device_ == c10::DeviceType::CPU)
    ac::set_cpu_enabled(was_enabled_), ac::set_autocast_cpu_dtype(was_dtype_);
  else
    ac::set_enabled(was_enabled_), ac::set_autocast_gpu_dtype(was_dtype_);
}

std::pair<int, int> ReferenceGrid(int height, int width, int target_res) {
  int th = static_cast<int>(height * double(target_res) / width), tw = target_res;
  if (height > width) th = target_res, tw = static_cast<int>(width * double(target_res) / height);
  return {th / 8, tw / 8};
}

AdapterModel::AdapterModel(model::VisionTransformer backbone, int64_t rank)
    : backbone_(std::move(backbone)), rank_(rank) {
  CL_CHECK(rank > 0) << "LoRA rank must be positive";
  backbone_->EnableLora(rank);
  refine_ = model::RefineHead(backbone_->config().embed_dim);
  refine_->to(backbone_->cls_token.device(), backbone_->cls_token.scalar_type());
  for (at::Tensor& p : Parameters()) p.set_requires_grad(true);
}

void AdapterModel::InitAdapter(uint64_t seed) {
  torch::NoGradGuard no_grad;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const int64_t c = backbone_->config().embed_dim;
  for (auto& lora : backbone_->LoraModules()) {
    for (at::Tensor* a : {&lora->a_q, &lora->a_v}) {
      at::Tensor v = at::empty(a->sizes(), at::kFloat);
      KaimingUniformA5(v, c, gen);
      a->copy_(v);
    }
    lora->b_q.zero_();
    lora->b_v.zero_();
  }
  at::Tensor w = at::empty(refine_->weight.sizes(), at::kFloat), b = at::empty({c}, at::kFloat);
  KaimingUniformA5(w, c * 9, gen);
  KaimingUniformA5(b, c * 9, gen);  // nn.Conv2d: bias in +-1/sqrt(fan_in)
  refine_->weight.copy_(w);
  refine_->bias.copy_(b);
}

void AdapterModel::SetAdapter(const model::AdapterWeights& adapter) {
  model::ApplyAdapter(*backbone_, *refine_, adapter);
}

void AdapterModel::SetBf16(bool on) {
  if (on) {  // one small GEMM under autocast: the device must produce bfloat16
    const c10::Device device = backbone_->cls_token.device();
    std::string why;
    try {
      AutocastGuard guard(device.type(), true);
      const at::Tensor t = at::ones({4, 4}, at::TensorOptions(device).dtype(at::kFloat));
      if (at::mm(t, t).scalar_type() != at::kBFloat16) why = "autocast did not produce bfloat16";
    } catch (const c10::Error& e) {
      why = e.what_without_backtrace();
    }
    if (!why.empty())
      throw Error("bfloat16 is not supported on device " + device.str() + ": " + why.substr(0, why.find('\n')),
                  {"", std::nullopt, "bf16"}, "train in float32 (without --bf16)");
  }
  bf16_ = on;
}

model::AdapterWeights AdapterModel::Adapter() const { return model::ExtractAdapter(*backbone_, *refine_); }

std::vector<at::Tensor> AdapterModel::Parameters() const {
  std::vector<at::Tensor> as, bs;
  for (const auto& l : backbone_->LoraModules()) {
    as.push_back(l->a_q), as.push_back(l->a_v);
    bs.push_back(l->b_q), bs.push_back(l->b_v);
  }
  as.insert(as.end(), bs.begin(), bs.end());
  as.push_back(refine_->weight);
  as.push_back(refine_->bias);
  return as;
}

at::Tensor AdapterModel::Embed(const at::Tensor& images) const {
  const auto& cfg = backbone_->config();
  const int64_t batch = images.size(0), c = cfg.embed_dim;
  const int p = cfg.patch_size;
  at::Tensor x = at::conv2d(images, backbone_->patch_embed->proj->weight, backbone_->patch_embed->proj->bias, {p, p});
  const int gh = static_cast<int>(x.size(2)), gw = static_cast<int>(x.size(3));
  x = x.flatten(2).transpose(1, 2);
  const at::Tensor pos = backbone_->InterpolatePosEmbed(gh, gw, int(images.size(2)), int(images.size(3)), false);
  const at::Tensor cls = backbone_->cls_token.expand({batch, 1, c});
  x = cfg.pos_embed_has_cls ? at::cat({cls, x}, 1) + pos : at::cat({cls, x + pos}, 1);
  if (backbone_->register_tokens.defined())
    x = at::cat({x.narrow(1, 0, 1), backbone_->register_tokens.expand({batch, -1, c}), x.narrow(1, 1, x.size(1) - 1)},
                1);
  if (backbone_->norm_pre) x = backbone_->norm_pre->forward(x);
  return x;
}

at::Tensor AdapterModel::TokenMap(const at::Tensor& images) const {
  const auto& cfg = backbone_->config();
  at::Tensor x;
  model::ForwardScratch scratch;
  {
    torch::NoGradGuard no_grad;  // frozen blocks: the fast inference path
    x = Embed(images);
    for (const auto& block : *backbone_->blocks) {
      const auto* b = block->as<BlockImpl>();
      if (b->attn->lora) break;
      x = b->forward(x, scratch);
    }
  }
  // bf16: autocast from here (the frozen path's in-place kernels mix
  // buffers of the input's dtype with GEMM outputs, which autocast breaks).
  std::optional<AutocastGuard> autocast;
  if (bf16_) autocast.emplace(images.device().type(), true);
  for (const auto& block : *backbone_->blocks) {
    const auto* b = block->as<BlockImpl>();
    if (b->attn->lora) x = DifferentiableBlock(*b, x, recompute_attention_);
  }
  const int64_t prefix = 1 + cfg.num_register_tokens, p = cfg.patch_size;
  const int64_t gh = images.size(2) / p, gw = images.size(3) / p;
  const at::Tensor tokens = backbone_->norm->forward(x).narrow(1, prefix, gh * gw);
  const at::Tensor map = tokens.reshape({images.size(0), gh, gw, -1}).permute({0, 3, 1, 2});
  return refine_->forward(map);  // bf16 under autocast
}

at::Tensor AdapterModel::Describe(const at::Tensor& rgb, const at::Tensor& points, int target_res) const {
  const auto& cfg = backbone_->config();
  const int h = static_cast<int>(rgb.size(2)), w = static_cast<int>(rgb.size(3)), p = cfg.patch_size;
  const auto [gh, gw] = ReferenceGrid(h, w, target_res);
  const int rh = gh * p, rw = gw * p;
  at::Tensor resized = rgb;
  if (rh != h || rw != w) resized = at::upsample_bilinear2d(rgb, {rh, rw}, /*align_corners=*/false);
  const auto opts = rgb.options();
  const at::Tensor mean = torch::tensor({cfg.mean[0], cfg.mean[1], cfg.mean[2]}, opts).view({1, 3, 1, 1});
  const at::Tensor stdv = torch::tensor({cfg.std[0], cfg.std[1], cfg.std[2]}, opts).view({1, 3, 1, 1});
  const at::Tensor factor = torch::tensor({float(rw) / w, float(rh) / h}, points.options().dtype(at::kFloat));
  const at::Tensor map = TokenMap((resized - mean) / stdv).to(at::kFloat);  // sampling and loss in float32
  const at::Tensor desc = SampleTokenMap(map, points.to(at::kFloat) * factor, rh, rw, p);
  return desc / desc.norm(2, -1, /*keepdim=*/true).clamp_min(1e-12);  // F.normalize
}

}  // namespace corrlens::finetune
