"""Registered LR/HR pairs, patch datasets, normalisation and sample-level splits."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .._validate import as_grey, as_rng, check_fraction, check_int

__all__ = [
    "Normalisation",
    "RegisteredPair",
    "SplitRecord",
    "PatchSet",
    "load_pairs",
    "extract_patches",
    "make_patch_set",
]


@dataclass(frozen=True)
class Normalisation:
    """Linear intensity window to [0, 1]: ``(x - lo) / (hi - lo)``, kept for the inverse transform.

    ``lo`` and ``hi`` are percentiles of the *training* scans (:meth:`fit`; 0.1 and 99.9 by default,
    so a few hot or dead voxels of a 16-bit detector do not squeeze the contrast), in the scans' own
    units (uint8, uint16 or float alike). One window serves inputs and targets, so an intensity
    mismatch between the LR and HR set-ups (paper 000 Fig. 5g–h) survives normalisation and is part of
    what a model learns. It is stored inside every saved model and is the ``data_range`` of its quality
    metrics (``hi - lo``). Values outside the window map outside [0, 1]; nothing is clipped.
    """

    lo: float
    hi: float

    @classmethod
    def fit(cls, *arrays, percentiles=(0.1, 99.9)) -> Normalisation:
        """Fit the window on the training scans.

        Parameters
        ----------
        *arrays : ndarray
            Training scans (LR and HR), any numeric dtype.
        percentiles : (float, float)
            Lower and upper percentile, in [0, 100]; ``(0, 100)`` is min–max.

        Raises
        ------
        ValueError
            On constant data or percentiles outside [0, 100] / not increasing.
        """
        if not arrays:
            raise ValueError("`arrays` must not be empty: give the training scans")
        p_lo, p_hi = (float(v) for v in percentiles)
        if not 0.0 <= p_lo < p_hi <= 100.0:
            raise ValueError(f"`percentiles` must satisfy 0 <= low < high <= 100, got {percentiles}")
        # a pooled sample of at most ~2 million voxels per scan keeps this cheap for large volumes
        flat = [np.asarray(a, dtype=np.float32).ravel() for a in arrays]
        pooled = np.concatenate([f[:: max(1, f.size // 2_000_000)] for f in flat])
        if not np.all(np.isfinite(pooled)):
            raise ValueError("the training scans contain NaN or inf")
        lo, hi = (float(v) for v in np.percentile(pooled, [p_lo, p_hi]))
        if not hi > lo:
            raise ValueError("cannot normalise constant data (the intensity window is empty)")
        return cls(lo, hi)

    @property
    def data_range(self) -> float:
        """``hi - lo``: the data range of image-quality metrics in the scans' units."""
        return self.hi - self.lo

    def apply(self, x) -> np.ndarray:
        return ((np.asarray(x, dtype=np.float32) - self.lo) / (self.hi - self.lo)).astype(np.float32)

    def invert(self, y) -> np.ndarray:
        return (np.asarray(y, dtype=np.float32) * (self.hi - self.lo) + self.lo).astype(np.float32)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class RegisteredPair:
    """An LR scan upscaled and registered onto its HR partner's grid.

    Attributes
    ----------
    electrode : str
        Physical electrode (the unit of train/test splits).
    state : str
        ``pristine`` or ``cycled``.
    lr_up : (Z, Y, X) ndarray of float32
        Registered, upscaled LR (the networks' input).
    hr : (Z, Y, X) ndarray of float32
        HR scan (the target).
    voxel_um : float
        HR voxel, µm.
    shift_vox : (3,) ndarray
        Registration shift applied to the LR, HR voxels (``scipy.ndimage.shift`` convention on the LR
        upscaled from the same corner: minus the HR field's offset in the LR scan, in HR voxels).
    hr_id, lr_id : str
        Manifest ids.
    match_score : float
        Pearson correlation of the area-averaged HR with the LR at the located offset
        (:func:`xctkit.imaging.locate_field`); nan when not measured.
    offset_lr_vox : (3,) ndarray or None
        Corner of the HR field in the LR scan, LR voxels.
    """

    electrode: str
    state: str
    lr_up: np.ndarray
    hr: np.ndarray
    voxel_um: float
    shift_vox: np.ndarray
    hr_id: str = ""
    lr_id: str = ""
    match_score: float = float("nan")
    offset_lr_vox: np.ndarray | None = None


