#!/usr/bin/python3
"""Reference ViT forward and 3DCorrEnhance feature extraction in plain torch.

An independent re-implementation of the behaviour of the official DINOv2
torch-hub models, the timm MAE / CLIP / DeiT3 ViT-B/16 used by
3DCorrEnhance, and its `get_feature` / `get_feature_wo_kp`, for parity tests
and benchmarks of the C++ engine. Needs only torch + numpy (Debian's
python3-torch 1.13 has no torchvision, timm or hub), so:

  * torchvision `functional.resize` on a float tensor is reproduced as
    F.interpolate(bilinear, align_corners=False, antialias=True), returning
    the input unchanged when it already has the size. That is torchvision's
    behaviour from 0.17 on (antialias default True); the reference pins
    torch 2.5.1, i.e. torchvision 0.20.1.
  * attention is the plain formula softmax(q k^T / sqrt(d)) v.

Inputs and outputs are .npy files so no image codec is needed:

  /usr/bin/python3 scripts/reference/dinov2_reference.py --arch dinov2_vits14 \
      --random-weights-out w.pth --seed 1 --image img.npy --points pts.npy \
      --out-dir out/

writes out/map.npy [Hg, Wg, C], out/points.npy [N, C], out/cls.npy [C] and
out/meta.json. `--bench N` times the extraction instead (JSON on stdout).
"""

import argparse
import json
import math
import os
import resource
import sys
import time
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


def arch_config(arch):
    """Hyper-parameters of each architecture (mirrors the official builders)."""
    dinov2 = {"s": (384, 12, 6), "b": (768, 12, 12), "l": (1024, 24, 16), "g": (1536, 40, 24)}
    if arch.startswith("dinov2_vit"):
        size = arch[len("dinov2_vit")]
        dim, depth, heads = dinov2[size]
        reg = arch.endswith("_reg")
        giant = size == "g"
        hidden = (int(4 * dim * 2 / 3) + 7) // 8 * 8 if giant else 4 * dim
        return dict(family="dinov2", dim=dim, depth=depth, heads=heads, patch=14, grid=37, hidden=hidden,
                    swiglu=giant, registers=4 if reg else 0, layer_scale=True, eps=1e-6, pre_norm=False,
                    patch_bias=True, pos_cls=True, antialias=reg, mean=IMAGENET_MEAN, std=IMAGENET_STD)
    base = dict(family="timm", dim=768, depth=12, heads=12, patch=16, grid=14, hidden=3072, swiglu=False,
                registers=0, layer_scale=False, eps=1e-6, pre_norm=False, patch_bias=True, pos_cls=True,
                antialias=True, mean=IMAGENET_MEAN, std=IMAGENET_STD)
    if arch == "clip_vitb16":
        base.update(grid=24, pre_norm=True, patch_bias=False, eps=1e-5, mean=CLIP_MEAN, std=CLIP_STD)
    elif arch == "deit3_vitb16":
        base.update(layer_scale=True, pos_cls=False)
    elif arch != "mae_vitb16":
        raise SystemExit(f"unknown arch {arch}")
    return base


class LayerScale(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * self.gamma


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0] * self.scale, qkv[1], qkv[2]
        attn = (q @ k.transpose(-2, -1)).softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, n, c))


