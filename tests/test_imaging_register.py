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


# ---------------------------------------------------------------------------------------------- helpers


def test_area_downsample_is_the_block_mean_for_integer_factors_and_conserves_the_mean_otherwise():
    from skimage.transform import downscale_local_mean

    rng = np.random.default_rng(0)
    a = rng.normal(size=(8, 12, 16)).astype(np.float32)
    np.testing.assert_allclose(area_downsample(a, 2), downscale_local_mean(a, (2, 2, 2)), atol=1e-6)
    np.testing.assert_allclose(area_downsample(a, (1, 4, 2)), downscale_local_mean(a, (1, 4, 2)), atol=1e-6)
    # non-integer factor: 7 fine voxels -> 2 coarse of 3.1, each fine voxel weighted by its overlap
    x = np.arange(7, dtype=np.float64) + 0.5
    out = area_downsample(np.tile(x, (3, 1)), (1, 3.1))
    want = [(0.5 + 1.5 + 2.5 + 0.1 * 3.5) / 3.1, (0.9 * 3.5 + 4.5 + 5.5 + 0.2 * 6.5) / 3.1]
    np.testing.assert_allclose(out[0], want, atol=1e-5)
    assert out.shape == (3, 2)


def test_ncc_is_the_pearson_correlation_of_every_window():
    rng = np.random.default_rng(1)
    im = rng.normal(size=(9, 14, 13)) * 50 + 3000  # 16-bit-like offset: no float32 cancellation
    t = rng.normal(size=(4, 6, 5))
    ncc = normalised_cross_correlation(im, t)
    assert ncc.shape == (6, 9, 9)
    for p in [(0, 0, 0), (5, 8, 8), (2, 3, 4)]:
        w = im[p[0]:p[0] + 4, p[1]:p[1] + 6, p[2]:p[2] + 5]
        assert ncc[p] == pytest.approx(np.corrcoef(w.ravel(), t.ravel())[0, 1], abs=1e-5)
    assert np.all(np.abs(ncc) <= 1)


# --------------------------------------------------------------------------------------- locate_field


@pytest.mark.parametrize("factor", [2, 4])
def test_interior_hr_field_is_found_within_a_quarter_lr_voxel(factor):
    if factor == 2:
        kw = dict(hr_shape=(24, 48, 48), lr_shape=(16, 48, 48), hr_corner=(5, 19, 27))
    else:
        kw = dict(hr_shape=(32, 96, 96), lr_shape=(12, 48, 48), hr_corner=(9, 43, 70))
    lr, hr, true = make_pair(seed=3, factor=factor, **kw)
    m = locate_field(lr, hr, scale=factor, name="packing")
    assert isinstance(m, FieldMatch)
    np.testing.assert_allclose(m.offset, true, atol=0.25)
    assert m.score > 0.8 and m.peak_ratio > 2
    assert m.angle_deg == 0.0
    np.testing.assert_array_equal(m.lr_crop, lr[m.lr_slices])
    assert all(s.start == int(np.floor(t)) for s, t in zip(m.lr_slices, true, strict=True))
    # the upscaled field agrees with the HR scan (grey scales differ: correlation, not difference)
    import dataclasses

    def corr(offset):
        up = upscale_field(lr, dataclasses.replace(m, offset=np.asarray(offset, float)))
        assert up.shape == hr.shape
        return np.corrcoef(up.ravel(), hr.ravel())[0, 1]

    at_truth = corr(true)
    assert corr(m.offset) > 0.7 and corr(m.offset) > at_truth - 0.01
    assert corr(true + [0, 1, 0]) < at_truth - 0.1  # one LR voxel off is clearly worse


