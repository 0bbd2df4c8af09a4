"""Cracked particles for SEM sections: implicit geometry, exact 3-D truth, Delesse on true sections."""

import numpy as np
import pytest

from xctkit import stereology as st
from xctkit import synth
from xctkit.phases import CRACK, NMC, PORE


@pytest.fixture(scope="module")
def specimen():
    return synth.sem_specimen(50, extent_um=(40.0, 16.0, 16.0), seed=7)


def test_two_grain_particle_is_labelled_exactly():
    # two seeds on the x axis, their facet (the plane x = 0) open with aperture 0.1 µm
    seeds = np.array([[0.0, 0.0, -1.0], [0.0, 0.0, 1.0]])
    part = synth.CrackedParticle(np.zeros(3), 3.0, seeds, np.array([1], np.int64), np.array([0.1]))
    pts = np.array([[0, 0, 0.04], [0, 0, -0.049], [0, 0, 0.051], [0, 1.0, 2.0], [0, 0, 3.2], [2.9, 0, 0.0]])
    phase, grain = part.labels(pts)
    assert phase.tolist() == [CRACK, CRACK, NMC, NMC, PORE, CRACK]
    assert grain.tolist()[:4] == [1, 0, 1, 1] and grain[4] == -1
    closed = synth.CrackedParticle(np.zeros(3), 3.0, seeds, np.zeros(0, np.int64), np.zeros(0))
    assert np.all(closed.labels(pts[:3])[0] == NMC)


def test_packing_has_no_overlaps_and_conditions_fall_outwards(specimen):
    c = np.array([p.centre_um for p in specimen.particles])
    r = specimen.radii_um
    d = c[:, None] - c[None]
    d[..., 1:] -= np.array(specimen.extent_um[1:]) * np.round(d[..., 1:] / np.array(specimen.extent_um[1:]))
    gap = np.linalg.norm(d, axis=-1) - r[:, None] - r[None] + np.eye(len(r)) * 1e9
    assert gap.min() > 0.0  # particles never overlap (asked: >= 0.15 µm, the packer converges to ~it)
    for cond in synth.SEM_CONDITIONS.values():
        p = cond.opening_probability([0.0, 0.5, 1.0])
        assert p[0] > p[1] > p[2]


def test_crofton_truth_of_uncracked_spheres():
    none = synth.SEMCondition("none", 0.0, p_centre=0.0, p_surface=0.0, aperture_um=0.05)
    sp = synth.sem_specimen(none, extent_um=(24.0, 12.0, 12.0), seed=3)
    tr = sp.truth(points_per_um3=20, lines_per_particle=200, seed=1)
    exact = 3 * np.sum(sp.radii_um**2) / np.sum(sp.radii_um**3)  # Σ 4πR² / Σ (4/3)πR³
    assert tr.crack_fraction == 0.0
    assert tr.surface_density_per_um == pytest.approx(exact, abs=4 * tr.surface_density_se)
    assert tr.surface_density_per_um == pytest.approx(exact, rel=0.03)


def test_delesse_true_sections_match_crack_volume_fraction(specimen):
    """ρ (Eq. 11) on true sections estimates the 3-D crack volume fraction without bias."""
    truth = specimen.truth(points_per_um3=80, lines_per_particle=20, seed=2)
    secs = [specimen.section(z, shape_px=(840, 840)) for z in specimen.section_heights(8, seed=3)]
    rho = st.global_porosity([s.phase for s in secs])
    # jackknife standard error of the pooled ratio over sections
    crack = np.array([(s.phase == CRACK).sum() for s in secs], float)
    part = np.array([(s.phase != PORE).sum() for s in secs], float)
    jack = np.array([(crack.sum() - c) / (part.sum() - p) for c, p in zip(crack, part, strict=True)])
    se = np.sqrt((len(jack) - 1) / len(jack) * np.sum((jack - jack.mean()) ** 2))
    assert abs(rho - truth.crack_fraction) < 3 * np.hypot(se, truth.crack_fraction_se)
    assert se < 0.3 * truth.crack_fraction  # the check has teeth


def test_radial_truth_matches_point_sections_per_shell(specimen):
    """Delesse per shell: the oracle local porosity of many planar sections equals the 3-D profile."""
    truth = specimen.truth(points_per_um3=150, lines_per_particle=5, seed=4)
    pts = specimen.section_points(np.linspace(8.0, 32.0, 60), points_per_um2=40, seed=5)
    lp = st.local_porosity_points(pts)
    orc = lp[lp.estimator == "oracle"].reset_index(drop=True)
    ok = (orc.n_points > 4000).to_numpy()
    se = np.sqrt(orc.rho_local * (1 - orc.rho_local) / orc.n_points) * 3  # points within a plane correlate
    diff = np.abs(orc.rho_local - truth.radial.rho_3d)
    assert ok.sum() >= 6
    assert np.all((diff <= 3 * np.hypot(se, truth.radial.se))[ok])
    # and the synthetic cracks are centre-heavy, as in paper 003 Fig. 9
    assert truth.radial.rho_3d.iloc[1:4].mean() > truth.radial.rho_3d.iloc[-3:].mean()


def test_sections_are_seeded_and_carry_truth(specimen):
    z = specimen.section_heights(1, seed=0)[0]
    a = specimen.section(z, shape_px=(200, 300))
    b = specimen.section(z, shape_px=(200, 300))
    assert np.array_equal(a.phase, b.phase) and a.phase.shape == (200, 300)
    inside = a.phase != PORE
    assert np.all(np.isfinite(a.rel_distance[inside])) and np.all(np.isnan(a.rel_distance[~inside]))
    assert np.nanmax(a.rel_distance) < 1.0
    assert set(a.sections.columns) >= {"instance", "radius_um", "cut_height_um", "r_section_um", "touches_border"}
    row = a.sections.iloc[0]
    assert row.r_section_um == pytest.approx(np.sqrt(row.radius_um**2 - row.cut_height_um**2))
    again = synth.sem_specimen(50, extent_um=(40.0, 16.0, 16.0), seed=7)
    assert np.array_equal(again.radii_um, specimen.radii_um)


def test_star_shaped_particles():
    sp = synth.sem_specimen(20, extent_um=(20.0, 12.0, 12.0), shape="star", star_amplitude=0.2, seed=1)
    part = sp.particles[0]
    u = np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]])
    surf = part.centre_um + u * part.radius_at(u)[:, None]
    np.testing.assert_allclose(part.relative_distance(surf), 1.0)
    assert not np.allclose(part.radius_at(u), part.radius_um)
    with pytest.raises(ValueError, match="spherical"):
        sp.section_points(5.0)


def test_specimen_validation():
    with pytest.raises(ValueError, match="condition"):
        synth.sem_specimen(25)
    with pytest.raises(ValueError, match="shape"):
        synth.sem_specimen(20, shape="cube")
    with pytest.raises(ValueError, match="p_centre"):
        synth.SEMCondition("x", 20.0, p_centre=1.5, p_surface=0.1, aperture_um=0.05)
