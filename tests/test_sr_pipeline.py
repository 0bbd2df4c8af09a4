"""Patch datasets, splits, training, tiled and out-of-core inference, metrics."""

import numpy as np
import pytest
from scipy import ndimage

from xctkit import sr


def _pair(electrode, state="pristine", seed=0, shape=(12, 48, 48)):
    rng = np.random.default_rng(seed)
    hr = ndimage.gaussian_filter(rng.random(shape), 1.0).astype(np.float32)
    hr = (hr - hr.min()) / (hr.max() - hr.min())
    lr_up = (0.8 * ndimage.gaussian_filter(hr, 2.0)).astype(np.float32)  # blurred and darker
    return sr.RegisteredPair(electrode, state, lr_up, hr, 0.74, np.zeros(3))


@pytest.fixture(scope="module")
def pairs():
    return [_pair(e, s, seed=i) for i, (e, s) in enumerate(
        [("a", "pristine"), ("a", "cycled"), ("b", "pristine"), ("b", "cycled"), ("c", "pristine")])]


def test_patch_set_never_leaks_test_electrodes(pairs):
    ps = sr.make_patch_set(pairs, test_electrodes=["c"], patch=16, n_patches=100, val_fraction=0.2, seed=0)
    assert "c" not in set(ps.electrode_train) | set(ps.electrode_val)
    assert set(ps.electrode_train) == {"a", "b"}
    assert ps.split.train_electrodes == ("a", "b") and ps.split.test_electrodes == ("c",)
    assert (ps.split.n_train, ps.split.n_val) == (80, 20)
    assert ps.x_train.shape == (80, 16, 16, 1) and ps.x_val.shape == (20, 16, 16, 1)
    # one normalisation for inputs and targets, fitted on training electrodes only: the 0.1 / 99.9
    # percentiles of their pooled voxels, computed here independently
    pooled = np.concatenate([a.ravel() for p in pairs[:4] for a in (p.lr_up, p.hr)])
    lo, hi = np.percentile(pooled, [0.1, 99.9])
    assert ps.normalisation.lo == pytest.approx(lo) and ps.normalisation.hi == pytest.approx(hi)
    assert ps.normalisation.data_range == pytest.approx(hi - lo)
    # nothing is clipped: only the 0.2 % tails fall outside [0, 1]
    inside = ((ps.y_train >= 0) & (ps.y_train <= 1)).mean()
    assert 0.99 < inside < 1.0


def test_patch_set_validates(pairs):
    with pytest.raises(ValueError, match="not in the pairs"):
        sr.make_patch_set(pairs, test_electrodes=["zz"], patch=16, n_patches=10)
    with pytest.raises(ValueError, match="no electrode is left"):
        sr.make_patch_set(pairs, test_electrodes=["a", "b", "c"], patch=16, n_patches=10)
    with pytest.raises(ValueError, match="patch"):
        sr.extract_patches(pairs[0].lr_up, pairs[0].hr, patch=64, n=2)


def test_patches_are_co_located(pairs):
    p = pairs[0]
    x, y = sr.extract_patches(p.lr_up, p.hr, patch=8, n=5, planes=("xy", "xz", "yz"), seed=3)
    # the blurred input of each patch correlates with its own target far better than with another's
    own = np.mean([np.corrcoef(x[i].ravel(), y[i].ravel())[0, 1] for i in range(5)])
    other = np.mean([np.corrcoef(x[i].ravel(), y[(i + 1) % 5].ravel())[0, 1] for i in range(5)])
    assert own > other + 0.3


def test_normalisation_round_trip():
    n = sr.Normalisation(-0.1, 1.3)
    x = np.linspace(-0.1, 1.3, 7, dtype=np.float32)
    np.testing.assert_allclose(n.invert(n.apply(x)), x, atol=1e-6)
    assert n.apply(x).min() == 0 and n.apply(x).max() == pytest.approx(1)
    with pytest.raises(ValueError, match="constant"):
        sr.Normalisation.fit(np.ones(4))
    with pytest.raises(ValueError, match="percentiles"):
        sr.Normalisation.fit(np.arange(10.0), percentiles=(50, 10))
    # min-max on request; 16-bit data keep their units
    u16 = np.array([100, 200, 65000], np.uint16)
    assert sr.Normalisation.fit(u16, percentiles=(0, 100)) == sr.Normalisation(100.0, 65000.0)


def test_short_training_lowers_validation_loss_and_saves(pairs, tmp_path):
    ps = sr.make_patch_set(pairs, test_electrodes=["c"], patch=16, n_patches=160, seed=1)
    run = sr.train(sr.srcnn_residual(filters=16, n_blocks=1), ps, epochs=3, batch_size=16, learning_rate=1e-3,
                   out_path=tmp_path / "cnn.keras", seed=0)
    assert run.history.val_loss.iloc[-1] < run.history.val_loss.iloc[0]
    assert list(run.history.columns[:5]) == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert (tmp_path / "cnn_history.csv").exists()
    model, info = sr.load_sr_model(run.path)
    assert info.split.test_electrodes == ("c",) and info.training["epochs_run"] == 3


