"""Baselines and the phase-aware SR model: histogram matching, partial-volume truth, the 2.5-D model's
pieces (known answers on arrays built here)."""

import numpy as np
import pytest

from xctkit import sr, workflows
from xctkit.sr import RegisteredPair


def _balls(shape, n, r, seed):
    """Solid balls (True) at random centres: a ball packing built in numpy."""
    rng = np.random.default_rng(seed)
    zz, yy, xx = np.indices(shape)
    solid = np.zeros(shape, bool)
    for c in rng.uniform(0, shape, size=(n, 3)):
        solid |= (zz - c[0]) ** 2 + (yy - c[1]) ** 2 + (xx - c[2]) ** 2 <= r**2
    return solid


def test_histogram_match_recovers_a_monotone_distortion():
    # HR uniform in [0, 1]; the "LR" is a monotone distortion of it: the fitted map must invert it
    rng = np.random.default_rng(0)
    hr = rng.uniform(0, 1, 200_000)
    lr = np.sqrt(hr) * 0.7 + 0.1
    hm = sr.HistogramMatch(n_quantiles=512).fit([lr], [hr])
    test_hr = rng.uniform(0, 1, 5000)
    out = hm(np.sqrt(test_hr) * 0.7 + 0.1)
    assert np.max(np.abs(out - test_hr)) < 0.01  # quantile error of 200k samples + interpolation


def test_histogram_match_agrees_with_skimage_on_one_pair():
    from skimage.exposure import match_histograms

    rng = np.random.default_rng(1)
    hr = rng.normal(2.0, 0.5, (20, 30, 30))
    lr = np.exp(0.3 * rng.normal(0, 1, (20, 30, 30)))
    ours = sr.HistogramMatch(n_quantiles=4096).fit([lr], [hr])(lr)
    ref = match_histograms(lr, hr)
    assert np.mean(np.abs(ours - ref)) < 0.01 * hr.std()


def test_histogram_match_refuses_unfitted_and_empty():
    with pytest.raises(ValueError, match="not fitted"):
        sr.HistogramMatch()(np.zeros(3))
    with pytest.raises(ValueError, match="at least one"):
        sr.HistogramMatch().fit([], [])


def test_truth_on_grid_fraction_is_the_fine_porosity_and_ties_are_counted():
    solid = _balls((32, 32, 32), 12, 5.0, seed=2)
    t = workflows.truth_on_grid(solid, voxel_um=0.37, target_um=0.74)
    assert t.fraction.shape == (16, 16, 16)
    assert abs(t.fraction.mean() - (1 - solid.mean())) < 1e-6  # block means conserve volume exactly
    ties = np.isclose(t.fraction, 0.5)
    assert abs(t.tie_fraction - ties.mean()) < 1e-12
    # the former rule makes every tie pore: its porosity exceeds the binary (> 0.5) one by the tie share
    assert abs(t.tie_rule_pore.mean() - ((t.fraction > 0.5 + 1e-6).mean() + ties.mean())) < 1e-12
    frame = t.conventions_frame()
    assert frame.porosity.iloc[0] == pytest.approx(1 - solid.mean(), abs=1e-6)


def test_truth_on_grid_half_block_is_a_tie():
    solid = np.zeros((4, 4, 4), bool)
    solid[:1] = True  # half of each first-layer block is NMC
    t = workflows.truth_on_grid(solid, voxel_um=1.0, target_um=2.0)
    assert np.allclose(t.fraction[0], 0.5) and np.allclose(t.fraction[1], 1.0)
    assert t.tie_fraction == pytest.approx(0.5)
    assert t.tie_rule_pore.all()
    with pytest.raises(TypeError, match="boolean"):
        workflows.truth_on_grid(solid.astype(np.uint8), voxel_um=1.0, target_um=2.0)


