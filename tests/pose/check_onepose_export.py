"""Checks an exported OnePose-LowTexture object the way the reference reads it.

Usage: check_onepose_export.py ROOT OBJECT. Exits non-zero with a message on
the first violation; prints a one-line summary otherwise.
"""
import glob
import json
import os
import sys

import numpy as np
from PIL import Image


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def main(root, obj):
    name = obj.split("-")[1]
    obj_dir = os.path.join(root, "lowtexture_test_data", obj)
    npz_path = os.path.join(root, "sfm_output", "outputs_softmax_loftr_loftr", obj, "anno", "anno_3d_average.npz")
    npz = np.load(npz_path)
    if sorted(npz.files) != ["descriptors3d", "keypoints3d", "scores3d"]:
        fail("npz keys %s" % npz.files)
    kp3d = npz["keypoints3d"]
    if kp3d.dtype != np.float64 or kp3d.ndim != 2 or kp3d.shape[1] != 3 or kp3d.shape[0] == 0:
        fail("keypoints3d %s %s" % (kp3d.dtype, kp3d.shape))
    m = kp3d.shape[0]
    if npz["descriptors3d"].dtype != np.float64 or npz["descriptors3d"].shape[1] != m:
        fail("descriptors3d %s" % (npz["descriptors3d"].shape,))
    if npz["scores3d"].dtype != np.float64 or npz["scores3d"].shape != (m, 1):
        fail("scores3d %s" % (npz["scores3d"].shape,))

    box = np.loadtxt(os.path.join(obj_dir, "box3d_corners.txt"))
    if box.shape != (8, 3):
        fail("box3d_corners shape %s" % (box.shape,))
    half = box.max(axis=0)
    signs = np.array([[-1, -1, -1], [1, -1, -1], [1, -1, 1], [-1, -1, 1],
                      [-1, 1, -1], [1, 1, -1], [1, 1, 1], [-1, 1, 1]])
    if not np.allclose(box, signs * half):
        fail("box corners not in OnePose order")
    if abs(np.linalg.norm(2 * half) - 0.2) > 1e-6:
        fail("box diagonal %g m, expected 0.2" % np.linalg.norm(2 * half))
    if np.any(np.abs(kp3d) > half + 1e-6):
        fail("a 3D point lies outside box3d_corners")

    for seq in (name + "-1", name + "-2"):
        seq_dir = os.path.join(obj_dir, seq)
        lines = open(os.path.join(seq_dir, "intrinsics.txt")).read().split("\n")
        if [l.split(":")[0] for l in lines[:4]] != ["fx", "fy", "cx", "cy"]:
            fail("intrinsics.txt keys")
        stems = sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(seq_dir, "color", "*.png")))
        if not stems:
            fail(seq + " has no images")
        for stem in stems:
            if not stem.isdigit() or str(int(stem)) != stem:
                fail("stem %r is not an unpadded integer" % stem)
            image = np.asarray(Image.open(os.path.join(seq_dir, "color", stem + ".png")))
            if image.shape != (512, 512, 3) or image.dtype != np.uint8:
                fail("image %s shape %s" % (stem, image.shape))
            K = np.loadtxt(os.path.join(seq_dir, "intrin_ba", stem + ".txt"))
            pose = np.loadtxt(os.path.join(seq_dir, "poses_ba", stem + ".txt"))
            if K.shape != (3, 3) or pose.shape != (4, 4):
                fail("K or pose shape in " + stem)
            R = pose[:3, :3]
            if not np.allclose(R @ R.T, np.eye(3), atol=1e-9) or abs(np.linalg.det(R) - 1) > 1e-9:
                fail("pose %s is not a rotation" % stem)
            if not np.allclose(pose[3], [0, 0, 0, 1]):
                fail("pose %s last row" % stem)
            reproj = np.loadtxt(os.path.join(seq_dir, "reproj_box", stem + ".txt"))
            cam = box @ R.T + pose[:3, 3]
            uv = cam @ K.T
            if not np.allclose(reproj, uv[:, :2] / uv[:, 2:], atol=1e-6):
                fail("reproj_box %s" % stem)
            if reproj.min() < -0.5 or reproj.max() > 511.5:
                fail("box of frame %s leaves the 512x512 crop" % stem)

    ref_dir = os.path.join(obj_dir, name + "-1")
    annos = sorted(glob.glob(os.path.join(ref_dir, "anno_loftr", "*.json")))
    if not annos:
        fail("no anno_loftr JSON")
    all_stems = sorted((os.path.basename(p)[:-4] for p in glob.glob(os.path.join(ref_dir, "color", "*.png"))), key=int)
    expected = [s for i, s in enumerate(all_stems) if i % 5 == 0]
    if sorted(os.path.basename(p)[:-5] for p in annos) != sorted(expected):
        fail("anno_loftr frames %s, expected every 5th %s" % ([os.path.basename(p) for p in annos], expected))
    used = np.zeros(m, bool)
    worst = 0.0
    total = 0
    for path in annos:
        stem = os.path.basename(path)[:-5]
        with open(path) as f:
            text = f.read()
        anno = json.loads(text)
        if list(anno.keys()) != ["keypoints2d", "scores2d", "assign_matrix", "num_matches"]:
            fail("anno keys %s" % list(anno.keys()))
        kp2d = np.array(anno["keypoints2d"], dtype=np.float64)
        scores = np.array(anno["scores2d"], dtype=np.float64)
        assign = np.array(anno["assign_matrix"])
        n = kp2d.shape[0]
        if kp2d.shape != (n, 2) or scores.shape != (n, 1) or assign.ndim != 2 or assign.shape[0] != 2:
            fail("anno %s shapes %s %s %s" % (stem, kp2d.shape, scores.shape, assign.shape))
        if assign.dtype.kind != "i" or anno["num_matches"] != assign.shape[1]:
            fail("anno %s assign dtype/num_matches" % stem)
        if assign.shape[1] <= 0.05 * n:
            fail("anno %s has too few matches" % stem)
        if assign[0].min() < 0 or assign[0].max() >= n or assign[1].min() < 0 or assign[1].max() >= m:
            fail("anno %s assign_matrix index out of range" % stem)
        used[assign[1]] = True
        K = np.loadtxt(os.path.join(ref_dir, "intrin_ba", stem + ".txt"))
        pose = np.loadtxt(os.path.join(ref_dir, "poses_ba", stem + ".txt"))
        pts = kp3d[assign[1]]
        cam = pts @ pose[:3, :3].T + pose[:3, 3]
        if np.any(cam[:, 2] <= 0):
            fail("anno %s: a 3D point behind the camera" % stem)
        uv = cam @ K.T
        uv = uv[:, :2] / uv[:, 2:]
        err = np.linalg.norm(uv - kp2d[assign[0]], axis=1)
        worst = max(worst, err.max())
        if err.max() > 1.0:
            fail("anno %s: reprojection error %.3f px" % (stem, err.max()))
        image = np.asarray(Image.open(os.path.join(ref_dir, "color", stem + ".png")))
        px = np.clip(np.round(kp2d[assign[0]]).astype(int), 0, 511)
        on_object = image[px[:, 1], px[:, 0]].max(axis=1) > 0
        if on_object.mean() < 0.99:
            fail("anno %s: %.1f%% of keypoints on black background" % (stem, 100 * (1 - on_object.mean())))
        total += assign.shape[1]
    if not used.all():
        fail("%d 3D points never observed" % (~used).sum())
    if total <= m:
        fail("no 3D point is shared between annotated views")
    print("ok: %d 3D points, %d annotated frames, %d matches, worst reprojection %.2e px" % (m, len(annos), total, worst))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
