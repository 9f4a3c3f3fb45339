#!/usr/bin/env python3
"""Independent numpy implementation of PF-PASCAL keypoint-transfer scoring.

paper:    3DCorrEnhance `semantic_transfer` / `load_pascal_data` /
          `preprocess_kps_pad`: keypoints letterboxed to a size x size canvas
          in float32, err < alpha * size (float32), keypoints pooled per
          category, categories averaged with the pair-count weights (only
          categories with keypoints count).
standard: per pair mean(err <= alpha * max(W, H) of the target) in original
          pixels, averaged over pairs.
Keypoints are index-aligned: slot k < min(len(XA), len(XB)).
Prints a JSON object {"pck_0.05": ..., "categories": {name: {...}}}.
"""
import argparse
import json
import os

import numpy as np
from PIL import Image

CLASSES = ['aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow',
           'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train',
           'tvmonitor']
WEIGHTS = [15, 30, 10, 6, 8, 32, 19, 27, 13, 3, 8, 24, 9, 27, 12, 7, 1, 13, 20, 15]


def to_canvas(xy, w, h, size):
    kps = np.asarray(xy, dtype=np.float32).copy()
    scale = np.float32(size / max(w, h))
    kps *= scale
    if h < w:
        kps[:, 1] += np.float32(int((size - int(np.around(size * h / w))) / 2))
    elif w < h:
        kps[:, 0] += np.float32(int((size - int(np.around(size * w / h))) / 2))
    return kps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--csv', required=True)
    ap.add_argument('--root', required=True)
    ap.add_argument('--predictions', required=True)
    ap.add_argument('--protocol', default='paper')
    ap.add_argument('--categories', type=int, default=20)
    ap.add_argument('--size', type=int, default=840)
    args = ap.parse_args()
    alphas = [0.05, 0.10, 0.15]
    preds = {p['row']: np.array(p['points'], dtype=np.float64) for p in json.load(open(args.predictions))['pairs']}
    lines = open(args.csv).read().split('\n')[1:]
    rows = [l.split(',') for l in lines if l]
    per_cat = {c: {'errs_canvas': [], 'pair_pcks': {a: [] for a in alphas}} for c in range(args.categories)}
    all_pair_pcks = {a: [] for a in alphas}
    for r, f in enumerate(rows):
        c = int(f[2]) - 1
        if c >= args.categories:
            continue
        xb = np.fromstring(f[5], sep=';')
        yb = np.fromstring(f[6], sep=';')
        k = min(len(np.fromstring(f[3], sep=';')), len(xb))
        w, h = Image.open(os.path.join(args.root, f[1])).size
        gt = np.stack([xb, yb], axis=1)[:k]
        pr = preds[r][:k]
        d = to_canvas(pr, w, h, args.size) - to_canvas(gt, w, h, args.size)
        per_cat[c]['errs_canvas'].append(np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1]))
        err = np.sqrt(((pr - gt) ** 2).sum(axis=1))
        if k == 0:
            continue
        for a in alphas:
            ok = float(np.mean(err <= a * max(w, h)))
            per_cat[c]['pair_pcks'][a].append(ok)
            all_pair_pcks[a].append(ok)
    out = {'categories': {}}
    for a in alphas:
        key = 'pck_%.2f' % a
        if args.protocol == 'paper':
            vals, wts = [], []
            for c in range(args.categories):
                e = np.concatenate(per_cat[c]['errs_canvas']) if per_cat[c]['errs_canvas'] else np.zeros(0)
                if len(e) == 0:
                    continue
                v = float(np.sum(e < np.float32(a) * np.float32(args.size)) / len(e))
                out['categories'].setdefault(CLASSES[c], {})[key] = v
                vals.append(v)
                wts.append(WEIGHTS[c])
            out[key] = float(np.average(vals, weights=wts))
        else:
            for c in range(args.categories):
                if per_cat[c]['pair_pcks'][a]:
                    out['categories'].setdefault(CLASSES[c], {})[key] = float(np.mean(per_cat[c]['pair_pcks'][a]))
            out[key] = float(np.mean(all_pair_pcks[a]))
    print(json.dumps(out))


if __name__ == '__main__':
    main()
