"""Global thresholds and the optional filters (NLM, unsharp mask) on images with known levels."""

import numpy as np
import pytest
from scipy import ndimage

from xctkit import segment
from xctkit.phases import CBD, NMC, PORE


@pytest.fixture
def two_phase(rng):
    """A blocky two-phase volume (grey 0.2 / 0.8) with Gaussian noise of σ = 0.05."""
    truth = ndimage.zoom(rng.random((6, 6, 6)) < 0.5, 6, order=0)
    grey = np.where(truth, 0.8, 0.2) + rng.normal(0, 0.05, truth.shape)
    return truth, grey.astype(np.float32)


def test_otsu_separates_two_levels(two_phase):
    truth, grey = two_phase
    res = segment.threshold(grey)
    assert 0.4 < res.thresholds[0] < 0.6  # between the levels, 6σ from each
    assert np.mean(res.solid == truth) > 0.999
    assert set(np.unique(res.labels)) <= {PORE, NMC}


def test_multi_otsu_separates_three_levels(rng):
    phase = ndimage.zoom(rng.integers(0, 3, (6, 6, 6)), 6, order=0)
    grey = np.choose(phase, [0.1, 0.45, 0.85]) + rng.normal(0, 0.03, phase.shape)
    res = segment.threshold(grey.astype(np.float32), method="multiotsu", classes=3)
    t0, t1 = res.thresholds
    assert 0.1 < t0 < 0.45 < t1 < 0.85
    expected = np.choose(phase, [PORE, CBD, NMC])
    assert np.mean(res.labels == expected) > 0.999


def test_noise_sigma_recovers_known_noise(two_phase, rng):
    flat = (0.5 + rng.normal(0, 0.04, (32, 32, 32))).astype(np.float32)
    assert segment.noise_sigma(flat) == pytest.approx(0.04, rel=0.05)
    _, grey = two_phase  # edges are few: the median ignores them (10 % tolerance)
    assert segment.noise_sigma(grey) == pytest.approx(0.05, rel=0.10)


def test_nlm_reduces_noise_and_keeps_edges(two_phase):
    truth, grey = two_phase
    clean = np.where(truth, 0.8, 0.2)
    out = segment.denoise(grey, method="nlm")
    assert out.dtype == np.float32 and out.shape == grey.shape
    assert np.std(out - clean) < 0.5 * np.std(grey - clean)  # at least halves the noise
    # an edge-preserving filter keeps the segmentation exact; a wide Gaussian blurs corners away
    assert np.mean(segment.threshold(out).solid == truth) > 0.999
    blurred = segment.denoise(grey, method="gaussian", strength=3.0)
    assert np.mean(segment.threshold(blurred).solid == truth) < np.mean(segment.threshold(out).solid == truth)


def test_unsharp_mask_raises_edge_contrast():
    step = np.zeros((8, 8, 32), np.float32)
    step[..., 16:] = 1.0
    soft = ndimage.gaussian_filter(step, 2.0)
    sharp = segment.sharpen(soft, radius=2.0, amount=1.0)
    # steepest slope of a σ-blurred step sharpened with the same σ: analytic ratio 2 − 1/√2
    ratio = np.abs(np.diff(sharp, axis=-1)).max() / np.abs(np.diff(soft, axis=-1)).max()
    assert ratio == pytest.approx(2 - 1 / np.sqrt(2), rel=0.03)
    np.testing.assert_allclose(segment.sharpen(soft, amount=0.0), soft, atol=1e-6)


def test_threshold_and_filters_reject_bad_input():
    with pytest.raises(ValueError, match="grey"):
        segment.threshold(np.zeros((8, 8, 8), np.float32))
    with pytest.raises(ValueError, match="method"):
        segment.denoise(np.zeros((8, 8), np.float32), method="bilateral")
    with pytest.raises(ValueError, match="radius"):
        segment.sharpen(np.zeros((8, 8), np.float32), radius=0)
    with pytest.raises(ValueError, match="grey"):
        segment.noise_sigma(np.array([[1.0], [2.0]]))
