"""Porosity and phase volume fractions."""

from __future__ import annotations

import numpy as np

from .._validate import as_labels, as_phases
from ..phases import NMC

__all__ = ["porosity", "phase_fractions", "solid_mask"]


def solid_mask(labels, *, solid=NMC) -> np.ndarray:
    """Boolean mask of the solid phase(s).

    Parameters
    ----------
    labels : (Z, Y, X) or (Y, X) ndarray of uint8, or bool
        Phase labels (constants in :mod:`xctkit.phases`), or a boolean mask of the pore
        (transporting) phase, True = pore, as everywhere in xctkit (PoreSpy's convention); its
        complement is returned.
    solid : int or sequence of int
        Label(s) counted as solid. Default NMC.
    """
    lab = as_phases(labels, "labels", ndim=(2, 3), require=solid)
    if lab.dtype == bool:
        return ~lab
    return np.isin(lab, np.atleast_1d(solid))


def porosity(labels, *, solid=NMC) -> float:
    """Volume fraction of everything that is not ``solid``.

    Following paper 000 (two-phase XCT segmentation, CBD not resolved) the default counts pore,
    carbon-binder and crack voxels as porosity: ``1 - (NMC voxels / all voxels)``.

    Parameters
    ----------
    labels : (Z, Y, X) or (Y, X) ndarray of uint8, or bool
        Phase labels, or a boolean pore mask (True = pore).
    solid : int or sequence of int
        Label(s) counted as solid.

    Returns
    -------
    float
        Porosity in [0, 1] (dimensionless).

    Raises
    ------
    TypeError
        If ``labels`` holds floats.
    ValueError
        If ``labels`` is not 2-D or 3-D or is empty.
    """
    return float(1.0 - solid_mask(labels, solid=solid).mean())


def phase_fractions(labels) -> dict[str, float]:
    """Volume fraction of each named phase, ``{"pore": ..., "cbd": ..., "nmc": ..., "crack": ...}``."""
    from ..phases import PHASE_NAMES

    lab = as_phases(labels, "labels", ndim=(2, 3))
    if lab.dtype == bool:
        raise TypeError("`labels` must be phase labels (xctkit.phases) for phase fractions, got a boolean mask")
    counts = np.bincount(lab.ravel().astype(np.int64), minlength=max(PHASE_NAMES) + 1)
    total = lab.size
    return {name: float(counts[code] / total) for code, name in PHASE_NAMES.items()}
