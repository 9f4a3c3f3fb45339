#include "core/model/vit_config.h"

#include <algorithm>

#include "core/util/error.h"

namespace corrlens::model {
namespace {

// OpenAI CLIP normalisation (timm OPENAI_CLIP_MEAN / OPENAI_CLIP_STD).
constexpr std::array<float, 3> kClipMean{0.48145466f, 0.4578275f, 0.40821073f};
constexpr std::array<float, 3> kClipStd{0.26862954f, 0.26130258f, 0.27577711f};

VitConfig Dinov2(const std::string& arch, int dim, int depth, int heads, bool giant, bool reg) {
  VitConfig config;
  config.arch = arch;
  config.family = "dinov2";
  config.embed_dim = dim;
  config.depth = depth;
  config.num_heads = heads;
  config.patch_size = 14;
  config.pos_grid = 37;  // 518 px / 14
  if (giant) {
    config.ffn = FfnKind::kSwiGlu;
    // SwiGLUFFNFused: (int(4 * C * 2 / 3) + 7) // 8 * 8 = 4096 for C = 1536.
    config.ffn_hidden = (static_cast<int>(4.0 * dim * 2.0 / 3.0) + 7) / 8 * 8;
  } else {
    config.ffn_hidden = 4 * dim;
  }
  if (reg) {
    config.num_register_tokens = 4;
    config.pos_resize = PosEmbedResize::kExactAntialias;
  }
  return config;
}

VitConfig TimmBase16(const std::string& arch) {
  VitConfig config;
  config.arch = arch;
  config.family = "timm";
  config.embed_dim = 768;
  config.depth = 12;
  config.num_heads = 12;
  config.patch_size = 16;
  config.ffn_hidden = 3072;
  config.pos_grid = 14;  // 224 px / 16
  config.layer_scale = false;
  config.pos_resize = PosEmbedResize::kExactAntialias;  // timm resample_abs_pos_embed
  return config;
}

std::vector<VitConfig> AllConfigs() {
  std::vector<VitConfig> all;
  const struct {
    const char* size;
    int dim, depth, heads;
  } sizes[] = {{"s", 384, 12, 6}, {"b", 768, 12, 12}, {"l", 1024, 24, 16}, {"g", 1536, 40, 24}};
  for (bool reg : {false, true}) {
    for (const auto& s : sizes) {
      const std::string name = std::string("dinov2_vit") + s.size + "14" + (reg ? "_reg" : "");
      all.push_back(Dinov2(name, s.dim, s.depth, s.heads, std::string(s.size) == "g", reg));
    }
  }
  VitConfig clip = TimmBase16("clip_vitb16");  // vit_base_patch16_clip_384.laion2b_ft_in12k_in1k
  clip.pos_grid = 24;                          // 384 px / 16
  clip.pre_norm = true;
  clip.patch_bias = false;
  clip.norm_eps = 1e-5;  // nn.LayerNorm default
  clip.mean = kClipMean;
  clip.std = kClipStd;
  all.push_back(clip);
  all.push_back(TimmBase16("mae_vitb16"));      // vit_base_patch16_224.mae
  VitConfig deit = TimmBase16("deit3_vitb16");  // deit3_base_patch16_224.fb_in1k
  deit.layer_scale = true;
  deit.pos_embed_has_cls = false;
  all.push_back(deit);
  return all;
}

std::string Canonical(std::string arch) {
  std::transform(arch.begin(), arch.end(), arch.begin(), [](unsigned char c) { return std::tolower(c); });
  const std::string reg4 = "_reg4";
  if (arch.size() > reg4.size() && arch.compare(arch.size() - reg4.size(), reg4.size(), reg4) == 0)
    arch = arch.substr(0, arch.size() - 1);
  if (arch == "vit_base_patch16_clip_384.laion2b_ft_in12k_in1k" || arch == "vit_base_patch16_clip_384")
    return "clip_vitb16";
  if (arch == "vit_base_patch16_224.mae") return "mae_vitb16";
  if (arch == "deit3_base_patch16_224.fb_in1k" || arch == "deit3_base_patch16_224") return "deit3_vitb16";
  return arch;
}

}  // namespace

bool VitConfig::Check() const {
  return embed_dim > 0 && depth > 0 && num_heads > 0 && embed_dim % num_heads == 0 && patch_size > 0 && pos_grid > 0 &&
         num_register_tokens >= 0 && ffn_hidden > 0 && norm_eps > 0.0 && std[0] > 0.f && std[1] > 0.f && std[2] > 0.f;
}

int64_t VitConfig::NumParameters() const {
  const int64_t c = embed_dim, h = ffn_hidden;
  int64_t n = 3 * c * patch_size * patch_size + (patch_bias ? c : 0);
  n += c;                                                                 // cls token
  n += (int64_t(pos_grid) * pos_grid + (pos_embed_has_cls ? 1 : 0)) * c;  // pos embed
  n += int64_t(num_register_tokens) * c;
  if (pre_norm) n += 2 * c;
  int64_t block = 4 * c;                   // norm1, norm2
  block += 3 * c * c + 3 * c + c * c + c;  // qkv, proj
  if (layer_scale) block += 2 * c;
  if (ffn == FfnKind::kMlp)
    block += c * h + h + h * c + c;
  else
    block += c * 2 * h + 2 * h + h * c + c;
  return n + block * depth + 2 * c;  // final norm
}

double VitConfig::Flops(int64_t tokens) const {
  const double n = double(tokens), c = embed_dim, h = ffn_hidden;
  const double patch = 2.0 * n * c * 3.0 * patch_size * patch_size;
  double block = 2.0 * n * c * 3.0 * c + 2.0 * n * c * c;  // qkv + proj
  block += 2.0 * 2.0 * n * n * c;                          // q k^T and attn v
  block += ffn == FfnKind::kMlp ? 2.0 * 2.0 * n * c * h : 2.0 * n * c * 3.0 * h;
  return patch + block * depth;
}

VitConfig VitConfig::ForArch(const std::string& arch) {
  const std::string name = Canonical(arch);
  for (const VitConfig& config : AllConfigs())
    if (config.arch == name) return config;
  std::string known;
  for (const std::string& k : KnownArchs()) known += (known.empty() ? "" : ", ") + k;
  throw Error("unknown architecture '" + arch + "'", {"", std::nullopt, "arch"}, "known: " + known);
}

std::vector<std::string> VitConfig::KnownArchs() {
  std::vector<std::string> names;
  for (const VitConfig& config : AllConfigs()) names.push_back(config.arch);
  return names;
}

}  // namespace corrlens::model