class LoraQkv(nn.Module):
    """q += B_q(A_q(x)) and v += B_v(A_v(x)) on a fused qkv Linear (no scaling)."""

    def __init__(self, qkv, a_q, b_q, a_v, b_v):
        super().__init__()
        self.qkv, self.a_q, self.b_q, self.a_v, self.b_v = qkv, a_q, b_q, a_v, b_v
        self.dim = qkv.in_features

    def forward(self, x):
        out = self.qkv(x)
        out[:, :, : self.dim] += self.b_q(self.a_q(x))
        out[:, :, -self.dim:] += self.b_v(self.a_v(x))
        return out


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class SwiGLU(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.w12 = nn.Linear(dim, 2 * hidden)
        self.w3 = nn.Linear(hidden, dim)

    def forward(self, x):
        x1, x2 = self.w12(x).chunk(2, dim=-1)
        return self.w3(F.silu(x1) * x2)


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        dim = cfg["dim"]
        self.norm1 = nn.LayerNorm(dim, eps=cfg["eps"])
        self.attn = Attention(dim, cfg["heads"])
        self.ls1 = LayerScale(dim) if cfg["layer_scale"] else nn.Identity()
        self.norm2 = nn.LayerNorm(dim, eps=cfg["eps"])
        self.mlp = SwiGLU(dim, cfg["hidden"]) if cfg["swiglu"] else Mlp(dim, cfg["hidden"])
        self.ls2 = LayerScale(dim) if cfg["layer_scale"] else nn.Identity()

    def forward(self, x):
        x = x + self.ls1(self.attn(self.norm1(x)))
        return x + self.ls2(self.mlp(self.norm2(x)))


class PatchEmbed(nn.Module):
    def __init__(self, dim, patch, bias):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, kernel_size=patch, stride=patch, bias=bias)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class VisionTransformer(nn.Module):
    """DINOv2 hub model or timm ViT (dynamic image size), per `cfg`."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        dim, grid = cfg["dim"], cfg["grid"]
        self.patch_embed = PatchEmbed(dim, cfg["patch"], cfg["patch_bias"])
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, grid * grid + (1 if cfg["pos_cls"] else 0), dim))
        self.register_tokens = nn.Parameter(torch.zeros(1, cfg["registers"], dim)) if cfg["registers"] else None
        if cfg["family"] == "dinov2":
            self.mask_token = nn.Parameter(torch.zeros(1, dim))
        self.norm_pre = nn.LayerNorm(dim, eps=cfg["eps"]) if cfg["pre_norm"] else None
        self.blocks = nn.ModuleList([Block(cfg) for _ in range(cfg["depth"])])
        self.norm = nn.LayerNorm(dim, eps=cfg["eps"])
        self.stride = cfg["patch"]  # patch-embedding stride (tracking sets 7)

    def set_stride(self, stride):
        self.stride = stride
        self.patch_embed.proj.stride = (stride, stride)

    def grid_size(self, h, w):
        p = self.cfg["patch"]
        return 1 + (h - p) // self.stride, 1 + (w - p) // self.stride

    def dinov2_pos(self, n_patch, h, w):
        """DINOv2 interpolate_pos_encoding; the stride override follows 3DCorrEnhance's _fix_pos_enc."""
        m = self.cfg["grid"]
        if n_patch == m * m and h == w:
            return self.pos_embed
        pos = self.pos_embed.float()
        dim = pos.shape[-1]
        gh, gw = self.grid_size(h, w)
        grid = pos[:, 1:].reshape(1, m, m, dim).permute(0, 3, 1, 2)
        if self.cfg["antialias"] and self.stride == self.cfg["patch"]:
            grid = F.interpolate(grid, size=(gh, gw), mode="bicubic", antialias=True)
        else:
            grid = F.interpolate(grid, scale_factor=((gh + 0.1) / m, (gw + 0.1) / m), mode="bicubic",
                                 align_corners=False, recompute_scale_factor=False)
        assert grid.shape[-2:] == (gh, gw)
        grid = grid.permute(0, 2, 3, 1).reshape(1, -1, dim)
        return torch.cat((pos[:, :1], grid), dim=1).to(self.pos_embed.dtype)

    def timm_pos(self, gh, gw):
        """timm resample_abs_pos_embed (bicubic, antialias) with its early return."""
        m = self.cfg["grid"]
        prefix = 1 if self.cfg["pos_cls"] else 0
        if gh * gw + prefix == self.pos_embed.shape[1] and gh == gw:
            return self.pos_embed
        pos = self.pos_embed.float()
        dim = pos.shape[-1]
        grid = pos[:, prefix:].reshape(1, m, m, dim).permute(0, 3, 1, 2)
        if self.stride == self.cfg["patch"]:
            grid = F.interpolate(grid, size=(gh, gw), mode="bicubic", antialias=True)
        else:
            grid = F.interpolate(grid, scale_factor=((gh + 0.1) / m, (gw + 0.1) / m), mode="bicubic",
                                 align_corners=False, recompute_scale_factor=False)
        grid = grid.permute(0, 2, 3, 1).reshape(1, -1, dim)
        if prefix:
            grid = torch.cat((pos[:, :1], grid), dim=1)
        return grid.to(self.pos_embed.dtype)

    def tokens(self, x):
        b, _, h, w = x.shape
        x = self.patch_embed(x)
        cls = self.cls_token.expand(b, -1, -1)
        if self.cfg["family"] == "dinov2":
            x = torch.cat((cls, x), dim=1)
            x = x + self.dinov2_pos(x.shape[1] - 1, h, w)
            if self.register_tokens is not None:
                x = torch.cat((x[:, :1], self.register_tokens.expand(b, -1, -1), x[:, 1:]), dim=1)
        else:
            gh, gw = self.grid_size(h, w)
            pos = self.timm_pos(gh, gw)
            if self.cfg["pos_cls"]:
                x = torch.cat((cls, x), dim=1) + pos
            else:
                x = torch.cat((cls, x + pos), dim=1)
            if self.norm_pre is not None:
                x = self.norm_pre(x)
        return x

    def forward_features(self, x):
        x = self.tokens(x)
        for blk in self.blocks:
            x = blk(x)
        prefix = 1 + self.cfg["registers"]
        x_norm = self.norm(x)
        return {"x_norm_clstoken": x_norm[:, 0], "x_norm_patchtokens": x_norm[:, prefix:], "x_prenorm": x}

    def enable_lora(self, rank):
        """Wraps qkv of the last 4 blocks; returns the A and B Linears in checkpoint order."""
        w_as, w_bs = [], []
        for blk in self.blocks[-4:]:
            qkv = blk.attn.qkv
            dim = qkv.in_features
            layers = [nn.Linear(dim, rank, bias=False), nn.Linear(rank, dim, bias=False),
                      nn.Linear(dim, rank, bias=False), nn.Linear(rank, dim, bias=False)]
            w_as += [layers[0], layers[2]]
            w_bs += [layers[1], layers[3]]
            blk.attn.qkv = LoraQkv(qkv, *layers)
        return w_as, w_bs


