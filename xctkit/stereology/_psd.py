"""Particle-radius distributions: the log-normal fit to volume-weighted percentiles (paper 003,
Eq. 32) and the conversion from volume- to number-weighted densities (Eq. 33)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import as_array, as_rng, check_int, check_positive

__all__ = [
    "LogNormal",
    "fit_lognormal_percentiles",
    "volume_to_number_weighted",
    "number_to_volume_weighted",
]


@dataclass(frozen=True)
class LogNormal:
    """A log-normal radius distribution, ``ln R ~ N(mu, sigma²)`` (paper 003, Eq. 31).

    Attributes
    ----------
    mu : float
        Mean of ``ln R`` (``R`` in µm).
    sigma : float
        Standard deviation of ``ln R`` (> 0).
    weighting : {'number', 'volume'}
        What the density counts: particles (number-weighted) or particle volume (volume-weighted,
        as laser diffraction reports it).
    """

    mu: float
    sigma: float
    weighting: str = "number"

    def __post_init__(self):
        check_positive(self.sigma, "sigma")
        if self.weighting not in ("number", "volume"):
            raise ValueError(f"`weighting` must be 'number' or 'volume', got {self.weighting!r}")

    @property
    def median_um(self) -> float:
        """Median radius, µm."""
        return float(np.exp(self.mu))

    @property
    def mean_um(self) -> float:
        """Mean radius, µm."""
        return float(np.exp(self.mu + 0.5 * self.sigma**2))

    def moment(self, k: float) -> float:
        """``E[R^k]`` in µm^k (closed form)."""
        return float(np.exp(k * self.mu + 0.5 * (k * self.sigma) ** 2))

    def pdf(self, r_um) -> np.ndarray:
        """Probability density at ``r_um`` (1/µm); 0 for ``r <= 0``."""
        r = np.asarray(r_um, dtype=float)
        out = np.zeros_like(r)
        pos = r > 0
        z = (np.log(r[pos]) - self.mu) / self.sigma
        out[pos] = np.exp(-0.5 * z * z) / (self.sigma * r[pos] * np.sqrt(2 * np.pi))
        return out

    def logpdf(self, r_um) -> np.ndarray:
        """Log density (``-inf`` for ``r <= 0``)."""
        r = np.asarray(r_um, dtype=float)
        out = np.full_like(r, -np.inf)
        pos = r > 0
        lr = np.log(r[pos])
        out[pos] = -0.5 * ((lr - self.mu) / self.sigma) ** 2 - lr - np.log(self.sigma * np.sqrt(2 * np.pi))
        return out

    def cdf(self, r_um) -> np.ndarray:
        """Distribution function at ``r_um``."""
        from scipy.special import ndtr

        r = np.asarray(r_um, dtype=float)
        out = np.zeros_like(r)
        pos = r > 0
        out[pos] = ndtr((np.log(r[pos]) - self.mu) / self.sigma)
        return out

    def ppf(self, q) -> np.ndarray:
        """Quantile function: the radius (µm) below which a share ``q`` lies."""
        from scipy.special import ndtri

        return np.exp(self.mu + self.sigma * ndtri(np.asarray(q, dtype=float)))

    def sample(self, n: int, *, seed=None) -> np.ndarray:
        """``n`` radii (µm), seeded."""
        n = check_int(n, "n", min_value=0)
        return as_rng(seed).lognormal(self.mu, self.sigma, size=n)

    def reweighted(self, weighting: str) -> LogNormal:
        """The same particles under the other weighting (exact for a log-normal).

        ``f_V(r) ∝ r³ f_N(r)`` shifts ``mu`` by ``+3σ²`` and keeps ``sigma`` (Eq. 33 and its
        footnote); converting back subtracts it.
        """
        if weighting not in ("number", "volume"):
            raise ValueError(f"`weighting` must be 'number' or 'volume', got {weighting!r}")
        if weighting == self.weighting:
            return self
        shift = 3.0 * self.sigma**2 * (1.0 if weighting == "volume" else -1.0)
        return LogNormal(self.mu + shift, self.sigma, weighting)

    def to_frame(self):
        """One row: ``mu``, ``sigma``, ``weighting``, ``median_um``, ``mean_um``."""
        import pandas as pd

        return pd.DataFrame([{"mu": self.mu, "sigma": self.sigma, "weighting": self.weighting,
                              "median_um": self.median_um, "mean_um": self.mean_um}])


def fit_lognormal_percentiles(percentiles_um, *, levels=(10, 50, 90), weighting: str = "volume") -> LogNormal:
    """Least-squares fit of a log-normal to reported percentiles (paper 003, Eq. 32).

    Minimises ``Σ_α (exp(μ + σ Φ⁻¹(α/100)) − r_α)²`` over ``μ`` and ``σ > 0`` (residuals in µm, as
    printed in the paper; not in log space).

    Parameters
    ----------
    percentiles_um : (K,) array_like of float
        Radii at the percentile ``levels``, µm (paper 003: 3.55, 4.65, 6.05 µm, volume-weighted,
        from the manufacturer's laser diffraction).
    levels : (K,) sequence of float
        Percentile levels in (0, 100), K >= 2.
    weighting : {'volume', 'number'}
        What the percentiles describe; stored on the result.

    Returns
    -------
    LogNormal
        Paper 003 reports ``mu = 1.53``, ``sigma = 0.208`` for its percentiles.

    Raises
    ------
    ValueError
        If the percentiles are not positive and increasing, or the levels are outside (0, 100).

    References
    ----------
    .. [1] Furat, Finegan et al., paper 003, Eqs. (31)-(32).
    """
    from scipy.optimize import least_squares
    from scipy.special import ndtri

    r = as_array(percentiles_um, "percentiles_um", ndim=1, min_size=2).astype(float)
    lv = as_array(levels, "levels", ndim=1, min_size=2).astype(float)
    if r.shape != lv.shape:
        raise ValueError(f"`percentiles_um` and `levels` must have the same length, got {r.size} and {lv.size}")
    if np.any(~np.isfinite(r)) or np.any(r <= 0) or np.any(np.diff(r) <= 0):
        raise ValueError(f"`percentiles_um` must be positive and strictly increasing, got {r.tolist()}")
    if np.any((lv <= 0) | (lv >= 100)) or np.any(np.diff(lv) <= 0):
        raise ValueError(f"`levels` must increase strictly inside (0, 100), got {lv.tolist()}")
    if weighting not in ("number", "volume"):
        raise ValueError(f"`weighting` must be 'number' or 'volume', got {weighting!r}")
    z = ndtri(lv / 100.0)
    # start from the exact fit in log space, then minimise the paper's residuals in µm
    slope, icpt = np.polyfit(z, np.log(r), 1)
    res = least_squares(lambda p: np.exp(p[0] + np.exp(p[1]) * z) - r, x0=[icpt, np.log(max(slope, 1e-3))],
                        xtol=1e-14, ftol=1e-14, gtol=1e-14)
    return LogNormal(float(res.x[0]), float(np.exp(res.x[1])), weighting)


def volume_to_number_weighted(f_v, r_um=None):
    """Number-weighted density from a volume-weighted one (paper 003, Eq. 33).

    ``f_R(r) = f_V(r) / r³ / c`` with ``c = ∫ f_V(r)/r³ dr``.

    Parameters
    ----------
    f_v : LogNormal or (N,) array_like of float
        A volume-weighted :class:`LogNormal` (converted exactly: ``mu - 3σ²``), or density values
        (1/µm) on the grid ``r_um``.
    r_um : (N,) array_like of float, optional
        Increasing positive radii, µm; needed when ``f_v`` holds values (trapezoidal ``c``).

    Returns
    -------
    LogNormal or (N,) ndarray of float
        The number-weighted density, in the form given.

    Raises
    ------
    ValueError
        On a number-weighted ``LogNormal``, a missing or non-increasing ``r_um``, or a density of
        another length.
    """
    return _reweight(f_v, r_um, power=-3.0, src="volume", dst="number", name="f_v")


def number_to_volume_weighted(f_r, r_um=None):
    """Volume-weighted density from a number-weighted one (the footnote to Eq. 33): ``∝ r³ f_R(r)``.

    Parameters and return as :func:`volume_to_number_weighted`.
    """
    return _reweight(f_r, r_um, power=3.0, src="number", dst="volume", name="f_r")


def _reweight(f, r_um, *, power, src, dst, name):
    if isinstance(f, LogNormal):
        if f.weighting != src:
            raise ValueError(f"`{name}` must be {src}-weighted, got a {f.weighting}-weighted LogNormal")
        return f.reweighted(dst)
    if r_um is None:
        raise ValueError(f"`r_um` is needed when `{name}` holds density values")
    r = as_array(r_um, "r_um", ndim=1, min_size=2).astype(float)
    vals = as_array(f, name, ndim=1).astype(float)
    if vals.shape != r.shape:
        raise ValueError(f"`{name}` and `r_um` must have the same length, got {vals.size} and {r.size}")
    if np.any(r <= 0) or np.any(np.diff(r) <= 0):
        raise ValueError("`r_um` must be positive and strictly increasing")
    g = vals * r**power
    c = np.trapezoid(g, r)
    if not c > 0:
        raise ValueError(f"`{name}` integrates to zero on `r_um`")
    return g / c
