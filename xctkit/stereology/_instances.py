"""Crack-wise and particle-wise instance segmentation of a phase image (paper 003, Sec. 2.3.2-2.3.3).

Phase images use the house labels (:mod:`xctkit.phases`): the paper's ``S = 0`` (background) is
``PORE``, ``S = 1`` (solid phase of a particle) is ``NMC`` and ``S = 2`` (crack phase) is ``CRACK``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import as_labels, check_choice, check_nonnegative, check_positive
from ..phases import CRACK, NMC, PORE

__all__ = ["CrackInstances", "crack_instances", "particle_instances", "as_phase_image"]


def as_phase_image(phase, name: str = "phase") -> np.ndarray:
    """Validate a 2-D phase image holding only ``PORE``, ``NMC`` and ``CRACK`` labels."""
    lab = as_labels(phase, name, ndim=2)
    bad = np.setdiff1d(np.unique(lab), (PORE, NMC, CRACK))
    if bad.size:
        raise ValueError(f"`{name}` may hold only PORE ({PORE}), NMC ({NMC}) and CRACK ({CRACK}); "
                         f"found {bad[:6].tolist()}")
    return lab


@dataclass(frozen=True)
class CrackInstances:
    """Result of :func:`crack_instances`.

    Attributes
    ----------
    labels : (Y, X) ndarray of int32
        Crack-wise segmentation ``S_c`` (Eq. 2): crack ``i`` is labelled ``i``, 0 elsewhere.
    skeleton : (Y, X) ndarray of int32
        The discretised curves ``L_i`` (Lee skeleton of the crack phase, split into connected
        curves), labelled like ``labels``.
    n_cracks : int
        ``n_c``, the number of curves (= cracks).
    """

    labels: np.ndarray
    skeleton: np.ndarray
    n_cracks: int


def crack_instances(phase, *, split: str = "components") -> CrackInstances:
    """Split the crack phase into individual cracks (paper 003, Sec. 2.3.2 and Eq. 2).

    The crack phase ``{S = CRACK}`` is skeletonised with Lee's method; each connected piece of
    the skeleton (8-connectivity) is one curve ``L_i``, i.e. one crack; every crack pixel is then
    given the label of the nearest curve (Euclidean distance between pixel centres).

    Parameters
    ----------
    phase : (Y, X) ndarray of uint8
        Phase-wise segmentation (``PORE``/``NMC``/``CRACK``).
    split : {'components', 'branches'}
        ``'components'``: one crack per connected skeleton piece (the paper's text; it does not
        say more). ``'branches'``: the skeleton is also cut at its branch points (pixels with
        more than two skeleton neighbours), so a branched crack counts once per branch.

    Returns
    -------
    CrackInstances

    Raises
    ------
    ValueError
        If ``phase`` is not a 2-D phase image.

    Notes
    -----
    Erratum: the paper writes the crack-phase condition as ``S_c(x) = 2``; the crack phase is
    ``{x : S(x) = 2}`` (``CRACK`` here), which is what is used.

    References
    ----------
    .. [1] Furat, Finegan et al., paper 003, Eq. (2) and Sec. 2.3.2.
    .. [2] Lee, Kashyap & Chu, CVGIP 56 (1994) 462-478 (skeletonisation).
    """
    from scipy import ndimage
    from skimage.morphology import skeletonize

    lab = as_phase_image(phase)
    check_choice(split, "split", ("components", "branches"))
    crack = lab == CRACK
    if not crack.any():
        z = np.zeros(lab.shape, np.int32)
        return CrackInstances(z, z.copy(), 0)
    skel = skeletonize(crack, method="lee").astype(bool)
    eight = np.ones((3, 3), bool)
    if split == "branches":
        nb = ndimage.convolve(skel.astype(np.int32), np.ones((3, 3), np.int32), mode="constant") - 1
        cut = skel & (nb > 2)
        curves, n = ndimage.label(skel & ~cut, structure=eight)
        if cut.any():  # branch pixels join the curve nearest to them
            _, (iy, ix) = ndimage.distance_transform_edt(curves == 0, return_indices=True)
            curves = np.where(cut, curves[iy, ix], curves)
    else:
        curves, n = ndimage.label(skel, structure=eight)
    # nearest-curve assignment of every crack pixel (Eq. 2)
    _, (iy, ix) = ndimage.distance_transform_edt(curves == 0, return_indices=True)
    labels = np.where(crack, curves[iy, ix], 0).astype(np.int32)
    return CrackInstances(labels, curves.astype(np.int32), int(n))


def particle_instances(phase, *, marker_px: float = 50.0, min_area_px: int = 0) -> np.ndarray:
    """Particle-wise segmentation by a marker-based watershed (paper 003, Eqs. 8-10).

    ``B`` = solid or crack (Eq. 8); ``D`` = Euclidean distance transform of ``B`` in pixels
    (Eq. 9); markers = connected components of ``{D >= r}`` (Eq. 10); watershed of ``−D`` from the
    markers inside ``B`` (scikit-image).

    Parameters
    ----------
    phase : (Y, X) ndarray of uint8
        Phase-wise segmentation (``PORE``/``NMC``/``CRACK``).
    marker_px : float
        Marker distance ``r`` in pixels (paper: 50 px = 0.715 µm at 14.3 nm). Particle sections
        whose inscribed radius is below it get no marker and stay 0 (removed).
    min_area_px : int
        Particles with fewer pixels are removed as well (the paper removes "small particles"
        without giving the threshold).

    Returns
    -------
    (Y, X) ndarray of int32
        ``S_p``: particle ``j`` labelled ``j = 1..n_p`` (consecutive), 0 elsewhere.

    Raises
    ------
    ValueError
        If ``phase`` is not a 2-D phase image or ``marker_px`` is not positive.

    References
    ----------
    .. [1] Furat, Finegan et al., paper 003, Eqs. (8)-(10).
    """
    from scipy import ndimage
    from skimage.segmentation import watershed

    lab = as_phase_image(phase)
    marker_px = check_positive(marker_px, "marker_px")
    min_area_px = int(check_nonnegative(min_area_px, "min_area_px"))
    b = lab != PORE
    if not b.any():
        return np.zeros(lab.shape, np.int32)
    d = ndimage.distance_transform_edt(b)
    markers, n = ndimage.label(d >= marker_px, structure=np.ones((3, 3), bool))
    if n == 0:
        return np.zeros(lab.shape, np.int32)
    ws = watershed(-d, markers=markers, mask=b).astype(np.int32)
    counts = np.bincount(ws.ravel(), minlength=n + 1)
    keep = counts >= max(min_area_px, 1)
    keep[0] = False
    lut = np.zeros(n + 1, np.int32)
    lut[keep] = np.arange(1, int(keep.sum()) + 1, dtype=np.int32)
    return lut[ws]
