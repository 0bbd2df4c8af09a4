"""Wicksell unfolding and the log-normal fit to section radii recover a known sphere-size distribution."""

import numpy as np
import pytest

from xctkit import stereology as st

TRUE = st.LogNormal(1.4, 0.21)


def _population_sections(n, seed):
    rng = np.random.default_rng(seed)
    r = TRUE.sample(6 * n, seed=rng)
    r = r[rng.random(r.size) < r / r.max()][:n]  # a plane hits a sphere with probability ∝ R
    h = rng.uniform(-1, 1, r.size) * r
    return np.sqrt(r**2 - h**2)


def test_wicksell_matrix_is_upper_triangular_with_known_column_sums():
    edges = np.linspace(0, 10, 11)
    k = st.wicksell_matrix(edges, n_sub=64)
    assert np.allclose(np.tril(k, -1), 0.0)
    # every sphere of class j gives 2R sections per unit area and unit density (all classes summed)
    np.testing.assert_allclose(k.sum(axis=0), 2 * 0.5 * (edges[:-1] + edges[1:]), rtol=1e-12)


@pytest.mark.parametrize("method", ["nnls", "saltykov"])
def test_unfolding_recovers_sphere_size_distribution(method):
    rt = _population_sections(20_000, seed=3)
    edges = np.arange(0.0, 13.0, 1.0)
    unf = st.unfold_section_radii(rt, bin_edges_um=edges, method=method)
    truth = np.diff(TRUE.cdf(edges))
    truth /= truth.sum()
    # Kolmogorov distance at the class edges < 0.05 (20 000 sections, 1 µm classes; the discrete
    # method assumes radii uniform within a class, which shifts a few per cent between classes)
    ks = np.abs(np.cumsum(unf.number_fraction) - np.cumsum(truth)).max()
    assert ks < 0.05
    mid = 0.5 * (edges[:-1] + edges[1:])
    assert unf.mean_radius_um == pytest.approx(TRUE.mean_um, rel=0.03)
    sd = np.sqrt(np.sum(unf.number_fraction * mid**2) - unf.mean_radius_um**2)
    sd_true = np.sqrt(np.sum(truth * mid**2) - np.sum(truth * mid) ** 2)  # same classes
    assert sd == pytest.approx(sd_true, rel=0.1)
    assert unf.to_frame().number_fraction.sum() == pytest.approx(1.0)


def test_unfolding_absolute_density():
    # N_V = N_A / (2 E[R]): with the area given, the densities are absolute
    rt = _population_sections(20_000, seed=4)
    n_v_true = 0.01  # spheres per µm³
    area = rt.size / (2 * TRUE.mean_um * n_v_true)
    unf = st.unfold_section_radii(rt, bin_edges_um=np.arange(0.0, 13.0, 1.0), area_um2=area)
    assert unf.sphere_density.sum() == pytest.approx(n_v_true, rel=0.05)


def test_lognormal_fit_to_sections_with_truncation():
    rt = _population_sections(3000, seed=5)
    fit = st.fit_lognormal_sections(rt[rt > 0.7], r_min_um=0.7)
    assert fit.mu == pytest.approx(TRUE.mu, abs=0.03)
    assert fit.sigma == pytest.approx(TRUE.sigma, abs=0.02)


def test_unfolding_errors():
    with pytest.raises(ValueError, match="last class edge"):
        st.unfold_section_radii([1.0, 20.0], bin_edges_um=[0, 5, 10])
    with pytest.raises(ValueError, match="method"):
        st.unfold_section_radii([1.0], bin_edges_um=[0, 5], method="em")
    with pytest.raises(ValueError, match="bin_edges_um"):
        st.wicksell_matrix([0, 2, 1])
