"""Relative distance of a section pixel to its (unseen) particle centre (paper 003, Sec. 2.5).

For a sphere of radius ``R`` cut by a plane, a pixel at distance ``d_b`` from the centre of a
circular section of radius ``r̃`` lies at ``√(R² − r̃² + d_b²)`` from the sphere centre (Eq. 23/28).
``R`` is unknown, so the paper estimates the relative distance ``D = √(R² − r̃² + d_b²)/R`` by its
conditional expectation given ``r̃`` (Eq. 30), with ``R | R̃ = r̃`` from Bayes' rule (Eqs. 24-27).

Numerics: the substitution ``r = √(r̃² + u²)`` (``u`` is the cut height) turns the weakly singular
integrals into smooth ones,

    f(r, r̃) dr = f_R(r) r̃ / (r √(r² − r̃²)) dr = f_R(r) r̃ / r² du,

so ``d_center = ∫ √(u² + d_b²)/r · f_R(r)/r² du / ∫ f_R(r)/r² du`` (``r̃`` cancels), integrated by
Gauss-Legendre quadrature in log-weights (stable far in the tails).

Size bias (not in the paper): a plane through a *population* of spheres hits a sphere with
probability proportional to its radius, so the radius of a *sectioned* sphere has density
``r f_R(r) / E[R]`` (Wicksell 1925). ``size_biased=True`` uses that prior (weight ``f_R(r)/r``);
the paper's estimator (``size_biased=False``) uses ``f_R`` itself, which is exact when each sphere
is drawn from ``f_R`` and then cut at a uniformly random height.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import as_labels, check_int, check_positive

__all__ = [
    "section_radius_pdf",
    "section_radius_marginal",
    "radius_posterior_pdf",
    "expected_relative_centre_distance",
    "CentreDistanceTable",
    "centre_distance_table",
    "relative_centre_distance",
]


def _logpdf(f_r):
    if hasattr(f_r, "logpdf"):
        return f_r.logpdf
    raise TypeError(f"`f_r` must be a LogNormal or a distribution with logpdf/ppf, got {type(f_r).__name__}")


def _upper(f_r) -> float:
    if not hasattr(f_r, "ppf"):
        raise TypeError(f"`f_r` must be a LogNormal or a distribution with logpdf/ppf, got {type(f_r).__name__}")
    hi = float(np.asarray(f_r.ppf(1.0 - 1e-12)))
    if not np.isfinite(hi) or hi <= 0:
        raise ValueError("`f_r` must have a finite positive upper quantile")
    return hi


def section_radius_pdf(r_tilde_um, r_um) -> np.ndarray:
    """Density of the section radius ``r̃`` of a sphere of radius ``r`` cut at a uniform height (Eq. 24).

    ``f(r̃ | r) = r̃ / (r √(r² − r̃²))`` for ``0 < r̃ < r``, else 0 (1/µm).

    Parameters
    ----------
    r_tilde_um, r_um : array_like of float
        Broadcastable radii, µm.

    Returns
    -------
    ndarray of float
    """
    rt = np.asarray(r_tilde_um, dtype=float)
    r = np.asarray(r_um, dtype=float)
    rt, r = np.broadcast_arrays(rt, r)
    out = np.zeros(rt.shape)
    ok = (rt > 0) & (rt < r)
    out[ok] = rt[ok] / (r[ok] * np.sqrt(r[ok] ** 2 - rt[ok] ** 2))
    return out


def _nodes(n):
    x, w = np.polynomial.legendre.leggauss(n)
    return 0.5 * (x + 1.0), 0.5 * w  # on [0, 1]


def _u_range(rt, hi):
    """Upper integration limit in u: to the top of f_R, or a tail scale when r̃ is beyond it."""
    return np.where(rt < hi, np.sqrt(np.maximum(hi**2 - rt**2, 0.0)), 0.0) + 0.5 * np.maximum(rt, hi)


def section_radius_marginal(r_tilde_um, f_r, *, size_biased: bool = False, n_nodes: int = 400) -> np.ndarray:
    """Marginal density of the section radius (Eq. 27), 1/µm.

    Parameters
    ----------
    r_tilde_um : array_like of float
        Section radii, µm (>= 0).
    f_r : LogNormal or scipy.stats frozen distribution
        Number-weighted sphere-radius distribution (needs ``logpdf`` and ``ppf``).
    size_biased : bool
        ``False``: the paper's model, one sphere from ``f_R`` cut at a uniform height,
        ``∫ f_R(r) r̃ / (r√(r²−r̃²)) dr``. ``True``: sections of a sphere population by a plane
        (Wicksell), ``r̃/E[R] ∫ f_R(r)/√(r²−r̃²) dr``.
    n_nodes : int
        Gauss-Legendre nodes.

    Returns
    -------
    ndarray of float, shape of ``r_tilde_um``
    """
    rt = np.asarray(r_tilde_um, dtype=float)
    if np.any(rt < 0) or not np.all(np.isfinite(rt)):
        raise ValueError("`r_tilde_um` must be finite and >= 0")
    n_nodes = check_int(n_nodes, "n_nodes", min_value=16)
    logpdf = _logpdf(f_r)
    hi = _upper(f_r)
    t, w = _nodes(n_nodes)
    flat = rt.ravel()[:, None]
    umax = _u_range(flat, hi)
    u = umax * t
    r = np.sqrt(flat**2 + u**2)
    dens = np.exp(logpdf(r)) * (1.0 / r if size_biased else 1.0 / r**2)
    val = flat[:, 0] * (dens * w).sum(axis=1) * umax[:, 0]
    if size_biased:
        mean_r = _mean(f_r)
        val = val / mean_r
    return val.reshape(rt.shape)


def _mean(f_r) -> float:
    if hasattr(f_r, "mean_um"):
        return float(f_r.mean_um)
    m = f_r.mean()
    return float(m() if callable(m) else m)


def radius_posterior_pdf(r_um, r_tilde_um: float, f_r, *, size_biased: bool = False,
                         n_nodes: int = 400) -> np.ndarray:
    """Density of the sphere radius given the section radius, ``f_{R | R̃ = r̃}(r)`` (Eq. 26), 1/µm.

    Parameters
    ----------
    r_um : array_like of float
        Radii at which to evaluate, µm.
    r_tilde_um : float
        Observed section radius, µm (> 0).
    f_r, size_biased, n_nodes
        As in :func:`section_radius_marginal`.

    Returns
    -------
    ndarray of float, shape of ``r_um``
    """
    rt = check_positive(r_tilde_um, "r_tilde_um")
    r = np.asarray(r_um, dtype=float)
    joint = np.exp(_logpdf(f_r)(r)) * section_radius_pdf(rt, r)
    if size_biased:
        joint = joint * r / _mean(f_r)
    return joint / section_radius_marginal(rt, f_r, size_biased=size_biased, n_nodes=n_nodes)


def expected_relative_centre_distance(r_tilde_um, d_b_um, f_r, *, size_biased: bool = False,
                                      n_nodes: int = 400) -> np.ndarray:
    """``d_center = E[√(R² − r̃² + d_b²)/R | R̃ = r̃]`` (paper 003, Eqs. 30 and 36).

    Parameters
    ----------
    r_tilde_um : array_like of float
        Section radius, µm (>= 0; Eq. 34 uses the area-equivalent radius of a particle section).
    d_b_um : array_like of float
        Distance of the pixel to the section centre, µm (>= 0; Eq. 35 uses the barycentre).
        Broadcast against ``r_tilde_um``.
    f_r : LogNormal or scipy.stats frozen distribution
        Number-weighted sphere-radius distribution.
    size_biased : bool
        Use the size-biased radius prior of plane sections (see the module notes); the paper
        uses ``False``.
    n_nodes : int
        Gauss-Legendre nodes in the cut height.

    Returns
    -------
    ndarray of float
        Relative distance (dimensionless); equals 1 exactly where ``d_b = r̃`` and exceeds 1
        where ``d_b > r̃``.

    Raises
    ------
    ValueError
        On negative or non-finite radii or distances.

    Notes
    -----
    Erratum (paper 003, Eq. 36): the printed ``η‖x − x̄‖`` under the root must be squared,
    ``(η‖x − x̄‖)² = d_b²``, for the expression to be a length squared; implemented squared.

    References
    ----------
    .. [1] Furat, Finegan et al., paper 003, Eqs. (24)-(30), (36).
    .. [2] Wicksell, Biometrika 17 (1925) 84-99 (size bias of sectioned spheres).
    """
    rt, db = np.broadcast_arrays(np.asarray(r_tilde_um, dtype=float), np.asarray(d_b_um, dtype=float))
    for name, v in (("r_tilde_um", rt), ("d_b_um", db)):
        if not np.all(np.isfinite(v)) or np.any(v < 0):
            raise ValueError(f"`{name}` must be finite and >= 0")
    n_nodes = check_int(n_nodes, "n_nodes", min_value=16)
    logpdf = _logpdf(f_r)
    hi = _upper(f_r)
    t, w = _nodes(n_nodes)
    rtf = rt.ravel()[:, None]
    dbf = db.ravel()[:, None]
    out = np.empty(rtf.shape[0])
    step = max(1, 2_000_000 // n_nodes)
    for s in range(0, rtf.shape[0], step):
        a, b = rtf[s:s + step], dbf[s:s + step]
        u = _u_range(a, hi) * t
        r = np.sqrt(a**2 + u**2)
        lw = logpdf(r) - (1.0 if size_biased else 2.0) * np.log(np.maximum(r, 1e-300))
        lw = lw - lw.max(axis=1, keepdims=True)
        wt = np.exp(lw) * w
        out[s:s + step] = (wt * np.sqrt(u**2 + b**2) / r).sum(axis=1) / wt.sum(axis=1)
    return out.reshape(rt.shape)


@dataclass(frozen=True)
class CentreDistanceTable:
    """A precomputed ``d_center(r̃, q)`` on a grid of section radii and ``q = d_b / r̃``.

    ``d_center`` depends on the pixel only through ``(r̃, d_b)``, so images of millions of pixels
    are handled by interpolating this table (bilinear; outside the grid, ``r̃`` and ``q`` are
    clamped to its range).

    Attributes
    ----------
    r_tilde_um : (M,) ndarray of float
        Section-radius grid, µm.
    q : (K,) ndarray of float
        Relative-offset grid ``d_b / r̃`` (dimensionless).
    values : (M, K) ndarray of float
        ``d_center`` at the grid points.
    size_biased : bool
        Which prior built it.
    """

    r_tilde_um: np.ndarray
    q: np.ndarray
    values: np.ndarray
    size_biased: bool

    def __call__(self, r_tilde_um, d_b_um) -> np.ndarray:
        """Interpolated ``d_center`` at broadcastable ``r_tilde_um`` and ``d_b_um`` (µm)."""
        rt, db = np.broadcast_arrays(np.asarray(r_tilde_um, dtype=float), np.asarray(d_b_um, dtype=float))
        q = np.divide(db, rt, out=np.zeros_like(db), where=rt > 0)
        ri = np.interp(rt, self.r_tilde_um, np.arange(self.r_tilde_um.size))
        qi = np.interp(q, self.q, np.arange(self.q.size))
        i0 = np.minimum(np.floor(ri).astype(np.intp), self.r_tilde_um.size - 2)
        j0 = np.minimum(np.floor(qi).astype(np.intp), self.q.size - 2)
        fi, fj = ri - i0, qi - j0
        v = self.values
        return ((1 - fi) * (1 - fj) * v[i0, j0] + fi * (1 - fj) * v[i0 + 1, j0]
                + (1 - fi) * fj * v[i0, j0 + 1] + fi * fj * v[i0 + 1, j0 + 1])

    def to_frame(self):
        """Long table: ``r_tilde_um``, ``q``, ``d_center``."""
        import pandas as pd

        rr, qq = np.meshgrid(self.r_tilde_um, self.q, indexing="ij")
        return pd.DataFrame({"r_tilde_um": rr.ravel(), "q": qq.ravel(), "d_center": self.values.ravel()})


def centre_distance_table(f_r, *, size_biased: bool = False, r_max_um: float | None = None, n_r: int = 241,
                          q_max: float = 3.0, n_q: int = 121, n_nodes: int = 400) -> CentreDistanceTable:
    """Tabulate :func:`expected_relative_centre_distance` for fast per-pixel use.

    Parameters
    ----------
    f_r : LogNormal or scipy.stats frozen distribution
        Number-weighted sphere-radius distribution.
    size_biased : bool
        See :func:`expected_relative_centre_distance`.
    r_max_um : float, optional
        Largest tabulated section radius, µm (default: the 1 - 1e-9 quantile of ``f_r``).
    n_r, n_q : int
        Grid sizes (``r̃`` uniform on [0, r_max], ``q`` uniform on [0, q_max]).
    q_max : float
        Largest tabulated ``d_b / r̃``.
    n_nodes : int
        Quadrature nodes.

    Returns
    -------
    CentreDistanceTable
    """
    n_r = check_int(n_r, "n_r", min_value=4)
    n_q = check_int(n_q, "n_q", min_value=4)
    q_max = check_positive(q_max, "q_max")
    r_max = float(np.asarray(f_r.ppf(1 - 1e-9))) if r_max_um is None else check_positive(r_max_um, "r_max_um")
    rt = np.linspace(0.0, r_max, n_r)
    q = np.linspace(0.0, q_max, n_q)
    rr, qq = np.meshgrid(rt, q, indexing="ij")
    vals = expected_relative_centre_distance(rr, rr * qq, f_r, size_biased=size_biased, n_nodes=n_nodes)
    # at r̃ = 0 the offset is 0 whatever q: use the r̃ -> 0 limit of q·r̃ = 0
    vals[0, :] = vals[0, 0]
    return CentreDistanceTable(rt, q, vals, bool(size_biased))


def relative_centre_distance(particles, *, pixel_um: float, table: CentreDistanceTable) -> np.ndarray:
    """Per-pixel estimate of the relative distance to the particle centre (paper 003, Eqs. 34-36).

    For each particle section ``P`` (a label of ``particles``): ``r̃ = η √(#P/π)`` (Eq. 34), ``d_b``
    = η × the distance of the pixel centre to the barycentre of ``P`` (Eq. 35), and
    ``d_center(r̃, d_b)`` from ``table`` (Eq. 36).

    Parameters
    ----------
    particles : (Y, X) ndarray of int
        Particle-wise segmentation ``S_p`` (0 = no particle).
    pixel_um : float
        Pixel edge η, µm.
    table : CentreDistanceTable

    Returns
    -------
    (Y, X) ndarray of float32
        ``d_center`` (dimensionless), NaN outside particles.

    Raises
    ------
    ValueError
        If ``particles`` is not 2-D or ``pixel_um`` is not positive.
    """
    lab = as_labels(particles, "particles", ndim=2)
    pixel_um = check_positive(pixel_um, "pixel_um")
    if not isinstance(table, CentreDistanceTable):
        raise TypeError(f"`table` must be a CentreDistanceTable, got {type(table).__name__}")
    out = np.full(lab.shape, np.nan, dtype=np.float32)
    flat = lab.ravel().astype(np.intp)
    idx = np.flatnonzero(flat)
    if idx.size == 0:
        return out
    ids = flat[idx]
    yy, xx = np.divmod(idx, lab.shape[1])
    n = np.bincount(ids)
    cy = np.bincount(ids, weights=yy) / np.maximum(n, 1)
    cx = np.bincount(ids, weights=xx) / np.maximum(n, 1)
    r_tilde = pixel_um * np.sqrt(n / np.pi)
    d_b = pixel_um * np.hypot(yy - cy[ids], xx - cx[ids])
    out.ravel()[idx] = table(r_tilde[ids], d_b).astype(np.float32)
    return out
