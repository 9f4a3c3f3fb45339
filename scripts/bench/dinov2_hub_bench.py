#!/usr/bin/python3
"""Feature extraction with the official DINOv2 hub code, for benchmarks of
the C++ engine against what a user of the reference would run.

The model is facebookresearch/dinov2 loaded with
torch.hub.load(DIR, "dinov2_vits14", source="local", pretrained=False) from a
local copy (--dinov2-repo, or $CORRLENS_DINOV2_REPO), so no download is
needed. Without xformers (Debian has none) its attention is the plain
softmax(q k^T) v. Weights: --weights (a flat state dict in hub names, as the
published *_pretrain.pth) or the hub's own random initialisation with seed
--seed and every LayerScale set to 0.1 (the hub initialises them to 1e-5,
which would make the blocks nearly the identity); --save-weights writes them
as a *_pretrain.pth that CorrLens loads (`--models-dir` / `--weights`).

Modes (one JSON line on stdout each):

  * bench, the interface of scripts/reference/dinov2_reference.py that
    `corrlens-cli perf --reference` drives:
        --arch A --synthetic WxH --input-size WxH --bench N [--warmup N]
        [--threads N] [--stride S] [--layer norm|prenorm]
    times ImageNet normalisation + forward_features (+ the token reshape) per
    image. --stride S applies 3DCorrEnhance's tracking fix
    (evaluate.py `tracking_single`: patch_embed.proj.stride = S and
    utils/functions.py `_fix_pos_enc`, restated below).
  * --video N: the reference's tracking extraction of N frames at the paper
    preset (854x476, stride 7, x_prenorm), keeping every frame's features
    as evaluate.py does, then torch.cat: per-frame time and peak RSS.
"""
import argparse
import json
import math
import os
import resource
import sys
import time
import types

import numpy as np

try:
    import torch
    import torch.nn.functional as F
except ImportError as e:  # one line, no traceback
    sys.exit(f"dinov2_hub_bench.py: {e.name} is missing (python3-torch)")

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def hub_name(arch):
    return arch if arch.startswith("dinov2_") else f"dinov2_{arch}"


def load_model(repo, arch, weights=None, seed=0):
    """The official hub model, eval mode, gradients off."""
    if not repo or not os.path.isfile(os.path.join(repo, "hubconf.py")):
        sys.exit(f"{repo or '(none)'}: not a copy of facebookresearch/dinov2 (no hubconf.py); "
                 "pass --dinov2-repo or set CORRLENS_DINOV2_REPO")
    torch.manual_seed(seed)
    model = torch.hub.load(repo, hub_name(arch), source="local", pretrained=False)
    if weights:
        try:
            state = torch.load(weights, map_location="cpu")
        except Exception as e:  # noqa: BLE001 - any unreadable file: one line
            sys.exit(f"{weights}: cannot load ({e})")
        model.load_state_dict(state, strict=True)
    else:
        with torch.no_grad():
            for name, p in model.named_parameters():
                if name.endswith(("ls1.gamma", "ls2.gamma")):
                    p.fill_(0.1)
    return model.eval()


def fix_pos_enc(patch_size, stride_hw):
    """3DCorrEnhance utils/functions.py `_fix_pos_enc` (MIT), restated."""
    def interpolate_pos_encoding(self, x, w, h):
        npatch = x.shape[1] - 1
        n = self.pos_embed.shape[1] - 1
        if npatch == n and w == h:
            return self.pos_embed
        class_pos_embed = self.pos_embed[:, 0]
        patch_pos_embed = self.pos_embed[:, 1:]
        dim = x.shape[-1]
        w0 = 1 + (w - patch_size) // stride_hw[1]
        h0 = 1 + (h - patch_size) // stride_hw[0]
        assert w0 * h0 == npatch
        w0, h0 = w0 + 0.1, h0 + 0.1
        patch_pos_embed = F.interpolate(
            patch_pos_embed.reshape(1, int(math.sqrt(n)), int(math.sqrt(n)), dim).permute(0, 3, 1, 2),
            scale_factor=(w0 / math.sqrt(n), h0 / math.sqrt(n)), mode="bicubic", align_corners=False,
            recompute_scale_factor=False)
        patch_pos_embed = patch_pos_embed.permute(0, 2, 3, 1).view(1, -1, dim)
        return torch.cat((class_pos_embed.unsqueeze(0), patch_pos_embed), dim=1)
    return interpolate_pos_encoding


def set_stride(model, stride):
    """evaluate.py `tracking_single`'s stride fix."""
    pair = (stride, stride)
    model.patch_embed.proj.stride = pair
    model.interpolate_pos_encoding = types.MethodType(fix_pos_enc(model.patch_size, pair), model)


