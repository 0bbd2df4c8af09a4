"""Crack detection: an enclosed crack in a ball, necks are not cracks, and the generator's own cracks."""

import numpy as np
import pytest

from xctkit import segment, synth
from xctkit.phases import CRACK, NMC


def _ball(shape, centre, r):
    z, y, x = np.ogrid[tuple(slice(0, n) for n in shape)]
    return (z - centre[0]) ** 2 + (y - centre[1]) ** 2 + (x - centre[2]) ** 2 <= r**2


def test_enclosed_planar_crack_is_found_with_its_volume():
    solid = _ball((30, 30, 30), (15, 15, 15), 11)
    crack = np.zeros_like(solid)
    crack[15, 8:23, 8:23] = True  # one voxel thick, walled in by the ball
    crack &= _ball(solid.shape, (15, 15, 15), 8)
    res = segment.find_cracks(solid & ~crack, voxel_um=0.5)
    assert res.n_intra == 1 and res.n_cracked_particles == 1 and res.n_particles == 1
    assert np.count_nonzero(res.intra) == crack.sum()
    assert res.intra_fraction == pytest.approx(crack.mean())
    annotated = res.annotate(np.where(solid & ~crack, NMC, 0).astype(np.uint8))
    assert (annotated == CRACK).sum() == crack.sum()


def test_intact_particles_and_the_neck_between_them_are_not_cracks():
    pair = _ball((30, 30, 50), (15, 15, 15), 9) | _ball((30, 30, 50), (15, 15, 31), 9)
    res = segment.find_cracks(pair, voxel_um=0.5)
    assert res.n_intra == 0 and res.intra_fraction == 0.0
    assert res.inter_fraction > 0  # the closing fills the wedge around the contact


def test_generated_intra_particle_cracks_are_recovered():
    """Against the generator's truth at its own voxel (cracks one voxel wide, resolved).

    Tolerances: precision > 0.6 and recall > 0.5 voxel-wise; false detections in the pristine
    electrode below 15 % of the cycled crack volume.
    """
    e0 = synth.dry_electrode((48, 64, 64), porosity=0.49, seed=5)
    e1 = synth.cycle(e0, porosity=0.42, crack_fraction=0.4, inter_cracks=0, seed=6)
    truth = e1.labels == CRACK
    found = segment.find_cracks(e1.labels == NMC, voxel_um=e1.voxel_um)
    sc = segment.crack_scores(found, truth)
    assert sc.precision > 0.6 and sc.recall > 0.5
    assert sc.truth_fraction == pytest.approx(truth.mean())
    control = segment.find_cracks(e0.labels == NMC, voxel_um=e0.voxel_um)
    assert control.intra_fraction < 0.15 * truth.mean()


def test_find_cracks_rejects_bad_input():
    with pytest.raises(ValueError, match="solid"):
        segment.find_cracks(np.zeros((8, 8), bool), voxel_um=1.0)
    with pytest.raises(ValueError, match="max_open_share"):
        segment.find_cracks(np.zeros((8, 8, 8), bool), voxel_um=1.0, max_open_share=2.0)