def random_state(model, seed):
    """Deterministic random weights (norm scales ~1, layer scales 0.05..0.3, else N(0, 0.02))."""
    gen = torch.Generator().manual_seed(seed)
    state = OrderedDict()
    for name, p in model.state_dict().items():
        if ".lora" in name or ".qkv.a_" in name or ".qkv.b_" in name:
            continue
        if "norm" in name and name.endswith("weight"):
            v = torch.rand(p.shape, generator=gen) * 0.4 + 0.8
        elif "gamma" in name:
            v = torch.rand(p.shape, generator=gen) * 0.25 + 0.05
        else:
            v = torch.randn(p.shape, generator=gen) * 0.02
        state[name] = v
    return state


def random_adapter(model, rank, seed, dim):
    gen = torch.Generator().manual_seed(seed + 1000)
    n = 2 * min(4, len(model.blocks))
    w_a = [torch.randn(rank, dim, generator=gen) / math.sqrt(dim) for _ in range(n)]
    w_b = [torch.randn(dim, rank, generator=gen) * 0.05 for _ in range(n)]
    conv_w = torch.randn(dim, dim, 3, 3, generator=gen) / math.sqrt(9 * dim)
    conv_b = torch.randn(dim, generator=gen) * 0.02
    return w_a, w_b, conv_w, conv_b


def lightning_checkpoint(w_a, w_b, conv_w, conv_b):
    """A dict shaped like a PyTorch-Lightning 2.x checkpoint of FinetuneDINO."""
    ckpt = {
        "epoch": 9,
        "global_step": 10000,
        "pytorch-lightning_version": "2.2.5",
        "state_dict": {"refine_conv": OrderedDict(weight=conv_w.clone(), bias=conv_b.clone())},
        "loops": {"fit_loop": {"state_dict": {}, "epoch_progress": {"total": {"ready": 10, "completed": 9}}}},
        "callbacks": {
            "ModelCheckpoint{'monitor': None, 'mode': 'min', 'every_n_train_steps': 0, 'every_n_epochs': 10}": {
                "monitor": None, "best_model_score": None, "dirpath": "/tmp/checkpoints",
                "best_k_models": {}, "kth_value": torch.tensor(float("inf")), "last_model_path": ""}},
        "optimizer_states": [{
            "state": {0: {"step": torch.tensor(10.0), "exp_avg": torch.zeros_like(w_a[0]),
                          "exp_avg_sq": torch.zeros_like(w_a[0])}},
            "param_groups": [{"lr": 1e-05, "betas": (0.9, 0.999), "eps": 1e-08, "weight_decay": 0.0001,
                              "amsgrad": False, "maximize": False, "params": [0]}]}],
        "lr_schedulers": [],
    }
    # Lightning stores the LoRA weights as nn.Parameter objects.
    for i, t in enumerate(w_a):
        ckpt[f"w_a_{i:03d}"] = nn.Parameter(t.clone())
    for i, t in enumerate(w_b):
        ckpt[f"w_b_{i:03d}"] = nn.Parameter(t.clone())
    return ckpt


