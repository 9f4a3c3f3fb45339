#include "core/model/vision_transformer.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "core/util/check.h"
#include "core/util/error.h"

namespace corrlens::model {
namespace {

at::Tensor Uninit(std::vector<int64_t> shape) { return torch::empty(shape); }

}  // namespace

// ---- small layers ---------------------------------------------------------

LinearLayerImpl::LinearLayerImpl(int64_t in, int64_t out, bool has_bias) {
  weight = register_parameter("weight", Uninit({out, in}), /*requires_grad=*/false);
  if (has_bias) bias = register_parameter("bias", Uninit({out}), /*requires_grad=*/false);
}

at::Tensor LinearLayerImpl::forward(const at::Tensor& x) const { return at::linear(x, weight, bias); }

LayerNormLayerImpl::LayerNormLayerImpl(int64_t dim, double eps_) : eps(eps_) {
  weight = register_parameter("weight", Uninit({dim}), /*requires_grad=*/false);
  bias = register_parameter("bias", Uninit({dim}), /*requires_grad=*/false);
}

at::Tensor LayerNormLayerImpl::forward(const at::Tensor& x) const {
  return at::layer_norm(x, {weight.size(0)}, weight, bias, eps);
}

LayerScaleImpl::LayerScaleImpl(int64_t dim) {
  gamma = register_parameter("gamma", Uninit({dim}), /*requires_grad=*/false);
}

LoraQkvImpl::LoraQkvImpl(int64_t dim, int64_t rank) {
  a_q = register_parameter("a_q", torch::zeros({rank, dim}), /*requires_grad=*/false);
  b_q = register_parameter("b_q", torch::zeros({dim, rank}), /*requires_grad=*/false);
  a_v = register_parameter("a_v", torch::zeros({rank, dim}), /*requires_grad=*/false);
  b_v = register_parameter("b_v", torch::zeros({dim, rank}), /*requires_grad=*/false);
}

void LoraQkvImpl::AddTo(const at::Tensor& x, at::Tensor& qkv) const {
  const int64_t dim = a_q.size(1);
  // Same order of operations as the reference _LoRA_qkv: qkv[..., :C] += B(A(x)).
  qkv.narrow(-1, 0, dim).add_(at::linear(at::linear(x, a_q), b_q));
  qkv.narrow(-1, 2 * dim, dim).add_(at::linear(at::linear(x, a_v), b_v));
}

// ---- attention ------------------------------------------------------------

namespace {

// A contiguous [numel] view of `slot`, reallocated only when too small.
at::Tensor Reuse(at::Tensor& slot, int64_t numel, const at::TensorOptions& options) {
  if (!slot.defined() || slot.numel() < numel || slot.dtype() != options.dtype() || slot.device() != options.device())
    slot = at::empty({numel}, options);
  return slot.narrow(0, 0, numel);
}

}  // namespace

at::Tensor BlockedAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, double scale,
                            int64_t block_bytes, ForwardScratch* scratch) {
  const int64_t batch = q.size(0), heads = q.size(1), n = q.size(2), d = q.size(3);
  const int64_t bh = batch * heads;
  const at::Tensor qs = (scale == 1.0 ? q : q.mul(scale)).reshape({bh, n, d});
  const at::Tensor kt = k.reshape({bh, n, d}).transpose(1, 2);
  const at::Tensor vv = v.reshape({bh, n, d});
  at::Tensor out = at::empty({batch, n, heads, d}, q.options());
  const int64_t row_bytes = bh * n * static_cast<int64_t>(q.element_size());
  const int64_t rows = block_bytes <= 0 ? n : std::clamp<int64_t>(block_bytes / std::max<int64_t>(row_bytes, 1), 1, n);
  // Scores, then their softmax in place (bit-identical), in one buffer
  // reused by every block.
  ForwardScratch local;
  ForwardScratch& buffers = scratch ? *scratch : local;
  const at::Tensor scores = Reuse(buffers.scores, bh * rows * n, q.options());
  for (int64_t start = 0; start < n; start += rows) {
    const int64_t len = std::min(rows, n - start);
    at::Tensor s = scores.narrow(0, 0, bh * len * n).view({bh, len, n});
    at::bmm_out(s, qs.narrow(1, start, len), kt);
    at::_softmax_out(s, s, /*dim=*/-1, /*half_to_float=*/false);
    const at::Tensor o = at::bmm(s, vv);  // [bh, len, d]
    out.narrow(1, start, len).copy_(o.view({batch, heads, len, d}).permute({0, 2, 1, 3}));
  }
  return out;
}

