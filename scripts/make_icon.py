#!/usr/bin/python3
"""Draws the CorrLens application icon (two image frames joined by a
correspondence) into resources/icons/corrlens.png. Needs only numpy + zlib.

    /usr/bin/python3 scripts/make_icon.py
"""
import os
import struct
import zlib

import numpy as np

SIZE = 128
SS = 4  # supersampling for anti-aliased edges


def rounded_rect(yy, xx, x0, y0, x1, y1, r):
    cx = np.clip(xx, x0 + r, x1 - r)
    cy = np.clip(yy, y0 + r, y1 - r)
    return (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r


def disc(yy, xx, cx, cy, r):
    return (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r


def segment(yy, xx, p, q, width):
    p, q = np.array(p, float), np.array(q, float)
    d = q - p
    t = np.clip(((xx - p[0]) * d[0] + (yy - p[1]) * d[1]) / d.dot(d), 0, 1)
    return (xx - p[0] - t * d[0]) ** 2 + (yy - p[1] - t * d[1]) ** 2 <= (width / 2) ** 2


def draw():
    n = SIZE * SS
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float64) / SS
    rgba = np.zeros((n, n, 4))
    layers = [  # (mask, colour) painted in order
        (rounded_rect(yy, xx, 6, 22, 62, 106, 8), (0.16, 0.20, 0.28)),
        (rounded_rect(yy, xx, 66, 22, 122, 106, 8), (0.16, 0.20, 0.28)),
        (rounded_rect(yy, xx, 11, 27, 57, 101, 5), (0.93, 0.55, 0.20)),   # source image
        (rounded_rect(yy, xx, 71, 27, 117, 101, 5), (0.20, 0.60, 0.85)),  # target heatmap
        (disc(yy, xx, 94, 56, 16), (0.98, 0.85, 0.25)),                   # heat peak
        (segment(yy, xx, (34, 72), (94, 56), 5), (1.0, 1.0, 1.0)),        # the match
        (disc(yy, xx, 34, 72, 7), (1.0, 1.0, 1.0)),
        (disc(yy, xx, 34, 72, 4), (0.80, 0.15, 0.25)),
        (disc(yy, xx, 94, 56, 7), (1.0, 1.0, 1.0)),
        (disc(yy, xx, 94, 56, 4), (0.80, 0.15, 0.25)),
    ]
    for mask, colour in layers:
        rgba[mask, :3] = colour
        rgba[mask, 3] = 1.0
    small = rgba.reshape(SIZE, SS, SIZE, SS, 4).mean(axis=(1, 3))
    # Un-premultiply colour where edges are partly transparent.
    alpha = small[..., 3:4]
    small[..., :3] = np.where(alpha > 0, small[..., :3] / np.maximum(alpha, 1e-6), 0)
    return (np.clip(small, 0, 1) * 255 + 0.5).astype(np.uint8)


def write_png(path, rgba):
    h, w, _ = rgba.shape
    raw = b"".join(b"\x00" + rgba[y].tobytes() for y in range(h))

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


if __name__ == "__main__":
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "icons", "corrlens.png")
    write_png(out, draw())
    print("wrote", os.path.normpath(out))