def load_adapter(model, ckpt, dim):
    w_as, w_bs = model.enable_lora(ckpt["w_a_000"].shape[0])
    for i, lin in enumerate(w_as):
        lin.weight = nn.Parameter(ckpt[f"w_a_{i:03d}"].detach().float())
    for i, lin in enumerate(w_bs):
        lin.weight = nn.Parameter(ckpt[f"w_b_{i:03d}"].detach().float())
    refine = nn.Conv2d(dim, dim, kernel_size=3, stride=1, padding=1)
    refine.load_state_dict(ckpt["state_dict"]["refine_conv"])
    return refine


def resize_tv(img, size):
    """torchvision.transforms.functional.resize on a float tensor (antialias=True)."""
    if tuple(img.shape[-2:]) == tuple(size):
        return img
    return F.interpolate(img, size=size, mode="bilinear", align_corners=False, antialias=True)


def plan_input(h, w, args, patch):
    """get_feature's tgt_size / patch grid, or an explicit input size."""
    if args.input_size:
        iw, ih = (int(v) for v in args.input_size.lower().split("x"))
        return ih, iw
    res = args.res
    tgt = (int(h * res / w), res)
    if h > w:
        tgt = (res, int(w * res / h))
    return (tgt[0] // args.downsample) * patch, (tgt[1] // args.downsample) * patch


def sample_points(feature, pts, size_h, size_w, patch, stride, normalize=True):
    """interpolate_features of 3DCorrEnhance (pts in model-input pixels)."""
    last_h = ((size_h - patch) // stride) * stride + patch / 2
    last_w = ((size_w - patch) // stride) * stride + patch / 2
    ah, aw = 2 / (last_h - patch / 2), 2 / (last_w - patch / 2)
    bh = 1 - last_h * 2 / (last_h - patch / 2)
    bw = 1 - last_w * 2 / (last_w - patch / 2)
    a = torch.tensor([[aw, ah]]).to(pts).float()
    b = torch.tensor([[bw, bh]]).to(pts).float()
    grid = (a * pts + b).unsqueeze(-3)
    out = F.grid_sample(feature, grid, align_corners=True, padding_mode="border").squeeze(-2)
    return F.normalize(out, dim=1) if normalize else out


def extract(model, refine, rgb, args):
    """rgb: float [1, 3, H, W] in [0, 1]. Returns (map [1,C,Hg,Wg], cls [1,C], (in_h, in_w), (gh, gw))."""
    cfg = model.cfg
    h, w = rgb.shape[-2:]
    in_h, in_w = plan_input(h, w, args, cfg["patch"])
    x = resize_tv(rgb, (in_h, in_w))
    mean = torch.as_tensor(cfg["mean"], dtype=x.dtype).view(-1, 1, 1)
    std = torch.as_tensor(cfg["std"], dtype=x.dtype).view(-1, 1, 1)
    x = x.clone().sub_(mean).div_(std)
    out = model.forward_features(x)
    gh, gw = model.grid_size(in_h, in_w)
    if args.layer == "norm":
        tokens = out["x_norm_patchtokens"]
    else:
        tokens = out["x_prenorm"][:, 1 + cfg["registers"]:]
    feature = tokens.reshape(1, gh, gw, -1).permute(0, 3, 1, 2)
    if refine is not None and not args.no_refine:
        feature = refine(feature)
    return feature, out["x_norm_clstoken"], (in_h, in_w), (gh, gw)


def build(args):
    cfg = arch_config(args.arch)
    if args.depth:
        cfg["depth"] = args.depth
    model = VisionTransformer(cfg).eval()
    if args.weights:
        state = torch.load(args.weights, map_location="cpu")
        missing, unexpected = model.load_state_dict(state, strict=False)
        missing = [k for k in missing if k != "mask_token"]
        if missing or unexpected:
            raise SystemExit(f"weights do not fit: missing {missing[:4]} unexpected {unexpected[:4]}")
    else:
        state = random_state(model, args.seed)
        model.load_state_dict(state)
        if args.random_weights_out:
            torch.save(state, args.random_weights_out)
    if args.stride:
        model.set_stride(args.stride)
    refine = None
    if args.adapter:
        refine = load_adapter(model, torch.load(args.adapter, map_location="cpu"), cfg["dim"])
    elif args.random_adapter_out:
        ckpt = lightning_checkpoint(*random_adapter(model, 4, args.seed, cfg["dim"]))
        torch.save(ckpt, args.random_adapter_out)
        refine = load_adapter(model, ckpt, cfg["dim"])
    return model, refine


def save_outputs(args, model, feature, cls, in_hw, grid, rgb):
    os.makedirs(args.out_dir, exist_ok=True)
    np.save(os.path.join(args.out_dir, "map.npy"), feature[0].permute(1, 2, 0).contiguous().numpy())
    np.save(os.path.join(args.out_dir, "cls.npy"), cls[0].contiguous().numpy())
    if args.points:
        pts = torch.from_numpy(np.load(args.points).astype(np.float32))[None]
        h, w = rgb.shape[-2:]
        factor = [in_hw[1] / w, in_hw[0] / h]
        pts = pts * torch.tensor(factor).to(pts.device)
        patch, stride = model.cfg["patch"], model.stride
        size_h, size_w = in_hw
        if args.sampling_patch:  # the timm scripts normalise with 14 px cells
            patch = stride = args.sampling_patch
            size_h, size_w = grid[0] * patch, grid[1] * patch
        desc = sample_points(feature, pts, size_h, size_w, patch, stride, normalize=False).permute(0, 2, 1)
        desc = F.normalize(desc, p=2, dim=-1)
        np.save(os.path.join(args.out_dir, "points.npy"), desc[0].contiguous().numpy())
    meta = {"input_height": in_hw[0], "input_width": in_hw[1], "grid_height": grid[0], "grid_width": grid[1],
            "channels": int(feature.shape[1])}
    with open(os.path.join(args.out_dir, "meta.json"), "w") as f:
        json.dump(meta, f)


def bench(args, model, refine, rgb):
    times = []
    for i in range(args.warmup + args.bench):
        t0 = time.perf_counter()
        feature, _, _, grid = extract(model, refine, rgb, args)
        dt = time.perf_counter() - t0
        if i >= args.warmup:
            times.append(dt)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"ms": 1000 * float(np.median(times)), "ms_min": 1000 * float(np.min(times)),
                      "peak_rss_mb": rss_mb, "grid": list(grid), "threads": torch.get_num_threads()}))


