"""Crack detection in a segmented particle phase: voids inside a particle's filled outline.

No library ships this, so the steps are composed here from SciPy / scikit-image parts:

1. *Fill the outlines*: a morphological closing (ball of ``close_um``) heals voids narrower than
   about twice its radius (cracks, and the narrow necks between touching particles).
2. *Particles*: the healed solid is split by the distance-transform watershed
   (:func:`separate_particles`), so a crack never splits its own particle.
3. *Intra-particle cracks*: healed voxels that were void and whose 3×3×3 neighbourhood holds one
   particle only; connected pieces of at least ``min_volume_um3`` that are enclosed by solid
   (at most ``max_open_share`` of their voxels touch the open pore space — a crack in a particle
   is walled in, a neck or a surface dent opens onto the pore).
4. *Inter-particle voids*: the other healed void voxels (necks between touching particles and
   fissures along their contacts, paper 000 Fig. 9b), reported as one volume fraction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import as_binary, as_labels, check_fraction, check_nonnegative, check_positive
from ..phases import CRACK

__all__ = ["Cracks", "find_cracks", "CrackScores", "crack_scores"]


@dataclass(frozen=True)
class Cracks:
    """Result of :func:`find_cracks`.

    Attributes
    ----------
    intra : (Z, Y, X) ndarray of int32
        Intra-particle crack pieces, labelled 1..``n_intra`` (0 elsewhere).
    inter : (Z, Y, X) ndarray of bool
        Inter-particle voids (necks and fissures between particles).
    particles : (Z, Y, X) ndarray of int32
        Particles of the healed solid (the outlines cracks are measured against).
    voxel_um : float
        Voxel edge, µm.
    n_intra : int
        Number of intra-particle crack pieces.
    n_cracked_particles : int
        Particles holding at least one crack piece.
    n_particles : int
        Particles of the healed solid.
    intra_fraction : float
        Intra-particle crack volume / total volume.
    intra_fraction_of_particles : float
        Intra-particle crack volume / volume of the filled particle outlines.
    inter_fraction : float
        Inter-particle void volume / total volume.
    """

    intra: np.ndarray
    inter: np.ndarray
    particles: np.ndarray
    voxel_um: float
    n_intra: int
    n_cracked_particles: int
    n_particles: int
    intra_fraction: float
    intra_fraction_of_particles: float
    inter_fraction: float

    def annotate(self, labels, *, crack: int = CRACK) -> np.ndarray:
        """A copy of ``labels`` with the detected intra-particle cracks set to ``crack`` (for figures).

        Parameters
        ----------
        labels : (Z, Y, X) ndarray of uint8
            Phase labels on the same grid.
        crack : int
            Label given to crack voxels (``CRACK``, drawn red by :func:`xctkit.plots.slices`).

        Returns
        -------
        (Z, Y, X) ndarray of uint8
        """
        lab = as_labels(labels, "labels", ndim=3)
        if lab.shape != self.intra.shape:
            raise ValueError(f"`labels` must have shape {self.intra.shape}, got {lab.shape}")
        out = lab.astype(np.uint8, copy=True)
        out[self.intra > 0] = crack
        return out

    @property
    def cracked_particle_share(self) -> float:
        """Share of particles holding a crack."""
        return self.n_cracked_particles / self.n_particles if self.n_particles else float("nan")

    def to_frame(self):
        """One row with the counts and fractions."""
        import pandas as pd

        return pd.DataFrame([{"n_intra": self.n_intra, "n_cracked_particles": self.n_cracked_particles,
                              "n_particles": self.n_particles,
                              "cracked_particle_share": self.cracked_particle_share,
                              "intra_fraction": self.intra_fraction,
                              "intra_fraction_of_particles": self.intra_fraction_of_particles,
                              "inter_fraction": self.inter_fraction}])


def _ball(radius_vox: float, ndim: int) -> np.ndarray:
    r = int(np.ceil(radius_vox))
    grids = np.ogrid[tuple(slice(-r, r + 1) for _ in range(ndim))]
    return sum(g.astype(float) ** 2 for g in grids) <= radius_vox**2 + 1e-9


def find_cracks(solid, *, voxel_um: float, close_um: float | None = None,
                min_volume_um3: float | None = None, max_open_share: float = 0.2,
                particle_kw: dict | None = None) -> Cracks:
    """Detect intra-particle cracks (and inter-particle voids) in a segmented solid.

    Parameters
    ----------
    solid : (Z, Y, X) ndarray of bool
        Segmented NMC (True) vs everything else.
    voxel_um : float
        Voxel edge, µm.
    close_um : float, optional
        Radius of the closing ball, µm; cracks up to about twice as wide are healed and found.
        Default one voxel.
    min_volume_um3 : float, optional
        Smallest crack piece reported, µm³; default 8 voxels.
    max_open_share : float
        Largest share of a piece's voxels that may touch the open pore space, in [0, 1].
    particle_kw : dict, optional
        Keywords for :func:`separate_particles` on the healed solid.

    Returns
    -------
    Cracks

    Raises
    ------
    ValueError
        If ``solid`` is not 3-D, or on non-positive sizes.

    Notes
    -----
    A crack must be resolved by the segmentation to be found: at a voxel larger than the crack
    aperture it is blurred into the particle's grey level and thresholding keeps it solid.
    """
    from scipy import ndimage

    from ._particles import separate_particles

    s = as_binary(solid, "solid", ndim=3)
    voxel_um = check_positive(voxel_um, "voxel_um")
    r_vox = 1.0 if close_um is None else check_positive(close_um, "close_um") / voxel_um
    min_vox = 8 if min_volume_um3 is None else max(
        1, int(np.ceil(check_nonnegative(min_volume_um3, "min_volume_um3") / voxel_um**3)))
    max_open_share = check_fraction(max_open_share, "max_open_share")

    ball = _ball(max(r_vox, 1.0), 3)
    pad = ball.shape[0] // 2 + 1  # edge padding: the closing neither invents nor erodes at the faces
    padded = np.pad(s, pad, mode="edge")
    filled = ndimage.binary_closing(padded, structure=ball)[(slice(pad, -pad),) * 3] | s
    parts = separate_particles(filled, voxel_um=voxel_um, **(particle_kw or {}))
    inst = parts.instances
    big = np.iinfo(np.int32).max
    hi = ndimage.maximum_filter(inst, size=3)
    lo = ndimage.minimum_filter(np.where(inst > 0, inst, big), size=3)
    void = filled & ~s
    single = void & (hi == lo)
    pieces, n = ndimage.label(single, structure=np.ones((3, 3, 3)))
    open_pore = ndimage.binary_dilation(~filled, structure=ndimage.generate_binary_structure(3, 1))
    size = np.bincount(pieces.ravel(), minlength=n + 1)
    touching = np.bincount(pieces.ravel(), weights=open_pore.ravel().astype(np.float64), minlength=n + 1)
    keep = (size >= min_vox) & (touching <= max_open_share * size)
    keep[0] = False
    lut = np.zeros(n + 1, dtype=np.int32)
    lut[keep] = np.arange(1, int(keep.sum()) + 1, dtype=np.int32)
    intra = lut[pieces]
    intra_mask = intra > 0
    inter = void & ~intra_mask
    cracked = np.unique(inst[intra_mask])
    n_vox_particles = int(np.count_nonzero(inst))
    return Cracks(intra, inter, inst, voxel_um, int(keep.sum()), int(np.count_nonzero(cracked)),
                  parts.n_particles, float(intra_mask.mean()),
                  float(np.count_nonzero(intra_mask) / n_vox_particles) if n_vox_particles else 0.0,
                  float(inter.mean()))


@dataclass(frozen=True)
class CrackScores:
    """Result of :func:`crack_scores`: detected intra-particle cracks against the true cracks.

    Attributes
    ----------
    precision : float
        Share of detected crack voxels that are true crack voxels.
    recall : float
        Share of true crack voxels that were detected.
    truth_fraction : float
        True crack volume / total volume.
    detected_fraction : float
        Detected crack volume / total volume.
    """

    precision: float
    recall: float
    truth_fraction: float
    detected_fraction: float

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame([self.__dict__])


def crack_scores(cracks: Cracks, truth) -> CrackScores:
    """Voxel-wise precision and recall of a crack detection on the truth's own grid.

    Parameters
    ----------
    cracks : Cracks
        From :func:`find_cracks`.
    truth : (Z, Y, X) ndarray of bool
        True crack voxels on the same grid (e.g. ``electrode.labels == CRACK``).

    Returns
    -------
    CrackScores

    Raises
    ------
    TypeError
        If ``cracks`` is not a :class:`Cracks`.
    ValueError
        If the grids differ.
    """
    if not isinstance(cracks, Cracks):
        raise TypeError(f"`cracks` must be a Cracks result, got {type(cracks).__name__}")
    t = as_binary(truth, "truth", ndim=3)
    if t.shape != cracks.intra.shape:
        raise ValueError(f"`truth` must have shape {cracks.intra.shape}, got {t.shape}")
    found = cracks.intra > 0
    hit = np.count_nonzero(found & t)
    nf, nt = np.count_nonzero(found), np.count_nonzero(t)
    return CrackScores(hit / nf if nf else float("nan"), hit / nt if nt else float("nan"),
                       float(t.mean()), float(found.mean()))
