"""Segmentation against a known truth: truth on the scan grid, per-phase IoU, errors near interfaces,
and how segmentation error propagates into porosity, tortuosity and particle sizes.

Paper 002 (§3) warns that thresholding "has shown to have a high variability and poor performance at
the boundary between different materials" without giving numbers; this module produces them on the
virtual laboratory, where the truth is known.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import as_labels, check_positive
from ..phases import CRACK, NMC, PHASE_NAMES, PORE

__all__ = ["labels_on_grid", "SegmentationScores", "segmentation_scores", "interface_band",
           "InstanceMatch", "match_instances"]


def _occupancy(mask: np.ndarray, factor: float, out_shape) -> np.ndarray:
    occ = mask.astype(np.float32)
    if abs(factor - round(factor)) < 1e-6:
        f = int(round(factor))
        if f == 1:
            return occ
        from skimage.measure import block_reduce

        crop = tuple(slice(0, n * f) for n in out_shape)
        return block_reduce(occ[crop], (f,) * occ.ndim, np.mean)
    from skimage.transform import resize

    return resize(occ, out_shape, order=1, anti_aliasing=True, preserve_range=True)


def labels_on_grid(labels, *, voxel_um: float, target_um: float, solid: int = NMC,
                   merge: dict[int, int] | None = None) -> np.ndarray:
    """Truth phase labels coarse-grained onto a scan's (coarser) grid.

    A target voxel is ``solid`` when more than half of it is solid, exactly as
    :meth:`xctkit.synth.Electrode.solid_at` (so two-phase porosities agree with the virtual lab's
    calibration); otherwise it takes the phase that occupies most of its remaining volume. Integer
    factors use block means; others resample the occupancies with anti-aliasing.

    Parameters
    ----------
    labels : (Z, Y, X) ndarray of uint8
        Truth phases on the fine grid.
    voxel_um, target_um : float
        Voxel edge of ``labels`` and of the scan grid, µm (``target_um >= voxel_um``).
    solid : int
        The phase decided by the majority rule first (NMC).
    merge : dict, optional
        Phases relabelled before coarse-graining; default ``{CRACK: PORE}`` (cracks and pores have
        the same X-ray contrast, so no grey-level segmentation can tell them apart).

    Returns
    -------
    (Z', Y', X') ndarray of uint8
        ``Z' = floor(Z · voxel_um / target_um)`` etc. (integer factors) or the rounded ratio.

    Raises
    ------
    ValueError
        If ``target_um`` is finer than ``voxel_um``.
    """
    lab = as_labels(labels, "labels", ndim=(2, 3))
    voxel_um = check_positive(voxel_um, "voxel_um")
    target_um = check_positive(target_um, "target_um")
    if target_um < voxel_um * (1 - 1e-9):
        raise ValueError(f"`target_um` ({target_um}) must not be finer than `voxel_um` ({voxel_um})")
    merge = {CRACK: PORE} if merge is None else dict(merge)
    if merge:
        lut = np.arange(max(int(lab.max()), *merge) + 1, dtype=np.uint8)
        for a, b in merge.items():
            lut[a] = b
        lab = lut[lab]
    factor = target_um / voxel_um
    if abs(factor - round(factor)) < 1e-6:
        out_shape = tuple(n // int(round(factor)) for n in lab.shape)
    else:
        out_shape = tuple(max(1, int(round(n / factor))) for n in lab.shape)
    phases = [int(p) for p in np.unique(lab)]
    others = [p for p in phases if p != solid]
    out = np.full(out_shape, others[0] if others else solid, dtype=np.uint8)
    if others:
        occ = np.stack([_occupancy(lab == p, factor, out_shape) for p in others])
        out[:] = np.asarray(others, dtype=np.uint8)[np.argmax(occ, axis=0)]
    if solid in phases:
        out[_occupancy(lab == solid, factor, out_shape) > 0.5] = solid
    return out


def interface_band(labels, *, width_vox: float = 1.0) -> np.ndarray:
    """Voxels within ``width_vox`` of a voxel of another phase.

    Parameters
    ----------
    labels : (Z, Y, X) or (Y, X) ndarray of uint8
    width_vox : float
        Band half-width, voxels (1 = the voxels touching an interface, 6-connectivity).

    Returns
    -------
    ndarray of bool, shape of ``labels``
    """
    import edt

    lab = as_labels(labels, "labels", ndim=(2, 3))
    width_vox = check_positive(width_vox, "width_vox")
    band = np.zeros(lab.shape, dtype=bool)
    for p in np.unique(lab):
        inside = lab == p
        d = edt.edt(np.ascontiguousarray(inside), black_border=False, parallel=1)
        band |= inside & (d <= width_vox)
    return band


@dataclass(frozen=True)
class SegmentationScores:
    """Result of :func:`segmentation_scores`.

    Attributes
    ----------
    phases : tuple of int
        Phases scored.
    iou : tuple of float
        Intersection over union of each phase, in [0, 1].
    dice : tuple of float
        Dice coefficient of each phase.
    fraction_truth, fraction_pred : tuple of float
        Volume fraction of each phase in the truth and the segmentation.
    accuracy : float
        Share of voxels with the right phase.
    band_width_vox : float
        Half-width of the interface band, voxels.
    band_share : float
        Share of all voxels that lie in the band.
    error_rate_band, error_rate_interior : float
        Share of wrong voxels inside and outside the band.
    errors_in_band : float
        Share of all wrong voxels that lie in the band.
    """

    phases: tuple[int, ...]
    iou: tuple[float, ...]
    dice: tuple[float, ...]
    fraction_truth: tuple[float, ...]
    fraction_pred: tuple[float, ...]
    accuracy: float
    band_width_vox: float
    band_share: float
    error_rate_band: float
    error_rate_interior: float
    errors_in_band: float

    def iou_of(self, phase: int) -> float:
        """IoU of one phase."""
        return self.iou[self.phases.index(phase)]

    def to_frame(self):
        """One row per phase, plus the global scores repeated on every row."""
        import pandas as pd

        return pd.DataFrame({
            "phase": [PHASE_NAMES.get(p, str(p)) for p in self.phases], "iou": self.iou,
            "dice": self.dice, "fraction_truth": self.fraction_truth,
            "fraction_pred": self.fraction_pred, "accuracy": self.accuracy,
            "error_rate_band": self.error_rate_band, "error_rate_interior": self.error_rate_interior,
            "errors_in_band": self.errors_in_band})


def segmentation_scores(pred, truth, *, phases=None, band_width_vox: float = 1.0) -> SegmentationScores:
    """Score a segmentation against the truth on the same grid.

    Parameters
    ----------
    pred, truth : (Z, Y, X) or (Y, X) ndarray of uint8
        Phase labels (same shape). A two-phase segmentation (``PORE``/``NMC``) should be scored
        against a truth whose non-NMC phases are merged (``phases=(PORE, NMC)`` does not merge).
    phases : sequence of int, optional
        Phases to report; default those present in either array.
    band_width_vox : float
        Half-width of the interface band (of the truth), voxels.

    Returns
    -------
    SegmentationScores

    Raises
    ------
    ValueError
        If the shapes differ.
    """
    p = as_labels(pred, "pred", ndim=(2, 3))
    t = as_labels(truth, "truth", ndim=(2, 3))
    if p.shape != t.shape:
        raise ValueError(f"`pred` and `truth` must have the same shape, got {p.shape} and {t.shape}")
    if phases is None:
        phases = sorted(set(np.unique(t).tolist()) | set(np.unique(p).tolist()))
    phases = tuple(int(k) for k in phases)
    iou, dice, ft, fp = [], [], [], []
    for k in phases:
        a, b = p == k, t == k
        inter, union = np.count_nonzero(a & b), np.count_nonzero(a | b)
        tot = np.count_nonzero(a) + np.count_nonzero(b)
        iou.append(inter / union if union else float("nan"))
        dice.append(2 * inter / tot if tot else float("nan"))
        ft.append(float(b.mean()))
        fp.append(float(a.mean()))
    wrong = p != t
    band = interface_band(t, width_vox=band_width_vox)
    nb, ni = np.count_nonzero(band), np.count_nonzero(~band)
    return SegmentationScores(
        phases, tuple(map(float, iou)), tuple(map(float, dice)), tuple(ft), tuple(fp),
        float(1.0 - wrong.mean()), float(band_width_vox), float(band.mean()),
        float(np.count_nonzero(wrong & band) / nb) if nb else float("nan"),
        float(np.count_nonzero(wrong & ~band) / ni) if ni else float("nan"),
        float(np.count_nonzero(wrong & band) / max(1, np.count_nonzero(wrong))))


@dataclass(frozen=True)
class InstanceMatch:
    """Result of :func:`match_instances`: how measured particles correspond to the true ones.

    Attributes
    ----------
    n_truth, n_pred : int
        Particles in the truth and in the measurement.
    n_matched : int
        One-to-one pairs with IoU > 0.5 (such pairs are unique by construction).
    precision, recall : float
        ``n_matched / n_pred`` and ``n_matched / n_truth``.
    merged_share : float
        Share of true particles whose larger half lies in a measured particle that also holds the
        larger half of another true particle (under-segmentation: touching particles merged).
    split_share : float
        Share of true particles of which no measured particle holds half (over-segmentation or
        lost to the background).
    """

    n_truth: int
    n_pred: int
    n_matched: int
    precision: float
    recall: float
    merged_share: float
    split_share: float

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame([self.__dict__])


def _upsample_to(arr: np.ndarray, shape) -> np.ndarray:
    """Repeat voxels by the integer factor relating ``arr`` to the finer ``shape``."""
    if arr.shape == tuple(shape):
        return arr
    factors = [t // a for a, t in zip(arr.shape, shape, strict=True)]
    # a coarse grid covers floor(fine / f) cells, so up to f - 1 fine voxels may be left over
    if any(f < 1 or t - f * a >= f for f, a, t in zip(factors, arr.shape, shape, strict=True)):
        raise ValueError(f"`pred` shape {arr.shape} is not an integer subdivision of `truth` shape {tuple(shape)}")
    out = arr
    for ax, f in enumerate(factors):
        out = np.repeat(out, f, axis=ax)
    pad = [(0, t - o) for o, t in zip(out.shape, shape, strict=True)]
    return np.pad(out, pad, mode="edge") if any(p[1] for p in pad) else out


def match_instances(pred, truth) -> InstanceMatch:
    """Match measured particle instances to the true ones by voxel overlap.

    Parameters
    ----------
    pred : (Z, Y, X) ndarray of int
        Measured instances (0 = background), on the truth grid or on a grid an integer factor
        coarser (e.g. the 0.74 µm scan grid against the 0.37 µm truth); a coarser grid is
        upsampled by voxel repetition.
    truth : (Z, Y, X) ndarray of int
        True instances (0 = background).

    Returns
    -------
    InstanceMatch

    Raises
    ------
    ValueError
        If the grids are not related by an integer factor.
    """
    p = as_labels(pred, "pred", ndim=3)
    t = as_labels(truth, "truth", ndim=3)
    p = _upsample_to(p, t.shape)
    p = p.astype(np.int64)
    t = t.astype(np.int64)
    n_p, n_t = int(p.max()), int(t.max())
    size_p = np.bincount(p.ravel(), minlength=n_p + 1)
    size_t = np.bincount(t.ravel(), minlength=n_t + 1)
    present_t = np.flatnonzero(size_t[1:]) + 1
    present_p = np.flatnonzero(size_p[1:]) + 1
    fg = (p > 0) & (t > 0)
    pair, ov = np.unique(p[fg] * (n_t + 1) + t[fg], return_counts=True)
    pp, tt = pair // (n_t + 1), pair % (n_t + 1)
    iou = ov / (size_p[pp] + size_t[tt] - ov)
    matched = int(np.count_nonzero(iou > 0.5))
    holder = np.zeros(n_t + 1, dtype=np.int64)  # measured particle holding > half of each truth
    half = ov * 2 > size_t[tt]
    holder[tt[half]] = pp[half]
    held_count = np.bincount(holder[present_t], minlength=n_p + 1)
    held_count[0] = 0
    merged = np.count_nonzero((holder[present_t] > 0) & (held_count[holder[present_t]] >= 2))
    split = np.count_nonzero(holder[present_t] == 0)
    nt, npd = present_t.size, present_p.size
    return InstanceMatch(nt, npd, matched, matched / npd if npd else float("nan"),
                         matched / nt if nt else float("nan"),
                         merged / nt if nt else float("nan"), split / nt if nt else float("nan"))