def load_pairs(manifest, *, electrodes=None, crop_vox: int = 3, min_score: float | None = None,
               angles=(0.0,)) -> list[RegisteredPair]:
    """Read every LR/HR pair of a manifest, locate the HR field in the LR scan, and upscale the LR onto it.

    The HR scan may be an interior sub-volume of the LR scan at an unknown offset (as microscopes
    deliver them) or cover the same field: :func:`xctkit.imaging.locate_field` searches the whole LR
    scan by normalised cross-correlation on the LR grid, refines the offset to sub-voxel precision and
    scores the match; the LR is then interpolated (cubic) onto the located HR grid. Every pair is scored,
    and a pair that does not match is refused, never returned.

    Parameters
    ----------
    manifest : xctkit.io.Manifest
        With ``resolution``/``pair`` fields (the virtual lab writes one; so can a user).
    electrodes : sequence of str, optional
        Only pairs of these electrodes.
    crop_vox : int
        HR voxels cropped from every face after registration (edge-extended LR data).
    min_score : float, optional
        Refusal threshold on the match score (default :data:`xctkit.imaging.MIN_SCORE`, 0.5).
    angles : sequence of float
        Rotations about z to search, degrees (default: translation only; see ``locate_field``).

    Returns
    -------
    list of RegisteredPair

    Raises
    ------
    xctkit.imaging.RegistrationError
        A pair whose match score is below ``min_score`` (the message names both scan ids and the score).
    """
    from ..imaging import MIN_SCORE, locate_field, upscale_field
    from ..io import read_tiff, read_zarr

    crop_vox = check_int(crop_vox, "crop_vox", min_value=0)
    min_score = MIN_SCORE if min_score is None else min_score
    out = []
    for lr_s, hr_s in manifest.pairs():
        if electrodes is not None and hr_s.electrode not in electrodes:
            continue
        read = read_zarr if lr_s.path.suffix == ".zarr" else read_tiff
        lr = read(lr_s.path, voxel_um=lr_s.voxel_um)
        hr = (read_zarr if hr_s.path.suffix == ".zarr" else read_tiff)(hr_s.path, voxel_um=hr_s.voxel_um)
        hr_g = as_grey(hr.array, f"HR scan {hr_s.id!r}", ndim=3)
        lr_g = as_grey(lr.array, f"LR scan {lr_s.id!r}", ndim=3)
        match = locate_field(lr_g, hr_g, scale=float(lr.voxel_um) / float(hr.voxel_um), angles=angles,
                             min_score=min_score, name=f"LR {lr_s.id!r} / HR {hr_s.id!r}")
        lr_up = upscale_field(lr_g, match)
        sl = tuple(slice(crop_vox, n - crop_vox) for n in lr_up.shape)
        out.append(RegisteredPair(hr_s.electrode, hr_s.state, lr_up[sl], hr_g[sl], float(hr.voxel_um),
                                  -match.offset_hr_vox, hr_s.id, lr_s.id, float(match.score),
                                  np.asarray(match.offset)))
    if not out:
        raise ValueError("the manifest has no LR/HR pairs" + (f" for electrodes {list(electrodes)}" if electrodes else ""))
    return out


@dataclass(frozen=True)
class SplitRecord:
    """Which electrodes trained, validated and tested a model (stored with the model).

    Paper 000's rule: patches of a test electrode never enter training; train/validation is a
    random patch-level split *within* the training electrodes.
    """

    train_electrodes: tuple[str, ...]
    test_electrodes: tuple[str, ...]
    val_fraction: float
    patch: int
    n_train: int
    n_val: int
    planes: tuple[str, ...]
    seed: int

    def to_dict(self) -> dict:
        d = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}

    @classmethod
    def from_dict(cls, d: dict) -> SplitRecord:
        return cls(tuple(d["train_electrodes"]), tuple(d["test_electrodes"]), float(d["val_fraction"]),
                   int(d["patch"]), int(d["n_train"]), int(d["n_val"]), tuple(d["planes"]), int(d["seed"]))


