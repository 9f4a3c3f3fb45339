#!/usr/bin/python3
"""Writes the issue-16 regression inputs into the fuzz corpora
(tests/fuzz/corpus/<target>/issue16-*). Run with /usr/bin/python3 (torch and
numpy); the files are committed, CTest replays them (label fuzz).

- shared-key.pkl: a 30 KB dict key reached 1000 x 1000 times through memo
  GETs (class 2: metadata and printing grew to GBs).
- nonascii-class.pkl: an opaque class whose 1200-byte UTF-8 name was cut at
  512 bytes inside a character (class 1: --json failed).
- ff-member.npz: an npz member named with byte 0xFF (class 1).
- expand.pth / expand-256g.pth: one float saved as an expand() view of
  [65536, 4096] / [2^20, 2^16] (class 3: export needed 1 GiB+ / bad_alloc).
It also writes small seeds: image headers (corpus/image/seed-*) and a
safetensors file with non-ASCII names (corpus/safetensors/seed-*).
"""
import io
import os
import struct
import zipfile

import numpy
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "issue16-" + name), "wb") as f:
        f.write(data)


def shared_key_pickle():
    out = bytearray(b"\x80\x02")
    key = b"k" * 30000
    out += b"}q\x00X" + struct.pack("<I", len(key)) + key + b"K\x00s"  # d = {key: 0}
    out += b"]q\x01(" + b"h\x00" * 1000 + b"e"                        # inner = [d] * 1000
    out += b"](" + b"h\x01" * 1000 + b"e."                             # [inner] * 1000
    return bytes(out)


def nonascii_class_pickle():
    name = ("\u00e9" * 600).encode("utf-8")
    return b"\x80\x02c__main__\n" + name + b"\n)R."


def ff_member_npz():
    buffer = io.BytesIO()
    numpy.save(buffer, numpy.arange(3, dtype=numpy.uint8))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("X.npy", buffer.getvalue())
    data = archive.getvalue()
    assert data.count(b"X.npy") == 2  # local header and central directory
    return data.replace(b"X.npy", b"\xff.npy")


def expand_pth(shape):
    buffer = io.BytesIO()
    torch.save({"w": torch.full((1,), 1.5).expand(*shape)}, buffer)
    return buffer.getvalue()


def image_seeds():
    """Headers of each format SniffImageSize reads (seeds, not regressions)."""
    png = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", 640, 480, 8, 2, 0, 0, 0)
    jpeg = (b"\xff\xd8\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
            + b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 480, 640, 1) + b"\x01\x11\x00")
    bmp = b"BM" + struct.pack("<IHHIIiiHH", 54, 0, 0, 54, 40, 640, -480, 1, 24)
    gif = b"GIF89a" + struct.pack("<HH", 640, 480) + b"\x00\x00\x00"
    vp8x = b"RIFF" + struct.pack("<I", 22) + b"WEBPVP8X" + struct.pack("<I", 10) + b"\x00" * 4 + \
        (639).to_bytes(3, "little") + (479).to_bytes(3, "little")
    bits = 639 | (479 << 14)
    vp8l = b"RIFF" + struct.pack("<I", 22) + b"WEBPVP8L" + struct.pack("<I", 5) + b"\x2f" + struct.pack("<I", bits) + b"\x00" * 5
    vp8 = b"RIFF" + struct.pack("<I", 22) + b"WEBPVP8 " + struct.pack("<I", 10) + b"\x00" * 6 + struct.pack("<HH", 640, 480)
    return {"png": png, "jpeg": jpeg, "bmp": bmp, "gif": gif, "vp8x.webp": vp8x, "vp8l.webp": vp8l, "vp8.webp": vp8}


def safetensors_seed():
    header = ('{"__metadata__":{"format":"pt","n\u00e9":"v"},'
              '"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
              '"\u00e9t\u00e9":{"dtype":"BF16","shape":[1,1],"data_offsets":[8,10]}}').encode()
    header += b" " * ((8 - len(header) % 8) % 8)
    return struct.pack("<Q", len(header)) + header + struct.pack("<ff", 1.5, -2.0) + b"\x80\x3f"


def main():
    shared = shared_key_pickle()
    nonascii = nonascii_class_pickle()
    npz = ff_member_npz()
    expand = expand_pth((65536, 4096))
    huge = expand_pth((1 << 20, 1 << 16))
    for target in ("pickle", "tensor_file"):
        write(target, "shared-key.pkl", shared)
        write(target, "nonascii-class.pkl", nonascii)
    for target in ("npy", "tensor_file"):
        write(target, "ff-member.npz", npz)
    for target in ("torch", "tensor_file"):
        write(target, "expand.pth", expand)
        write(target, "expand-256g.pth", huge)
    for name, data in image_seeds().items():
        folder = os.path.join(HERE, "corpus", "image")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "seed-" + name), "wb") as f:
            f.write(data)
    folder = os.path.join(HERE, "corpus", "safetensors")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "seed-names.safetensors"), "wb") as f:
        f.write(safetensors_seed())
    print("wrote issue16 inputs; expand.pth is %d bytes" % len(expand))


if __name__ == "__main__":
    main()
