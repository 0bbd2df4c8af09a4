"""Locate a high-resolution field inside a larger low-resolution scan (real LR/HR pairs).

Microscopes deliver an HR scan of an interior region of the LR scan at an unknown offset (paper 000:
the LR field is 4x the HR area). :func:`locate_field` finds that region by normalised cross-correlation
on the LR grid, refines it to sub-voxel precision, and refuses pairs that do not match.
"""

from __future__ import annotations

import logging
import math
import numbers
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage, sparse
from scipy.signal import fftconvolve

from .._validate import as_grey, check_fraction, check_int, check_positive

__all__ = ["FieldMatch", "RegistrationError", "locate_field", "upscale_field", "area_downsample",
           "normalised_cross_correlation", "MIN_SCORE"]

log = logging.getLogger(__name__)

MIN_SCORE = 0.5
"""Default refusal threshold on the match score (Pearson correlation of the area-averaged HR with the
LR at the located offset). Measured on ball packings made in ``tests/test_imaging_register.py`` (LR =
Gaussian blur + block mean + noise, HR = interior sub-volume; 10 seeds per row; noise sigma relative to the
ball/pore contrast, per LR voxel):

=============================  ===========  ===========  ===========
LR noise sigma (SNR)           0.15 (6.7)   0.3 (3.3)    0.5 (2)
=============================  ===========  ===========  ===========
true pairs, scale 2, 3-D       0.94-0.95    0.82-0.87    0.65-0.73
true pairs, scale 4, 3-D       0.83-0.86    0.66-0.71    0.48-0.55
unrelated scans, 3-D           0.19-0.35    0.17-0.31    0.14-0.25
true / unrelated, 2-D, scale 2              0.83-0.86 / 0.22-0.34
=============================  ===========  ===========  ===========

The virtual laboratory's quick-profile pairs score 0.89-0.98. 0.5 sits 0.15 above the best unrelated
score and below every true pair down to SNR 3; very noisy, very blurred pairs (scale 4 at SNR 2) can be
refused, which is the safe side (lower ``min_score`` deliberately, after looking at ``peak_ratio``: true
pairs 2.2-4, unrelated 1.0-1.5)."""


class RegistrationError(ValueError):
    """An LR/HR pair could not be registered (no convincing match); names the pair and its score."""


@dataclass(frozen=True)
class FieldMatch:
    """Where an HR field lies inside an LR scan (result of :func:`locate_field`).

    Attributes
    ----------
    offset : (ndim,) ndarray of float
        Position of the HR field's corner (the outer edge of its first voxel) in the LR scan, LR voxels,
        axis order (z, y, x) or (y, x). ``0`` means the two grids share a corner; LR voxel ``j`` spans
        ``[j, j + 1)``. With a rotation, the corner of the *unrotated* field (see ``angle_deg``).
    angle_deg : float
        Rotation of the HR field about z (the last two axes), degrees: an HR point ``p`` (LR units,
        relative to the field's centre ``c``) sits in the LR scan at ``offset + c + R p`` with
        ``R = [[cos, -sin], [sin, cos]]`` acting on (y, x). 0 unless angles were searched.
    score : float
        Pearson correlation in [-1, 1] between the area-averaged HR and the LR at the refined offset.
    coarse_score : float
        Normalised cross-correlation at the best integer position (the coarse search's peak).
    peak_ratio : float
        ``coarse_score`` over the second-highest local maximum of the correlation map (at least
        ``min_distance`` voxels away); ``inf`` when that is <= 0, ``nan`` when the map has one position.
    scale : (ndim,) ndarray of float
        LR voxel / HR voxel per axis.
    hr_shape : tuple of int
        Shape of the HR field.
    lr_slices : tuple of slice
        LR voxels that cover the HR field (clipped to the scan).
    lr_crop : ndarray of float32
        ``lr[lr_slices]``: the LR cropped to the matched region.
    name : str
        The pair's name (for messages).
    """

    offset: np.ndarray
    angle_deg: float
    score: float
    coarse_score: float
    peak_ratio: float
    scale: np.ndarray
    hr_shape: tuple
    lr_slices: tuple
    lr_crop: np.ndarray = field(repr=False)
    name: str = ""

    @property
    def offset_hr_vox(self) -> np.ndarray:
        """``offset`` in HR voxels."""
        return np.asarray(self.offset) * np.asarray(self.scale)


