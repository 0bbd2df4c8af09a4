"""Paper 003 study tables (validation_table, local_table, size_distances, virtual_study) against known
answers, on sections and descriptor tables built in the tests."""

import numpy as np
import pandas as pd
import pytest

from xctkit.phases import CRACK, NMC, PORE
from xctkit.stereology import SectionAnalysis, analyse_sections
from xctkit.synth import SEMTruth
from xctkit.workflows import local_table, size_distances, validation_table, virtual_study

PIXEL_UM = 0.0143


def _truth(rho, sv, *, rho_se=0.01, radial=None):
    if radial is None:
        radial = pd.DataFrame({"bin_lo": [0.0, 0.5], "bin_hi": [0.5, 1.0], "rho_3d": [0.02, 0.08],
                               "se": [0.001, 0.001]})
    return SEMTruth(rho, rho_se, sv, 0.0, radial, np.array([1.0, 2.0]), 1000, 100)


def _square_with_crack():
    """A 40 × 40 px NMC square in pore with a 4 × 20 px crack band inside it.

    Crack fraction 80 / 1600 = 0.05; solid/non-solid crossings along rows and columns:
    4·40 at the square's edge + 2·20 + 2·4 at the band's = 208 on 2·1600 px of test line.
    """
    img = np.full((64, 64), PORE, np.uint8)
    img[12:52, 12:52] = NMC
    img[30:34, 20:40] = CRACK
    return img


def test_validation_table_on_built_sections_has_zero_error_against_exact_truth():
    img = _square_with_crack()
    # the watershed marker distance must be below the particle's half-width (default 50 px: no particle)
    a = analyse_sections([img, img.copy()], pixel_um=PIXEL_UM, marker_um=10 * PIXEL_UM)
    rho_exact = 80 / 1600
    sv_exact = 2 * 208 / (2 * 1600 * PIXEL_UM)  # 2 P_L, 1/µm
    assert a.rho == pytest.approx(rho_exact, rel=1e-12)
    assert a.sv_intercepts_per_um == pytest.approx(sv_exact, rel=1e-12)
    t = validation_table({"true sections": {"20 °C": a}}, {"20 °C": _truth(rho_exact, sv_exact)})
    assert len(t) == 1
    r = t.iloc[0]
    assert (r.route, r.condition) == ("true sections", "20 °C")
    assert r.rho_rel_error == pytest.approx(0.0, abs=1e-12)
    assert r.sv_rel_error == pytest.approx(0.0, abs=1e-12)
    assert r.rho_z == pytest.approx(0.0, abs=1e-12)  # identical images: jackknife se 0
    assert r.rho_truth == rho_exact and r.sv_truth_per_um == sv_exact
    # one particle per image, the whole square (crack included): area 1600 px; its perimeter counts
    # the outer edge and the crack walls, ~ 4·40 + 2·(20 + 4) = 208 px
    assert r.n_particles == 2
    np.testing.assert_allclose(a.particles.area_um2, 1600 * PIXEL_UM**2, rtol=1e-12)
    np.testing.assert_allclose(a.particles.perimeter_um, 208 * PIXEL_UM, rtol=0.05)
    per, area = a.particles.perimeter_um.sum(), a.particles.area_um2.sum()
    assert r.a_pooled_per_um == pytest.approx(4 / np.pi * per / area, rel=1e-12)
    assert r.a_rel_error == pytest.approx(r.a_pooled_per_um / sv_exact - 1, rel=1e-12)
    assert r.n_cracks == int(a.images.n_cracks.sum())