AttentionImpl::AttentionImpl(int64_t dim, int64_t heads_) : heads(heads_) {
  qkv = register_module("qkv", LinearLayer(dim, 3 * dim));
  proj = register_module("proj", LinearLayer(dim, dim));
}

at::Tensor AttentionImpl::forward(at::Tensor x, ForwardScratch& scratch) const {
  const int64_t batch = x.size(0), n = x.size(1), dim = x.size(2), d = dim / heads;
  // q, k and v as three GEMMs on row slices of the fused weight: the same
  // values as slicing the fused output, without its [N, 3C] buffer.
  auto part = [&](int64_t i) {
    const at::Tensor b = qkv->bias.defined() ? qkv->bias.narrow(0, i * dim, dim) : at::Tensor();
    return at::linear(x, qkv->weight.narrow(0, i * dim, dim), b);
  };
  at::Tensor q = part(0), k = part(1), v = part(2);
  if (lora) {
    q.add_(at::linear(at::linear(x, lora->a_q), lora->b_q));
    v.add_(at::linear(at::linear(x, lora->a_v), lora->b_v));
  }
  x.reset();                          // the normalised input (the caller's temporary) is no longer needed
  q.mul_(std::pow(double(d), -0.5));  // DINOv2's q * scale, in place instead of a copy
  auto heads_first = [&](const at::Tensor& t) { return t.view({batch, n, heads, d}).permute({0, 2, 1, 3}); };
  at::Tensor out =
      BlockedAttention(heads_first(q), heads_first(k), heads_first(v), 1.0, scratch.attention_block_bytes, &scratch);
  q.reset();
  k.reset();
  v.reset();
  return proj->forward(out.view({batch, n, dim}));
}

// ---- feed-forward and block -------------------------------------------------

FeedForwardImpl::FeedForwardImpl(int64_t dim, int64_t hidden, FfnKind kind_) : kind(kind_) {
  if (kind == FfnKind::kMlp) {
    fc1 = register_module("fc1", LinearLayer(dim, hidden));
    fc2 = register_module("fc2", LinearLayer(hidden, dim));
  } else {
    w12 = register_module("w12", LinearLayer(dim, 2 * hidden));
    w3 = register_module("w3", LinearLayer(hidden, dim));
  }
}

at::Tensor FeedForwardImpl::forward(const at::Tensor& x, int64_t chunk_bytes) const {
  const int64_t dim = x.size(-1);
  const at::Tensor rows = x.reshape({-1, dim});
  const int64_t n = rows.size(0);
  const LinearLayer& first = kind == FfnKind::kMlp ? fc1 : w12;
  const LinearLayer& last = kind == FfnKind::kMlp ? fc2 : w3;
  const int64_t hidden_row_bytes = first->weight.size(0) * static_cast<int64_t>(x.element_size());
  const int64_t chunk = chunk_bytes <= 0 ? n : std::clamp<int64_t>(chunk_bytes / hidden_row_bytes, 1, n);
  at::Tensor out = at::empty({n, last->weight.size(0)}, x.options());
  for (int64_t start = 0; start < n; start += chunk) {
    const int64_t len = std::min(chunk, n - start);
    at::Tensor h = first->forward(rows.narrow(0, start, len));
    if (kind == FfnKind::kMlp) {
      at::gelu_(h);  // exact (erf) GELU, nn.GELU()
    } else {
      const auto halves = h.chunk(2, -1);
      h = at::silu(halves[0]).mul_(halves[1]);
    }
    at::Tensor target = out.narrow(0, start, len);
    if (last->bias.defined())
      at::addmm_out(target, last->bias, h, last->weight.t());
    else
      at::mm_out(target, h, last->weight.t());
  }
  auto shape = x.sizes().vec();
  shape.back() = out.size(1);
  return out.view(shape);
}

BlockImpl::BlockImpl(const VitConfig& config) {
  norm1 = register_module("norm1", LayerNormLayer(config.embed_dim, config.norm_eps));
  attn = register_module("attn", Attention(config.embed_dim, config.num_heads));
  if (config.layer_scale) ls1 = register_module("ls1", LayerScale(config.embed_dim));
  norm2 = register_module("norm2", LayerNormLayer(config.embed_dim, config.norm_eps));
  mlp = register_module("mlp", FeedForward(config.embed_dim, config.ffn_hidden, config.ffn));
  if (config.layer_scale) ls2 = register_module("ls2", LayerScale(config.embed_dim));
}

at::Tensor BlockImpl::forward(at::Tensor x, ForwardScratch& scratch) const {
  at::Tensor y = attn->forward(norm1->forward(x), scratch);
  if (ls1) y.mul_(ls1->gamma);
  x.add_(y);
  y = mlp->forward(norm2->forward(x), scratch.mlp_chunk_bytes);
  if (ls2) y.mul_(ls2->gamma);
  x.add_(y);
  return x;
}