def parser():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--batch", help="JSON list of argument lists: run several cases in one process")
    p.add_argument("--arch")
    p.add_argument("--depth", type=int, default=0, help="override the block count (tests)")
    p.add_argument("--weights", help="flat state dict (.pth) in hub/timm names")
    p.add_argument("--random-weights-out", help="save the random weights used here")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--adapter", help="3DCorrEnhance Lightning checkpoint")
    p.add_argument("--random-adapter-out", help="create a random adapter, save it Lightning-style, use it")
    p.add_argument("--image", help="uint8 [H, W, 3] RGB .npy")
    p.add_argument("--synthetic", help="WxH: use a synthetic image instead of --image")
    p.add_argument("--points", help="float32 [N, 2] image pixels (x, y) .npy")
    p.add_argument("--res", type=int, default=640)
    p.add_argument("--downsample", type=int, default=8)
    p.add_argument("--input-size", help="exact model input WxH")
    p.add_argument("--stride", type=int, default=0)
    p.add_argument("--layer", choices=["norm", "prenorm"], default="norm")
    p.add_argument("--no-refine", action="store_true")
    p.add_argument("--sampling-patch", type=int, default=0, help="14 reproduces the timm scripts' sampling")
    p.add_argument("--out-dir")
    p.add_argument("--bench", type=int, default=0, help="time N extractions, print JSON")
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=0)
    return p


def run(args):
    if not args.arch:
        raise SystemExit("--arch is required")
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.synthetic:
        w, h = (int(v) for v in args.synthetic.lower().split("x"))
        yy, xx = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
        img = np.stack([(xx * 7 + yy * 3) % 256, (xx * 2 + yy * 5) % 256, (xx ^ yy) % 256], -1).astype(np.uint8)
    else:
        img = np.load(args.image)
    rgb = torch.from_numpy(np.moveaxis((img / 255.0).astype(np.float32), -1, 0).copy())[None]
    model, refine = build(args)  # gradients are off globally
    if args.bench:
        bench(args, model, refine, rgb)
        return
    feature, cls, in_hw, grid = extract(model, refine, rgb, args)
    if args.out_dir:
        save_outputs(args, model, feature, cls, in_hw, grid, rgb)


def main():
    torch.set_grad_enabled(False)
    p = parser()
    args = p.parse_args()
    if args.batch:
        with open(args.batch) as f:
            for argv in json.load(f):
                run(p.parse_args(argv))
    else:
        run(args)


if __name__ == "__main__":
    sys.exit(main())