@dataclass(frozen=True)
class PatchSet:
    """Normalised training and validation patches.

    Attributes
    ----------
    x_train, y_train : (N, P, P, 1) ndarray of float32
        Inputs (upscaled LR) and targets (HR), normalised.
    x_val, y_val : (M, P, P, 1) ndarray of float32
    electrode_train, electrode_val : (N,), (M,) ndarray of str
        Source electrode of every patch (to prove there is no leakage).
    split : SplitRecord
    normalisation : Normalisation
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    electrode_train: np.ndarray
    electrode_val: np.ndarray
    split: SplitRecord
    normalisation: Normalisation


_PLANES = {"xy": 0, "xz": 1, "yz": 2}  # plane -> axis the slices are taken along


def extract_patches(lr_up, hr, *, patch: int, n: int, planes=("xy",), seed=None) -> tuple[np.ndarray, np.ndarray]:
    """Random co-located 2-D patches from a registered pair.

    Parameters
    ----------
    lr_up, hr : (Z, Y, X) ndarray
        Same shape.
    patch : int
        Patch edge, pixels (paper 000: 128).
    n : int
        Number of patches.
    planes : sequence of {'xy', 'xz', 'yz'}
        Slice orientations to draw from (paper 000 does not say; 'xy', the tomographic slice,
        by default).
    seed : int, Generator or None

    Returns
    -------
    (x, y) : (n, patch, patch, 1) ndarrays of float32
    """
    a = as_grey(lr_up, "lr_up", ndim=3)
    b = as_grey(hr, "hr", ndim=3)
    if a.shape != b.shape:
        raise ValueError(f"`lr_up` and `hr` must have the same shape, got {a.shape} and {b.shape}")
    patch = check_int(patch, "patch", min_value=4)
    n = check_int(n, "n", min_value=0)
    planes = tuple(planes)
    bad = [p for p in planes if p not in _PLANES]
    if bad or not planes:
        raise ValueError(f"`planes` must be drawn from {set(_PLANES)}, got {planes!r}")
    rng = as_rng(seed)
    xs = np.empty((n, patch, patch, 1), np.float32)
    ys = np.empty_like(xs)
    for i in range(n):
        axis = _PLANES[planes[int(rng.integers(len(planes)))]]
        shp = [s for k, s in enumerate(a.shape) if k != axis]
        if min(shp) < patch:
            raise ValueError(f"`patch`={patch} exceeds the {planes} slice size {tuple(shp)}")
        k = int(rng.integers(a.shape[axis]))
        r0 = int(rng.integers(shp[0] - patch + 1))
        c0 = int(rng.integers(shp[1] - patch + 1))
        sa = np.take(a, k, axis=axis)
        sb = np.take(b, k, axis=axis)
        xs[i, ..., 0] = sa[r0:r0 + patch, c0:c0 + patch]
        ys[i, ..., 0] = sb[r0:r0 + patch, c0:c0 + patch]
    return xs, ys


def make_patch_set(pairs, *, test_electrodes, patch: int = 128, n_patches: int = 2000,
                   val_fraction: float = 0.2, planes=("xy",), seed: int = 0) -> PatchSet:
    """Patches from the training electrodes, split 80/20 into train/validation; test electrodes
    are held out completely (paper 000's sample-level rule).

    Parameters
    ----------
    pairs : list of RegisteredPair
    test_electrodes : sequence of str
        Electrodes never seen in training (at least one must remain for training).
    patch : int
        Patch edge, pixels.
    n_patches : int
        Total patches (train + validation), drawn equally from every training volume.
    val_fraction : float
        Share of patches for validation.
    planes : sequence of str
    seed : int

    Returns
    -------
    PatchSet
    """
    test = tuple(test_electrodes)
    known = sorted({p.electrode for p in pairs})
    missing = [e for e in test if e not in known]
    if missing:
        raise ValueError(f"`test_electrodes` {missing} are not in the pairs (electrodes: {known})")
    train_pairs = [p for p in pairs if p.electrode not in test]
    if not train_pairs:
        raise ValueError("no electrode is left for training after holding out `test_electrodes`")
    val_fraction = check_fraction(val_fraction, "val_fraction", low=0.0, high=0.9)
    n_patches = check_int(n_patches, "n_patches", min_value=2)
    rng = as_rng(seed)
    norm = Normalisation.fit(*[p.lr_up for p in train_pairs], *[p.hr for p in train_pairs])
    per = np.full(len(train_pairs), n_patches // len(train_pairs))
    per[: n_patches - per.sum()] += 1
    xs, ys, src = [], [], []
    for p, k in zip(train_pairs, per, strict=True):
        x, y = extract_patches(norm.apply(p.lr_up), norm.apply(p.hr), patch=patch, n=int(k),
                               planes=planes, seed=rng)
        xs.append(x)
        ys.append(y)
        src += [p.electrode] * int(k)
    x, y, src = np.concatenate(xs), np.concatenate(ys), np.asarray(src)
    order = rng.permutation(len(x))
    n_val = int(round(val_fraction * len(x)))
    val, tr = order[:n_val], order[n_val:]
    split = SplitRecord(tuple(sorted({p.electrode for p in train_pairs})), test, val_fraction, patch,
                        len(tr), len(val), tuple(planes), int(seed))
    return PatchSet(x[tr], y[tr], x[val], y[val], src[tr], src[val], split, norm)
