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


def intensity_shift(before, after, *, bins: int = 128, range_=(0.0, 1.0)) -> IntensityShift:
    """Compare the grey-level distributions of two scans taken with the same set-up.

    Parameters
    ----------
    before, after : ndarray
        Grey levels (any shape; e.g. pristine and cycled HR scans).
    bins : int
        Histogram bins over ``range_``.
    range_ : (float, float)

    Returns
    -------
    IntensityShift
    """
    a = as_grey(before, "before").ravel()
    b = as_grey(after, "after").ravel()
    bins = check_int(bins, "bins", min_value=2)
    edges = np.linspace(range_[0], range_[1], bins + 1)
    ha, _ = np.histogram(a, bins=edges, density=True)
    hb, _ = np.histogram(b, bins=edges, density=True)
    centres = 0.5 * (edges[1:] + edges[:-1])
    return IntensityShift(edges, ha, hb, float(a.mean()), float(b.mean()), float(b.mean() - a.mean()),
                          float(np.median(b) - np.median(a)),
                          float(centres[np.argmax(hb)] - centres[np.argmax(ha)]))
