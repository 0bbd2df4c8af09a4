"""Porosity against the generator's continuous geometry; expansion both ways against paper 000's Table 2;
PSD shift and the pristine-vs-cycled comparison."""

import numpy as np
import pytest

from xctkit import micro, papers, synth, workflows
from xctkit.phases import NMC, PORE


def _union_fraction(particles, n_points: int, seed: int) -> float:
    """Monte Carlo volume fraction of the union of the spheroids (periodic in y and x)."""
    rng = np.random.default_rng(seed)
    ext = np.asarray(particles.extent_um)
    pts = rng.random((n_points, 3)) * ext
    inside = np.zeros(n_points, dtype=bool)
    c, a = particles.centres_um, particles.semi_axes_um
    for lo in range(0, n_points, 4000):
        p = pts[lo:lo + 4000, None, :] - c[None]
        p[..., 1:] -= ext[1:] * np.round(p[..., 1:] / ext[1:])  # minimum image in y, x
        inside[lo:lo + 4000] = (((p / a[None]) ** 2).sum(-1) <= 1.0).any(axis=1)
    return float(inside.mean())


def test_porosity_of_a_generated_volume_equals_the_generators_geometry():
    e = synth.dry_electrode((48, 64, 64), porosity=0.49, seed=11)
    n = 200_000
    truth = 1.0 - _union_fraction(e.particles, n, seed=0)
    # Monte Carlo error sqrt(p(1-p)/n) ≈ 0.0011; voxel-centre sampling of the boundary adds less
    # than 0.005 at 0.37 µm for 3.5 µm particles
    assert micro.porosity(e.labels) == pytest.approx(truth, abs=0.008)
    fr = micro.phase_fractions(e.labels)
    assert fr["nmc"] == pytest.approx(e.fractions()["nmc"]) and sum(fr.values()) == pytest.approx(1.0)


def test_table2_expansion_column_is_the_porosity_drop_in_percentage_points():
    t2 = papers.table2()
    for row in t2.itertuples():
        ex = micro.expansion(row.porosity_pristine, row.porosity_cycled)
        assert ex.expansion_pp == pytest.approx(row.expansion_pct, abs=1e-9)
    dry1, dit = t2.iloc[0], t2.iloc[3]
    # the relative growth of the NMC volume is much larger (paper 000 digest, §2.10: 13.7 %, 173 %)
    assert micro.expansion(dry1.porosity_pristine, dry1.porosity_cycled).solid_volume_change_pct == \
        pytest.approx(100 * 0.07 / 0.51)
    assert micro.expansion(dit.porosity_pristine, dit.porosity_cycled).solid_volume_change_pct == \
        pytest.approx(100 * 0.26 / 0.15)


def test_expansion_from_labels_matches_known_fractions():
    before = np.full((10, 10, 10), PORE, np.uint8)
    before[:5] = NMC  # φ = 0.5
    after = before.copy()
    after[5:6] = NMC  # φ = 0.4
    ex = micro.expansion(before, after)
    assert ex.porosity_pristine == 0.5 and ex.porosity_cycled == pytest.approx(0.4)
    assert ex.expansion_pp == pytest.approx(10.0) and ex.solid_volume_change_pct == pytest.approx(20.0)
    with pytest.raises(ValueError, match="pristine"):
        micro.expansion(1.0, 0.5)
    with pytest.raises(ValueError, match="cycled"):
        micro.expansion(0.5, 1.5)


def test_size_shift_of_uniformly_grown_particles():
    rng = np.random.default_rng(0)
    d = rng.lognormal(np.log(3.5), 0.2, size=400)

    def dist(diam):
        edges = np.arange(0, 12.5, 1.0)
        n, _ = np.histogram(diam, edges)
        return micro.SizeDistribution(diam, edges, n / n.sum(), n / n.sum())

    shift = micro.size_shift(dist(d), dist(1.1 * d))
    assert shift.median_change_pct == pytest.approx(10.0)
    assert shift.median_volume_change_pct == pytest.approx(100 * (1.1**3 - 1))
    assert shift.n_before == shift.n_after == 400
    with pytest.raises(TypeError, match="before"):
        micro.size_shift(d, dist(d))


@pytest.fixture(scope="module")
def aged_pair():
    e0 = synth.dry_electrode((48, 64, 64), porosity=0.49, seed=5)
    e1 = synth.cycle(e0, porosity=0.42, crack_fraction=0.3, seed=6)
    return e0, e1


def test_compare_states_on_a_generated_pair(aged_pair):
    e0, e1 = aged_pair
    s0, s1 = e0.solid_at(0.74), e1.solid_at(0.74)
    res = workflows.compare_states(~s0, ~s1, voxel_um=0.74)  # pore masks (True = pore)
    # porosity and expansion: exactly the generator's (the segmentation here is the truth)
    assert res.pristine.porosity == pytest.approx(1 - s0.mean())
    assert res.expansion.expansion_pp == pytest.approx(100 * (s1.mean() - s0.mean()))
    assert res.cycled.tortuosity > res.pristine.tortuosity > 1.0  # Table 2: τ rises
    assert res.intensity is None
    row = res.to_frame()
    assert len(row) == 1 and row.loc[0, "porosity_cycled"] == pytest.approx(1 - s1.mean())


def test_characterise_reports_every_metric(aged_pair):
    e0, _ = aged_pair
    m = micro.characterise(e0.labels, voxel_um=e0.voxel_um, particles=e0.particle_ids, tortuosity=False,
                           pores=True)
    assert np.isnan(m.tortuosity) and m.percolates
    assert m.porosity == pytest.approx(e0.porosity)
    # the size distribution is that of the instances given: the generator's particles, exactly
    assert m.n_particles == len(np.unique(e0.particle_ids[e0.particle_ids > 0]))
    assert 1.0 < m.psd_median_um < 8.0
    assert 0.5 < m.pore_median_um < 10.0 and m.ssa_per_um > 0
    assert m.psd_peak_label.count("–") == 1


def test_characterise_measures_only_what_it_is_given():
    """A test-built volume: two cubes of 4³ and 6³ voxels in a 16³ pore box, given as instances."""
    pore = np.ones((16, 16, 16), bool)
    inst = np.zeros((16, 16, 16), np.int32)
    inst[1:5, 1:5, 1:5] = 1
    inst[8:14, 8:14, 8:14] = 2
    pore[inst > 0] = False
    m = micro.characterise(pore, voxel_um=0.5, particles=inst, tortuosity=False)
    assert m.porosity == pytest.approx(1 - (64 + 216) / 16**3)
    assert m.n_particles == 2
    # equivalent-sphere diameters of 64 and 216 voxels of 0.125 µm³
    d = np.sort(m.psd.diameters_um)
    np.testing.assert_allclose(d, np.cbrt(6 * np.array([64, 216]) * 0.125 / np.pi), rtol=1e-12)
    bare = micro.characterise(pore, voxel_um=0.5, tortuosity=False)
    assert bare.n_particles == 0 and bare.psd is None and np.isnan(bare.psd_median_um)
    with pytest.raises(ValueError, match="particles"):
        micro.characterise(pore, voxel_um=0.5, particles=inst[:8], tortuosity=False)

