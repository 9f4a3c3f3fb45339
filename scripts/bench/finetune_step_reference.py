#!/usr/bin/python3
"""Step time of the 3DCorrEnhance reference trainer on the CPU, for comparison
with `corrlens-cli finetune` (docs/finetune.md, "Step time vs the reference").

Builds the model as the reference's finetune.py (FinetuneDINO) does: the
official DINOv2 hub code (--dinov2-repo: a local copy of
facebookresearch/dinov2, loaded with torch.hub.load(source="local",
pretrained=False), i.e. random weights), every backbone parameter frozen,
_LoRA_qkv (rank 4, q and v) on the last 4 blocks, refine_conv (3x3), then
times the training step: get_feature of both views (resize so that the longer
side has target_res / 8 tokens of 14 px, ImageNet normalisation,
forward_features, refine_conv, interpolate_features, L2 normalisation), the
smooth-AP loss of training_step, backward, gradient clipping to norm 1.0
(Lightning's gradient_clip_val) and AdamW(lr 1e-5, weight decay 1e-4).
The code of finetune.py, utils/model.py and utils/functions.py
(qq456cvb/3DCorrEnhance, MIT) is restated below; the dataloader is replaced
by random images and points (data loading is not timed: the reference loads
with 10 worker processes).

torchvision is not needed: its resize of a tensor is bilinear without
antialias when enlarging (512 -> 1120 px), which F.interpolate does.

usage: finetune_step_reference.py --dinov2-repo DIR [--arch vits14] [--size 512]
         [--target-res 640] [--points 3000] [--steps 3] [--warmup 1] [--threads 2]
Prints one JSON line per step and a summary: wall and CPU (user + system)
seconds per timed step, peak RSS. On a shared machine with fewer free cores
than --threads, OpenMP's barriers stall (measured here: ViT-S at 224 px,
2.5 s per forward with 2 threads under load 5 vs 0.5 s with 1 thread), so
compare at --threads 1 there, or on a quiet machine.
"""
import argparse
import json
import math
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class LoRAQkv(nn.Module):  # utils/model.py _LoRA_qkv
    def __init__(self, qkv, linear_a_q, linear_b_q, linear_a_v, linear_b_v):
        super().__init__()
        self.qkv = qkv
        self.linear_a_q, self.linear_b_q = linear_a_q, linear_b_q
        self.linear_a_v, self.linear_b_v = linear_a_v, linear_b_v
        self.dim = qkv.in_features
        self.w_identity = torch.eye(qkv.in_features)

    def forward(self, x):
        qkv = self.qkv(x)
        new_q = self.linear_b_q(self.linear_a_q(x))
        new_v = self.linear_b_v(self.linear_a_v(x))
        qkv[:, :, : self.dim] += new_q
        qkv[:, :, -self.dim:] += new_v
        return qkv


def sigmoid(tensor, temp=1.0):  # utils/functions.py
    exponent = torch.clamp(-tensor / temp, min=-50, max=50)
    return 1.0 / (1.0 + torch.exp(exponent))


