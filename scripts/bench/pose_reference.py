#!/usr/bin/python3
"""The reference's per-frame pose steps on CorrLens's own descriptors.

Reads the folders written with CORRLENS_POSE_DUMP=DIR (core/pose/pose_dump.h)
and, for every frame_<f>/, redoes what 3DCorrEnhance's evaluate.py
(`oneposepp`) does after feature extraction, in python3-torch and OpenCV:

  - nearest template of each query row in chunks of about 25000 * 10000
    similarities (`sim.argmax(-1)`), then the nearest query of each template
    the same way: two separate passes over the full similarity;
  - mutual matches: nbr2[nbr1] == arange;
  - cv2.solvePnPRansac on the 3D points scaled by 1000 (EPnP, 8 px,
    10000 iterations), the translation divided by 1000 afterwards and the
    identity kept unless more than 5 inliers.

It times matching and PnP per frame with the same thread count as CorrLens
and compares the mutual matches with CorrLens's (matches.npy). One JSON
object per frame on stdout, then a summary line.

With --dinov2-repo and --arch (and --weights: the same *_pretrain.pth
CorrLens loaded) it also extracts each query (frame_<f>/query.png) as
`oneposepp` does, with the official DINOv2 hub code
(scripts/bench/dinov2_hub_bench.py): cv2.resize of rgb / 255 to
(W / 8 * 14, H / 8 * 14), ImageNet normalisation, forward_features,
x_norm_patchtokens, interpolate_features at the grid, L2 normalisation (no
refine conv: baseline backbones have none), compares these descriptors with
CorrLens's (cosine) and matches with them, so the per-frame time is end to
end on both sides.

Usage: pose_reference.py DIR [--threads 2] [--repeat 3]
                         [--dinov2-repo D --arch dinov2_vits14 --weights W.pth]
"""
import argparse
import json
import pathlib
import statistics
import sys
import time

import numpy as np

try:
    import cv2
    import torch
except ImportError as e:  # one line, no traceback
    sys.exit(f"pose_reference.py: {e.name} is missing (python3-torch, python3-opencv)")

CHUNK = 25000 * 10000  # similarities per chunk in the reference


def argmax_rows(rows, cols):
    """Index of the most similar `cols` row for each `rows` row, chunked."""
    step = (CHUNK - 1) // cols.shape[0] + 1
    return torch.cat([(part @ cols.T).argmax(-1) for part in torch.split(rows, step)], 0)


def mutual(queries, templates):
    nbr1 = argmax_rows(queries, templates)  # query -> template
    nbr2 = argmax_rows(templates, queries)  # template -> query
    keep = nbr2[nbr1] == torch.arange(len(nbr1))
    return keep, nbr1


def pnp(points3d, pixels, k):
    """The reference's PnP and its identity fallback; (pose, inliers)."""
    pose = np.eye(4)
    if len(pixels) < 4:
        return pose, 0
    scale = 1000.0
    ok, rvec, tvec, inliers = cv2.solvePnPRansac(points3d * scale, pixels, k, None, reprojectionError=8.0,
                                                 iterationsCount=10000, flags=cv2.SOLVEPNP_EPNP)
    if not ok or inliers is None:
        return pose, 0
    if len(inliers) > 5:
        pose[:3, :3] = cv2.Rodrigues(rvec)[0]
        pose[:3, 3] = tvec[:, 0] / scale
    return pose, len(inliers)


