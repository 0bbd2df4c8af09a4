"""Pore size distribution by local thickness (PoreSpy's maximal inscribed spheres)."""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np

from .._validate import as_phases, check_phase_values, check_positive, warn_empty
from ..phases import NMC

__all__ = ["local_thickness", "PoreSizes", "pore_sizes"]


def _phase_mask(labels, name: str, phase, solid) -> np.ndarray:
    if phase is not None:
        phase = check_phase_values(phase, "phase")
    solid = check_phase_values(solid, "solid")
    lab = as_phases(labels, name, ndim=(2, 3), require=phase if phase is not None else solid)
    if lab.dtype == bool:
        return lab
    if phase is None:
        return ~np.isin(lab, np.atleast_1d(solid))
    return np.isin(lab, np.atleast_1d(phase))


def local_thickness(labels, *, voxel_um: float, phase=None, solid=NMC) -> np.ndarray:
    """Local thickness: diameter of the largest inscribed sphere covering each voxel of a phase.

    Uses ``porespy.filters.local_thickness`` (``method='legacy'``: fractional radii from the
    distance transform; the newer integer-radius methods are too coarse for pores a few voxels
    wide). Distances are voxel-centre Euclidean distances to the nearest voxel of another phase.

    Parameters
    ----------
    labels : (Z, Y, X) or (Y, X) ndarray of uint8, or bool
        Phase labels, or a boolean mask of the phase.
    voxel_um : float
        Voxel edge, µm.
    phase : int or sequence of int, optional
        Label(s) of the phase; default everything that is not ``solid`` (the pore space of a
        two-phase segmentation).
    solid : int or sequence of int
        Used when ``phase`` is None.

    Returns
    -------
    ndarray of float32, shape of ``labels``
        Local thickness (a diameter) in µm; 0 outside the phase.

    Raises
    ------
    ValueError
        If ``labels`` is not 2-D or 3-D or ``voxel_um`` is not positive.

    References
    ----------
    .. [1] Hildebrand & Rüegsegger, "A new method for the model-independent assessment of
       thickness in three-dimensional images", J. Microsc. 185 (1997) 67.
    """
    import porespy

    mask = _phase_mask(labels, "labels", phase, solid)
    voxel_um = check_positive(voxel_um, "voxel_um")
    if not mask.any():
        return np.zeros(mask.shape, dtype=np.float32)
    ps_log = logging.getLogger("porespy")
    level = ps_log.level
    ps_log.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            radius = porespy.filters.local_thickness(np.ascontiguousarray(mask), method="legacy")
    finally:
        ps_log.setLevel(level)
    return (2.0 * np.asarray(radius, dtype=np.float32) * voxel_um * mask).astype(np.float32)


@dataclass(frozen=True)
class PoreSizes:
    """Result of :func:`pore_sizes`: volume-weighted distribution of local thickness.

    Attributes
    ----------
    edges_um : (B+1,) ndarray
        Bin edges, µm.
    volume_fraction : (B,) ndarray
        Share of the phase's volume per bin (sums to 1).
    mean_um, median_um : float
        Volume-weighted mean and median local thickness, µm.
    phase_fraction : float
        Volume fraction of the phase.
    """

    edges_um: np.ndarray
    volume_fraction: np.ndarray
    mean_um: float
    median_um: float
    phase_fraction: float

    @property
    def d_um(self) -> np.ndarray:
        """Bin centres, µm."""
        return 0.5 * (self.edges_um[1:] + self.edges_um[:-1])

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame({"d_low_um": self.edges_um[:-1], "d_high_um": self.edges_um[1:],
                             "volume_fraction": self.volume_fraction})


def pore_sizes(labels, *, voxel_um: float, phase=None, solid=NMC, bin_um: float = 1.0,
               thickness_um=None) -> PoreSizes:
    """Pore size distribution (volume-weighted local thickness), µm.

    Parameters
    ----------
    labels : (Z, Y, X) or (Y, X) ndarray of uint8, or bool
        Phase labels, or a boolean mask of the pore phase.
    voxel_um : float
        Voxel edge, µm.
    phase, solid
        As in :func:`local_thickness`.
    bin_um : float
        Bin width, µm.
    thickness_um : ndarray, optional
        A precomputed :func:`local_thickness` map of the same phase.

    Returns
    -------
    PoreSizes

    Raises
    ------
    ValueError
        On non-positive sizes or a ``thickness_um`` of another shape.
    """
    mask = _phase_mask(labels, "labels", phase, solid)
    voxel_um = check_positive(voxel_um, "voxel_um")
    bin_um = check_positive(bin_um, "bin_um")
    if thickness_um is None:
        lt = local_thickness(mask, voxel_um=voxel_um)
    else:
        lt = np.asarray(thickness_um, dtype=np.float32)
        if lt.shape != mask.shape:
            raise ValueError(f"`thickness_um` must have shape {mask.shape}, got {lt.shape}")
    v = lt[mask]
    if v.size == 0:
        nan = warn_empty("pore_sizes", "the volume holds no voxel of the pore phase", stacklevel=3)
        return PoreSizes(np.array([0.0, bin_um]), np.zeros(1), nan, nan, 0.0)
    edges = np.arange(0.0, np.ceil(v.max() / bin_um) * bin_um + bin_um / 2, bin_um)
    if edges.size < 2:
        edges = np.array([0.0, bin_um])
    h, _ = np.histogram(v, bins=edges)
    return PoreSizes(edges, h / h.sum(), float(v.mean()), float(np.median(v)), float(mask.mean()))
