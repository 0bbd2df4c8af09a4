"""Log-normal fit to percentiles (paper 003, Eq. 32) and volume <-> number weighting (Eq. 33)."""

import numpy as np
import pytest

from xctkit import stereology as st
from xctkit.papers import PAPER003


def test_fit_reproduces_paper_mu_sigma_to_rounding():
    # paper 003, Sec. 2.5.2: percentiles 3.55 / 4.65 / 6.05 µm -> mu = 1.53, sigma = 0.208 (as printed)
    pct = PAPER003["radius_percentiles_um"]
    fit = st.fit_lognormal_percentiles([pct[10], pct[50], pct[90]])
    assert round(fit.mu, 2) == PAPER003["lognormal_mu"]
    assert round(fit.sigma, 3) == PAPER003["lognormal_sigma"]
    assert fit.weighting == "volume"
    # the fitted percentiles lie within 0.03 µm of the reported ones (3 data, 2 parameters)
    np.testing.assert_allclose(fit.ppf([0.1, 0.5, 0.9]), [3.55, 4.65, 6.05], atol=0.03)


def test_exact_percentiles_are_recovered_exactly():
    true = st.LogNormal(1.2, 0.3, "volume")
    fit = st.fit_lognormal_percentiles(true.ppf([0.1, 0.5, 0.9]))
    assert fit.mu == pytest.approx(1.2, abs=1e-8) and fit.sigma == pytest.approx(0.3, abs=1e-8)


def test_volume_to_number_weighting_analytic_equals_numeric():
    fv = st.LogNormal(1.53, 0.208, "volume")
    fr = st.volume_to_number_weighted(fv)
    assert fr.weighting == "number" and fr.sigma == 0.208
    assert fr.mu == pytest.approx(1.53 - 3 * 0.208**2, abs=1e-12)  # = 1.40021
    r = np.linspace(0.2, 20.0, 20001)
    numeric = st.volume_to_number_weighted(fv.pdf(r), r)  # Eq. 33 by quadrature
    np.testing.assert_allclose(numeric, fr.pdf(r), atol=2e-5)
    # independent value quoted in the digest: f_R(4.0) = 0.47843 both ways
    assert fr.pdf(np.array([4.0]))[0] == pytest.approx(0.47843, abs=1e-5)
    back = st.number_to_volume_weighted(fr)
    assert back.mu == pytest.approx(fv.mu) and back.weighting == "volume"


def test_lognormal_moments_and_sampling(rng):
    f = st.LogNormal(1.4, 0.2)
    x = f.sample(200_000, seed=rng)
    assert x.mean() == pytest.approx(f.mean_um, rel=5e-3)
    assert np.mean(x**3) == pytest.approx(f.moment(3), rel=2e-2)
    assert f.cdf(np.array([f.median_um]))[0] == pytest.approx(0.5)


@pytest.mark.parametrize("bad", [[3.55, 3.55, 6.05], [4.0, 3.0, 6.0], [-1.0, 4.0, 6.0]])
def test_fit_rejects_bad_percentiles(bad):
    with pytest.raises(ValueError, match="percentiles_um"):
        st.fit_lognormal_percentiles(bad)


def test_weighting_errors():
    with pytest.raises(ValueError, match="weighting"):
        st.LogNormal(1.0, 0.2, "mass")
    with pytest.raises(ValueError, match="f_v"):
        st.volume_to_number_weighted(st.LogNormal(1.0, 0.2, "number"))
    with pytest.raises(ValueError, match="r_um"):
        st.volume_to_number_weighted(np.ones(5))
