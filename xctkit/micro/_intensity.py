"""Grey-level histogram shifts between two scans (paper 000 Fig. 10)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import as_grey, check_int

__all__ = ["IntensityShift", "intensity_shift"]


@dataclass(frozen=True)
class IntensityShift:
    """Normalised histograms of two scans and the shift of their centre.

    Attributes
    ----------
    edges : (B+1,) ndarray
        Grey-level bin edges.
    density_before, density_after : (B,) ndarray
        Normalised frequency (integrates to 1).
    mean_before, mean_after : float
        Mean grey level.
    mean_shift, median_shift, mode_shift : float
        ``after - before`` (grey units; positive = brighter = more attenuating).
    """

    edges: np.ndarray
    density_before: np.ndarray
    density_after: np.ndarray
    mean_before: float
    mean_after: float
    mean_shift: float
    median_shift: float
    mode_shift: float

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame([{"mean_before": self.mean_before, "mean_after": self.mean_after,
                              "mean_shift": self.mean_shift, "median_shift": self.median_shift,
                              "mode_shift": self.mode_shift}])


def intensity_shift(before, after, *, bins: int = 128, range_=None) -> IntensityShift:
    """Compare the grey-level distributions of two scans taken with the same set-up.

    Parameters
    ----------
    before, after : ndarray
        Grey levels in the scans' own units (any shape and dtype; e.g. pristine and cycled HR scans).
    bins : int
        Histogram bins over ``range_``.
    range_ : (float, float), optional
        Histogram range in the scans' units; default the joint minimum and maximum of both scans, so
        8-bit, 16-bit and float scans all fill the bins.

    Returns
    -------
    IntensityShift

    Raises
    ------
    ValueError
        If ``range_`` is not ``(lo, hi)`` with ``lo < hi`` or holds none of a scan's values.

    Examples
    --------
    >>> import numpy as np
    >>> intensity_shift(np.array([1000, 2000, 2000]), np.array([1500, 2500, 2500]), bins=4).median_shift
    500.0
    """
    a = as_grey(before, "before").ravel()
    b = as_grey(after, "after").ravel()
    bins = check_int(bins, "bins", min_value=2)
    if range_ is None:
        range_ = (float(min(a.min(), b.min())), float(max(a.max(), b.max())))
        if range_[1] <= range_[0]:
            range_ = (range_[0] - 0.5, range_[0] + 0.5)
    lo, hi = (float(v) for v in range_)
    if not lo < hi:
        raise ValueError(f"`range_` must be (lo, hi) with lo < hi, got {range_!r}")
    for name, v in (("before", a), ("after", b)):
        if not ((v >= lo) & (v <= hi)).any():
            raise ValueError(f"`range_` {range_!r} holds none of `{name}`'s grey levels "
                             f"({float(v.min()):g} to {float(v.max()):g}); leave it None to fit the data")
    edges = np.linspace(lo, hi, bins + 1)
    ha, _ = np.histogram(a, bins=edges, density=True)
    hb, _ = np.histogram(b, bins=edges, density=True)
    centres = 0.5 * (edges[1:] + edges[:-1])
    return IntensityShift(edges, ha, hb, float(a.mean()), float(b.mean()), float(b.mean() - a.mean()),
                          float(np.median(b) - np.median(a)),
                          float(centres[np.argmax(hb)] - centres[np.argmax(ha)]))
