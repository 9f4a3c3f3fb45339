#!/usr/bin/python3
"""Independent numpy implementation of the TAP-Vid metrics as DATASETS.md
section 2.6 defines them (tapnet's compute_tapvid_metrics), for checking
core/track/tapvid_metrics.cpp. Reads a JSON file:
  {"mode": "strided" | "first", "query_frames": [N],
   "gt": [N][T][2], "gt_occluded": [N][T], "pred": [N][T][2], "pred_occluded": [N][T]}
and prints {"<metric name>": value or null for NaN}."""
import json
import sys

import numpy as np


def metrics(case):
    gt = np.asarray(case["gt"], dtype=np.float64)
    pred = np.asarray(case["pred"], dtype=np.float64)
    gt_occ = np.asarray(case["gt_occluded"], dtype=bool)
    pred_occ = np.asarray(case["pred_occluded"], dtype=bool)
    n, t = gt_occ.shape
    q = np.rint(np.asarray(case["query_frames"], dtype=np.float64)).astype(np.int64)
    frame = np.arange(t)[None, :]
    if case["mode"] == "strided":
        scored = frame != q[:, None]
    else:
        scored = frame > q[:, None]
    visible = ~gt_occ
    predicted_visible = ~pred_occ
    dist2 = ((pred - gt) ** 2).sum(axis=2)

    def ratio(a, b):
        with np.errstate(invalid="ignore", divide="ignore"):
            return float(np.float64(a) / np.float64(b))

    out = {"occlusion_accuracy": ratio(np.count_nonzero((gt_occ == pred_occ) & scored), np.count_nonzero(scored))}
    within_all, jac_all = [], []
    deltas = [1, 2, 4, 8, 16]
    for d in deltas:
        close = dist2 < d * d
        hit = close & visible & scored
        within_all.append(ratio(np.count_nonzero(hit), np.count_nonzero(visible & scored)))
        tp = np.count_nonzero(hit & predicted_visible)
        fp = np.count_nonzero(predicted_visible & scored & ~(close & visible))
        jac_all.append(ratio(tp, np.count_nonzero(visible & scored) + fp))
    for d, v in zip(deltas, within_all):
        out["pts_within_%d" % d] = v
    for d, v in zip(deltas, jac_all):
        out["jaccard_%d" % d] = v
    out["average_jaccard"] = float(np.mean(jac_all))
    out["average_pts_within_thresh"] = float(np.mean(within_all))
    return {k: (None if np.isnan(v) else v) for k, v in out.items()}


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    print(json.dumps([metrics(c) for c in cases]))


if __name__ == "__main__":
    main()