PatchEmbedImpl::PatchEmbedImpl(int64_t dim, int64_t patch, bool has_bias) {
  proj = register_module("proj", std::make_shared<ProjImpl>());
  proj->weight = proj->register_parameter("weight", Uninit({dim, 3, patch, patch}), false);
  if (has_bias) proj->bias = proj->register_parameter("bias", Uninit({dim}), false);
}

RefineHeadImpl::RefineHeadImpl(int64_t dim) {
  weight = register_parameter("weight", Uninit({dim, dim, 3, 3}), /*requires_grad=*/false);
  bias = register_parameter("bias", Uninit({dim}), /*requires_grad=*/false);
}

at::Tensor RefineHeadImpl::forward(const at::Tensor& map) const {
  return at::conv2d(map, weight, bias, /*stride=*/1, /*padding=*/1);
}

// ---- the transformer --------------------------------------------------------

VisionTransformerImpl::VisionTransformerImpl(VitConfig config) : config_(std::move(config)) {
  CL_CHECK(config_.Check()) << "invalid ViT configuration for " << config_.arch;
  const int64_t c = config_.embed_dim;
  patch_embed = register_module("patch_embed", PatchEmbed(c, config_.patch_size, config_.patch_bias));
  cls_token = register_parameter("cls_token", Uninit({1, 1, c}), false);
  const int64_t pos_tokens = int64_t(config_.pos_grid) * config_.pos_grid + (config_.pos_embed_has_cls ? 1 : 0);
  pos_embed = register_parameter("pos_embed", Uninit({1, pos_tokens, c}), false);
  if (config_.num_register_tokens > 0)
    register_tokens = register_parameter("register_tokens", Uninit({1, config_.num_register_tokens, c}), false);
  if (config_.family == "dinov2") mask_token = register_parameter("mask_token", torch::zeros({1, c}), false);
  if (config_.pre_norm) norm_pre = register_module("norm_pre", LayerNormLayer(c, config_.norm_eps));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int i = 0; i < config_.depth; ++i) blocks->push_back(Block(config_));
  norm = register_module("norm", LayerNormLayer(c, config_.norm_eps));
}

std::pair<int, int> VisionTransformerImpl::GridSize(int input_h, int input_w, int patch, int stride) {
  if (stride <= 0) stride = patch;
  if (input_h < patch || input_w < patch) return {0, 0};
  return {1 + (input_h - patch) / stride, 1 + (input_w - patch) / stride};
}

at::Tensor VisionTransformerImpl::InterpolatePosEmbed(int grid_h, int grid_w, int input_h, int input_w,
                                                      bool stride_override) const {
  const int m = config_.pos_grid;
  const int64_t c = config_.embed_dim;
  const int prefix = config_.pos_embed_has_cls ? 1 : 0;
  const bool square_same = int64_t(grid_h) * grid_w == int64_t(m) * m;
  // Early returns of the references: DINOv2 checks the token count and a
  // square input image; timm checks the token count and a square grid.
  if (config_.family == "dinov2" ? (square_same && input_h == input_w) : (square_same && grid_h == grid_w))
    return pos_embed;
  const at::Tensor pos = pos_embed.to(at::kFloat);
  at::Tensor grid = pos.narrow(1, prefix, int64_t(m) * m).reshape({1, m, m, c}).permute({0, 3, 1, 2});
  if (stride_override || config_.pos_resize == PosEmbedResize::kScaleOffset) {
    // Scale factor (g + 0.1) / M, passed to the kernel as in F.interpolate.
    const double sh = (grid_h + 0.1) / m, sw = (grid_w + 0.1) / m;
    const int64_t out_h = static_cast<int64_t>(std::floor(m * sh)), out_w = static_cast<int64_t>(std::floor(m * sw));
    CL_CHECK(out_h == grid_h && out_w == grid_w) << "positional grid " << out_h << "x" << out_w;
    grid = at::upsample_bicubic2d(grid, {out_h, out_w}, /*align_corners=*/false, sh, sw);
  } else {
    grid = at::_upsample_bicubic2d_aa(grid, {grid_h, grid_w}, /*align_corners=*/false);
  }
  at::Tensor patch_pos = grid.permute({0, 2, 3, 1}).reshape({1, int64_t(grid_h) * grid_w, c});
  if (prefix) patch_pos = at::cat({pos.narrow(1, 0, 1), patch_pos}, 1);
  return patch_pos.to(pos_embed.scalar_type());
}

