#!/usr/bin/python3
"""Independent PyTorch implementation of the reference tracking rules
(3DCorrEnhance's Tracker + ModelInference, DINO-Tracker without its refiner;
PROTOCOLS.md "Video tracking"), for checking core/track/tracker.cpp on the
same feature volume. Everything is float32 as in the reference; softmax runs
over the whole map and the radius mask over the whole grid.

usage: tracker_reference.py VOLUME.npy QUERIES.npy WIDTH HEIGHT PATCH STRIDE
  VOLUME [T, C, Hg, Wg] float32, QUERIES [N, 3] (x, y, frame) in frame pixels.
Prints {"tracks": [N][T][2], "occluded": [N][T], "similarity": [N][T]}."""
import json
import sys

import numpy as np
import torch
import torch.nn.functional as F

RADIUS, ANCHOR, VISIBLE = 35.0, 0.7, 0.6


class Geometry:
    def __init__(self, width, height, patch, stride, grid_h, grid_w):
        self.width, self.height, self.patch, self.stride = width, height, patch, stride
        self.xs = patch / 2.0 + stride * torch.arange(grid_w, dtype=torch.float32)
        self.ys = patch / 2.0 + stride * torch.arange(grid_h, dtype=torch.float32)

    def normalised(self, xy):
        """Frame pixels -> grid_sample coordinates (align_corners=True)."""
        def axis(p, size):
            first = self.patch / 2.0
            last = ((size - self.patch) // self.stride) * self.stride + first
            scale = 2.0 / (last - first)
            return scale * p + (1.0 - last * scale)
        return torch.stack([axis(xy[:, 0], self.width), axis(xy[:, 1], self.height)], dim=1)


def sample(volume, frames, xy, geo):
    """Bilinear descriptors [M, C] at pixel positions xy [M, 2] of frames [M]."""
    grid = geo.normalised(xy).view(-1, 1, 1, 2).to(torch.float32)
    out = F.grid_sample(volume[frames], grid, mode="bilinear", padding_mode="border", align_corners=True)
    return out[:, :, 0, 0]


def locate(desc, frame_features, geo):
    """ReLU'd cosine map -> softmax -> soft-argmax within RADIUS of the argmax; [B, 2]."""
    c, h, w = frame_features.shape
    dot = torch.einsum("bc,chw->bhw", desc, frame_features)
    norms = desc.norm(dim=1)[:, None, None] * frame_features.norm(dim=0)[None]
    cmap = torch.relu(dot / torch.clamp(norms, min=1e-8)).reshape(desc.shape[0], -1)
    best = cmap.argmax(dim=1)
    prob = torch.softmax(cmap, dim=1).view(-1, h, w)
    gy, gx = torch.meshgrid(geo.ys, geo.xs, indexing="ij")
    bx, by = geo.xs[best % w], geo.ys[best // w]
    inside = torch.sqrt((gx[None] - bx[:, None, None]) ** 2 + (gy[None] - by[:, None, None]) ** 2) <= RADIUS
    weights = prob * inside
    total = weights.sum(dim=(1, 2))
    empty = total < 1e-8
    if empty.any():
        weights[empty] = inside[empty].float() / inside[empty].float().sum(dim=(1, 2))[:, None, None]
        total[empty] = 1.0
    x = (weights * gx[None]).sum(dim=(1, 2)) / total
    y = (weights * gy[None]).sum(dim=(1, 2)) / total
    return torch.stack([x, y], dim=1)


def track_one(volume, query, geo):
    t_count = volume.shape[0]
    q_frame = int(query[2])
    desc = sample(volume, torch.tensor([q_frame]), query[None, :2], geo)
    traj = torch.cat([locate(desc, volume[f], geo) for f in range(t_count)])  # [T, 2]
    on_track = sample(volume, torch.arange(t_count), traj, geo)  # [T, C]
    sim = F.cosine_similarity(on_track[q_frame][None], on_track, dim=1)  # [T]
    anchors = [a for a in range(t_count) if sim[a] >= ANCHOR]
    if not anchors:
        return traj, sim < VISIBLE, sim
    dist = torch.stack([(locate(on_track, volume[a], geo) - traj[a][None]).norm(dim=1) for a in anchors])  # [M, T]
    limit = max(torch.median(dist[:, a]) for a in anchors)
    occluded = (torch.median(dist, dim=0).values > limit) | (sim < VISIBLE)
    return traj, occluded, sim


def main():
    volume = torch.from_numpy(np.load(sys.argv[1])).float()
    queries = torch.from_numpy(np.load(sys.argv[2])).float()
    width, height, patch, stride = (int(v) for v in sys.argv[3:7])
    geo = Geometry(width, height, patch, stride, volume.shape[2], volume.shape[3])
    out = {"tracks": [], "occluded": [], "similarity": []}
    with torch.no_grad():
        for query in queries:
            traj, occluded, sim = track_one(volume, query, geo)
            out["tracks"].append(traj.tolist())
            out["occluded"].append([bool(v) for v in occluded])
            out["similarity"].append(sim.tolist())
    print(json.dumps(out))


if __name__ == "__main__":
    main()
