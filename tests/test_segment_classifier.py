"""Random-forest pixel classifier, trained on one virtual electrode and validated on another."""

import numpy as np
import pytest

from xctkit import imaging, micro, segment, synth
from xctkit.phases import CBD, NMC, PORE


def _scan(seed):
    e = synth.dry_electrode((64, 64, 64), porosity=0.49, seed=seed)
    pair = imaging.xct_pair(e.labels, voxel_um=e.voxel_um, seed=seed)
    truth = segment.labels_on_grid(e.labels, voxel_um=e.voxel_um, target_um=pair.hr.voxel_um)
    return pair.hr.grey, truth


@pytest.fixture(scope="module")
def trained():
    grey, truth = _scan(21)
    clf = segment.PixelClassifier(n_estimators=40, seed=0)
    fit = clf.fit(grey, truth, mask=segment.sparse_annotations(truth, n_voxels=4000, seed=0))
    return clf, fit


def test_classifier_beats_a_global_threshold_on_an_unseen_electrode(trained):
    """Validated on a different electrode (sample-level split) against the generator's truth."""
    clf, fit = trained
    assert fit.classes == (PORE, CBD, NMC) and sum(fit.samples_per_class) == 4000
    grey, truth = _scan(22)
    pred = clf.predict(grey)
    assert pred.dtype == np.uint8 and pred.shape == truth.shape
    phi_truth = micro.porosity(truth)
    err_rf = abs(micro.porosity(pred) - phi_truth)
    err_otsu = abs(micro.porosity(segment.threshold(grey).labels) - phi_truth)
    # the forest learns the partial-volume rim that a global threshold gets wrong
    assert err_rf < err_otsu and err_rf < 0.03
    scores = segment.segmentation_scores(np.where(pred == NMC, NMC, PORE).astype(np.uint8),
                                         np.where(truth == NMC, NMC, PORE).astype(np.uint8))
    assert scores.iou_of(NMC) > 0.85


def test_fit_result_lists_features_and_importances(trained):
    clf, fit = trained
    assert len(fit.feature_names) == fit.feature_importances.size == 4 * (1 + 1 + 3)
    assert fit.feature_importances.sum() == pytest.approx(1.0)
    assert 0.5 < fit.oob_accuracy <= 1.0
    assert fit.to_frame().importance.is_monotonic_decreasing
    proba = clf.predict_proba(np.zeros((8, 8, 8), np.float32))
    np.testing.assert_allclose(proba.sum(-1), 1.0, rtol=1e-5)


def test_sparse_annotations_are_seeded_and_respect_exclusions():
    lab = np.zeros((10, 10, 10), np.uint8)
    a = segment.sparse_annotations(lab, n_voxels=50, seed=1)
    b = segment.sparse_annotations(lab, n_voxels=50, seed=1)
    assert a.sum() == 50 and np.array_equal(a, b)
    ex = np.zeros_like(a)
    ex[:5] = True
    assert not segment.sparse_annotations(lab, n_voxels=200, seed=1, exclude=ex)[:5].any()


def test_classifier_rejects_bad_use():
    clf = segment.PixelClassifier()
    with pytest.raises(ValueError, match="fit"):
        clf.predict(np.zeros((8, 8, 8), np.float32))
    g = np.random.default_rng(0).random((8, 8, 8)).astype(np.float32)
    with pytest.raises(ValueError, match="two phases"):
        clf.fit(g, np.zeros((8, 8, 8), np.uint8))
    with pytest.raises(ValueError, match="same shape"):
        clf.fit(g, np.zeros((8, 8, 7), np.uint8))
    with pytest.raises(ValueError, match="sigma_max"):
        segment.PixelClassifier(sigma_min=2.0, sigma_max=1.0)
