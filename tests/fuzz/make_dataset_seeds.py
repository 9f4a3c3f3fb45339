#!/usr/bin/python3
"""Writes small seed inputs for the dataset-loader fuzz targets into
tests/fuzz/corpus/<target>/seed-*. Run with /usr/bin/python3 (numpy); the
files are committed and CTest replays them (label fuzz).

- tapvid: both TAP-Vid pickle layouts (the reference's strided file with
  lists and with numpy arrays; the official file with an embedded video).
- pf_pascal: the header and a few rows of the reference's pair CSV format,
  plus rows with mismatched keypoint counts.
- onepose: one-frame OnePose-LowTexture objects, the files joined by the
  target's separator (anno_loftr JSON, anno_3d_average.npz, intrin_ba,
  poses_ba, box3d_corners): stored and deflated npz, both intrinsics forms,
  an empty assign_matrix, no pose and no box.
- session: a v2 session file (pair workspace) and a v1 pair session.
"""
import io
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


ONEPOSE_SEPARATOR = b"\n%%onepose%%\n"


def onepose():
    rng = np.random.default_rng(11)
    points = rng.uniform(-0.1, 0.1, size=(5, 3)).astype(np.float32)
    def npz(compressed):
        buffer = io.BytesIO()
        (np.savez_compressed if compressed else np.savez)(buffer, keypoints3d=points,
                                                          descriptors3d=np.zeros((5, 2), np.float32))
        return buffer.getvalue()
    anno = json.dumps({"keypoints2d": [[10.5, 20.0], [30, 40], [50.25, 60], [70, 80]],
                       "assign_matrix": [[0, 1, 3], [4, 0, 2]]}).encode()
    intrin = b"600.0 0 320\n0 600.0 240\n0 0 1\n"
    named = b"fx: 600.0\nfy: 601.5\ncx: 320\ncy: 240\n"
    c, s = np.cos(0.3), np.sin(0.3)
    pose = "".join(f"{r[0]} {r[1]} {r[2]} {r[3]}\n" for r in
                   [[c, -s, 0, 0.01], [s, c, 0, -0.02], [0, 0, 1, 0.5], [0, 0, 0, 1]]).encode()
    box = "# corners\n" + "".join(f"{x} {y} {z}\n" for x in (-0.1, 0.1) for y in (-0.1, 0.1) for z in (-0.1, 0.1))
    def join(*parts):
        return ONEPOSE_SEPARATOR.join(parts)
    write("onepose", "object.bin", join(anno, npz(False), intrin, pose, box.encode()))
    write("onepose", "deflated-named.bin", join(anno, npz(True), named, pose, box.encode()))
    write("onepose", "no-pose-no-box.bin", join(anno, npz(False), intrin))
    empty = json.dumps({"keypoints2d": [], "assign_matrix": []}).encode()
    write("onepose", "empty-assign.bin", join(empty, npz(False), intrin, pose))


def session():
    v2 = {"format": "corrlens-session", "version": 2, "models": ["dense-sift"],
          "view": {"heatmap_opacity": 0.5},
          "workspaces": {"pair": {"source": "/tmp/a.png", "target": "/tmp/b.png",
                                  "points": [{"x": 10.5, "y": 20.25}, {"x": 1, "y": 2}]}}}
    write("session", "v2.json", json.dumps(v2, indent=1).encode())


if __name__ == "__main__":
    tapvid()
    pf_pascal()
    onepose()
    session()
