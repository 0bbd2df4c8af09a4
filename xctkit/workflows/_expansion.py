"""Segment-and-measure chains: one volume's metric set, segmentation error propagated into the
metrics, and paper 000's pristine-vs-cycled comparison.

The measuring functions (:func:`xctkit.micro.characterise`, :func:`xctkit.micro.expansion`, ...)
take segmentation results as arguments; this module is where segmentation and measurement meet.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._validate import as_labels
from ..micro import Microstructure, characterise, expansion, intensity_shift, size_shift, solid_mask
from ..micro import Expansion, SizeShift  # noqa: F401  (types in StateComparison)
from ..phases import NMC, PORE
from ..segment import find_cracks, segmentation_scores, separate_particles

__all__ = ["segment_and_measure", "compare_segmentations", "StateComparison", "compare_states"]


def segment_and_measure(labels, *, voxel_um: float, solid=NMC, axis: int = 0, tortuosity: bool = True,
                        pores: bool = False, particle_kw: dict | None = None,
                        bin_um: float = 1.0) -> Microstructure:
    """Separate the particles of a phase volume, then measure everything :func:`~xctkit.micro.characterise` does.

    Parameters
    ----------
    labels : (Z, Y, X) ndarray of uint8, or bool
        Phase labels, or a pore mask (True = pore).
    voxel_um : float
        Voxel edge, µm.
    solid : int or sequence of int
        Solid label(s).
    axis : int
        Tortuosity axis (0 = through-thickness).
    tortuosity, pores : bool
        Compute the tortuosity factor / the pore local thickness.
    particle_kw : dict, optional
        Keywords for :func:`xctkit.segment.separate_particles` (default: watershed).
    bin_um : float
        Bin width of the particle size distribution, µm.

    Returns
    -------
    xctkit.micro.Microstructure

    Examples
    --------
    >>> import numpy as np
    >>> from xctkit import workflows
    >>> pore = np.ones((12, 12, 12), bool); pore[3:9, 3:9, 3:9] = False
    >>> m = workflows.segment_and_measure(pore, voxel_um=1.0, tortuosity=False)
    >>> m.n_particles, round(m.porosity, 3)
    (1, 0.875)
    """
    lab = as_labels(labels, "labels", ndim=3)
    s = solid_mask(lab, solid=solid)
    parts = separate_particles(s, voxel_um=voxel_um, **(particle_kw or {}))
    return characterise(lab, voxel_um=voxel_um, particles=parts.instances, solid=solid, axis=axis,
                        tortuosity=tortuosity, pores=pores, bin_um=bin_um)


def compare_segmentations(truth, segmentations: dict, *, voxel_um: float, axis: int = 0,
                          particle_kw: dict | None = None, tortuosity: bool = True):
    """How segmentation error propagates into the microstructure metrics.

    Every segmentation (and the truth) goes through the same :func:`segment_and_measure`
    (porosity, tortuosity factor, surface area, particle sizes from a watershed); each row reports
    the metrics, their error against the truth, and the NMC IoU and interface-band errors.

    Parameters
    ----------
    truth : (Z, Y, X) ndarray of uint8
        Truth on the scan grid (:func:`labels_on_grid`).
    segmentations : dict of str -> (Z, Y, X) ndarray of uint8
        Name -> phase labels on the same grid.
    voxel_um : float
        Voxel edge, µm.
    axis : int
        Tortuosity axis (0 = through-thickness).
    particle_kw : dict, optional
        Keywords for :func:`separate_particles` (same for all).
    tortuosity : bool
        Compute the tortuosity factor (the slowest metric).

    Returns
    -------
    pandas.DataFrame
        One row per source (``truth`` first): ``porosity``, ``porosity_error``, ``tortuosity``,
        ``tortuosity_rel_error``, ``ssa_per_um``, ``ssa_rel_error``, ``psd_median_um``,
        ``psd_median_error_um``, ``psd_peak_um``, ``n_particles``, ``iou_nmc``, ``accuracy_2phase``,
        ``error_rate_band``, ``error_rate_interior``.

    Raises
    ------
    TypeError
        If ``segmentations`` is not a non-empty dict.
    ValueError
        If a segmentation's shape differs from the truth's.
    """
    t = as_labels(truth, "truth", ndim=3)
    if not isinstance(segmentations, dict) or not segmentations:
        raise TypeError("`segmentations` must be a non-empty dict of name -> label volume")
    kw = dict(particle_kw or {})
    ref = segment_and_measure(t, voxel_um=voxel_um, axis=axis, tortuosity=tortuosity, particle_kw=kw)
    t2 = np.where(t == NMC, NMC, PORE).astype(np.uint8)
    rows = []
    for name, seg in {"truth": t, **segmentations}.items():
        s = as_labels(seg, f"segmentations[{name!r}]", ndim=3)
        if s.shape != t.shape:
            raise ValueError(f"`segmentations[{name!r}]` must have shape {t.shape}, got {s.shape}")
        m = ref if name == "truth" else segment_and_measure(s, voxel_um=voxel_um, axis=axis,
                                                            tortuosity=tortuosity, particle_kw=kw)
        sc = segmentation_scores(np.where(s == NMC, NMC, PORE).astype(np.uint8), t2,
                                 phases=(PORE, NMC))
        rows.append({"source": name, "porosity": m.porosity,
                     "porosity_error": m.porosity - ref.porosity,
                     "tortuosity": m.tortuosity, "tortuosity_rel_error": m.tortuosity / ref.tortuosity - 1,
                     "ssa_per_um": m.ssa_per_um, "ssa_rel_error": m.ssa_per_um / ref.ssa_per_um - 1,
                     "psd_median_um": m.psd_median_um,
                     "psd_median_error_um": m.psd_median_um - ref.psd_median_um,
                     "psd_peak_um": m.psd_peak_label, "n_particles": m.n_particles,
                     "iou_nmc": sc.iou_of(NMC), "accuracy_2phase": sc.accuracy,
                     "error_rate_band": sc.error_rate_band,
                     "error_rate_interior": sc.error_rate_interior})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class StateComparison:
    """Result of :func:`compare_states`: one electrode, pristine vs after cycling.

    Attributes
    ----------
    pristine, cycled : Microstructure
        Metric sets of the two states.
    expansion : Expansion
        Both expansion definitions.
    sizes : SizeShift
        Particle size distribution shift.
    cracks_pristine, cracks_cycled : Cracks
        Crack detection in both states (the pristine one measures false detections).
    intensity : IntensityShift or None
        Grey-level histogram shift (Fig. 10) when the scans were given.
    """

    pristine: Microstructure
    cycled: Microstructure
    expansion: Expansion
    sizes: SizeShift
    cracks_pristine: object
    cracks_cycled: object
    intensity: object = None

    def to_frame(self):
        """One row: the Table 2 quantities, PSD shift, cracks and grey-level shift."""
        import pandas as pd

        row = {"porosity_pristine": self.pristine.porosity, "tortuosity_pristine": self.pristine.tortuosity,
               "porosity_cycled": self.cycled.porosity, "tortuosity_cycled": self.cycled.tortuosity,
               "expansion_pp": self.expansion.expansion_pp,
               "solid_volume_change_pct": self.expansion.solid_volume_change_pct,
               "ssa_pristine_per_um": self.pristine.ssa_per_um, "ssa_cycled_per_um": self.cycled.ssa_per_um,
               "psd_peak_pristine_um": self.pristine.psd_peak_label,
               "psd_peak_cycled_um": self.cycled.psd_peak_label,
               "psd_median_pristine_um": self.sizes.median_before_um,
               "psd_median_cycled_um": self.sizes.median_after_um,
               "n_particles_pristine": self.sizes.n_before, "n_particles_cycled": self.sizes.n_after,
               "intra_cracks_pristine": self.cracks_pristine.n_intra,
               "intra_cracks_cycled": self.cracks_cycled.n_intra,
               "intra_crack_fraction_pristine": self.cracks_pristine.intra_fraction,
               "intra_crack_fraction_cycled": self.cracks_cycled.intra_fraction,
               "cracked_particle_share_cycled": self.cracks_cycled.cracked_particle_share,
               "inter_void_fraction_pristine": self.cracks_pristine.inter_fraction,
               "inter_void_fraction_cycled": self.cracks_cycled.inter_fraction}
        if self.intensity is not None:
            row.update({"grey_mean_shift": self.intensity.mean_shift,
                        "grey_median_shift": self.intensity.median_shift})
        return pd.DataFrame([row])


def compare_states(pristine, cycled, *, voxel_um: float, grey_pristine=None, grey_cycled=None,
                   solid=NMC, axis: int = 0, particle_kw: dict | None = None,
                   crack_kw: dict | None = None) -> StateComparison:
    """Everything paper 000 compares between a pristine and a cycled electrode.

    Parameters
    ----------
    pristine, cycled : (Z, Y, X) ndarray of uint8, or bool
        Segmented phase labels (or pore masks, True = pore) of the two states, same voxel size.
    voxel_um : float
        Voxel edge, µm.
    grey_pristine, grey_cycled : (Z, Y, X) ndarray, optional
        The scans, for the grey-level histogram shift (Fig. 10).
    solid : int or sequence of int
        Solid label(s).
    axis : int
        Tortuosity axis.
    particle_kw : dict, optional
        Keywords for the particle separation.
    crack_kw : dict, optional
        Keywords for :func:`xctkit.segment.find_cracks`.

    Returns
    -------
    StateComparison

    Raises
    ------
    ValueError
        On non-3-D labels or a non-positive voxel size; if only one scan is given.
    """
    if (grey_pristine is None) != (grey_cycled is None):
        raise ValueError("give both `grey_pristine` and `grey_cycled`, or neither")
    m0 = segment_and_measure(pristine, voxel_um=voxel_um, solid=solid, axis=axis, particle_kw=particle_kw)
    m1 = segment_and_measure(cycled, voxel_um=voxel_um, solid=solid, axis=axis, particle_kw=particle_kw)
    s0 = solid_mask(as_labels(pristine, "pristine", ndim=3), solid=solid)
    s1 = solid_mask(as_labels(cycled, "cycled", ndim=3), solid=solid)
    c0 = find_cracks(s0, voxel_um=voxel_um, **(crack_kw or {}))
    c1 = find_cracks(s1, voxel_um=voxel_um, **(crack_kw or {}))
    shift = None
    if grey_pristine is not None:
        shift = intensity_shift(grey_pristine, grey_cycled)
    return StateComparison(m0, m1, expansion(m0.porosity, m1.porosity), size_shift(m0.psd, m1.psd),
                           c0, c1, shift)