def _as_scale(scale, ndim: int) -> np.ndarray:
    if isinstance(scale, numbers.Real) and not isinstance(scale, bool):
        s = np.full(ndim, check_positive(scale, "scale"))
    else:
        s = np.asarray(scale, dtype=float).ravel()
        if s.size != ndim:
            raise ValueError(f"`scale` must be a number or {ndim} numbers (one per axis), got {scale!r}")
    if not np.all(np.isfinite(s)) or np.any(s < 1.0):
        raise ValueError(f"`scale` (LR voxel / HR voxel) must be finite and >= 1 per axis, got {s.tolist()}")
    return s


def _area_matrix(n: int, s: float) -> sparse.csr_matrix:
    """(floor(n/s), n) matrix averaging HR voxels [i, i+1) over LR voxels [k s, (k+1) s)."""
    m = int(math.floor(n / s + 1e-9))
    rows, cols, vals = [], [], []
    for k in range(m):
        lo, hi = k * s, (k + 1) * s
        for i in range(int(math.floor(lo + 1e-9)), min(n, int(math.ceil(hi - 1e-9)))):
            w = min(hi, i + 1) - max(lo, i)
            if w > 1e-12:
                rows.append(k)
                cols.append(i)
                vals.append(w / s)
    return sparse.csr_matrix((vals, (rows, cols)), shape=(m, n))


def area_downsample(image, scale) -> np.ndarray:
    """Average an image over coarser voxels ``scale`` times larger (exact area/volume weighting).

    For integer factors this is the block mean (``skimage.transform.downscale_local_mean`` without its
    zero-padded remainder); non-integer factors (2.3 / 0.74 µm) weight the HR voxels that straddle an LR
    voxel edge by their overlap. The coarse grid starts at the image's corner; a remainder smaller than
    one coarse voxel is dropped.

    Parameters
    ----------
    image : (Z, Y, X) or (Y, X) ndarray
    scale : float or sequence of float
        Coarse voxel / fine voxel, >= 1, per axis or one for all.

    Returns
    -------
    ndarray of float32, shape ``floor(image.shape / scale)``

    Examples
    --------
    >>> area_downsample(np.arange(16.0).reshape(4, 4), 2)
    array([[ 2.5,  4.5],
           [10.5, 12.5]], dtype=float32)
    """
    a = as_grey(image, "image", ndim=(2, 3)).astype(np.float64)
    s = _as_scale(scale, a.ndim)
    for ax, f in enumerate(s):
        if f == 1.0:
            continue
        w = _area_matrix(a.shape[ax], float(f))
        if w.shape[0] == 0:
            raise ValueError(f"`image` axis {ax} ({a.shape[ax]} voxels) is smaller than one coarse voxel "
                             f"(scale {f:g})")
        moved = np.moveaxis(a, ax, 0)
        out = w @ moved.reshape(moved.shape[0], -1)
        a = np.moveaxis(out.reshape((w.shape[0],) + moved.shape[1:]), 0, ax)
    return np.ascontiguousarray(a, dtype=np.float32)


def _window_sums(a: np.ndarray, shape) -> np.ndarray:
    """Sums of ``a`` over every window of ``shape`` fully inside ``a`` (summed-area table)."""
    for ax, w in enumerate(shape):
        c = np.cumsum(a, axis=ax, dtype=np.float64)
        c = np.concatenate([np.zeros_like(np.take(c, [0], axis=ax)), c], axis=ax)
        n = a.shape[ax]
        a = np.take(c, np.arange(w, n + 1), axis=ax) - np.take(c, np.arange(0, n - w + 1), axis=ax)
    return a


