"""Scores against a known truth: analytic IoU, interface bands, truth on the scan grid, instance matching."""

import numpy as np
import pytest

from xctkit import segment, synth
from xctkit.phases import CBD, CRACK, NMC, PORE


def test_iou_and_band_errors_of_a_shifted_interface():
    truth = np.full((32, 8, 8), PORE, np.uint8)
    truth[:16] = NMC
    pred = np.full_like(truth, PORE)
    pred[:17] = NMC  # interface one voxel too far
    sc = segment.segmentation_scores(pred, truth, band_width_vox=1.0)
    assert sc.iou_of(NMC) == pytest.approx(16 / 17)
    assert sc.iou_of(PORE) == pytest.approx(15 / 16)
    assert sc.accuracy == pytest.approx(31 / 32)
    # the band is the two voxel layers at the interface; every error lies in it
    assert sc.band_share == pytest.approx(2 / 32)
    assert sc.errors_in_band == 1.0 and sc.error_rate_interior == 0.0
    assert sc.error_rate_band == pytest.approx(0.5)
    assert list(sc.to_frame().phase) == ["pore", "nmc"]


def test_truth_on_the_scan_grid_matches_the_generators_coarse_solid():
    e = synth.dry_electrode((32, 48, 48), porosity=0.49, seed=2)
    lab = segment.labels_on_grid(e.labels, voxel_um=e.voxel_um, target_um=0.74)
    assert lab.shape == (16, 24, 24)
    np.testing.assert_array_equal(lab == NMC, e.solid_at(0.74))  # same majority rule
    assert set(np.unique(lab)) <= {PORE, CBD, NMC}
    # non-integer factor (the LR grid) resamples; fractions stay close
    lr = segment.labels_on_grid(e.labels, voxel_um=e.voxel_um, target_um=2.3)
    assert lr.shape == (5, 8, 8)
    assert abs((lr == NMC).mean() - (e.labels == NMC).mean()) < 0.1


def test_cracks_are_merged_into_pore_on_the_scan_grid():
    lab = np.full((4, 4, 4), NMC, np.uint8)
    lab[:2] = CRACK
    out = segment.labels_on_grid(lab, voxel_um=1.0, target_um=2.0)
    assert out[0].tolist() == [[PORE, PORE], [PORE, PORE]] and (out[1] == NMC).all()
    with pytest.raises(ValueError, match="target_um"):
        segment.labels_on_grid(lab, voxel_um=1.0, target_um=0.5)


def test_interface_band_width():
    lab = np.zeros((20, 4, 4), np.uint8)
    lab[10:] = 2
    assert segment.interface_band(lab, width_vox=1).sum(axis=(1, 2)).nonzero()[0].tolist() == [9, 10]
    assert segment.interface_band(lab, width_vox=3).any(axis=(1, 2)).sum() == 6


def test_instance_matching_counts_merges_and_matches():
    truth = np.zeros((8, 8, 16), np.int32)
    truth[:, :, :4], truth[:, :, 4:8], truth[:, :, 10:14] = 1, 2, 3
    same = segment.match_instances(truth, truth)
    assert same.n_matched == 3 and same.precision == same.recall == 1.0 and same.merged_share == 0.0
    merged = truth.copy()
    merged[merged == 2] = 1  # particles 1 and 2 measured as one
    m = segment.match_instances(merged, truth)
    assert m.n_pred == 2 and m.n_matched == 1 and m.merged_share == pytest.approx(2 / 3)
    assert m.split_share == 0.0
    # a measurement on a grid twice as coarse is upsampled to the truth grid
    coarse = truth[::2, ::2, ::2]
    assert segment.match_instances(coarse, truth).n_matched == 3
    with pytest.raises(ValueError, match="integer subdivision"):
        segment.match_instances(truth[:5], truth)