def test_half_voxel_hr_shift_is_recovered_within_0_2_hr_voxel():
    lr, hr0, true0 = make_pair(seed=4)
    lr, hr1, true1 = make_pair(seed=4, hr_shift=0.5)
    m0 = locate_field(lr, hr0, scale=2)
    m1 = locate_field(lr, hr1, scale=2)
    np.testing.assert_allclose(true0 - true1, 0.25)  # 0.5 HR voxel = 0.25 LR voxel
    np.testing.assert_allclose(m1.offset_hr_vox, true1 * 2, atol=0.2)
    np.testing.assert_allclose(m0.offset_hr_vox - m1.offset_hr_vox, 0.5, atol=0.2)


def test_unrelated_scans_are_refused_naming_the_pair_and_score():
    lr, _, _ = make_pair(seed=5)
    _, hr, _ = make_pair(seed=6)
    with pytest.raises(RegistrationError, match=r"'e1_lr/e1_hr'.*match score 0\.[0-4]\d\d < min_score 0\.5"):
        locate_field(lr, hr, scale=2, name="e1_lr/e1_hr")
    assert issubclass(RegistrationError, ValueError)
    m = locate_field(lr, hr, scale=2, min_score=-1)  # the threshold can be lowered, the score stays low
    assert m.score < 0.5 and m.peak_ratio < 2


def test_constant_images_and_impossible_geometry_raise_clear_errors():
    lr, hr, _ = make_pair(seed=7)
    with pytest.raises(ValueError, match="`hr` of pair 'flat' is constant"):
        locate_field(lr, np.full_like(hr, 7.0), scale=2, name="flat")
    with pytest.raises(ValueError, match="`lr` of the LR/HR pair is constant"):
        locate_field(np.zeros_like(lr), hr, scale=2)
    with pytest.raises(ValueError, match="larger than the LR scan"):
        locate_field(lr, hr, scale=1)  # wrong scale: the HR field would not fit
    with pytest.raises(ValueError, match="`scale`"):
        locate_field(lr, hr, scale=0.5)
    with pytest.raises(ValueError, match="must be 3-D"):
        locate_field(lr, hr[0], scale=2)


def test_2d_sections_and_unrelated_2d_images():
    kw = dict(hr_shape=(1, 64, 64), lr_shape=(1, 64, 64), hr_corner=(0, 37, 21), noise_lr=0.3, noise_hr=0.1,
              shape_2d=True)
    lr, hr, true = make_pair(seed=8, **kw)
    m = locate_field(lr, hr, scale=2)
    np.testing.assert_allclose(m.offset, true, atol=0.25)
    assert m.score > 0.7
    other, _, _ = make_pair(seed=9, **kw)
    with pytest.raises(RegistrationError):
        locate_field(other, hr, scale=2)


def test_same_field_with_a_sub_voxel_offset_non_integer_scale():
    """HR and LR cover the same field (the virtual lab's case), scale 2.3/0.74, HR corner 0.4 LR voxel in."""
    scale = 2.3 / 0.74
    rng = np.random.default_rng(10)
    truth = ball_packing((100, 100), seed=10, r=(4.0, 9.0)).astype(np.float32)  # HR-res truth
    # LR: blur, then area-average over LR voxels whose grid starts 0.4 LR voxel before the HR corner
    # (HR voxel i spans LR [0.4 + i/scale, ...)), by resampling the truth at 1/10 HR voxel first
    fine = ndimage.zoom(ndimage.gaussian_filter(truth, 1.5), 10, order=1, grid_mode=True, mode="nearest")
    pad = int(round(0.4 * scale * 10))
    fine = np.pad(fine, ((pad, 0), (pad, 0)), mode="edge")
    lr = area_downsample(fine, scale * 10) + rng.normal(0, 0.05, (1, 1))
    hr = ndimage.gaussian_filter(truth, 0.5) + rng.normal(0, 0.03, truth.shape)
    m = locate_field(lr, hr, scale=scale, name="same field")
    np.testing.assert_allclose(m.offset, [0.4, 0.4], atol=0.1)
    assert m.score > 0.8


