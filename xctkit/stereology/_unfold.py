"""From section radii to sphere radii: Wicksell's corpuscle problem (not in paper 003).

Paper 003 takes the sphere-radius distribution from the manufacturer's percentiles; these
functions estimate it from the sections themselves, as a check on that input:

* :func:`unfold_section_radii`, the discrete (Saltykov-type) unfolding of a histogram of section
  radii into sphere-number densities per class, by back-substitution or non-negative least
  squares;
* :func:`fit_lognormal_sections`, the maximum-likelihood log-normal whose Wicksell transform
  fits the section radii (optionally truncated below, for sections too small to segment).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import as_array, check_choice, check_int, check_nonnegative, check_positive
from ._centre import section_radius_marginal
from ._psd import LogNormal

__all__ = ["Unfolding", "wicksell_matrix", "unfold_section_radii", "fit_lognormal_sections"]


def wicksell_matrix(bin_edges_um, *, n_sub: int = 32) -> np.ndarray:
    """Expected section counts per unit area from unit sphere density per radius class.

    ``K[i, j]`` = number of sections per µm² with radius in class ``i`` made by a plane through
    spheres of class ``j`` at 1 sphere per µm³: ``2 E_j[R P(r̃ ∈ i | R)]``, with
    ``P(a < r̃ ≤ b | R) = √(1 − a²/R²) − √(1 − b²/R²)`` (Eq. 24 integrated) and ``R`` uniform
    within the class (``n_sub`` midpoints). Upper triangular: a sphere never gives a section
    larger than itself.

    Parameters
    ----------
    bin_edges_um : (K+1,) array_like of float
        Increasing class edges, µm, starting at >= 0.
    n_sub : int
        Sub-points per sphere class.

    Returns
    -------
    (K, K) ndarray of float, µm
    """
    e = np.asarray(as_array(bin_edges_um, "bin_edges_um", ndim=1, min_size=2), dtype=float)
    if e[0] < 0 or np.any(np.diff(e) <= 0):
        raise ValueError(f"`bin_edges_um` must start >= 0 and increase strictly, got {e.tolist()}")
    n_sub = check_int(n_sub, "n_sub", min_value=1)
    k = e.size - 1
    mat = np.zeros((k, k))
    for j in range(k):
        r = e[j] + (np.arange(n_sub) + 0.5) / n_sub * (e[j + 1] - e[j])
        cdf = np.sqrt(np.clip(1.0 - (e[:, None] / r[None, :]) ** 2, 0.0, 1.0))  # P(r̃ > e) given R = r
        prob = cdf[:-1] - cdf[1:]
        mat[:, j] = (2.0 * r[None, :] * prob).mean(axis=1)
    return mat


@dataclass(frozen=True)
class Unfolding:
    """Result of :func:`unfold_section_radii`.

    Attributes
    ----------
    bin_lo_um, bin_hi_um : (K,) ndarray of float
        Radius classes, µm.
    section_counts : (K,) ndarray of int
        Histogram of the section radii.
    sphere_density : (K,) ndarray of float
        Spheres per µm³ in each class (per unit *section area* when ``area_um2`` was not given,
        i.e. relative only).
    number_fraction : (K,) ndarray of float
        ``sphere_density`` normalised to sum 1: the number-weighted radius distribution.
    method : str
    """

    bin_lo_um: np.ndarray
    bin_hi_um: np.ndarray
    section_counts: np.ndarray
    sphere_density: np.ndarray
    number_fraction: np.ndarray
    method: str

    @property
    def mean_radius_um(self) -> float:
        """Mean sphere radius from the class midpoints, µm."""
        return float(np.sum(self.number_fraction * 0.5 * (self.bin_lo_um + self.bin_hi_um)))

    def to_frame(self):
        """One row per class: ``r_lo_um``, ``r_hi_um``, ``section_counts``, ``sphere_density``,
        ``number_fraction``."""
        import pandas as pd

        return pd.DataFrame({"r_lo_um": self.bin_lo_um, "r_hi_um": self.bin_hi_um,
                             "section_counts": self.section_counts, "sphere_density": self.sphere_density,
                             "number_fraction": self.number_fraction})


def unfold_section_radii(r_tilde_um, *, bin_edges_um, area_um2: float | None = None,
                         method: str = "nnls") -> Unfolding:
    """Unfold planar section radii into a number-weighted sphere-radius distribution.

    Solves ``N_A = K N_V`` for the sphere densities per class ``N_V``, with ``N_A`` the section
    counts per area and ``K`` from :func:`wicksell_matrix`.

    Parameters
    ----------
    r_tilde_um : (N,) array_like of float
        Section radii of spheres cut by isotropic uniform random planes, µm.
    bin_edges_um : (K+1,) array_like of float
        Radius classes, µm; sections beyond the last edge raise an error (widen the classes).
    area_um2 : float, optional
        Total section area the sections were counted on, µm², to give absolute densities.
    method : {'nnls', 'saltykov'}
        ``'saltykov'``: back-substitution from the largest class (Saltykov's scheme with exact
        class probabilities), negative densities set to 0 afterwards. ``'nnls'``: the same
        system by non-negative least squares (stabler for noisy histograms).

    Returns
    -------
    Unfolding

    Raises
    ------
    ValueError
        On negative radii or radii beyond the last class edge.

    References
    ----------
    .. [1] Wicksell, Biometrika 17 (1925) 84-99.
    .. [2] Saltykov, Stereometric Metallography (1958); Baddeley & Jensen, Stereology for
       Statisticians (2004), ch. 6.
    """
    from scipy.optimize import nnls

    r = np.asarray(as_array(r_tilde_um, "r_tilde_um", ndim=1), dtype=float)
    check_choice(method, "method", ("nnls", "saltykov"))
    e = np.asarray(bin_edges_um, dtype=float)
    mat = wicksell_matrix(e)
    if np.any(r < 0) or not np.all(np.isfinite(r)):
        raise ValueError("`r_tilde_um` must be finite and >= 0")
    if np.any(r > e[-1]):
        raise ValueError(f"{int(np.sum(r > e[-1]))} section radii exceed the last class edge {e[-1]} µm")
    counts = np.histogram(r, bins=e)[0]
    area = 1.0 if area_um2 is None else check_positive(area_um2, "area_um2")
    n_a = counts / area
    if method == "nnls":
        n_v = nnls(mat, n_a)[0]
    else:
        k = n_a.size
        n_v = np.zeros(k)
        for i in range(k - 1, -1, -1):
            n_v[i] = (n_a[i] - mat[i, i + 1:] @ n_v[i + 1:]) / mat[i, i] if mat[i, i] > 0 else 0.0
        n_v = np.clip(n_v, 0.0, None)
    total = n_v.sum()
    frac = n_v / total if total > 0 else n_v
    return Unfolding(e[:-1].copy(), e[1:].copy(), counts, n_v, frac, method)


def fit_lognormal_sections(r_tilde_um, *, r_min_um: float = 0.0, x0=None) -> LogNormal:
    """Maximum-likelihood number-weighted log-normal from section radii (Wicksell model).

    The section radii of a sphere population cut by a plane have density
    ``f_R̃(r̃) = r̃/E[R] ∫ f_R(r)/√(r² − r̃²) dr`` (size-biased; :func:`section_radius_marginal`);
    sections smaller than ``r_min_um`` are assumed missing (truncated likelihood).

    Parameters
    ----------
    r_tilde_um : (N,) array_like of float
        Section radii, µm (> ``r_min_um``).
    r_min_um : float
        Truncation: smallest section radius that could be observed, µm.
    x0 : (2,) sequence of float, optional
        Starting ``(mu, sigma)``.

    Returns
    -------
    LogNormal
        Number-weighted.

    Raises
    ------
    ValueError
        With fewer than 10 radii or radii below ``r_min_um``.
    """
    from scipy.optimize import minimize

    r = np.asarray(as_array(r_tilde_um, "r_tilde_um", ndim=1, min_size=10), dtype=float)
    r_min = check_nonnegative(r_min_um, "r_min_um")
    if np.any(r < r_min) or not np.all(np.isfinite(r)):
        raise ValueError("`r_tilde_um` must be finite and >= `r_min_um`")
    grid = np.linspace(0.0, r_min, 64) if r_min > 0 else None
    if x0 is None:
        # E[r̃²] = (2/3) E[R³]/E[R] for size-biased sections; start from a log-normal with σ = 0.25
        s0 = 0.25
        m3_over_m1 = 1.5 * np.mean(r**2)
        x0 = (0.5 * np.log(m3_over_m1) - 2.0 * s0**2, s0)

    def nll(p):
        mu, log_s = p
        f = LogNormal(float(mu), float(np.exp(log_s)))
        dens = section_radius_marginal(r, f, size_biased=True, n_nodes=120)
        ll = np.sum(np.log(np.maximum(dens, 1e-300)))
        if grid is not None:
            low = np.trapezoid(section_radius_marginal(grid, f, size_biased=True, n_nodes=120), grid)
            ll -= r.size * np.log(max(1.0 - low, 1e-300))
        return -ll

    res = minimize(nll, x0=[x0[0], np.log(x0[1])], method="Nelder-Mead",
                   options={"xatol": 1e-6, "fatol": 1e-8, "maxiter": 2000})
    return LogNormal(float(res.x[0]), float(np.exp(res.x[1])), "number")
