#!/usr/bin/python3
"""Writes small seed inputs for the dataset-loader fuzz targets into
tests/fuzz/corpus/<target>/seed-*. Run with /usr/bin/python3 (numpy); the
files are committed and CTest replays them (label fuzz).

- tapvid: both TAP-Vid pickle layouts (the reference's strided file with
  lists and with numpy arrays; the official file with an embedded video).
- pf_pascal: the header and a few rows of the reference's pair CSV format,
  plus rows with mismatched keypoint counts.
- session: a v2 session file (pair workspace) and a v1 pair session.
"""
import json
import os
import pickle

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "seed-" + name), "wb") as f:
        f.write(data)


def tapvid():
    rng = np.random.default_rng(7)
    tracks = rng.uniform(0, 1, size=(3, 6, 2)) * np.array([32.0, 24.0])
    occluded = np.zeros((3, 6), dtype=bool)
    occluded[1, 3] = True
    def entry(as_lists):
        e = {"video_idx": 0, "h": 24, "w": 32, "query_points": {}, "target_points": {}, "occluded": {}}
        for frame in (0, 5):
            q = tracks[:, frame]
            t = tracks.astype(np.float32)
            if as_lists:
                e["query_points"][frame] = q.tolist()
                e["target_points"][frame] = t.tolist()
                e["occluded"][frame] = occluded.tolist()
            else:
                e["query_points"][np.int64(frame)] = q.astype(np.float32)
                e["target_points"][np.int64(frame)] = t
                e["occluded"][np.int64(frame)] = occluded
        return e
    write("tapvid", "strided-lists.pkl", pickle.dumps({"videos": [entry(True)]}, protocol=2))
    write("tapvid", "strided-numpy.pkl", pickle.dumps({"videos": [entry(False)]}, protocol=4))
    official = {"bear": {"video": rng.integers(0, 255, size=(6, 24, 32, 3), dtype=np.uint8),
                         "points": (tracks / np.array([32.0, 24.0])).astype(np.float32),
                         "occluded": occluded}}
    write("tapvid", "official.pkl", pickle.dumps(official, protocol=4))


def pf_pascal():
    rows = ["source_image,target_image,class,XA,YA,XB,YB",
            "PF-dataset-PASCAL/JPEGImages/a.jpg,PF-dataset-PASCAL/JPEGImages/b.jpg,1,"
            "10;20;30,11;21;31,12;22;32,13;23;33",
            "PF-dataset-PASCAL/JPEGImages/c.jpg,PF-dataset-PASCAL/JPEGImages/d.jpg,20,1.5;2.5,3.5;4.5,5;6;7,8;9;10"]
    write("pf_pascal", "pairs.csv", ("\n".join(rows) + "\n").encode())


def session():
    v2 = {"format": "corrlens-session", "version": 2, "models": ["dense-sift"],
          "view": {"heatmap_opacity": 0.5},
          "workspaces": {"pair": {"source": "/tmp/a.png", "target": "/tmp/b.png",
                                  "points": [{"x": 10.5, "y": 20.25}, {"x": 1, "y": 2}]}}}
    write("session", "v2.json", json.dumps(v2, indent=1).encode())


if __name__ == "__main__":
    tapvid()
    pf_pascal()
    session()
