"""Independent numpy version of the OnePose pose metric, for pose_metric_test.

Reads lines of 32 numbers (predicted 4x4 then ground-truth 4x4, row-major)
from the file named by argv[1]; prints one line per pose pair with the
rotation error (degrees) and the translation error (cm) as repr floats, then
one line with the accuracies at 1, 3 and 5 (strict < on both errors).
"""
import sys

import numpy as np


def errors(predicted, truth):
    shift = predicted[:3, 3] - truth[:3, 3]
    translation_cm = float(np.sqrt(np.sum(shift * shift))) * 100.0
    relative = np.dot(predicted[:3, :3], truth[:3, :3].T)
    trace = relative[0, 0] + relative[1, 1] + relative[2, 2]
    if trace > 3.0:
        trace = 3.0
    with np.errstate(invalid="ignore"):
        rotation_deg = float(np.arccos((trace - 1.0) / 2.0)) * 180.0 / np.pi
    return rotation_deg, translation_cm


def main():
    rows = np.loadtxt(sys.argv[1], ndmin=2)
    results = [errors(r[:16].reshape(4, 4), r[16:].reshape(4, 4)) for r in rows]
    for rotation, translation in results:
        print(repr(rotation), repr(translation))
    accuracies = []
    for k in (1, 3, 5):
        passed = [(r < k) and (t < k) for r, t in results]  # NaN < k is False
        accuracies.append(repr(sum(passed) / len(passed)))
    print(" ".join(accuracies))


if __name__ == "__main__":
    main()
