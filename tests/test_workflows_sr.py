"""SR evaluation workflows against known answers, on volumes built in the tests."""

import numpy as np
import pandas as pd
import pytest

from xctkit.sr import RegisteredPair, bicubic_baseline
from xctkit.workflows import (
    TestPredictions as Predictions,
)
from xctkit.workflows import (
    microstructure_table,
    morphology_errors,
    predict_test_set,
    quality_table,
    size_distributions,
    summarize_quality,
)


def _pair(electrode, state="pristine", shape=(8, 24, 24), seed=0):
    rng = np.random.default_rng(seed)
    hr = rng.uniform(0.2, 0.8, shape).astype(np.float32)
    lr_up = np.clip(hr + rng.normal(0, 0.05, shape), -0.1, 1.1).astype(np.float32)  # some values outside [0, 1]
    return RegisteredPair(electrode, state, lr_up, hr, 0.74, np.zeros(3), f"{electrode}_hr", f"{electrode}_lr")


# ----------------------------------------------------------------------------- predict_test_set
def test_predict_test_set_with_identity_model_returns_clipped_input():
    pairs = [_pair("a", seed=0), _pair("b", seed=1), _pair("b", "cycled", seed=2)]
    pred = predict_test_set({"bicubic": (bicubic_baseline(), None)}, pairs, test_electrodes=["b"])
    assert [(p.electrode, p.state) for p in pred.pairs] == [("b", "pristine"), ("b", "cycled")]
    assert set(pred.outputs) == {"bicubic"} and pred.seconds["bicubic"] >= 0
    for p, out in zip(pred.pairs, pred.outputs["bicubic"], strict=True):
        assert out.shape == p.hr.shape
        # no trained model: the window is the 0.1/99.9 percentile window of the held-out HR scans
        lo, hi = np.percentile(np.concatenate([q.hr.ravel() for q in pred.pairs]), [0.1, 99.9])
        assert (pred.window.lo, pred.window.hi) == pytest.approx((lo, hi), rel=1e-5)
        np.testing.assert_allclose(out, np.clip(p.lr_up, pred.window.lo, pred.window.hi), atol=1e-6)
    with pytest.raises(ValueError, match="held-out"):
        predict_test_set({"bicubic": (bicubic_baseline(), None)}, pairs, test_electrodes=["zzz"])


# ----------------------------------------------------------------------------- quality_table
def test_quality_table_perfect_prediction_and_known_noise():
    p = _pair("a", shape=(6, 20, 20))
    sigma = 0.05
    rng = np.random.default_rng(3)
    signs = rng.choice([-1.0, 1.0], p.hr.shape)
    noisy = (p.hr + sigma * signs).astype(np.float64)  # |error| = sigma everywhere: MSE = sigma², MAE = sigma
    pred = Predictions([p], {"perfect": [p.hr.copy()], "noisy": [noisy]})
    t = quality_table(pred, n_rois=4, roi_size=(4, 12, 12), seed=0)
    assert len(t) == 8
    assert list(t.columns) == ["model", "electrode", "state", "roi", "ssim", "psnr_db", "mse", "mae"]
    perf = t[t.model == "perfect"]
    assert np.isinf(perf.psnr_db).all() and (perf.mse == 0).all() and (perf.mae == 0).all()
    np.testing.assert_allclose(perf.ssim, 1.0, atol=1e-9)
    nz = t[t.model == "noisy"]
    np.testing.assert_allclose(nz.mse, sigma**2, rtol=1e-5)
    np.testing.assert_allclose(nz.mae, sigma, rtol=1e-5)
    np.testing.assert_allclose(nz.psnr_db, 10 * np.log10(1 / sigma**2), rtol=1e-5)
    assert (nz.ssim < 1).all()
    # roi_size larger than the volume is cut to it: every ROI is then the whole volume
    t2 = quality_table(pred, n_rois=2, roi_size=(64, 64, 64))
    np.testing.assert_allclose(t2[t2.model == "noisy"].mse, sigma**2, rtol=1e-5)


# ----------------------------------------------------------------------------- summarize_quality
def test_summarize_quality_mean_and_ci_cover_known_mean():
    rng = np.random.default_rng(0)
    n = 400
    table = pd.DataFrame({
        "model": ["a"] * n + ["b"] * n,
        "ssim": np.r_[rng.normal(0.8, 0.05, n), np.full(n, 0.6)],
        "psnr_db": np.r_[rng.normal(30.0, 2.0, n), np.full(n, 20.0)],
    })
    s = summarize_quality(table, metrics=("ssim", "psnr_db"), n_resamples=500, seed=1)
    assert list(s.model) == ["a", "b"] and list(s.n_rois) == [n, n]
    a, b = s.iloc[0], s.iloc[1]
    ga = table[table.model == "a"]
    assert a.ssim == pytest.approx(ga.ssim.mean(), rel=1e-12)
    # 95 % CI of the mean: contains the generating mean, with half-width ~ 1.96 sd/sqrt(n)
    assert a.ssim_ci_low < 0.8 < a.ssim_ci_high
    assert a.psnr_db_ci_low < 30.0 < a.psnr_db_ci_high
    half = 0.5 * (a.psnr_db_ci_high - a.psnr_db_ci_low)
    assert half == pytest.approx(1.96 * 2.0 / np.sqrt(n), rel=0.25)
    # a constant metric has a degenerate interval at its value
    assert b.ssim == b.ssim_ci_low == b.ssim_ci_high == pytest.approx(0.6)


