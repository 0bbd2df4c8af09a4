"""Global thresholds: Otsu (two phases) and multi-Otsu (three phases)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import as_grey, check_choice, check_int
from ..phases import CBD, NMC, PORE

__all__ = ["Thresholds", "threshold"]


@dataclass(frozen=True)
class Thresholds:
    """Result of :func:`threshold`.

    Attributes
    ----------
    labels : ndarray of uint8
        ``PORE``/``NMC`` (two classes) or ``PORE``/``CBD``/``NMC`` (three classes).
    thresholds : tuple of float
        Grey-level thresholds, ascending.
    """

    labels: np.ndarray
    thresholds: tuple[float, ...]

    @property
    def solid(self) -> np.ndarray:
        """Boolean NMC mask."""
        return self.labels == NMC


def threshold(grey, *, method: str = "otsu", classes: int = 2, nbins: int = 256) -> Thresholds:
    """Segment grey levels with a global threshold chosen from the histogram.

    Paper 000 picked its NMC/pore threshold "adaptively" per dataset; Otsu's method is the
    open-source stand-in. Three classes (multi-Otsu) separate pore / CBD / NMC where the CBD is
    resolved (paper 001, Fig. 3).

    Parameters
    ----------
    grey : (Z, Y, X) or (Y, X) ndarray
        Grey levels.
    method : {'otsu', 'multiotsu'}
        ``'otsu'`` needs ``classes=2``.
    classes : {2, 3}
    nbins : int
        Histogram bins.

    Returns
    -------
    Thresholds

    Raises
    ------
    ValueError
        On a constant image or an unsupported method/class count.
    """
    from skimage.filters import threshold_multiotsu, threshold_otsu

    g = as_grey(grey, "grey", ndim=(2, 3))
    check_choice(method, "method", ("otsu", "multiotsu"))
    classes = check_int(classes, "classes", min_value=2, max_value=3)
    if method == "otsu" and classes != 2:
        raise ValueError("`method='otsu'` gives two classes; use method='multiotsu' for three")
    if float(g.max()) == float(g.min()):
        raise ValueError("`grey` is constant; no threshold can separate phases")
    if classes == 2:
        t = (float(threshold_otsu(g, nbins=nbins)),) if method == "otsu" else \
            tuple(float(v) for v in threshold_multiotsu(g, classes=2, nbins=nbins))
        labels = np.where(g > t[0], NMC, PORE).astype(np.uint8)
    else:
        t = tuple(float(v) for v in threshold_multiotsu(g, classes=3, nbins=nbins))
        labels = np.full(g.shape, PORE, dtype=np.uint8)
        labels[g > t[0]] = CBD
        labels[g > t[1]] = NMC
    return Thresholds(labels, t)
