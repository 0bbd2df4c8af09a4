"""Representative elementary volume (REV): a metric's spread over random sub-volumes vs their size.

PoreSpy's ``rev_porosity`` draws random blocks from NumPy's global, unseeded generator and covers
porosity only, so the sampling is done here (seeded, any metric); the metrics themselves are
xctkit's (PoreSpy/TauFactor/scikit-image underneath).
"""

from __future__ import annotations

import warnings

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .._validate import PhaseWarning, as_phases, as_rng, check_int, check_positive
from ..phases import NMC
from ._tortuosity import NonPercolatingWarning

__all__ = ["REVAnalysis", "rev_analysis"]


@dataclass(frozen=True)
class REVAnalysis:
    """Result of :func:`rev_analysis`.

    Attributes
    ----------
    metric : str
        Name of the metric.
    size_vox : (K,) ndarray of int
        Edge of the cubic sub-volumes, voxels (clipped to the image along short axes).
    size_um : (K,) ndarray of float
        The same in µm.
    mean, std : (K,) ndarray of float
        Mean and standard deviation of the metric over the sub-volumes of each size (metric units).
    n_valid : (K,) ndarray of int
        Sub-volumes with a finite value (e.g. tortuosity of sub-volumes that percolate).
    tolerance : float
        Relative spread (std / |mean|) regarded as representative.
    rev_size_um : float
        Smallest size from which the relative spread stays below ``tolerance`` (µm); NaN when
        no tested size reaches it.
    """

    metric: str
    size_vox: np.ndarray
    size_um: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    n_valid: np.ndarray
    tolerance: float
    rev_size_um: float

    @property
    def relative_spread(self) -> np.ndarray:
        """std / |mean| for each size."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.std / np.abs(self.mean)

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame({"size_vox": self.size_vox, "size_um": self.size_um, "mean": self.mean,
                             "std": self.std, "relative_spread": self.relative_spread,
                             "n_valid": self.n_valid})


_NO_SOLID = {"porosity": 1.0, "tortuosity": 1.0, "ssa": 0.0}
"""Built-in metrics of a sub-volume that holds no solid: all pore, straight paths, no interface."""


def _metric_fn(metric, *, voxel_um: float, solid, axis: int) -> tuple[str, Callable]:
    from ._porosity import porosity
    from ._surface import surface_area
    from ._tortuosity import tortuosity

    if callable(metric):
        return getattr(metric, "__name__", "metric"), metric
    table = {
        "porosity": lambda sub: porosity(sub, solid=solid),
        "tortuosity": lambda sub: tortuosity(sub, solid=solid, axis=axis).tau,
        "ssa": lambda sub: surface_area(sub, voxel_um=voxel_um, phase=solid).ssa_per_um,
    }
    if metric not in table:
        raise ValueError(f"`metric` must be one of {set(table)} or a callable, got {metric!r}")
    return metric, table[metric]


def rev_analysis(labels, *, voxel_um: float, metric="porosity", sizes_vox=None, n_samples: int = 20,
                 tolerance: float = 0.05, solid=NMC, axis: int = 0, seed=None) -> REVAnalysis:
    """How a metric's spread over random cubic sub-volumes shrinks with their size.

    Parameters
    ----------
    labels : (Z, Y, X) ndarray of uint8, or bool
        Phase labels (or a boolean pore mask, True = pore, for the built-in metrics).
    voxel_um : float
        Voxel edge, µm.
    metric : {'porosity', 'tortuosity', 'ssa'} or callable
        Built-in metric, or ``f(sub_volume) -> float``.
    sizes_vox : sequence of int, optional
        Sub-volume edges, voxels; default 6 sizes log-spaced from 8 voxels to the smallest axis.
    n_samples : int
        Random sub-volumes per size.
    tolerance : float
        Relative spread (std / |mean|) regarded as representative.
    solid : int or sequence of int
        Solid label(s) for the built-in metrics.
    axis : int
        Tortuosity axis.
    seed : int, Generator or None
        Sub-volume positions.

    Returns
    -------
    REVAnalysis

    Raises
    ------
    ValueError
        On non-positive sizes or counts or an unknown metric.

    References
    ----------
    .. [1] Bachmat & Bear, "On the concept and size of a representative elementary volume (REV)",
       in Advances in Transport Phenomena in Porous Media (1987).
    """
    lab = as_phases(labels, "labels", ndim=3, require=None if callable(metric) else solid)
    voxel_um = check_positive(voxel_um, "voxel_um")
    n_samples = check_int(n_samples, "n_samples", min_value=2)
    tolerance = check_positive(tolerance, "tolerance")
    axis = check_int(axis, "axis", min_value=0, max_value=2)
    name, fn = _metric_fn(metric, voxel_um=voxel_um, solid=solid, axis=axis)
    rng = as_rng(seed)
    smallest = min(lab.shape)
    if sizes_vox is None:
        sizes_vox = np.unique(np.round(np.geomspace(min(8, smallest), smallest, 6)).astype(int))
    sizes = np.array([check_int(int(s), "sizes_vox", min_value=2) for s in np.atleast_1d(sizes_vox)])
    means, stds, nvalid = [], [], []
    # the whole volume was checked above; a small sub-volume without solid is a valid sample, not a mistake
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PhaseWarning)
        warnings.simplefilter("ignore", NonPercolatingWarning)  # a small cube may not percolate: NaN, filtered
        for s in sizes:
            edge = [min(int(s), n) for n in lab.shape]
            vals = []
            for _ in range(n_samples):
                c = [int(rng.integers(0, n - e + 1)) for n, e in zip(lab.shape, edge, strict=True)]
                sub = lab[c[0]:c[0] + edge[0], c[1]:c[1] + edge[1], c[2]:c[2] + edge[2]]
                if name in _NO_SOLID and sub.dtype != bool and not np.isin(sub, np.atleast_1d(solid)).any():
                    vals.append(_NO_SOLID[name])  # a cube of pore only: exact values, not a labelling mistake
                else:
                    vals.append(float(fn(sub)))
            v = np.asarray(vals)
            v = v[np.isfinite(v)]
            nvalid.append(v.size)
            means.append(float(v.mean()) if v.size else float("nan"))
            stds.append(float(v.std(ddof=1)) if v.size > 1 else float("nan"))
    mean, std = np.asarray(means), np.asarray(stds)
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = std / np.abs(mean) < tolerance
    rev = float("nan")
    for i in range(sizes.size):  # smallest size from which every larger one is also below tolerance
        if ok[i:].all():
            rev = float(sizes[i] * voxel_um)
            break
    return REVAnalysis(name, sizes, sizes * voxel_um, mean, std, np.asarray(nvalid), tolerance, rev)