# ----------------------------------------------------------------------------- microstructure_table
def _slab_pores(shape=(12, 16, 16)):
    """Pore planes x % 4 == 0 running through z: porosity 1/4 in any ROI with a multiple-of-4 width,
    straight channels along z (tortuosity factor 1)."""
    pore = np.zeros(shape, bool)
    pore[:, :, ::4] = True
    return pore


def test_microstructure_table_known_porosity_and_straight_channels():
    pore = _slab_pores()
    rng = np.random.default_rng(0)
    grey = np.where(pore, 0.2, 0.8) + rng.normal(0, 0.02, pore.shape)  # NMC bright; Otsu separates exactly
    t = microstructure_table({"truth": pore, "HR": grey}, voxel_um=0.74, n_rois=3, roi_size=(8, 8, 8), seed=0)
    assert list(t.columns) == ["source", "roi", "porosity", "tortuosity", "ssa_per_um"]
    assert len(t) == 6
    # Otsu separates the grey image exactly, so the HR rows measure the truth's surface too
    np.testing.assert_allclose(t[t.source == "HR"].ssa_per_um, t[t.source == "truth"].ssa_per_um, rtol=1e-9)
    assert (t.ssa_per_um > 0).all()
    np.testing.assert_allclose(t.porosity, 0.25, atol=1e-12)
    np.testing.assert_allclose(t.tortuosity, 1.0, rtol=0.02)
    with pytest.raises(ValueError, match="one shape"):
        microstructure_table({"a": pore, "b": pore[:-1]}, voxel_um=0.74)


def test_microstructure_table_blocked_pores_do_not_percolate():
    pore = _slab_pores()
    pore[5] = False  # a solid layer across the transport axis
    t = microstructure_table({"truth": pore}, voxel_um=0.74, n_rois=2, roi_size=(12, 8, 8))
    assert np.isnan(t.tortuosity).all() or np.isinf(t.tortuosity).all()
    np.testing.assert_allclose(t.porosity, 0.25 * 11 / 12, atol=1e-12)


# ----------------------------------------------------------------------------- size_distributions
def test_size_distributions_of_separated_balls():
    r = 4
    z, y, x = np.ogrid[-r:r + 1, -r:r + 1, -r:r + 1]
    ball = z**2 + y**2 + x**2 <= r * r
    solid = np.zeros((12, 24, 24), bool)
    solid[1:2 + 2 * r, 1:2 + 2 * r, 1:2 + 2 * r] = ball
    solid[1:2 + 2 * r, 13:14 + 2 * r, 13:14 + 2 * r] = ball
    voxel = 0.5
    d_true = (6 * ball.sum() / np.pi) ** (1 / 3) * voxel  # equal-volume sphere diameter of the voxel ball
    psds = size_distributions({"truth": ~solid}, voxel_um=voxel, bin_um=0.5)
    sd = psds["truth"]
    assert sd.median_um == pytest.approx(d_true, rel=1e-9)
    assert sd.number_fraction.sum() == pytest.approx(1.0)


# ----------------------------------------------------------------------------- morphology_errors
def test_morphology_errors_zero_for_identical_and_known_offset():
    pore = _slab_pores()
    micro = microstructure_table({"HR": pore, "truth": pore}, voxel_um=0.74, n_rois=2, roi_size=(8, 8, 8))
    psds = size_distributions({"HR": ~pore, "truth": ~pore}, voxel_um=0.74)
    e = morphology_errors(micro, psds).set_index("source")
    for col in ("porosity_mad_vs_HR", "tortuosity_mad_vs_HR", "psd_l1_vs_HR",
                "porosity_mad_vs_truth", "tortuosity_mad_vs_truth", "psd_l1_vs_truth"):
        np.testing.assert_allclose(e[col], 0.0, atol=1e-12, err_msg=col)
    # hand-built table: source "SR" lies 0.05 above HR in porosity on every ROI, 0.1 / 0.3 in tau
    tab = pd.DataFrame({"source": ["HR", "HR", "SR", "SR"], "roi": [0, 1, 0, 1],
                        "porosity": [0.30, 0.40, 0.35, 0.45], "tortuosity": [2.0, 3.0, 2.1, 2.7]})
    e2 = morphology_errors(tab, {}, truth=None).set_index("source")
    assert e2.loc["SR", "porosity_mad_vs_HR"] == pytest.approx(0.05)
    assert e2.loc["SR", "tortuosity_mad_vs_HR"] == pytest.approx(0.2)
    assert e2.loc["SR", "porosity_mean"] == pytest.approx(0.40)
    assert e2.loc["HR", "porosity_mad_vs_HR"] == 0.0