def extract_queries(model, rgb, grid):
    """oneposepp's query descriptors with the official model; (N, C) normalised."""
    from dinov2_hub_bench import normalize
    from finetune_step_reference import interpolate_features  # the reference's, normalize=False
    h, w = rgb.shape[:2]
    resized = cv2.resize(rgb / 255., (w // 8 * 14, h // 8 * 14))
    desc = model.forward_features(normalize(torch.from_numpy(resized).float().permute(2, 0, 1)[None]))
    desc = desc["x_norm_patchtokens"].reshape(1, h // 8, w // 8, -1).permute(0, 3, 1, 2)
    pts = torch.from_numpy(grid).float()[None] / 8 * 14
    desc = interpolate_features(desc, pts, resized.shape[0], resized.shape[1]).permute(0, 2, 1)[0]
    return desc / (desc.norm(dim=-1, keepdim=True) + 1e-9)


def pose_error(a, b):
    """Rotation (deg) and translation (cm) between two poses (query_pose_error)."""
    trace = min(np.trace(a[:3, :3] @ b[:3, :3].T), 3.0)
    return float(np.degrees(np.arccos(max((trace - 1) / 2, -1.0)))), float(np.linalg.norm(a[:3, 3] - b[:3, 3]) * 100)


def load(path):
    try:
        return np.load(path)
    except (OSError, ValueError) as e:
        sys.exit(f"{path}: cannot read ({e})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dump", type=pathlib.Path)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per frame (the median is reported)")
    parser.add_argument("--dinov2-repo", help="local copy of facebookresearch/dinov2: extract the queries too")
    parser.add_argument("--arch", help="dinov2_vits14, dinov2_vitb14, ... (with --dinov2-repo)")
    parser.add_argument("--weights", help="the *_pretrain.pth CorrLens used (with --dinov2-repo)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    torch.set_grad_enabled(False)
    model = None
    if args.dinov2_repo:
        sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
        from dinov2_hub_bench import load_model
        if not args.arch:
            sys.exit("pose_reference.py: --dinov2-repo needs --arch")
        model = load_model(args.dinov2_repo, args.arch, args.weights)
    frames = sorted(args.dump.glob("frame_*"), key=lambda p: int(p.name.split("_")[1]))
    if not frames:
        sys.exit(f"{args.dump}: no frame_<n> folder (run CorrLens with CORRLENS_POSE_DUMP={args.dump})")
    cache = {}
    rows = []
    for frame in frames:
        try:
            ours = json.loads((frame / "corrlens.json").read_text())
        except (OSError, ValueError) as e:
            sys.exit(f"{frame / 'corrlens.json'}: cannot read ({e})")
        name = ours["templates"]
        if name not in cache:
            cache[name] = (torch.from_numpy(load(args.dump / name / "templates.npy")),
                           load(args.dump / name / "points3d.npy"))
        templates, points3d = cache[name]
        queries = torch.from_numpy(load(frame / "queries.npy"))
        grid = load(frame / "grid.npy")
        k = load(frame / "K.npy")
        extract_times, feature_cos = [], None
        if model is not None:
            image = cv2.imread(str(frame / "query.png"))
            if image is None:
                sys.exit(f"{frame / 'query.png'}: cannot read (a dump from an older CorrLens?)")
            rgb = image[..., ::-1].copy()
            for _ in range(args.repeat):
                start = time.perf_counter()
                own = extract_queries(model, rgb, grid)
                extract_times.append(time.perf_counter() - start)
            if own.shape != queries.shape:
                sys.exit(f"{frame}: reference descriptors {tuple(own.shape)} vs CorrLens {tuple(queries.shape)} "
                         "(another model or input size?)")
            feature_cos = (own * queries).sum(-1)
            queries = own  # match with the reference's own descriptors: end to end
        match_times, pnp_times = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            with torch.no_grad():
                keep, nbr1 = mutual(queries, templates)
            src = grid[keep.numpy()]
            dst = points3d[nbr1[keep].numpy()]
            match_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            pose, inliers = pnp(dst, src, k)
            pnp_times.append(time.perf_counter() - start)
        theirs = set(zip(np.nonzero(keep.numpy())[0].tolist(), nbr1[keep].numpy().tolist()))
        mine = set(map(tuple, load(frame / "matches.npy").tolist()))
        ours_pose = np.array(ours["cam_from_object"]).reshape(4, 4)
        rot, trans = pose_error(pose, ours_pose)
        n, c = queries.shape
        row = {
            "frame": frame.name, "queries": n, "templates": templates.shape[0], "channels": c,
            "reference_matches": len(theirs), "corrlens_matches": len(mine),
            "common_matches": len(theirs & mine), "reference_inliers": inliers, "corrlens_inliers": ours["inliers"],
            "pose_difference_deg": rot, "pose_difference_cm": trans,
            "reference_match_s": statistics.median(match_times), "reference_pnp_s": statistics.median(pnp_times),
            "corrlens_match_s": ours["match_seconds"], "corrlens_pnp_s": ours["pnp_seconds"],
            "corrlens_threads": ours.get("torch_threads"),
        }
        if model is not None:
            row.update({"reference_extract_s": statistics.median(extract_times),
                        "corrlens_extract_s": ours.get("extract_seconds", float("nan")),
                        "descriptor_cos_min": float(feature_cos.min()), "descriptor_cos_mean": float(feature_cos.mean())})
        rows.append(row)
        print(json.dumps(row))
    # GEMM rate of this torch on one template block, for the matching's share.
    t = rows[-1]
    a = torch.randn(t["queries"], t["channels"])
    b = torch.randn(min(t["templates"], 20000), t["channels"])
    a @ b.T
    start = time.perf_counter()
    for _ in range(3):
        a @ b.T
    gemm = 3 * 2.0 * a.shape[0] * b.shape[0] * a.shape[1] / (time.perf_counter() - start)

    def total(key):
        return sum(r[key] for r in rows)

    flops = sum(2.0 * r["queries"] * r["templates"] * r["channels"] for r in rows)  # one similarity pass
    summary = {
        "frames": len(rows), "threads": args.threads,
        "reference_match_s_per_frame": total("reference_match_s") / len(rows),
        "reference_pnp_s_per_frame": total("reference_pnp_s") / len(rows),
        "corrlens_match_s_per_frame": total("corrlens_match_s") / len(rows),
        "corrlens_pnp_s_per_frame": total("corrlens_pnp_s") / len(rows),
        "match_agreement": total("common_matches") / max(1, total("reference_matches")),
        "common_over_corrlens_matches": total("common_matches") / max(1, total("corrlens_matches")),
        "torch_sgemm_gflops": gemm / 1e9,
        "reference_matching_gflops": 2 * flops / total("reference_match_s") / 1e9,  # two passes
        "corrlens_matching_gflops": flops / max(1e-12, total("corrlens_match_s")) / 1e9,  # one fused pass
    }
    if model is not None:
        summary["reference_extract_s_per_frame"] = total("reference_extract_s") / len(rows)
        summary["corrlens_extract_s_per_frame"] = total("corrlens_extract_s") / len(rows)
        summary["descriptor_cos_min"] = min(r["descriptor_cos_min"] for r in rows)
        summary["reference_end_to_end_s_per_frame"] = sum(
            summary[f"reference_{k}_s_per_frame"] for k in ("extract", "match", "pnp"))
        summary["corrlens_end_to_end_s_per_frame"] = sum(
            summary[f"corrlens_{k}_s_per_frame"] for k in ("extract", "match", "pnp"))
        summary["speedup_end_to_end"] = (summary["reference_end_to_end_s_per_frame"]
                                         / summary["corrlens_end_to_end_s_per_frame"])
    print(json.dumps({"summary": summary}))


if __name__ == "__main__":
    main()