def test_rotation_about_z_is_found_on_the_searched_grid():
    truth = ndimage.gaussian_filter(ball_packing((160, 160), seed=11).astype(np.float32), 0.7)
    corner, n, angle = np.array([40, 56]), 64, 2.0
    c = corner + n / 2 - 0.5
    rot = np.array([[np.cos(np.radians(-angle)), -np.sin(np.radians(-angle))],
                    [np.sin(np.radians(-angle)), np.cos(np.radians(-angle))]])
    lr_frame = ndimage.affine_transform(truth, rot, offset=c - rot @ c, order=3, mode="nearest")
    lr = area_downsample(ndimage.gaussian_filter(lr_frame, 1.2), 2)
    lr = lr + np.random.default_rng(0).normal(0, 0.05, lr.shape)
    hr = truth[40:104, 56:120]
    m = locate_field(lr, hr, scale=2, angles=np.arange(-3, 3.01, 0.5))
    assert m.angle_deg == pytest.approx(angle, abs=0.5)
    np.testing.assert_allclose(m.offset, corner / 2, atol=0.25)
    up = upscale_field(lr, m)
    still = locate_field(lr, hr, scale=2, min_score=-1)  # translation only fits worse
    assert np.corrcoef(up.ravel(), hr.ravel())[0, 1] > 0.95 and m.score > still.score


# ------------------------------------------------------------------------------------ sr.load_pairs


def _write_study(root, pairs):
    from xctkit.io import write_manifest, write_tiff

    rows = []
    for name, lr, hr in pairs:
        write_tiff(root / f"{name}_lr.tif", lr, voxel_um=2.0)
        write_tiff(root / f"{name}_hr.tif", hr, voxel_um=1.0)
        rows += [dict(id=f"{name}_lr", path=f"{name}_lr.tif", voxel_um=2.0, modality="xct", state="pristine",
                      electrode=name, resolution="lr", pair=f"{name}_hr"),
                 dict(id=f"{name}_hr", path=f"{name}_hr.tif", voxel_um=1.0, modality="xct", state="pristine",
                      electrode=name, resolution="hr", pair=f"{name}_lr")]
    return write_manifest(root / "manifest.yaml", rows)


def test_load_pairs_locates_interior_hr_fields_and_refuses_unrelated_pairs(tmp_path):
    from xctkit import sr
    from xctkit.io import read_manifest

    lr, hr, true = make_pair(seed=12)
    path = _write_study(tmp_path, [("e1", lr, hr)])
    (p,) = sr.load_pairs(read_manifest(path), crop_vox=2)
    np.testing.assert_allclose(p.offset_lr_vox, true, atol=0.25)
    np.testing.assert_allclose(p.shift_vox, -true * 2, atol=0.5)  # HR voxels, ndimage.shift convention
    assert p.match_score > 0.8
    assert p.lr_up.shape == p.hr.shape == tuple(n - 4 for n in hr.shape)
    # the old same-corner registration would have correlated at ~0; the located field agrees with HR
    assert np.corrcoef(p.lr_up.ravel(), p.hr.ravel())[0, 1] > 0.8

    bad = tmp_path / "bad"
    bad.mkdir()
    other, _, _ = make_pair(seed=13)
    path = _write_study(bad, [("e1", lr, hr), ("e2", other, hr)])
    with pytest.raises(RegistrationError, match=r"LR 'e2_lr' / HR 'e2_hr'.*match score"):
        sr.load_pairs(read_manifest(path))


@pytest.mark.parametrize("seed", [20, 21])
def test_default_threshold_separates_true_from_unrelated_pairs_with_margin(seed):
    from xctkit.imaging import MIN_SCORE

    lr, hr, _ = make_pair(seed=seed, noise_lr=0.3, noise_hr=0.1)
    other, _, _ = make_pair(seed=seed + 50, noise_lr=0.3, noise_hr=0.1)
    true = locate_field(lr, hr, scale=2).score
    unrelated = locate_field(other, hr, scale=2, min_score=-1).score
    assert true > MIN_SCORE + 0.2 and unrelated < MIN_SCORE - 0.1, (true, unrelated)