at::Tensor VisionTransformerImpl::EmbedTokens(const at::Tensor& images, int stride, int* grid_h, int* grid_w) const {
  const int patch = config_.patch_size;
  const int64_t batch = images.size(0), c = config_.embed_dim;
  const int in_h = static_cast<int>(images.size(2)), in_w = static_cast<int>(images.size(3));
  const bool override_stride = stride > 0 && stride != patch;
  if (!override_stride && (in_h % patch != 0 || in_w % patch != 0))
    throw Error("input " + std::to_string(in_w) + "x" + std::to_string(in_h) + " is not a multiple of the patch size " +
                    std::to_string(patch),
                {"", std::nullopt, "input size"}, "resize the image to a multiple of the patch size");
  std::tie(*grid_h, *grid_w) = GridSize(in_h, in_w, patch, stride);
  CL_CHECK(*grid_h > 0 && *grid_w > 0) << "input smaller than one patch";
  const int s = stride > 0 ? stride : patch;
  at::Tensor x = at::conv2d(images, patch_embed->proj->weight, patch_embed->proj->bias, {s, s});
  x = x.flatten(2).transpose(1, 2);  // [B, N, C]
  const at::Tensor pos = InterpolatePosEmbed(*grid_h, *grid_w, in_h, in_w, override_stride);
  const at::Tensor cls = cls_token.expand({batch, 1, c});
  if (config_.pos_embed_has_cls) {
    x = at::cat({cls, x}, 1).add_(pos);
  } else {
    x = at::cat({cls, x.add(pos)}, 1);  // DeiT3: add, then prepend CLS
  }
  if (register_tokens.defined())
    x = at::cat({x.narrow(1, 0, 1), register_tokens.expand({batch, -1, c}), x.narrow(1, 1, x.size(1) - 1)}, 1);
  if (norm_pre) x = norm_pre->forward(x);
  return x;
}

VitOutput VisionTransformerImpl::Forward(const at::Tensor& images, const VitForwardOptions& options) const {
  CL_CHECK(options.Check()) << "invalid forward options";
  CL_CHECK(images.dim() == 4 && images.size(1) == 3) << "expected images [B, 3, H, W], got " << images.sizes();
  VitOutput out;
  at::Tensor x = EmbedTokens(images, options.stride, &out.grid_height, &out.grid_width);
  ForwardScratch scratch;
  scratch.attention_block_bytes = options.attention_block_bytes;
  scratch.mlp_chunk_bytes = options.attention_block_bytes > 0 ? options.attention_block_bytes / 2 : 0;
  for (const auto& block : *blocks) {
    if (options.cancel) options.cancel->ThrowIfCancelled();
    x = block->as<BlockImpl>()->forward(x, scratch);
  }
  const int64_t prefix = 1 + config_.num_register_tokens;
  const int64_t tokens = int64_t(out.grid_height) * out.grid_width;
  if (options.want_prenorm) out.patch_tokens_prenorm = x.narrow(1, prefix, tokens);
  if (options.want_norm) {
    const at::Tensor normed = norm->forward(x);
    out.patch_tokens_norm = normed.narrow(1, prefix, tokens);
    out.cls_norm = normed.select(1, 0);
  }
  return out;
}

void VisionTransformerImpl::EnableLora(int64_t rank) {
  const int first = std::max(0, config_.depth - 4);
  for (int i = first; i < config_.depth; ++i) {
    auto* block = (*blocks)[i]->as<BlockImpl>();
    if (!block->attn->lora) block->attn->lora = block->attn->register_module("lora", LoraQkv(config_.embed_dim, rank));
  }
  const at::Tensor ref = cls_token;
  for (auto& lora : LoraModules()) lora->to(ref.device(), ref.scalar_type());
}

std::vector<LoraQkv> VisionTransformerImpl::LoraModules() const {
  std::vector<LoraQkv> modules;
  for (const auto& block : *blocks) {
    const auto* b = block->as<BlockImpl>();
    if (b->attn->lora) modules.push_back(b->attn->lora);
  }
  return modules;
}

void VisionTransformerImpl::RandomInit(uint64_t seed) {
  torch::NoGradGuard no_grad;
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  for (auto& item : named_parameters()) {
    at::Tensor values = at::empty(item.value().sizes(), at::kFloat);
    const std::string& name = item.key();
    const bool is_norm = name.find("norm") != std::string::npos;
    if (is_norm && name.size() > 6 && name.compare(name.size() - 6, 6, "weight") == 0) {
      values.uniform_(0.8, 1.2, generator);
    } else if (name.find("gamma") != std::string::npos) {
      values.uniform_(0.05, 0.3, generator);
    } else {
      values.normal_(0.0, 0.02, generator);
    }
    item.value().copy_(values);
  }
}

}  // namespace corrlens::model
