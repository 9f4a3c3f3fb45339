#!/usr/bin/python3
"""Export a backbone as a TorchScript model folder that CorrLens runs as-is.

A CorrLens TorchScript model is a folder holding
  model.pt       a TorchScript module: normalised image [1, 3, H, W] -> feature map [1, C, h, w]
  corrlens.json  its manifest: name, input normalisation, patch size and
                 stride (how token centres map to pixels), preferred
                 resolution or the fixed input size of a traced module,
                 optional adapter module (adapter.pt: [1, C, h, w] -> [1, C', h, w])
Drop the folder into a $CORRLENS_MODELS folder and it is a model like any
other (`corrlens-cli match --model NAME`, the GUI's models panel), or give
the folder directly (`--model torchscript --weights DIR`, Add Custom Model...).

DINOv2 from the official torch-hub code (facebookresearch/dinov2; needs the
network once, or a hub cache, and a torch that runs the hub code):

  python3 scripts/export_torchscript.py --hub dinov2_vits14 --out models/dinov2_vits14_ts
  python3 scripts/export_torchscript.py --hub dinov2_vitb14 --adapter dinov2_base.ckpt \\
      --out models/dinov2_vitb14_3dcorr_ts        # + the 3DCorrEnhance adapter

The official code interpolates its positional embeddings with Python floats,
so a traced module works at one input size only: --input-size (default
896x672, i.e. 64 x 48 tokens) is written into the manifest and CorrLens
resizes every image to it. With --adapter the LoRA weights of the
3DCorrEnhance checkpoint are merged into the qkv projections (exact up to
float rounding) and its refine conv becomes adapter.pt.

Without the network, the repository's reference implementation
(scripts/reference/dinov2_reference.py) with a hub state dict or random
weights:

  /usr/bin/python3 scripts/export_torchscript.py --reference dinov2_vits14 \\
      --weights dinov2_vits14_pretrain.pth --out models/dinov2_vits14_ts
"""

import argparse
import json
import os
import sys
import types
import warnings

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGENET = {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}


class DenseFeatures(nn.Module):
    """A DINOv2-style backbone as image -> [1, C, h, w] (normalised patch tokens)."""

    def __init__(self, backbone, patch):
        super().__init__()
        self.backbone = backbone
        self.patch = patch

    def forward(self, x):
        h, w = x.shape[-2:]
        tokens = self.backbone.forward_features(x)["x_norm_patchtokens"]
        return tokens.reshape(1, h // self.patch, w // self.patch, -1).permute(0, 3, 1, 2)


def merge_lora(blocks, ckpt):
    """Adds the 3DCorrEnhance LoRA (q and v of the last 4 blocks, no scaling) into qkv."""
    n = sum(1 for k in ckpt if k.startswith("w_a_"))
    for j, blk in enumerate(list(blocks)[-(n // 2):]):
        qkv = blk.attn.qkv
        dim = qkv.in_features
        a_q, a_v = ckpt[f"w_a_{2 * j:03d}"].detach().float(), ckpt[f"w_a_{2 * j + 1:03d}"].detach().float()
        b_q, b_v = ckpt[f"w_b_{2 * j:03d}"].detach().float(), ckpt[f"w_b_{2 * j + 1:03d}"].detach().float()
        with torch.no_grad():
            qkv.weight[:dim] += b_q @ a_q
            qkv.weight[-dim:] += b_v @ a_v


def refine_module(ckpt, dim):
    conv = nn.Conv2d(dim, dim, kernel_size=3, stride=1, padding=1)
    conv.load_state_dict(ckpt["state_dict"]["refine_conv"])
    return torch.jit.script(conv.eval())


def load_hub(name):
    return torch.hub.load("facebookresearch/dinov2", name).eval()


def load_reference(arch, weights, seed, depth=0):
    sys.path.insert(0, os.path.join(HERE, "reference"))
    import dinov2_reference as ref
    cfg = ref.arch_config(arch)
    if depth:
        cfg["depth"] = depth
    model = ref.VisionTransformer(cfg).eval()
    if weights:
        missing, unexpected = model.load_state_dict(torch.load(weights, map_location="cpu"), strict=False)
        if [k for k in missing if k != "mask_token"] or unexpected:
            raise SystemExit(f"{weights}: weights do not fit {arch}")
    else:
        model.load_state_dict(ref.random_state(model, seed))
    # Python ints for the grid size, so that tracing keeps the float scale
    # factors of the positional-embedding resize (fixed input size).
    p = cfg["patch"]
    model.grid_size = types.MethodType(lambda self, h, w: (int(1 + (h - p) // self.stride),
                                                           int(1 + (w - p) // self.stride)), model)
    return model


def trace(module, width, height):
    example = torch.zeros(1, 3, height, width)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TracerWarnings: the input size is fixed on purpose
        return torch.jit.trace(module.eval(), example, check_trace=False)


def write_manifest(out, name, patch, stride, channels, input_size=None, resolution=None, adapter=None,
                   display_name=None, norm=IMAGENET):
    manifest = {"version": 1, "name": name, "display_name": display_name or f"{name} (TorchScript)",
                "model": "model.pt", "input": norm, "patch_size": patch, "stride": stride, "channels": channels}
    if input_size:
        manifest["input_size"] = list(input_size)
    if resolution:
        manifest["resolution"] = resolution
    if adapter:
        manifest["adapter"] = adapter
    with open(os.path.join(out, "corrlens.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    return manifest


def export_dinov2(backbone, out, name, size, adapter_ckpt=None, patch=14):
    """Traces `backbone` (hub or reference DINOv2) at `size` (W, H) into `out`."""
    os.makedirs(out, exist_ok=True)
    adapter = None
    if adapter_ckpt:
        ckpt = torch.load(adapter_ckpt, map_location="cpu")
        merge_lora(backbone.blocks, ckpt)
        dim = backbone.norm.weight.shape[0]
        refine_module(ckpt, dim).save(os.path.join(out, "adapter.pt"))
        adapter = "adapter.pt"
    dense = DenseFeatures(backbone, patch).eval()
    traced = trace(dense, *size)
    traced.save(os.path.join(out, "model.pt"))
    channels = int(dense(torch.zeros(1, 3, size[1], size[0])).shape[1])
    return write_manifest(out, name, patch, patch, channels, input_size=size, adapter=adapter)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--hub", help="torch-hub DINOv2 name: dinov2_vits14, dinov2_vitb14_reg, ...")
    source.add_argument("--reference", help="arch of scripts/reference/dinov2_reference.py: dinov2_vits14, ...")
    p.add_argument("--weights", help="--reference: hub state dict (.pth); random weights without it")
    p.add_argument("--seed", type=int, default=0, help="--reference without --weights: random seed")
    p.add_argument("--adapter", help="3DCorrEnhance Lightning checkpoint (.ckpt) to merge")
    p.add_argument("--input-size", default="896x672", help="WxH the module is traced at (multiples of 14)")
    p.add_argument("--name", help="model name in CorrLens (default: the folder name)")
    p.add_argument("--out", required=True, help="model folder to write")
    args = p.parse_args()
    torch.set_grad_enabled(False)
    width, height = (int(v) for v in args.input_size.lower().split("x"))
    if width % 14 or height % 14:
        raise SystemExit("--input-size must be multiples of the 14 px patch")
    backbone = load_hub(args.hub) if args.hub else load_reference(args.reference, args.weights, args.seed)
    name = args.name or os.path.basename(os.path.normpath(args.out))
    manifest = export_dinov2(backbone, args.out, name, (width, height), args.adapter)
    print(json.dumps(manifest, indent=2))


if __name__ == "__main__":
    main()
