"""The full metric set of one segmented volume, and the pristine-vs-cycled quantities (paper 000
Table 2, Figs 9-10, S3-S4). Segmentation results (particle instances) come in as arguments; the chain
that segments and then measures is :func:`xctkit.workflows.compare_states`.

Paper 000's Table 2 column "NMC811 particle expansion after 100 cycles vs pristine volume (%)" equals
``100 × (φ_pristine − φ_cycled)`` exactly for all four electrodes (0.49 − 0.42 = 0.07, …): the increase
of the NMC volume fraction in percentage points of the electrode volume, not a relative change of
particle volume. :class:`Expansion` reports both, labelled.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

from .._validate import as_labels, check_fraction, check_int, check_positive
from ..phases import NMC
from ._porosity import porosity, solid_mask
from ._poresize import pore_sizes
from ._sizes import SizeDistribution, particle_sizes
from ._surface import surface_area
from ._tortuosity import percolating_fraction
from ._tortuosity import tortuosity as _tortuosity

__all__ = ["Microstructure", "characterise", "Expansion", "expansion", "SizeShift", "size_shift"]


@dataclass(frozen=True)
class Microstructure:
    """Result of :func:`characterise`: the metric set of one two-phase (NMC vs rest) volume.

    Attributes
    ----------
    porosity : float
        Non-NMC volume fraction.
    tortuosity : float
        Tortuosity factor of the non-NMC phase along ``axis`` (NaN if not computed or not
        percolating).
    percolates : bool
        Whether the pore phase connects the two faces along ``axis``.
    ssa_per_um : float
        NMC surface area per electrode volume, 1/µm.
    ssa_nmc_per_um : float
        NMC surface area per NMC volume, 1/µm.
    n_particles : int
        Particles in the given instance labels (0 when none were given).
    psd : SizeDistribution or None
        Equivalent-sphere diameters of the given particles (1 µm bins by default); None when
        ``characterise`` was called without ``particles``.
    pore_median_um : float
        Volume-weighted median local thickness of the pore phase, µm (NaN if not computed).
    voxel_um : float
        Voxel edge, µm.
    """

    porosity: float
    tortuosity: float
    percolates: bool
    ssa_per_um: float
    ssa_nmc_per_um: float
    n_particles: int
    psd: SizeDistribution | None = field(repr=False)
    pore_median_um: float
    voxel_um: float

    @property
    def psd_median_um(self) -> float:
        """Median equivalent diameter, µm (NaN without particles)."""
        return self.psd.median_um if self.psd is not None else float("nan")

    @property
    def psd_peak_um(self) -> tuple[float, float]:
        """(low, high) edges of the number-weighted modal bin, µm (NaN without particles)."""
        return self.psd.peak_bin_um if self.psd is not None else (float("nan"), float("nan"))

    @property
    def psd_peak_label(self) -> str:
        """The modal bin written as ``"3–4"`` (µm)."""
        lo, hi = self.psd_peak_um
        return "n/a" if not np.isfinite(lo) else f"{lo:g}–{hi:g}"

    def to_frame(self):
        """One row of scalars (the size distribution itself via ``psd.to_frame()``)."""
        import pandas as pd

        return pd.DataFrame([{"porosity": self.porosity, "tortuosity": self.tortuosity,
                              "percolates": self.percolates, "ssa_per_um": self.ssa_per_um,
                              "ssa_nmc_per_um": self.ssa_nmc_per_um, "n_particles": self.n_particles,
                              "psd_median_um": self.psd_median_um, "psd_peak_um": self.psd_peak_label,
                              "pore_median_um": self.pore_median_um}])


def characterise(labels, *, voxel_um: float, particles=None, solid=NMC, axis: int = 0,
                 tortuosity: bool = True, pores: bool = False, bin_um: float = 1.0) -> Microstructure:
    """Porosity, tortuosity factor, surface area, particle (and pore) sizes of one volume.

    The volume is reduced to two phases, ``solid`` vs everything else, as paper 000 segments its
    scans (NMC vs pore; the carbon-binder domain is not resolved). Like PoreSpy's metrics, this
    measures what it is given: particle instances come in as ``particles`` (for example
    ``xctkit.segment.separate_particles(mask, voxel_um=...).instances``);
    :func:`xctkit.workflows.segment_and_measure` runs the separation and this function together.

    Parameters
    ----------
    labels : (Z, Y, X) ndarray of uint8, or bool
        Phase labels (``xctkit.phases``), or a boolean mask of the pore (transporting) phase,
        True = pore, as everywhere in xctkit.
    voxel_um : float
        Voxel edge, µm.
    particles : (Z, Y, X) ndarray of int, optional
        Particle instance labels on the same grid (0 = background). Without them ``n_particles``
        is 0 and the size distribution is None.
    solid : int or sequence of int
        Solid label(s) of phase labels.
    axis : int
        Transport axis of the tortuosity factor (0 = through-thickness).
    tortuosity : bool
        Compute the tortuosity factor (the slowest metric).
    pores : bool
        Compute the pore local thickness (PoreSpy).
    bin_um : float
        Bin width of the particle size distribution, µm.

    Returns
    -------
    Microstructure

    Raises
    ------
    ValueError
        If ``labels`` is not 3-D, ``voxel_um`` is not positive or ``particles`` has another shape.

    Examples
    --------
    >>> import numpy as np
    >>> from xctkit import micro
    >>> pore = np.ones((8, 8, 8), bool); pore[2:6, 2:6, 2:6] = False   # one cubic particle
    >>> m = micro.characterise(pore, voxel_um=1.0, particles=(~pore).astype(np.int32))
    >>> round(m.porosity, 3), m.n_particles
    (0.875, 1)
    """
    lab = as_labels(labels, "labels", ndim=3)
    voxel_um = check_positive(voxel_um, "voxel_um")
    axis = check_int(axis, "axis", min_value=0, max_value=2)
    s = solid_mask(lab, solid=solid)
    phi = float(1.0 - s.mean())
    if tortuosity:
        t = _tortuosity(~s, axis=axis)
        tau, perc = t.tau, t.percolates
    else:
        tau, perc = float("nan"), percolating_fraction(~s, axis=axis) > 0
    sa = surface_area(s, voxel_um=voxel_um)
    psd, n_particles = None, 0
    if particles is not None:
        inst = np.asarray(particles)
        if inst.shape != s.shape:
            raise ValueError(f"`particles` must have the shape of `labels` {s.shape}, got {inst.shape}")
        psd = particle_sizes(inst, voxel_um=voxel_um, bin_um=bin_um)
        n_particles = psd.n_particles
    pore_med = pore_sizes(~s, voxel_um=voxel_um).median_um if pores else float("nan")
    return Microstructure(phi, float(tau), bool(perc), sa.ssa_per_um, sa.ssa_phase_per_um,
                          n_particles, psd, float(pore_med), voxel_um)


@dataclass(frozen=True)
class Expansion:
    """Result of :func:`expansion`.

    Attributes
    ----------
    porosity_pristine, porosity_cycled : float
        Non-NMC volume fractions.
    expansion_pp : float
        ``100 × (φ_pristine − φ_cycled)``: the rise of the NMC volume fraction in percentage
        points of the electrode volume. This is what paper 000's Table 2 lists as "NMC811 particle
        expansion (%)" (its four values equal this difference exactly).
    solid_volume_change_pct : float
        ``100 × (φ_pristine − φ_cycled) / (1 − φ_pristine)``: the relative growth of the NMC
        volume, in % of the pristine NMC volume (the reading the column's name suggests).
    """

    porosity_pristine: float
    porosity_cycled: float
    expansion_pp: float
    solid_volume_change_pct: float

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame([self.__dict__])


def _as_porosity(x, name: str, solid) -> float:
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return check_fraction(float(x), name, low=0.0, high=1.0, inclusive=True)
    return porosity(as_labels(x, name, ndim=(2, 3)), solid=solid)


def expansion(pristine, cycled, *, solid=NMC) -> Expansion:
    """NMC expansion between two states, both ways (Table 2's and the relative one).

    Parameters
    ----------
    pristine, cycled : float, or ndarray of uint8 / bool
        Porosities in [0, 1], or phase labels / solid masks of the two states.
    solid : int or sequence of int
        Solid label(s) when labels are given.

    Returns
    -------
    Expansion

    Raises
    ------
    ValueError
        If a porosity is outside [0, 1] or the pristine electrode has no solid.

    References
    ----------
    .. [1] Shojaei et al. (paper 000), Table 2 and §2.10 of its digest (expansion ≡ φ₀ − φ₁).
    """
    p0 = _as_porosity(pristine, "pristine", solid)
    p1 = _as_porosity(cycled, "cycled", solid)
    if p0 >= 1.0:
        raise ValueError("`pristine` has no solid (porosity 1); expansion is undefined")
    return Expansion(p0, p1, 100.0 * (p0 - p1), 100.0 * (p0 - p1) / (1.0 - p0))


@dataclass(frozen=True)
class SizeShift:
    """Result of :func:`size_shift`: how a particle size distribution moved.

    Attributes
    ----------
    peak_before_um, peak_after_um : (float, float)
        Number-weighted modal bins, µm.
    median_before_um, median_after_um : float
        Median equivalent diameters, µm.
    median_change_pct : float
        Relative change of the median diameter, %.
    median_volume_change_pct : float
        ``100 × ((d50_after / d50_before)³ − 1)``: the particle-volume growth implied by the
        median diameters, %.
    n_before, n_after : int
        Particle counts (a drop signals merging of touching particles, not growth).
    """

    peak_before_um: tuple[float, float]
    peak_after_um: tuple[float, float]
    median_before_um: float
    median_after_um: float
    median_change_pct: float
    median_volume_change_pct: float
    n_before: int
    n_after: int

    @property
    def peak_moved(self) -> bool:
        """Whether the modal bin changed."""
        return tuple(self.peak_before_um) != tuple(self.peak_after_um)

    def to_frame(self):
        import pandas as pd

        lab = lambda b: f"{b[0]:g}–{b[1]:g}"  # noqa: E731
        return pd.DataFrame([{"peak_before_um": lab(self.peak_before_um),
                              "peak_after_um": lab(self.peak_after_um),
                              "median_before_um": self.median_before_um,
                              "median_after_um": self.median_after_um,
                              "median_change_pct": self.median_change_pct,
                              "median_volume_change_pct": self.median_volume_change_pct,
                              "n_before": self.n_before, "n_after": self.n_after}])


def size_shift(before: SizeDistribution, after: SizeDistribution) -> SizeShift:
    """Compare two particle size distributions (paper 000 Fig. S3: "3–4 µm → 4–5 µm").

    Parameters
    ----------
    before, after : SizeDistribution
        From :func:`particle_sizes` (same bin width).

    Returns
    -------
    SizeShift

    Raises
    ------
    TypeError
        If either argument is not a :class:`SizeDistribution`.
    """
    for name, d in (("before", before), ("after", after)):
        if not isinstance(d, SizeDistribution):
            raise TypeError(f"`{name}` must be a SizeDistribution, got {type(d).__name__}")
    m0, m1 = before.median_um, after.median_um
    return SizeShift(before.peak_bin_um, after.peak_bin_um, m0, m1, 100.0 * (m1 / m0 - 1.0),
                     100.0 * ((m1 / m0) ** 3 - 1.0), before.n_particles, after.n_particles)
