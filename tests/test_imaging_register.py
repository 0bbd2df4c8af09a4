"""Locating an HR field inside a larger LR scan (issue 13, part 2).

All data are built here (a ball packing and an imaging model written in the test, not xctkit.synth):
the truth is a random packing of balls voxelised on the HR grid; the LR scan is that truth Gaussian-blurred,
block-averaged by the scale factor and noised, over a field twice the HR field laterally; the HR scan is an
interior sub-volume at a known offset, with its own blur, noise and grey scale.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from xctkit.imaging import (
    FieldMatch,
    RegistrationError,
    area_downsample,
    locate_field,
    normalised_cross_correlation,
    upscale_field,
)


def ball_packing(shape, *, seed, solid=0.5, r=(3.0, 7.0)):
    """Boolean volume (True = ball) of random overlapping balls until ``solid`` is reached."""
    rng = np.random.default_rng(seed)
    shape = tuple(shape)
    out = np.zeros(shape, bool)
    total = out.size
    filled = 0
    while filled < solid * total:
        c = rng.uniform(0, shape)
        rad = rng.uniform(*r)
        lo = [max(0, int(ci - rad)) for ci in c]
        hi = [min(n, int(ci + rad) + 2) for ci, n in zip(c, shape, strict=True)]
        box = tuple(slice(a, b) for a, b in zip(lo, hi, strict=True))
        grids = np.ogrid[box]
        d2 = sum((g - ci) ** 2 for g, ci in zip(grids, c, strict=True))
        sub = out[box]
        filled += int(np.count_nonzero((d2 <= rad * rad) & ~sub))
        sub |= d2 <= rad * rad
    return out


def make_pair(*, seed, factor=2, hr_shape=(24, 48, 48), lr_shape=(16, 48, 48), hr_corner=(5, 19, 27),
              noise_lr=0.15, noise_hr=0.05, hr_shift=0.0, shape_2d=False):
    """(lr, hr, true_offset_lr_vox): LR field ``lr_shape`` (LR voxels), HR field at ``hr_corner`` (HR voxels)."""
    rng = np.random.default_rng(seed + 1000)
    truth_shape = tuple(n * factor for n in lr_shape)
    if shape_2d:
        truth_shape, hr_shape, hr_corner = truth_shape[1:], hr_shape[1:], hr_corner[1:]
    truth = ball_packing(truth_shape, seed=seed).astype(np.float32)
    lr = ndimage.gaussian_filter(truth, 0.6 * factor)
    lr = lr.reshape([x for n in lr.shape for x in (n // factor, factor)]).mean(axis=tuple(range(1, 2 * lr.ndim, 2)))
    lr = 100.0 + 40.0 * lr + rng.normal(0, 40.0 * noise_lr, lr.shape)  # LR grey scale
    hr_full = ndimage.gaussian_filter(truth, 0.7)
    if hr_shift:
        hr_full = ndimage.shift(hr_full, hr_shift, order=3, mode="nearest")
    hr = hr_full[tuple(slice(c, c + n) for c, n in zip(hr_corner, hr_shape, strict=True))]
    hr = 3000.0 + 20000.0 * hr + rng.normal(0, 20000.0 * noise_hr, hr.shape)  # 16-bit-like HR grey scale
    true = (np.array(hr_corner, float) - hr_shift) / factor
    return lr.astype(np.float32), hr.astype(np.float32), true
