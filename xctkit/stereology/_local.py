"""Local particle porosity as a function of the relative distance to the particle centre
(paper 003, Sec. 2.5.3, Eqs. 37-40)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import as_array, check_positive
from ..phases import CRACK, NMC
from ._instances import as_phase_image

__all__ = ["LocalPorosity", "local_porosity", "local_porosity_points", "DEFAULT_BIN_EDGES"]

DEFAULT_BIN_EDGES = np.linspace(0.0, 1.0, 11)
"""Ten equal bins of relative distance on [0, 1] (the paper does not state its Fig. 9 edges)."""


@dataclass(frozen=True)
class LocalPorosity:
    """Result of :func:`local_porosity`.

    Attributes
    ----------
    bin_lo, bin_hi : (K,) ndarray of float
        Bin edges of relative distance ``[a, b)`` (the last bin is closed).
    crack_area_um2 : (K,) ndarray of float
        ``A_crack([a, b))`` (Eq. 37), µm².
    solid_area_um2 : (K,) ndarray of float
        ``A_particle([a, b))`` (Eq. 38), µm².
    rho_local : (K,) ndarray of float
        ``A_crack / (A_particle + A_crack)`` (Eq. 40); NaN for an empty bin.
    overflow_share : float
        Share of particle pixels whose distance exceeded the last edge (counted in the last bin
        when ``clip`` was set, dropped otherwise).
    """

    bin_lo: np.ndarray
    bin_hi: np.ndarray
    crack_area_um2: np.ndarray
    solid_area_um2: np.ndarray
    rho_local: np.ndarray
    overflow_share: float

    @property
    def bin_mid(self) -> np.ndarray:
        return 0.5 * (self.bin_lo + self.bin_hi)

    def to_frame(self):
        """One row per bin: ``bin_lo``, ``bin_hi``, ``bin_mid``, ``crack_area_um2``,
        ``solid_area_um2``, ``rho_local``."""
        import pandas as pd

        return pd.DataFrame({"bin_lo": self.bin_lo, "bin_hi": self.bin_hi, "bin_mid": self.bin_mid,
                             "crack_area_um2": self.crack_area_um2, "solid_area_um2": self.solid_area_um2,
                             "rho_local": self.rho_local})


def local_porosity(phases, distances, *, pixel_um: float, bin_edges=None, clip: bool = True) -> LocalPorosity:
    """Local porosity ``ρ_local`` per bin of relative distance, pooled over images (Eqs. 37-40).

    Parameters
    ----------
    phases : (Y, X) ndarray of uint8 or sequence of them
        Phase-wise segmentations (``PORE``/``NMC``/``CRACK``).
    distances : (Y, X) ndarray of float or sequence of them
        Relative distance of every pixel to its particle's centre, NaN outside segmented
        particles: the estimate of :func:`relative_centre_distance`, or a true (oracle) map.
    pixel_um : float
        Pixel edge η, µm.
    bin_edges : (K+1,) array_like of float, optional
        Increasing edges (default :data:`DEFAULT_BIN_EDGES`). Bins are ``[a, b)`` as in the
        paper's Fig. 9 caption, the last one closed (Eqs. 37-38 print closed intervals, which
        would count a pixel on a shared edge twice).
    clip : bool
        Count pixels beyond the last edge in the last bin (``d_center > 1`` occurs where a pixel
        lies farther from the barycentre than the area-equivalent radius, i.e. at the rim of
        non-circular sections). ``False`` drops them.

    Returns
    -------
    LocalPorosity

    Raises
    ------
    ValueError
        On mismatched lists or shapes, or edges that do not increase.

    Notes
    -----
    Erratum: the paper writes the bins as ``[a_k − 1, a_k]``; meant is ``[a_{k−1}, a_k]``.
    """
    if isinstance(phases, np.ndarray) and phases.ndim == 2:
        phases, distances = [phases], [distances]
    phases, distances = list(phases), list(distances)
    if len(phases) != len(distances) or not phases:
        raise ValueError(f"`phases` and `distances` must be equally long non-empty lists, got "
                         f"{len(phases)} and {len(distances)}")
    pixel_um = check_positive(pixel_um, "pixel_um")
    edges = DEFAULT_BIN_EDGES if bin_edges is None else as_array(bin_edges, "bin_edges", ndim=1, min_size=2)
    edges = np.asarray(edges, dtype=float)
    if np.any(np.diff(edges) <= 0):
        raise ValueError(f"`bin_edges` must increase strictly, got {edges.tolist()}")
    k = edges.size - 1
    crack = np.zeros(k)
    solid = np.zeros(k)
    over = total = 0
    for i, (p, d) in enumerate(zip(phases, distances, strict=True)):
        lab = as_phase_image(p, f"phases[{i}]")
        dist = as_array(d, f"distances[{i}]", ndim=2).astype(float)
        if dist.shape != lab.shape:
            raise ValueError(f"`distances[{i}]` has shape {dist.shape}, `phases[{i}]` {lab.shape}")
        inside = np.isfinite(dist) & ((lab == CRACK) | (lab == NMC))
        v = dist[inside]
        is_crack = lab[inside] == CRACK
        total += v.size
        beyond = v > edges[-1]
        over += int(beyond.sum())
        if clip:
            v = np.where(beyond, edges[-1], v)
        b = np.searchsorted(edges, v, side="right") - 1
        b[v == edges[-1]] = k - 1
        ok = (b >= 0) & (b < k)
        crack += np.bincount(b[ok & is_crack], minlength=k)[:k]
        solid += np.bincount(b[ok & ~is_crack], minlength=k)[:k]
    area = pixel_um**2
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = crack / (crack + solid)
    return LocalPorosity(edges[:-1].copy(), edges[1:].copy(), crack * area, solid * area, rho,
                         over / total if total else 0.0)


def local_porosity_points(points, *, tables=None, bin_edges=None, clip: bool = True):
    """Local porosity from point samples of sections (e.g. ``SEMSpecimen.section_points``).

    Uniform points stand in for pixels, so crack and solid areas are proportional to point
    counts. Each table estimates the relative distance from the points' ``r_tilde_um`` and
    ``d_b_um``; ``'oracle'`` bins by the true ``rel_distance``.

    Parameters
    ----------
    points : pandas.DataFrame
        ``r_tilde_um``, ``d_b_um``, ``phase`` (``NMC``/``CRACK``), ``rel_distance``.
    tables : dict of str -> CentreDistanceTable, optional
    bin_edges : (K+1,) array_like, optional
    clip : bool
        As in :func:`local_porosity`.

    Returns
    -------
    pandas.DataFrame
        ``estimator``, ``bin_lo``, ``bin_hi``, ``bin_mid``, ``n_points``, ``rho_local``.
    """
    import pandas as pd

    need = {"r_tilde_um", "d_b_um", "phase", "rel_distance"}
    if not isinstance(points, pd.DataFrame) or not need <= set(points):
        raise TypeError(f"`points` must be a DataFrame with columns {sorted(need)}")
    edges = DEFAULT_BIN_EDGES if bin_edges is None else np.asarray(bin_edges, float)
    if np.any(np.diff(edges) <= 0):
        raise ValueError(f"`bin_edges` must increase strictly, got {edges.tolist()}")
    k = edges.size - 1
    is_crack = points.phase.to_numpy() == CRACK
    dists = {name: t(points.r_tilde_um.to_numpy(), points.d_b_um.to_numpy()) for name, t in (tables or {}).items()}
    dists["oracle"] = points.rel_distance.to_numpy(dtype=float)
    frames = []
    for name, d in dists.items():
        d = np.where(d > edges[-1], edges[-1], d) if clip else d
        b = np.searchsorted(edges, d, side="right") - 1
        b[d == edges[-1]] = k - 1
        ok = (b >= 0) & (b < k)
        n = np.bincount(b[ok], minlength=k)[:k]
        c = np.bincount(b[ok & is_crack], minlength=k)[:k]
        with np.errstate(invalid="ignore", divide="ignore"):
            rho = c / n
        frames.append(pd.DataFrame({"estimator": name, "bin_lo": edges[:-1], "bin_hi": edges[1:],
                                    "bin_mid": 0.5 * (edges[:-1] + edges[1:]), "n_points": n, "rho_local": rho}))
    return pd.concat(frames, ignore_index=True)