def test_validation_table_known_relative_errors_from_hand_built_analysis():
    images = pd.DataFrame({"image": [0, 1], "n_cracks": [3, 1], "crack_px": [10, 30], "particle_px": [400, 400],
                           "solid_crossings": [40, 40], "line_length_um": [50.0, 50.0],
                           "area_um2": [2.0, 2.0]})
    particles = pd.DataFrame({"perimeter_um": [np.pi, np.pi, 100.0], "area_um2": [1.0, 1.0, 1.0],
                              "used": [True, True, False]})
    a = SectionAnalysis(images, pd.DataFrame(), particles, pd.DataFrame(), pd.DataFrame(), 0.1)
    # rho = 40 / 800 = 0.05; truth 0.04 -> +25 %. sv = 2·80/100 = 1.6; truth 2.0 -> -20 %.
    # a_pooled over used particles = (4/π)·2π / 2 = 4 -> +100 % against 2.0.
    t = validation_table({"r": {"c": a}}, {"c": _truth(0.04, 2.0)})
    r = t.iloc[0]
    assert r.rho == pytest.approx(0.05)
    assert r.rho_rel_error == pytest.approx(0.25)
    assert r.sv_intercepts_per_um == pytest.approx(1.6)
    assert r.sv_rel_error == pytest.approx(-0.2)
    assert r.a_pooled_per_um == pytest.approx(4.0)
    assert r.a_rel_error == pytest.approx(1.0)
    assert r.lambda_per_um2 == pytest.approx(1.0)  # 4 cracks / 4 µm²
    assert (r.n_cracks, r.n_particles) == (4, 2)
    # jackknife se of rho over the two images: leave-one-out 30/400 and 10/400
    jack = np.array([30 / 400, 10 / 400])
    se = np.sqrt(0.5 * np.sum((jack - jack.mean()) ** 2))
    assert r.rho_z == pytest.approx(0.01 / np.hypot(se, 0.01), rel=1e-12)
    with pytest.raises(TypeError, match="SectionAnalysis"):
        validation_table({"r": {"c": object()}}, {"c": _truth(0.04, 2.0)})


def test_local_table_concatenates_estimates_and_truth():
    local = pd.DataFrame({"estimator": ["paper", "paper"], "bin_lo": [0.0, 0.5], "bin_hi": [0.5, 1.0],
                          "bin_mid": [0.25, 0.75], "rho_local": [0.01, 0.09], "crack_area_um2": [1.0, 2.0]})
    empty = pd.DataFrame()
    a = SectionAnalysis(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), local, pd.DataFrame(), 0.1)
    b = SectionAnalysis(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), empty, pd.DataFrame(), 0.1)
    t = local_table({"HR": {"20 °C": a, "30 °C": b}}, {"20 °C": _truth(0.05, 1.0)})
    assert list(t.columns) == ["route", "condition", "estimator", "bin_lo", "bin_hi", "bin_mid", "rho_local"]
    assert len(t) == 4  # two estimated bins, none from the empty analysis, two truth bins
    est = t[t.route == "HR"]
    np.testing.assert_allclose(est.rho_local, [0.01, 0.09])
    tr = t[t.route == "3-D truth"]
    assert (tr.estimator == "3-D truth").all() and (tr.condition == "20 °C").all()
    np.testing.assert_allclose(tr.bin_mid, [0.25, 0.75])
    np.testing.assert_allclose(tr.rho_local, [0.02, 0.08])
    e = local_table({"HR": {"30 °C": b}})
    assert e.empty and list(e.columns) == list(t.columns)


def test_size_distances_known_log_shift_and_disjoint_samples():
    rng = np.random.default_rng(0)
    d = np.exp(rng.normal(0.0, 0.5, 300))
    c = 0.3
    samples = {"truth": pd.DataFrame({"d_um": d}), "same": pd.DataFrame({"d_um": d.copy()}),
               "scaled": pd.DataFrame({"d_um": d * np.exp(c)}),  # ln d shifted by c
               "far": pd.DataFrame({"d_um": d * 100.0}), "none": pd.DataFrame({"d_um": np.array([])})}
    t = size_distances(samples, reference="truth").set_index("source")
    assert t.loc["same", "ks"] == 0.0 and t.loc["same", "wasserstein_log"] == pytest.approx(0.0, abs=1e-12)
    assert t.loc["scaled", "wasserstein_log"] == pytest.approx(c, rel=1e-9)
    assert t.loc["scaled", "median_um"] == pytest.approx(np.median(d) * np.exp(c), rel=1e-12)
    assert t.loc["far", "ks"] == 1.0
    assert t.loc["truth", "n"] == 300
    assert t.loc["none", "n"] == 0 and np.isnan(t.loc["none", "ks"]) and np.isnan(t.loc["none", "median_um"])
    with pytest.raises(ValueError, match="reference"):
        size_distances(samples, reference="HR")


def test_virtual_study_tiny_structure():
    out = virtual_study((20,), n_images=2, shape_px=(70, 70), truth=False, seed=0)
    assert list(out) == ["20 °C"]
    c = out["20 °C"]
    assert len(c.sections) == len(c.pairs) == 2 and c.truth is None
    assert all(s.phase.shape == (70, 70) for s in c.sections)
    assert all(p.hr.shape == (70, 70) for p in c.pairs)
    assert len(c.phases) == 2 and len(c.oracle) == 2
    # sections are stratified: more than a particle diameter apart inside the box
    with pytest.raises(ValueError, match="conditions"):
        virtual_study((99,), n_images=1, shape_px=(70, 70), truth=False)