def test_tiled_inference_equals_whole_image_inference():
    m = sr.srcnn_residual()
    img = np.random.default_rng(0).random((100, 131)).astype(np.float32)
    whole = np.asarray(m.predict_on_batch(img[None, ..., None]))[0, ..., 0]
    tiled = sr.predict_image(m, img, tile=48, overlap=2 * sr.receptive_radius(m) + 2)
    assert np.abs(tiled - whole).max() < 1e-4


def test_blending_weights_cover_every_pixel():
    plan = sr.tile_plan((70, 90), tile=32, overlap=12, margin=3)
    cover = np.zeros((70, 90))
    for (y0, x0), (h, w), wt in plan:
        cover[y0:y0 + h, x0:x0 + w] += wt
    assert cover.min() > 0


def test_super_resolve_volume_axes_and_normalisation():
    m = sr.bicubic_baseline()
    vol = np.random.default_rng(2).random((6, 20, 24)).astype(np.float32)
    norm = sr.Normalisation(0.0, 2.0)
    np.testing.assert_allclose(sr.super_resolve(m, vol, normalisation=norm), vol, atol=1e-6)
    np.testing.assert_allclose(sr.super_resolve(m, vol, axes="orthogonal"), vol, atol=1e-6)
    with pytest.raises(ValueError, match="axes"):
        sr.super_resolve(m, vol, axes="diagonal")


def test_out_of_core_zarr_inference_matches_in_memory(tmp_path):
    from xctkit import imaging, io

    m = sr.srcnn_residual(filters=8, n_blocks=1)
    rng = np.random.default_rng(4)
    vol = rng.random((10, 40, 44)).astype(np.float32)
    io.write_zarr(tmp_path / "up.zarr", vol, voxel_um=0.74)
    out = sr.super_resolve_zarr(m, tmp_path / "up.zarr", tmp_path / "sr.zarr", slices_per_chunk=3)
    np.testing.assert_allclose(out.array.compute(), sr.super_resolve(m, vol), atol=1e-5)
    assert out.provenance.generator == "xctkit.sr.super_resolve_zarr"

    lr = rng.random((6, 14, 15)).astype(np.float32)
    io.write_zarr(tmp_path / "lr.zarr", lr, voxel_um=2.3)
    enh = sr.enhance_lr_zarr(m, tmp_path / "lr.zarr", tmp_path / "enh.zarr", hr_voxel_um=0.74, slices_per_chunk=4)
    up = imaging.upscale_to(lr, lr_voxel_um=2.3, hr_voxel_um=0.74, out_shape=enh.shape)
    np.testing.assert_allclose(enh.array.compute(), sr.super_resolve(m, up), atol=1e-4)


def test_image_quality_against_known_values():
    ref = np.zeros((20, 20), np.float32)
    q = sr.image_quality(ref, ref)
    assert q.ssim == pytest.approx(1.0) and q.psnr_db == np.inf and q.mse == 0
    q = sr.image_quality(ref + 0.1, ref)
    assert q.mse == pytest.approx(0.01) and q.mae == pytest.approx(0.1)
    assert q.psnr_db == pytest.approx(20.0)  # 10 log10(1 / 0.01)
    rois = sr.random_rois((10, 30, 30), size=(4, 10, 10), n=3, seed=0)
    df = sr.roi_quality(np.zeros((10, 30, 30)), np.zeros((10, 30, 30)) + 0.1, rois)
    assert len(df) == 3 and np.allclose(df.mse, 0.01)


def test_plateau_schedule_acts_on_both_adversarial_optimisers(pairs):
    """ReduceLROnPlateau must reach the GAN's own optimisers, not an unused default one."""
    ps = sr.make_patch_set(pairs, test_electrodes=["c"], patch=16, n_patches=64, seed=2)
    gan = sr.make_adversarial(sr.paper_gan_generator(), sr.paper_gan_discriminator(16), learning_rate=2e-4)
    # with patience 0 the rate halves after every epoch whose validation loss does not improve
    run = sr.train(gan, ps, epochs=3, batch_size=16, learning_rate=2e-4, lr_patience=0, seed=0)
    assert run.history.lr.iloc[0] == pytest.approx(2e-4)
    g_lr = float(np.asarray(gan.g_optimizer.learning_rate))
    assert g_lr == pytest.approx(run.history.lr.iloc[-1])
    assert float(np.asarray(gan.d_optimizer.learning_rate)) == pytest.approx(g_lr)
    best, reductions = np.inf, 0  # Keras' rule: an improvement beats the best by more than min_delta 1e-4
    for v in run.history.val_loss:
        best, reductions = (v, reductions) if v < best - 1e-4 else (best, reductions + 1)
    assert g_lr == pytest.approx(2e-4 * 0.5 ** reductions)


def test_image_quality_of_16_bit_data_needs_its_range():
    """A 16-bit pair with a known error: PSNR from the stated window, refused without one."""
    ref = np.full((16, 16), 20000, np.uint16)
    ref[:8] = 40000
    pred = ref.astype(np.float32) + 200.0  # MSE = 200²
    with pytest.raises(ValueError, match="data_range"):
        sr.image_quality(pred, ref)
    q = sr.image_quality(pred, ref, data_range=20000.0)
    assert q.mse == pytest.approx(40000.0) and q.psnr_db == pytest.approx(10 * np.log10(20000.0**2 / 40000.0))