def normalised_cross_correlation(image, template) -> np.ndarray:
    """Pearson correlation of ``template`` with every window of ``image`` it fits in ('valid' positions).

    ``out[p] = sum((I_w - mean I_w)(T - mean T)) / sqrt(sum (I_w - mean I_w)^2 sum (T - mean T)^2)``
    for the window ``I_w`` of ``image`` at corner ``p`` (Lewis 1995, fast normalised cross-correlation):
    every value lies in [-1, 1]; windows of (numerically) constant image score 0.

    Parameters
    ----------
    image : (Z, Y, X) or (Y, X) ndarray
    template : ndarray, same rank, no larger than ``image`` along any axis

    Returns
    -------
    ndarray of float32, shape ``image.shape - template.shape + 1``

    Notes
    -----
    Hand-written rather than ``skimage.feature.match_template`` (same formula): that pads the image by
    the template size on every side before the FFT, which made it 20x slower on a 64x256x256 field with
    a 32x128x128 template (7 s vs 0.4 s), and it accumulates window sums in float32 (cancellation on
    16-bit grey levels). Here the inputs are standardised and the window sums are float64.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> im = rng.normal(size=(40, 50))
    >>> ncc = normalised_cross_correlation(im, im[5:25, 10:30])
    >>> np.unravel_index(ncc.argmax(), ncc.shape), round(float(ncc.max()), 4)
    ((np.int64(5), np.int64(10)), 1.0)
    """
    im = as_grey(image, "image", ndim=(2, 3))
    t = as_grey(template, "template", ndim=im.ndim)
    if any(a < b for a, b in zip(im.shape, t.shape, strict=True)):
        raise ValueError(f"`template` {t.shape} must fit inside `image` {im.shape} along every axis")
    ims = im.std(dtype=np.float64)
    ts = t.std(dtype=np.float64)
    if not ims > 0:
        raise ValueError("`image` is constant: there is nothing to correlate")
    if not ts > 0:
        raise ValueError("`template` is constant: there is nothing to correlate")
    im = ((im - im.mean(dtype=np.float64)) / ims).astype(np.float32)
    t0 = ((t - t.mean(dtype=np.float64)) / ts).astype(np.float32)
    num = fftconvolve(im, t0[(slice(None, None, -1),) * t0.ndim], mode="valid").astype(np.float64)
    n = t0.size
    s1 = _window_sums(im, t0.shape)
    s2 = _window_sums(im.astype(np.float64) ** 2, t0.shape)
    var = s2 - s1 * s1 / n  # n * window variance (image standardised to unit variance)
    ssd = float(np.sum(t0.astype(np.float64) ** 2))
    out = np.zeros(num.shape, np.float32)
    ok = var > 1e-6 * n
    out[ok] = np.clip(num[ok] / np.sqrt(var[ok] * ssd), -1.0, 1.0)
    return out


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a = a.astype(np.float64).ravel() - a.mean(dtype=np.float64)
    b = b.astype(np.float64).ravel() - b.mean(dtype=np.float64)
    d = math.sqrt(float(a @ a) * float(b @ b))
    return float(a @ b) / d if d > 0 else 0.0


def _rotation(angle_deg: float) -> np.ndarray:
    t = math.radians(angle_deg)
    return np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])


def _hr_in_lr_frame(hr: np.ndarray, angle_deg: float) -> np.ndarray:
    """HR resampled so that its content is rotated by ``angle_deg`` about its centre (last two axes)."""
    if angle_deg == 0.0:
        return hr
    mat = np.eye(hr.ndim)
    mat[-2:, -2:] = _rotation(-angle_deg)  # output p samples input R^-1 p (about the centre)
    c = (np.array(hr.shape, dtype=float) - 1) / 2
    return ndimage.affine_transform(hr, mat, offset=c - mat @ c, order=1, mode="nearest").astype(np.float32)


def _lr_coords(hr_shape, offset, scale, angle_deg: float, centre=None) -> np.ndarray:
    """LR index coordinates (voxel centres at integers) of every HR voxel centre.

    ``centre``: rotation centre (y, x), LR units from the field's corner (default: the field's middle).
    """
    grids = np.meshgrid(*[(np.arange(n) + 0.5) / s for n, s in zip(hr_shape, scale, strict=True)],
                        indexing="ij", sparse=False)
    pts = np.stack(grids)  # LR units, relative to the HR corner
    if angle_deg != 0.0:
        if centre is None:
            centre = (np.array(hr_shape, dtype=float) / np.asarray(scale))[-2:] / 2
        cy, cx = float(centre[0]), float(centre[1])
        r = _rotation(angle_deg)
        y, x = pts[-2] - cy, pts[-1] - cx
        pts[-2] = cy + r[0, 0] * y + r[0, 1] * x
        pts[-1] = cx + r[1, 0] * y + r[1, 1] * x
    return pts + (np.asarray(offset, dtype=float) - 0.5).reshape((-1,) + (1,) * len(hr_shape))


