"""Independent re-statement of the albumentations 1.3.1 transforms the
3DCorrEnhance reference trains with (data_utils/dataset.py: ShiftScaleRotate
with BORDER_CONSTANT 0 and keypoints, GaussianBlur(blur_limit=(1, 3)),
ISONoise(), GaussNoise(), CLAHE(), RandomBrightnessContrast()), each at given
parameters, written from albumentations' functional code with cv2 and numpy
(albumentations itself is not installed). Reads the images and parameters
CorrLens wrote, writes the transformed images and points.

usage: augment_reference.py INPUT.pt OUTPUT.pt
exit status 3 when cv2 is missing (the test skips).
"""
import sys

import numpy as np
import torch

try:
    import cv2
except ImportError:
    print("python3-opencv (cv2) is not installed", file=sys.stderr)
    sys.exit(3)


def shift_scale_rotate(img, angle, scale, dx, dy, interpolation):
    # geometric/functional.py shift_scale_rotate, border_mode=BORDER_CONSTANT
    # (value=0 for the image, mask_value=None for the mask).
    height, width = img.shape[:2]
    center = (width / 2 - 0.5, height / 2 - 0.5)
    matrix = cv2.getRotationMatrix2D(center, angle, scale)
    matrix[0, 2] += dx * width
    matrix[1, 2] += dy * height
    value = 0 if interpolation == cv2.INTER_LINEAR else None
    return cv2.warpAffine(img, M=matrix, dsize=(width, height), flags=interpolation,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=value)


def keypoint_shift_scale_rotate(x, y, angle, scale, dx, dy, rows, cols):
    center = (cols - 1) * 0.5, (rows - 1) * 0.5
    matrix = cv2.getRotationMatrix2D(center, angle, scale)
    matrix[0, 2] += dx * cols
    matrix[1, 2] += dy * rows
    return cv2.transform(np.array([[[x, y]]]), matrix).squeeze()


def gaussian_blur(img, ksize, sigma=0.0):
    return cv2.GaussianBlur(img, ksize=(ksize, ksize), sigmaX=sigma)


def iso_noise_hls(image):
    one_over_255 = float(1.0 / 255.0)
    image = np.multiply(image, one_over_255, dtype=np.float32)
    return cv2.cvtColor(image, cv2.COLOR_RGB2HLS)


def iso_noise_lambda(image, intensity):
    _, stddev = cv2.meanStdDev(iso_noise_hls(image))
    return float(stddev[1] * intensity * 255)


def iso_noise(image, luminance_noise, color_noise):
    # functional.py iso_noise with the Poisson and normal draws given.
    hls = iso_noise_hls(image)
    hue = hls[..., 0]
    hue += color_noise
    hue[hue < 0] += 360
    hue[hue > 360] -= 360
    luminance = hls[..., 1]
    luminance += (luminance_noise / 255) * (1.0 - luminance)
    image = cv2.cvtColor(hls, cv2.COLOR_HLS2RGB) * 255
    return np.clip(image.astype(np.uint8), 0, 255).astype(np.uint8)  # @clipped


def gauss_noise(image, gauss):
    image = image.astype("float32")
    return np.clip(image + gauss, 0, 255).astype(np.uint8)  # @clipped


def clahe(img, clip_limit, tile_grid_size=(8, 8)):
    clahe_mat = cv2.createCLAHE(clipLimit=clip_limit, tileGridSize=tile_grid_size)
    img = cv2.cvtColor(img, cv2.COLOR_RGB2LAB)
    img[:, :, 0] = clahe_mat.apply(img[:, :, 0])
    return cv2.cvtColor(img, cv2.COLOR_LAB2RGB)


def brightness_contrast(img, alpha, beta):
    # _brightness_contrast_adjust_uint, brightness_by_max=True.
    max_value = 255
    lut = np.arange(0, max_value + 1).astype("float32")
    if alpha != 1:
        lut *= alpha
    if beta != 0:
        lut += beta * max_value
    lut = np.clip(lut, 0, max_value).astype(np.uint8)
    return cv2.LUT(img, lut)


def main():
    inp = torch.load(sys.argv[1])
    a = {k: v.numpy() for k, v in inp.items()}
    out = {}
    rgb, geo, mask, pts = a["rgb"], a["geo_rgb"], a["geo_mask"], a["geo_points"]
    rows, cols = geo.shape[:2]
    for i, (angle, scale, dx, dy) in enumerate(a["ssr"].tolist()):
        out[f"ssr_rgb_{i}"] = shift_scale_rotate(geo, angle, scale, dx, dy, cv2.INTER_LINEAR)
        out[f"ssr_mask_{i}"] = shift_scale_rotate(mask, angle, scale, dx, dy, cv2.INTER_NEAREST)
        moved = [keypoint_shift_scale_rotate(x, y, angle, scale, dx, dy, rows, cols) for x, y in pts.tolist()]
        out[f"ssr_points_{i}"] = np.array(moved, dtype=np.float64)
    for k in (1, 3):
        out[f"blur_{k}"] = gaussian_blur(rgb, k)
    out["iso_lambda"] = np.array([iso_noise_lambda(rgb, float(a["iso_intensity"][0]))])
    out["iso"] = iso_noise(rgb, a["iso_luminance"].astype(np.int64), a["iso_hue"])
    out["gauss"] = gauss_noise(rgb, a["gauss"])
    out["clahe"] = clahe(rgb, float(a["clahe_clip"][0]))
    for i, (alpha, beta) in enumerate(a["bc"].tolist()):
        out[f"bc_{i}"] = brightness_contrast(rgb, alpha, beta)
    torch.save({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in out.items()}, sys.argv[2])


if __name__ == "__main__":
    main()