def test_volume_preserving_mask_keeps_the_mean_probability():
    rng = np.random.default_rng(3)
    prob = np.clip(rng.beta(0.7, 1.5, (20, 20, 20)), 0, 1).astype(np.float32)
    mask = workflows.volume_preserving_mask(prob)
    assert abs(mask.mean() - prob.mean()) < 2.0 / prob.size + 1e-4
    assert abs((prob > 0.5).mean() - prob.mean()) > 0.02  # the fixed cut would bias it here


def test_stack_context_repeats_edges():
    v = np.arange(5, dtype=np.float32)[:, None, None] * np.ones((5, 2, 3), np.float32)
    s = sr.stack_context(v, [0, 4], 2)
    assert s.shape == (2, 2, 3, 5)
    assert s[0, 0, 0].tolist() == [0, 0, 0, 1, 2] and s[1, 0, 0].tolist() == [2, 3, 4, 4, 4]


def test_dice_bce_against_numpy():
    import keras

    rng = np.random.default_rng(4)
    t = (rng.uniform(size=(2, 8, 8, 1)) > 0.5).astype(np.float32)
    p = rng.uniform(0.05, 0.95, size=(2, 8, 8, 1)).astype(np.float32)
    got = keras.ops.convert_to_numpy(sr.dice_bce(t, p))
    inter = (t * p).sum(axis=(1, 2, 3))
    dice = 1 - (2 * inter + 1) / (t.sum(axis=(1, 2, 3)) + p.sum(axis=(1, 2, 3)) + 1)
    bce = -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean(axis=(1, 2, 3))
    assert np.allclose(got, dice + bce, rtol=1e-5)


def test_morph_model_trains_saves_and_reloads(tmp_path):
    # a tiny run on a ball packing: the pore head must beat a constant guess, and reload identically
    solid = _balls((12, 24, 24), 18, 4.0, seed=5)
    rng = np.random.default_rng(5)
    hr = np.where(solid, 1.0, 0.2) + rng.normal(0, 0.05, solid.shape)
    from scipy.ndimage import gaussian_filter

    lr_up = gaussian_filter(hr, 1.0) * 0.8
    mp = sr.make_morph_patches([lr_up], [hr], [~solid], electrodes=["a"], context=1, patch=16, n_patches=256,
                               seed=0)
    run = sr.train_morph_sr(mp, filters=8, n_blocks=1, epochs=8, learning_rate=5e-3, stop_patience=3, seed=0)
    assert 1 <= run.sr.training["epochs_run"] <= 8 and len(run.history) == run.sr.training["epochs_run"]
    grey, prob = run.sr.predict(lr_up)
    assert grey.shape == prob.shape == hr.shape
    acc = ((prob > 0.5) == ~solid).mean()
    assert acc > max(solid.mean(), 1 - solid.mean()) + 0.05
    path = run.sr.save(tmp_path / "m.keras")
    again = sr.load_morph_sr(path)
    assert np.allclose(again.predict(lr_up)[1], prob, atol=1e-5)
    assert again.train_electrodes == ("a",) and again.context == 1


def test_predict_test_set_accepts_a_callable_baseline():
    rng = np.random.default_rng(6)
    hr = rng.uniform(0, 1, (6, 10, 10)).astype(np.float32)
    lr = (0.5 * hr + 0.2).astype(np.float32)
    pair = RegisteredPair("e1", "pristine", lr, hr, 0.74, np.zeros(3))
    hm = sr.HistogramMatch().fit([lr], [hr])
    pred = workflows.predict_test_set({"bicubic": (sr.bicubic_baseline(), None), "hm": hm}, [pair])
    window = pred.window
    assert np.allclose(pred.outputs["hm"][0], np.clip(hm(lr), window.lo, window.hi))
    assert np.allclose(pred.outputs["bicubic"][0], np.clip(lr, window.lo, window.hi), atol=1e-5)
    with pytest.raises(TypeError, match="callable"):
        workflows.predict_test_set({"x": 3}, [pair])