def _sample(lr: np.ndarray, coords: np.ndarray, order: int) -> np.ndarray:
    """``map_coordinates`` on the bounding box of ``coords`` only (the spline prefilter of the whole LR
    scan dominated the time), edges extended."""
    pad = order + 2
    lo = [max(0, int(np.floor(c.min())) - pad) for c in coords]
    hi = [min(n, int(np.ceil(c.max())) + pad + 1) for c, n in zip(coords, lr.shape, strict=True)]
    if any(h - low < 1 for low, h in zip(lo, hi, strict=True)):  # entirely outside: nearest edge voxels
        lo = [min(max(0, low), n - 1) for low, n in zip(lo, lr.shape, strict=True)]
        hi = [max(h, low + 1) for low, h in zip(lo, hi, strict=True)]
    box = lr[tuple(slice(a, b) for a, b in zip(lo, hi, strict=True))]
    shifted = coords - np.asarray(lo, dtype=float).reshape((-1,) + (1,) * (coords.ndim - 1))
    return ndimage.map_coordinates(box, shifted, order=order, mode="nearest").astype(np.float32)


def upscale_field(lr, match: FieldMatch, *, order: int = 3) -> np.ndarray:
    """Interpolate the LR scan onto the located HR field's grid (the registered, upscaled LR).

    Parameters
    ----------
    lr : (Z, Y, X) or (Y, X) ndarray
        The LR scan :func:`locate_field` searched.
    match : FieldMatch
    order : int
        Spline order (3: cubic B-spline, the paper's bicubic baseline in 3-D).

    Returns
    -------
    ndarray of float32, shape ``match.hr_shape``
        Edges outside the LR scan are extended (``mode='nearest'``).
    """
    g = as_grey(lr, "lr", ndim=(2, 3))
    order = check_int(order, "order", min_value=0, max_value=5)
    coords = _lr_coords(match.hr_shape, match.offset, match.scale, match.angle_deg)
    return _sample(g, coords, order)


def _second_peak(ncc: np.ndarray, peak, min_distance: int) -> float:
    from skimage.feature import peak_local_max

    if ncc.size <= 1:
        return float("nan")
    pts = peak_local_max(ncc, min_distance=min_distance, exclude_border=False, num_peaks=8)
    far = [p for p in pts if np.max(np.abs(np.asarray(p) - np.asarray(peak))) > min_distance]
    if far:
        return float(ncc[tuple(far[0])])
    # no separate local maximum: the best value outside the exclusion box
    m = np.ones(ncc.shape, bool)
    m[tuple(slice(max(0, p - min_distance), p + min_distance + 1) for p in peak)] = False
    return float(ncc[m].max()) if m.any() else float("nan")


def _subvoxel(ncc: np.ndarray, peak) -> np.ndarray:
    """Parabolic fit through the peak and its two neighbours, per axis (0 at a border)."""
    d = np.zeros(ncc.ndim)
    for ax in range(ncc.ndim):
        p = list(peak)
        if 0 < p[ax] < ncc.shape[ax] - 1:
            p[ax] -= 1
            lo = ncc[tuple(p)]
            p[ax] += 2
            hi = ncc[tuple(p)]
            c = ncc[tuple(peak)]
            den = lo - 2 * c + hi
            if den < 0:
                d[ax] = float(np.clip(0.5 * (lo - hi) / den, -0.5, 0.5))
    return d


_EDGE = 2  # LR voxels of the template left out on every face (see locate_field)


