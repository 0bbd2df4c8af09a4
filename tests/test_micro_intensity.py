"""intensity_shift against known answers: a histogram shifted by a known constant."""

import numpy as np
import pytest

from xctkit.micro import intensity_shift


def test_shift_by_known_constant_on_built_scan():
    rng = np.random.default_rng(0)
    before = np.clip(rng.normal(0.4, 0.05, (16, 32, 32)), 0, 1)
    delta = 0.125
    after = before + delta  # stays inside [0, 1]: 0.4 + 0.125 + 9 sigma < 1 in practice
    assert after.max() < 1.0
    s = intensity_shift(before, after, bins=128)
    # mean and median shift exactly by delta (up to float rounding)
    assert s.mean_shift == pytest.approx(delta, abs=1e-6)
    assert s.median_shift == pytest.approx(delta, abs=1e-6)
    assert s.mean_before == pytest.approx(before.mean(), abs=1e-6)
    assert s.mean_after == pytest.approx(before.mean() + delta, abs=1e-6)
    # mode on a 1/128 grid: delta = 16 bins exactly, so the mode moves by delta within one bin
    assert abs(s.mode_shift - delta) <= 1.0 / 128 + 1e-12
    # densities integrate to 1 over the bins
    w = np.diff(s.edges)
    assert np.sum(s.density_before * w) == pytest.approx(1.0, abs=1e-6)
    assert np.sum(s.density_after * w) == pytest.approx(1.0, abs=1e-6)
    assert s.edges.shape == (129,) and s.density_before.shape == (128,)


def test_two_level_scan_has_exact_histogram_and_mode():
    # three quarters of the voxels at 0.25, one quarter at 0.75 (bin centres, safe in float32);
    # after: all shifted by +0.1
    before = np.full((4, 8, 8), 0.25)
    before[:, :, :2] = 0.75
    after = before + 0.1
    s = intensity_shift(before, after, bins=10, range_=(0.0, 1.0))
    # bin width 0.1, density of the 0.2-bin = 0.75 / 0.1
    assert s.density_before[2] == pytest.approx(7.5)
    assert s.density_before[7] == pytest.approx(2.5)
    assert s.mode_shift == pytest.approx(0.1, abs=1e-6)
    assert s.mean_shift == pytest.approx(0.1, abs=1e-6)
    assert s.mean_before == pytest.approx(0.75 * 0.25 + 0.25 * 0.75)
    f = s.to_frame()
    assert list(f.columns) == ["mean_before", "mean_after", "mean_shift", "median_shift", "mode_shift"]
    assert f.mean_shift.iloc[0] == pytest.approx(0.1)


def test_negative_shift_and_identity():
    rng = np.random.default_rng(1)
    a = rng.uniform(0.3, 0.6, 5000)
    s = intensity_shift(a, a - 0.05)
    assert s.mean_shift == pytest.approx(-0.05, abs=1e-6)
    z = intensity_shift(a, a)
    assert (z.mean_shift, z.median_shift, z.mode_shift) == (0.0, 0.0, 0.0)
    np.testing.assert_array_equal(z.density_before, z.density_after)


def test_bad_bins_is_named():
    a = np.zeros((4, 4))
    with pytest.raises((ValueError, TypeError), match="bins"):
        intensity_shift(a, a, bins=1)


def test_sixteen_bit_scans_fill_the_histogram():
    """uint16 scans (values in the thousands): the default range is the data's, the histograms are
    finite densities and the shift is in the scan's units; a range that misses the data is refused."""
    import numpy as np
    import pytest

    from xctkit.micro import intensity_shift

    rng = np.random.default_rng(0)
    a = rng.normal(20000, 1000, 5000).clip(0, 65535).astype(np.uint16)
    b = (a.astype(np.int32) + 3000).astype(np.uint16)
    s = intensity_shift(a, b, bins=64)
    assert np.isfinite(s.density_before).all() and np.isfinite(s.density_after).all()
    assert s.mean_shift == pytest.approx(3000, abs=1) and abs(s.mode_shift - 3000) < 2 * (s.edges[1] - s.edges[0])
    with pytest.raises(ValueError, match="range_"):
        intensity_shift(a, b, range_=(0.0, 1.0))
