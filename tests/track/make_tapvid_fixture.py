#!/usr/bin/python3
"""Writes a tiny TAP-Vid dataset in the two real pickle layouts from a JSON
description made by the C++ tests (tests/track/tapvid_fixture.h).

usage: make_tapvid_fixture.py SPEC.json OUT_DIR
SPEC: {"videos": [{"video_idx", "name", "w", "h", "frames_npy",
                   "tracks": [N][T][2] pixels, "occluded": [N][T] bool}],
       "stride": 5}
Writes OUT_DIR/tapvid_davis_data_strided.pkl (protocol 2, int keys; the
first video as plain lists, the others as numpy arrays, as either occurs) and
OUT_DIR/tapvid_davis.pkl (official layout: {name: {"video" uint8 [T,H,W,3],
"points" float32 [N,T,2] in [0, 1], "occluded" bool [N,T]}})."""
import json
import os
import pickle
import sys

import numpy as np


def strided_entry(video, stride, as_lists):
    tracks = np.asarray(video["tracks"], dtype=np.float64)
    occluded = np.asarray(video["occluded"], dtype=bool)
    entry = {"video_idx": video["video_idx"], "h": video["h"], "w": video["w"],
             "query_points": {}, "target_points": {}, "occluded": {}}
    for frame in range(0, tracks.shape[1], stride):
        keep = np.nonzero(~occluded[:, frame])[0]
        if keep.size == 0:
            continue
        queries = tracks[keep, frame]
        target = tracks[keep].astype(np.float32)
        occ = occluded[keep]
        if as_lists:
            entry["query_points"][frame] = queries.tolist()
            entry["target_points"][frame] = target.tolist()
            entry["occluded"][frame] = occ.tolist()
        else:
            entry["query_points"][np.int64(frame)] = queries.astype(np.float32)
            entry["target_points"][np.int64(frame)] = target
            entry["occluded"][np.int64(frame)] = occ
    return entry


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    out = sys.argv[2]
    stride = spec.get("stride", 5)
    strided = {"videos": [strided_entry(v, stride, i == 0) for i, v in enumerate(spec["videos"])]}
    with open(os.path.join(out, "tapvid_davis_data_strided.pkl"), "wb") as f:
        pickle.dump(strided, f, protocol=2)
    official = {}
    for v in spec["videos"]:
        size = np.array([v["w"], v["h"]], dtype=np.float64)
        official[v["name"]] = {
            "video": np.load(v["frames_npy"]).astype(np.uint8),
            "points": (np.asarray(v["tracks"], dtype=np.float64) / size).astype(np.float32),
            "occluded": np.asarray(v["occluded"], dtype=bool),
        }
    with open(os.path.join(out, "tapvid_davis.pkl"), "wb") as f:
        pickle.dump(official, f, protocol=4)


if __name__ == "__main__":
    main()