def locate_field(lr, hr, *, scale, angles=(0.0,), min_score: float = MIN_SCORE, refine: bool = True,
                 min_distance: int = 3, name: str = "") -> FieldMatch:
    """Find where an HR scan lies inside a (larger) LR scan, to sub-voxel precision.

    1. The HR is area-averaged onto the LR grid (:func:`area_downsample`; the acquisition blur is
       unknown, so only the voxel integration is modelled).
    2. Coarse search: the normalised cross-correlation (a Pearson correlation per window,
       :func:`normalised_cross_correlation`) of that template with every position of the whole LR scan;
       for each angle in ``angles`` the HR is first rotated about z and the template cropped to the part
       that stays inside the field.
    3. Refinement: a parabola through the correlation peak and its neighbours along each axis
       (measured error 0.03-0.05 LR voxel RMS on blurred, noisy ball packings), then (``refine``) phase
       correlation of the HR with the LR upscaled onto the located field, on the HR grid
       (``skimage.registration.phase_cross_correlation``, 1/20 HR voxel).
    4. The score is the Pearson correlation at the refined offset; below ``min_score`` the pair is refused.

    Supported: translations anywhere in the LR field (the HR field must lie inside it, up to 2 LR voxels
    past an edge: the template leaves out 2 LR voxels on every face); rotations about z within the searched ``angles`` (nearest 0.5° by default
    grid ±3°; no sub-step angle refinement); 2-D (SEM images, slices) and 3-D. Not supported: tilts
    about x or y, scale errors beyond the voxel sizes given, non-rigid distortion.

    Parameters
    ----------
    lr : (Z, Y, X) or (Y, X) ndarray
        Low-resolution scan (any grey scale: the score is invariant to gain and offset).
    hr : ndarray, same rank
        High-resolution scan of a region inside ``lr``.
    scale : float or sequence of float
        LR voxel / HR voxel (e.g. 2.3 / 0.74), per axis or one for all; need not be an integer.
    angles : sequence of float
        Rotations about z to try, degrees. ``(0.0,)`` (default): translation only;
        ``np.arange(-3, 3.01, 0.5)`` searches ±3° in 0.5° steps (13x the time).
    min_score : float
        Refuse matches whose ``score`` is below this (default :data:`MIN_SCORE` = 0.5).
    refine : bool
        Polish the offset by phase correlation on the HR grid (step 3; costs one upscaling of the field).
    min_distance : int
        Exclusion radius (LR voxels) around the peak for the second peak of ``peak_ratio``.
    name : str
        Name of the pair, used in error messages.

    Returns
    -------
    FieldMatch

    Raises
    ------
    RegistrationError
        If the best score is below ``min_score`` (message names the pair and the score).
    ValueError
        If an input is constant, the HR field is larger than the LR field, or arguments are invalid.

    Examples
    --------
    >>> from scipy import ndimage
    >>> rng = np.random.default_rng(1)
    >>> scene = ndimage.gaussian_filter(rng.normal(size=(256, 256)), 3)
    >>> lr = area_downsample(scene, 2)                  # 128 x 128 LR field
    >>> hr = scene[60:140, 90:170]                      # HR corner at LR (30, 45)
    >>> m = locate_field(lr, hr, scale=2, name="demo")
    >>> np.round(m.offset, 1).tolist(), m.score > 0.9
    ([30.0, 45.0], True)
    """
    label = f"pair {name!r}" if name else "the LR/HR pair"
    lr_g = as_grey(lr, "lr", ndim=(2, 3))
    hr_g = as_grey(hr, "hr", ndim=lr_g.ndim)
    s = _as_scale(scale, lr_g.ndim)
    min_score = check_fraction(min_score, "min_score", low=-1.0, high=1.0)
    min_distance = check_int(min_distance, "min_distance", min_value=1)
    angles = [float(a) for a in np.atleast_1d(np.asarray(angles, dtype=float))]
    if not angles or any(not np.isfinite(a) or abs(a) > 45 for a in angles):
        raise ValueError(f"`angles` must be a non-empty sequence of degrees within ±45, got {angles!r}")
    if not lr_g.std() > 0:
        raise ValueError(f"`lr` of {label} is constant (every voxel {float(lr_g.flat[0]):g}): "
                         "nothing to register")
    if not hr_g.std() > 0:
        raise ValueError(f"`hr` of {label} is constant (every voxel {float(hr_g.flat[0]):g}): "
                         "nothing to register")
    field_lr = np.array(hr_g.shape) / s
    if np.any(np.floor(field_lr + 1e-9) > np.array(lr_g.shape)):
        raise ValueError(f"the HR field of {label} ({hr_g.shape} HR voxels = {np.round(field_lr, 2).tolist()} "
                         f"LR voxels) is larger than the LR scan {lr_g.shape}; check `scale`={s.tolist()}")
    if np.any(field_lr < 2 * _EDGE + 4):
        raise ValueError(f"the HR field of {label} spans fewer than {2 * _EDGE + 4} LR voxels along an axis "
                         f"({np.round(field_lr, 2).tolist()}): too small to locate")

    # template crop (LR voxels, last two axes) that stays inside the field under every searched rotation
    # (and 2 voxels more on every face, so that the correlation map has neighbours around the peak for
    # the sub-voxel fit even when HR and LR cover the same field, and fields past an LR edge are found)
    amax = max(abs(a) for a in angles)
    margin = np.full(lr_g.ndim, _EDGE, int)
    if amax > 0:
        half = float(np.max(field_lr[-2:])) / 2
        margin[-2:] += int(math.ceil(math.sin(math.radians(amax)) * half * math.sqrt(2))) + 1
    best = None
    for a in angles:
        tpl = area_downsample(_hr_in_lr_frame(hr_g, a), s)
        tpl = tpl[tuple(slice(m, n - m) for m, n in zip(margin, tpl.shape, strict=True))]
        if min(tpl.shape) < 2 or tpl.std() == 0:
            raise ValueError(f"the HR field of {label} is too small for the searched `angles` (±{amax}°)")
        ncc = normalised_cross_correlation(lr_g, tpl)
        peak = np.unravel_index(int(np.argmax(ncc)), ncc.shape)
        log.debug("%s: angle %+.2f°, coarse NCC %.3f at %s", label, a, ncc[peak], peak)
        if best is None or ncc[peak] > best[2][best[3]]:
            best = (a, tpl, ncc, peak)
    angle, tpl, ncc, peak = best
    coarse = float(ncc[peak])
    second = _second_peak(ncc, peak, min_distance)
    ratio = float("nan") if not np.isfinite(second) else (coarse / second if second > 0 else float("inf"))

    # sub-voxel refinement: parabola through the NCC peak and its neighbours, per axis. Measured on the
    # test's ball packings (scale 2 and 4, 36 pairs): RMS error 0.03-0.05 LR voxel per axis, max 0.11;
    # phase correlation of the template with the LR crop (Hann window, upsample 50) gave 0.05-0.10, max 0.2
    frac = _subvoxel(ncc, peak)
    offset = np.asarray(peak, dtype=float) + frac - margin
    if refine:
        # polish on the HR grid: phase correlation (1/20 HR voxel) of the HR with the LR upscaled onto the
        # located field; on the virtual lab's same-field pairs it cut the error from <= 0.27 to <= 0.07 HR
        # voxel. A residual beyond one LR voxel means the polish failed: the parabola's offset is kept.
        from ._pairs import register

        trial = FieldMatch(offset, angle, float("nan"), coarse, ratio, s, tuple(hr_g.shape), (), lr_g[:0])
        res = register(upscale_field(lr_g, trial), hr_g, upsample=20).shift_vox
        if np.all(np.abs(res) <= s):
            offset = offset - res / s
    # score: Pearson correlation of the (unrotated, uncropped) template with the LR sampled at the offset
    hr_lr = area_downsample(hr_g, s)
    coords = _lr_coords(hr_lr.shape, offset, np.ones(lr_g.ndim), angle, centre=field_lr[-2:] / 2)
    inside = tuple(slice(m, n - m) for m, n in zip(margin, hr_lr.shape, strict=True))
    sampled = _sample(lr_g, coords, 3)
    score = _pearson(sampled[inside], hr_lr[inside])
    lo = np.clip(np.floor(offset + 1e-9).astype(int), 0, None)
    hi = np.minimum(np.ceil(offset + field_lr - 1e-9).astype(int), lr_g.shape)
    if angle != 0.0:  # the rotated field's bounding box in the last two axes
        c = offset[-2:] + field_lr[-2:] / 2
        r = np.abs(_rotation(angle)) @ (field_lr[-2:] / 2)
        lo[-2:] = np.clip(np.floor(c - r).astype(int), 0, None)
        hi[-2:] = np.minimum(np.ceil(c + r).astype(int), lr_g.shape[-2:])
    slices = tuple(slice(int(a), int(b)) for a, b in zip(lo, hi, strict=True))
    match = FieldMatch(offset, angle, score, coarse, ratio, s, tuple(hr_g.shape), slices,
                       lr_g[slices].copy(), name)
    log.info("%s: offset %s LR voxels, angle %.1f°, score %.3f (coarse %.3f, peak ratio %.2f)", label,
             np.round(offset, 2).tolist(), angle, score, coarse, ratio)
    if not score >= min_score:
        raise RegistrationError(
            f"{label} does not register: match score {score:.3f} < min_score {min_score:g} (best position "
            f"{np.round(offset, 1).tolist()} LR voxels, angle {angle:g}°, peak ratio {ratio:.2f}); the HR "
            "scan is probably not a region of this LR scan, or `scale` is wrong")
    return match