def normalize(rgb):
    """rgb: float [1, 3, H, W] in [0, 1] -> ImageNet-normalised (T.Normalize)."""
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return (rgb - mean) / std


def features(model, rgb, stride, layer):
    """[1, C, Hg, Wg] of a normalised-ready rgb [1, 3, H, W], as the reference reshapes them."""
    h, w = rgb.shape[-2:]
    p = model.patch_size
    gh, gw = 1 + (h - p) // stride, 1 + (w - p) // stride
    out = model.forward_features(normalize(rgb))
    if layer == "prenorm":
        tokens = out["x_prenorm"][:, 1 + model.num_register_tokens:]
    else:
        tokens = out["x_norm_patchtokens"]
    return tokens.reshape(-1, gh, gw, tokens.shape[-1]).permute(0, 3, 1, 2)


def synthetic(w, h, shift=0):
    """The pattern of dinov2_reference.py --synthetic (shifted by `shift` px per frame)."""
    yy, xx = np.meshgrid(np.arange(h), np.arange(w) + shift, indexing="ij")
    img = np.stack([(xx * 7 + yy * 3) % 256, (xx * 2 + yy * 5) % 256, (xx ^ yy) % 256], -1).astype(np.uint8)
    return torch.from_numpy(np.moveaxis(img / 255.0, -1, 0).astype(np.float32).copy())[None]


def size(text):
    w, h = (int(v) for v in text.lower().split("x"))
    return w, h


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def bench(model, args):
    w, h = size(args.input_size or args.synthetic)
    rgb = synthetic(*size(args.synthetic))
    if rgb.shape[-2:] != (h, w):
        rgb = F.interpolate(rgb, size=(h, w), mode="bilinear", align_corners=False)
    stride = args.stride or model.patch_size
    times = []
    for i in range(args.warmup + args.bench):
        t0 = time.perf_counter()
        feat = features(model, rgb, stride, args.layer)
        if i >= args.warmup:
            times.append(time.perf_counter() - t0)
    print(json.dumps({"ms": 1000 * float(np.median(times)), "ms_min": 1000 * float(np.min(times)),
                      "peak_rss_mb": peak_rss_mb(), "grid": list(feat.shape[-2:]),
                      "threads": torch.get_num_threads(), "implementation": "official DINOv2 hub code"}))


def video(model, args):
    """evaluate.py tracking_single's feature loop on synthetic 854x476 frames."""
    w, h, stride = 854, 476, 7
    frames = [synthetic(w, h, 3 * t) for t in range(args.video)]
    feats, times = [], []
    for rgb in frames:
        t0 = time.perf_counter()
        feats.append(features(model, rgb, stride, "prenorm"))
        times.append(time.perf_counter() - t0)
        print(json.dumps({"frame": len(times) - 1, "s": times[-1], "peak_rss_mb": peak_rss_mb()}), flush=True)
    volume = torch.cat(feats)
    print(json.dumps({"frames": args.video, "volume": list(volume.shape), "s_per_frame": float(np.mean(times)),
                      "s_per_frame_median": float(np.median(times)), "peak_rss_mb": peak_rss_mb(),
                      "threads": torch.get_num_threads(), "implementation": "official DINOv2 hub code"}))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dinov2-repo", default=os.environ.get("CORRLENS_DINOV2_REPO"))
    p.add_argument("--arch", required=True, help="dinov2_vits14, dinov2_vitb14, ... (or vits14)")
    p.add_argument("--weights", help="flat state dict in hub names (*_pretrain.pth)")
    p.add_argument("--save-weights", help="write the weights used here as a *_pretrain.pth")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--synthetic", help="WxH synthetic image (bench mode)")
    p.add_argument("--input-size", help="exact model input WxH")
    p.add_argument("--bench", type=int, default=0, help="timed runs (median reported)")
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--stride", type=int, default=0, help="patch-embedding stride (3DCorrEnhance's fix)")
    p.add_argument("--layer", choices=["norm", "prenorm"], default="norm")
    p.add_argument("--video", type=int, default=0, help="frames of the tracking-extraction run")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.set_grad_enabled(False)
    model = load_model(args.dinov2_repo, args.arch, args.weights, args.seed)
    if args.save_weights:
        torch.save(model.state_dict(), args.save_weights)
    if args.stride and args.stride != model.patch_size:
        set_stride(model, args.stride)
    if args.video:
        video(model, args)
    elif args.bench:
        bench(model, args)


if __name__ == "__main__":
    main()
