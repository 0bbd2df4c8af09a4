"""SEM phase segmentation: the classical route, Eq. 7 post-processing, and the U-Net factory."""

import numpy as np
import pytest

from xctkit import imaging, segment, synth
from xctkit.phases import CRACK, NMC, PORE


@pytest.fixture(scope="module")
def section():
    sp = synth.sem_specimen(40, extent_um=(20.0, 12.0, 12.0), seed=11)
    s = sp.section(sp.section_heights(1, seed=0)[0], shape_px=(560, 560))
    pair = imaging.sem_pair(s.phase, grain=s.grain, seed=3)
    return s, pair


def test_classical_segmentation_finds_particles_and_cracks(section):
    s, pair = section
    seg = segment.segment_sem(pair.hr, pixel_um=0.0143)
    assert set(np.unique(seg)) <= {PORE, NMC, CRACK}
    assert segment.phase_accuracy(seg, s.phase) > 0.97
    hit = (seg == CRACK) & (s.phase == CRACK)
    assert hit.sum() / (s.phase == CRACK).sum() > 0.4  # recall of crack pixels
    assert hit.sum() / max((seg == CRACK).sum(), 1) > 0.7  # precision


def test_threshold_by_accuracy_is_at_least_as_accurate(section):
    s, pair = section
    fit = segment.fit_crack_threshold([pair.hr], [s.phase], pixel_um=0.0143)
    best = segment.segment_sem(pair.hr, pixel_um=0.0143, crack_threshold=fit.threshold)
    default = segment.segment_sem(pair.hr, pixel_um=0.0143)
    assert segment.phase_accuracy(best, s.phase) == pytest.approx(fit.accuracy.max())
    assert segment.phase_accuracy(best, s.phase) >= segment.phase_accuracy(default, s.phase) - 1e-12


def test_default_grid_brackets_the_optimum_on_pore_rich_images(section):
    """Mostly background (as in sections through few particles): a percentile grid would stop below it."""
    s, pair = section
    rng = np.random.default_rng(0)
    pad = 500
    grey = rng.choice(pair.hr[s.phase == PORE], size=(560 + 2 * pad,) * 2).astype(pair.hr.dtype)
    grey[pad:-pad, pad:-pad] = pair.hr
    phase = np.full(grey.shape, PORE, np.uint8)
    phase[pad:-pad, pad:-pad] = s.phase
    assert (phase == PORE).mean() > 0.85
    fit = segment.fit_crack_threshold([grey], [phase], pixel_um=0.0143)
    assert 0 < int(np.argmax(fit.accuracy)) < fit.grid.size - 1
    seg = segment.segment_sem(grey, pixel_um=0.0143, crack_threshold=fit.threshold)
    hit = (seg == CRACK) & (phase == CRACK)
    assert hit.sum() / (phase == CRACK).sum() > 0.45  # crack recall at the fitted threshold


def test_threshold_at_the_grid_edge_warns(section):
    s, pair = section
    with pytest.warns(RuntimeWarning, match="edge of `grid`"):
        segment.fit_crack_threshold([pair.hr], [s.phase], pixel_um=0.0143, grid=[0.01, 0.02, 0.03])


def test_eq7_post_processing():
    p = np.array([[[0.6, 0.3, 0.1], [0.3, 0.6, 0.1], [0.2, 0.2, 0.6], [0.45, 0.45, 0.1]]], np.float32)
    np.testing.assert_array_equal(segment.probs_to_phase(p, t=0.5), [[PORE, NMC, CRACK, NMC]])
    np.testing.assert_array_equal(segment.probs_to_phase(p, t=0.7), [[PORE, NMC, NMC, NMC]])  # ties go to solid
    truth = np.array([[PORE, NMC, CRACK, NMC]], np.uint8)
    sel = segment.select_crack_threshold([p], [truth], grid=[0.3, 0.55, 0.7])
    assert sel.threshold == 0.3 and sel.accuracy[-1] == pytest.approx(0.75)
    with pytest.raises(ValueError, match="probs"):
        segment.probs_to_phase(np.zeros((2, 2)), t=0.5)


def test_unet_factory_and_a_tiny_training_run(section):
    s, pair = section
    model = segment.unet(depth=3, filters=4, dilation=2)
    probs = segment.predict_proba(model, pair.hr[:100, :90])  # padded to a multiple of 4 and cropped back
    assert probs.shape == (100, 90, 3)
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, atol=1e-5)
    run = segment.train_unet([pair.hr[:280]], [s.phase[:280]], val_images=[pair.hr[280:]],
                             val_phases=[s.phase[280:]], depth=2, filters=4, dilation=1, patch=64,
                             n_patches=16, n_val_patches=4, epochs=1, batch_size=8, seed=0)
    assert list(run.history.columns) == ["epoch", "loss", "val_loss"] and len(run.history) == 1
    assert run.class_weights.shape == (3,) and run.class_weights[2] > run.class_weights[1]
    with pytest.raises(ValueError, match="patch"):
        segment.train_unet([pair.hr], [s.phase], val_images=[pair.hr], val_phases=[s.phase], depth=3, patch=66)