def interpolate_features(descriptors, pts, h, w, patch_size=14, stride=14):  # utils/functions.py, normalize=False
    last_coord_h = ((h - patch_size) // stride) * stride + (patch_size / 2)
    last_coord_w = ((w - patch_size) // stride) * stride + (patch_size / 2)
    ah = 2 / (last_coord_h - (patch_size / 2))
    aw = 2 / (last_coord_w - (patch_size / 2))
    bh = 1 - last_coord_h * 2 / (last_coord_h - (patch_size / 2))
    bw = 1 - last_coord_w * 2 / (last_coord_w - (patch_size / 2))
    a = torch.tensor([[aw, ah]]).to(pts).float()
    b = torch.tensor([[bw, bh]]).to(pts).float()
    keypoints = (a * pts + b).unsqueeze(-3)
    return F.grid_sample(descriptors, keypoints, align_corners=True, padding_mode="border").squeeze(-2)


class FinetuneDINO(nn.Module):  # finetune.py, without Lightning
    def __init__(self, dinov2_repo, arch, r=4):
        super().__init__()
        dinov2 = torch.hub.load(dinov2_repo, f"dinov2_{arch}", source="local", pretrained=False)
        self.w_As, self.w_Bs = [], []
        for param in dinov2.parameters():
            param.requires_grad = False
        for blk in dinov2.blocks[-4:]:
            w_qkv_linear = blk.attn.qkv
            dim = w_qkv_linear.in_features
            a_q, b_q = nn.Linear(dim, r, bias=False), nn.Linear(r, dim, bias=False)
            a_v, b_v = nn.Linear(dim, r, bias=False), nn.Linear(r, dim, bias=False)
            self.w_As += [a_q, a_v]
            self.w_Bs += [b_q, b_v]
            blk.attn.qkv = LoRAQkv(w_qkv_linear, a_q, b_q, a_v, b_v)
        for w_A in self.w_As:
            nn.init.kaiming_uniform_(w_A.weight, a=math.sqrt(5))
        for w_B in self.w_Bs:
            nn.init.zeros_(w_B.weight)
        self.dinov2 = dinov2
        self.embedding_dim = dinov2.embed_dim
        self.refine_conv = nn.Conv2d(self.embedding_dim, self.embedding_dim, kernel_size=3, stride=1, padding=1)
        self.downsample_factor, self.patch_size, self.target_res = 8, 14, 640
        self.thresh3d_pos, self.thres3d_neg = 5e-3, 0.1
        self.mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
        self.std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)

    def trainable(self):
        return [l.weight for l in self.w_As] + [l.weight for l in self.w_Bs] + list(self.refine_conv.parameters())

    def get_feature(self, rgbs, pts):
        tgt_size = (int(rgbs.shape[-2] * self.target_res / rgbs.shape[-1]), self.target_res)
        if rgbs.shape[-2] > rgbs.shape[-1]:
            tgt_size = (self.target_res, int(rgbs.shape[-1] * self.target_res / rgbs.shape[-2]))
        patch_h, patch_w = tgt_size[0] // self.downsample_factor, tgt_size[1] // self.downsample_factor
        size = (patch_h * self.patch_size, patch_w * self.patch_size)
        rgb_resized = F.interpolate(rgbs, size=size, mode="bilinear", align_corners=False)
        resize_factor = [(patch_w * self.patch_size) / rgbs.shape[-1], (patch_h * self.patch_size) / rgbs.shape[-2]]
        pts = pts * torch.tensor(resize_factor).to(pts.device)
        result = self.dinov2.forward_features((rgb_resized - self.mean) / self.std)
        feature = result["x_norm_patchtokens"].reshape(rgb_resized.shape[0], patch_h, patch_w, -1).permute(0, 3, 1, 2)
        feature = self.refine_conv(feature)
        feature = interpolate_features(feature, pts, h=patch_h * 14, w=patch_w * 14).permute(0, 2, 1)
        return F.normalize(feature, p=2, dim=-1)

    def training_step(self, rgb_1, pts2d_1, pts3d_1, rgb_2, pts2d_2, pts3d_2):
        desc_1 = self.get_feature(rgb_1, pts2d_1)
        desc_2 = self.get_feature(rgb_2, pts2d_2)
        kp3d_dist = torch.cdist(pts3d_1, pts3d_2)
        sim = torch.bmm(desc_1, desc_2.transpose(-1, -2))
        pos_idxs = torch.nonzero(kp3d_dist < self.thresh3d_pos, as_tuple=False)
        pos_sim = sim[pos_idxs[:, 0], pos_idxs[:, 1], pos_idxs[:, 2]]
        rpos = sigmoid(pos_sim - 1.0, temp=0.01) + 1
        neg_mask = kp3d_dist[pos_idxs[:, 0], pos_idxs[:, 1]] > self.thres3d_neg
        rall = rpos + torch.sum(sigmoid(sim[pos_idxs[:, 0], pos_idxs[:, 1]] - 1.0, temp=0.01) * neg_mask.float(), -1)
        ap1 = rpos / rall
        rpos = sigmoid(1.0 - pos_sim, temp=0.01) + 1
        rall = rpos + torch.sum(
            sigmoid(sim[pos_idxs[:, 0], pos_idxs[:, 1]] - pos_sim[:, None].repeat(1, sim.shape[-1]), temp=0.01)
            * neg_mask.float(), -1)
        ap2 = rpos / rall
        return torch.mean(1.0 - (ap1 + ap2) / 2), pos_idxs.shape[0]


def cpu_seconds():  # user + system time of this process
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def random_pair(size, points, generator):
    """Two random views; 3D points of view 2 repeat 20% of view 1's (jittered < 2 mm): positives."""
    rgb = [torch.rand(1, 3, size, size, generator=generator) for _ in range(2)]
    p2d = [torch.rand(1, points, 2, generator=generator) * (size - 1) for _ in range(2)]
    p3d_1 = torch.rand(1, points, 3, generator=generator) - 0.5
    p3d_2 = torch.rand(1, points, 3, generator=generator) - 0.5
    k = points // 5
    p3d_2[:, :k] = p3d_1[:, :k] + (torch.rand(1, k, 3, generator=generator) - 0.5) * 2e-3
    return rgb[0], p2d[0], p3d_1, rgb[1], p2d[1], p3d_2


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dinov2-repo", required=True, help="local copy of facebookresearch/dinov2 (hubconf.py)")
    ap.add_argument("--arch", default="vits14", choices=["vits14", "vitb14", "vitl14", "vitg14"])
    ap.add_argument("--size", type=int, default=512, help="render size (square)")
    ap.add_argument("--target-res", type=int, default=640, help="FinetuneDINO.target_res (640: 80 tokens a side)")
    ap.add_argument("--points", type=int, default=3000)
    ap.add_argument("--steps", type=int, default=3, help="timed steps")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(42)
    model = FinetuneDINO(args.dinov2_repo, args.arch)
    model.target_res = args.target_res
    model.train()
    opt = torch.optim.AdamW(model.trainable(), lr=1e-5, weight_decay=1e-4)
    gen = torch.Generator().manual_seed(0)
    times, cpu_times = [], []
    for i in range(args.warmup + args.steps):
        batch = random_pair(args.size, args.points, gen)
        t0, c0 = time.perf_counter(), cpu_seconds()
        loss, positives = model.training_step(*batch)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.trainable(), 1.0)
        opt.step()
        dt, dc = time.perf_counter() - t0, cpu_seconds() - c0
        if i >= args.warmup:
            times.append(dt)
            cpu_times.append(dc)
        print(json.dumps({"event": "step", "step": i + 1, "warmup": i < args.warmup, "seconds": dt,
                          "cpu_seconds": dc, "loss": float(loss), "positives": positives}), flush=True)
    side = (args.target_res // 8) * 14
    print(json.dumps({
        "event": "summary", "impl": "reference (PyTorch " + torch.__version__ + ")", "arch": args.arch,
        "threads": torch.get_num_threads(), "render": args.size, "input": f"{side}x{side}",
        "tokens": (args.target_res // 8) ** 2, "points": args.points, "timed_steps": len(times),
        "seconds_per_step": sum(times) / max(len(times), 1), "min_seconds": min(times, default=float("nan")),
        "cpu_seconds_per_step": sum(cpu_times) / max(len(cpu_times), 1),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}), flush=True)


if __name__ == "__main__":
    main()
