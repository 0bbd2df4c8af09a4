import numpy as np
import pytest

from xctkit import synth


def test_lognormal_mode_and_truncation():
    d = synth.lognormal_diameters(200_000, d_mode_um=3.5, sigma=0.25, seed=1, d_max_um=10)
    hist, edges = np.histogram(d, bins=np.arange(0, 10.01, 0.1))
    mode = edges[np.argmax(hist)] + 0.05
    assert mode == pytest.approx(3.5, abs=0.15)
    assert d.max() <= 10
    # mean of ln d is ln(mode) + sigma² for a number-weighted log-normal
    assert np.log(d).mean() == pytest.approx(np.log(3.5) + 0.25**2, abs=0.01)


def test_rasterised_sphere_volume_matches_analytic():
    r = 6.0
    ps = synth.ParticleSet(np.array([[15.0, 15.0, 15.0]]), np.array([[r, r, r]]), (30.0, 30.0, 30.0))
    lab = synth.rasterize(ps, voxel_um=0.25)
    assert lab.sum() * 0.25**3 == pytest.approx(4 / 3 * np.pi * r**3, rel=0.01)


def test_rasterise_wraps_periodically_in_y_and_x():
    ps = synth.ParticleSet(np.array([[5.0, 0.0, 0.0]]), np.array([[2.0, 2.0, 2.0]]), (10.0, 10.0, 10.0))
    lab = synth.rasterize(ps, voxel_um=0.5)
    assert lab.sum() * 0.125 == pytest.approx(4 / 3 * np.pi * 8, rel=0.06)  # all four quarters present
    assert lab[10, -1, -1] == 1 and lab[10, 0, 0] == 1


def test_first_wins_gives_union_of_first_k_particles():
    rng = np.random.default_rng(0)
    ps = synth.ParticleSet(rng.random((30, 3)) * 20, np.full((30, 3), 2.5), (20.0, 20.0, 20.0))
    first = synth.rasterize(ps, voxel_um=0.5, first_wins=True)
    k = 12
    sub = synth.ParticleSet(ps.centres_um[:k], ps.semi_axes_um[:k], ps.extent_um)
    np.testing.assert_array_equal((first > 0) & (first <= k), synth.rasterize(sub, voxel_um=0.5) > 0)


def test_packing_respects_overlap_limit_and_box():
    d = synth.lognormal_diameters(300, d_mode_um=3.0, sigma=0.2, seed=2)
    ps = synth.pack_particles((20, 25, 25), d, overlap=0.1, seed=3, n_iter=600)
    c, r = ps.centres_um, ps.semi_axes_um[:, 0]
    assert np.all((c[:, 0] >= 0) & (c[:, 0] <= 20))
    assert np.all((c[:, 1:] >= 0) & (c[:, 1:] < 25))
    delta = c[:, None, :] - c[None, :, :]
    delta[..., 1:] -= 25 * np.round(delta[..., 1:] / 25)  # periodic y, x
    dist = np.linalg.norm(delta, axis=-1)
    need = (r[:, None] + r[None, :]) * 0.9
    np.fill_diagonal(dist, np.inf)
    assert np.min(dist / need) > 0.97  # within 3 % of the allowed interpenetration


def test_packing_aspect_makes_oblate_particles_with_same_volume():
    d = np.full(50, 4.0)
    ps = synth.pack_particles((20, 20, 20), d, aspect=0.5, seed=0)
    a = ps.semi_axes_um
    np.testing.assert_allclose(a[:, 0] / a[:, 1], 0.5)
    np.testing.assert_allclose(ps.equivalent_diameter_um, 4.0)


@pytest.mark.parametrize("bad, match", [
    (dict(extent_um=(0, 1, 1)), "extent_um"),
    (dict(diameters_um=[1.0, -1.0]), "diameters_um"),
    (dict(overlap=0.7), "overlap"),
    (dict(aspect=0.0), "aspect"),
])
def test_packing_validates(bad, match):
    kw = dict(extent_um=(10, 10, 10), diameters_um=[2.0, 2.0])
    kw.update(bad)
    with pytest.raises(ValueError, match=match):
        synth.pack_particles(kw.pop("extent_um"), kw.pop("diameters_um"), **kw)


def test_coarsen_solid_block_mean():
    fine = np.zeros((4, 4, 4), bool)
    fine[:2, :2, :2] = True          # a full 2³ block -> solid
    fine[2, 2, 2] = True             # 1/8 of a block -> not solid
    coarse = synth.coarsen_solid(fine, 0.37, 0.74)
    assert coarse.shape == (2, 2, 2)
    assert coarse[0, 0, 0] and not coarse[1, 1, 1] and coarse.sum() == 1
    with pytest.raises(ValueError, match="finer"):
        synth.coarsen_solid(fine, 0.74, 0.37)


def test_cbd_fraction_follows_the_recipes():
    # dry 94:2:4 (NMC:C:PTFE); DIT 90:5:3:2 (NMC:C:SBR:CMC) with the documented densities
    dry = (2 / 1.8 + 4 / 2.2) / (94 / 4.75) / 0.7
    dit = (5 / 1.8 + 3 / 0.94 + 2 / 1.6) / (90 / 4.75) / 0.7
    assert synth.cbd_fraction_from_composition("dry", 0.5) == pytest.approx(0.5 * dry)
    assert synth.cbd_fraction_from_composition("dit", 0.15) == pytest.approx(0.15 * dit)
    with pytest.raises(ValueError, match="kind"):
        synth.cbd_fraction_from_composition("wet", 0.5)
