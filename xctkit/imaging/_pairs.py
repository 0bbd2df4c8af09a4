"""Paired LR/HR scans of one truth (paper 000 Fig. 1), upscaling and registration."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .._validate import as_grey, as_labels, as_rng, check_int, check_nonnegative, check_positive
from ._xct import Scan, render_xct

__all__ = ["ScanPair", "Registration", "xct_pair", "upscale_to", "register", "register_scans", "apply_shift",
           "HR_SETUP", "LR_SETUP"]

HR_SETUP = {"out_voxel_um": 0.74, "psf_um": 0.45, "photons": 600.0, "read_sigma": 0.02,
            "gain": 1.0, "offset": 0.0}
"""High-resolution set-up (paper 000: 0.74 µm/voxel, ~3.5 h scan)."""

LR_SETUP = {"out_voxel_um": 2.3, "psf_um": 1.0, "photons": 1200.0, "read_sigma": 0.014,
            "gain": 0.88, "offset": 0.0}
"""Low-resolution set-up (paper 000: 2.3 µm/voxel, ~45 min scan). Photons per voxel scale with
exposure × pixel area in the object: (45 / 210 min) × (2.3 / 0.74)² ≈ 2.1 times the HR scan's, hence
twice the HR photon count (and √2 less read noise). The lower gain models the LR reconstruction's
grey scale, which paper 000 Fig. 5g-h shows concentrated at lower intensity."""


@dataclass(frozen=True)
class ScanPair:
    """A registered-or-not LR/HR pair of the same region.

    Attributes
    ----------
    hr : Scan
        High-resolution scan.
    lr : Scan
        Low-resolution scan on its own (coarse) grid.
    lr_up : (Z, Y, X) ndarray of float32
        ``lr`` upscaled onto the HR grid (cubic spline), *not* registered.
    true_offset_um : (3,) ndarray
        The LR grid's offset relative to HR (the registration target), µm.
    """

    hr: Scan
    lr: Scan
    lr_up: np.ndarray
    true_offset_um: np.ndarray

    @property
    def true_shift_hr_vox(self) -> np.ndarray:
        """Shift (HR voxels) that registers ``lr_up`` onto ``hr``."""
        return np.asarray(self.true_offset_um) / self.hr.voxel_um


@dataclass(frozen=True)
class Registration:
    """Result of :func:`register`.

    Attributes
    ----------
    shift_vox : (ndim,) ndarray
        Shift to apply to ``moving`` (``scipy.ndimage.shift`` convention), voxels.
    error : float
        Normalised RMS error of the cross-correlation (skimage).
    """

    shift_vox: np.ndarray
    error: float


def upscale_to(lr, *, lr_voxel_um: float, hr_voxel_um: float, out_shape, order: int = 3) -> np.ndarray:
    """Interpolate a low-resolution volume onto a high-resolution grid with the same corner.

    ``order=3`` is cubic B-spline interpolation (the tricubic analogue of bicubic upscaling, the
    paper's "scaled-up" LR image and the no-model baseline).

    Parameters
    ----------
    lr : (Z, Y, X) or (Y, X) ndarray
    lr_voxel_um, hr_voxel_um : float
        Voxel edges, µm.
    out_shape : tuple of int
        HR grid shape.
    order : int
        Spline order (0-5).

    Returns
    -------
    ndarray of float32, shape ``out_shape``
    """
    g = as_grey(lr, "lr", ndim=(2, 3))
    lr_voxel_um = check_positive(lr_voxel_um, "lr_voxel_um")
    hr_voxel_um = check_positive(hr_voxel_um, "hr_voxel_um")
    order = check_int(order, "order", min_value=0, max_value=5)
    if len(out_shape) != g.ndim:
        raise ValueError(f"`out_shape` must have {g.ndim} entries, got {out_shape!r}")
    axes = [(np.arange(n) + 0.5) * hr_voxel_um / lr_voxel_um - 0.5 for n in out_shape]
    coords = np.meshgrid(*axes, indexing="ij")
    return ndimage.map_coordinates(g, coords, order=order, mode="nearest").astype(np.float32)


def register(moving, fixed, *, upsample: int = 20) -> Registration:
    """Translation that aligns ``moving`` onto ``fixed`` (phase correlation, sub-voxel).

    Parameters
    ----------
    moving, fixed : ndarray
        Same shape (e.g. upscaled LR and HR).
    upsample : int
        Sub-voxel precision 1/``upsample`` (skimage ``phase_cross_correlation``).

    Returns
    -------
    Registration
    """
    from skimage.registration import phase_cross_correlation

    m = as_grey(moving, "moving", ndim=(2, 3))
    f = as_grey(fixed, "fixed", ndim=(2, 3))
    if m.shape != f.shape:
        raise ValueError(f"`moving` and `fixed` must have the same shape, got {m.shape} and {f.shape}")
    upsample = check_int(upsample, "upsample", min_value=1)
    from skimage.filters import window

    # a Hann window suppresses the wrap-around discontinuity of non-periodic volumes
    w = window("hann", f.shape).astype(np.float32)
    shift, error, _ = phase_cross_correlation((f - f.mean()) * w, (m - m.mean()) * w,
                                              upsample_factor=upsample, normalization=None)
    return Registration(np.asarray(shift, dtype=float), float(error))


def apply_shift(volume, shift_vox, *, order: int = 3) -> np.ndarray:
    """Shift a volume by (sub-)voxel amounts (``scipy.ndimage.shift``, edges extended)."""
    g = as_grey(volume, "volume")
    return ndimage.shift(g, shift_vox, order=order, mode="nearest").astype(np.float32)


def xct_pair(labels, *, voxel_um: float, hr: dict | None = None, lr: dict | None = None,
             max_offset_um: float = 1.5, seed=None) -> ScanPair:
    """Render an HR and an LR scan of the same region, and the LR upscaled onto the HR grid.

    Parameters
    ----------
    labels : (Z, Y, X) ndarray of uint8
        Truth phases.
    voxel_um : float
        Truth voxel, µm (finer than the HR voxel).
    hr, lr : dict, optional
        Overrides of :data:`HR_SETUP` / :data:`LR_SETUP` (any :func:`render_xct` keyword).
    max_offset_um : float
        The LR grid is displaced by a random offset, uniform in ±``max_offset_um`` per axis
        (to be recovered by :func:`register`).
    seed : int, Generator or None

    Returns
    -------
    ScanPair
    """
    lab = as_labels(labels, "labels", ndim=3)
    voxel_um = check_positive(voxel_um, "voxel_um")
    max_offset_um = check_nonnegative(max_offset_um, "max_offset_um")
    rng = as_rng(seed)
    hr_kw = {**HR_SETUP, **(hr or {})}
    lr_kw = {**LR_SETUP, **(lr or {})}
    if hr_kw["out_voxel_um"] <= voxel_um * (1 - 1e-9):
        raise ValueError(f"HR voxel {hr_kw['out_voxel_um']} must not be finer than the truth voxel {voxel_um}")
    if lr_kw["out_voxel_um"] <= hr_kw["out_voxel_um"]:
        raise ValueError("LR voxel must be larger than the HR voxel")
    extent = np.array(lab.shape) * voxel_um
    hr_shape = tuple(int(np.floor(e / hr_kw["out_voxel_um"] + 1e-6)) for e in extent)
    offset = rng.uniform(-max_offset_um, max_offset_um, size=3)
    # the LR grid corner sits at `offset`; it covers the HR region (edges are extended)
    lr_shape = tuple(int(np.ceil(n * hr_kw["out_voxel_um"] / lr_kw["out_voxel_um"])) for n in hr_shape)
    hr_scan = render_xct(lab, voxel_um=voxel_um, out_shape=hr_shape, seed=rng, **hr_kw)
    lr_scan = render_xct(lab, voxel_um=voxel_um, origin_um=offset, out_shape=lr_shape, seed=rng, **lr_kw)
    lr_up = upscale_to(lr_scan.grey, lr_voxel_um=lr_scan.voxel_um, hr_voxel_um=hr_scan.voxel_um,
                       out_shape=hr_shape)
    return ScanPair(hr_scan, lr_scan, lr_up, offset)


def register_scans(lr, hr, *, lr_voxel_um: float, hr_voxel_um: float, upsample: int = 20
                   ) -> tuple[np.ndarray, Registration]:
    """Upscale an LR scan onto the HR grid and register it to the HR scan.

    Parameters
    ----------
    lr, hr : (Z, Y, X) ndarray
        Grey levels on their own grids (the grids share a corner up to the unknown offset).
    lr_voxel_um, hr_voxel_um : float
        Voxel edges, µm.
    upsample : int
        Sub-voxel precision of the registration.

    Returns
    -------
    (lr_up_registered, Registration)
        The registered LR volume on the HR grid, and the shift that was applied (HR voxels).
    """
    hr_g = as_grey(hr, "hr", ndim=3)
    lr_up = upscale_to(lr, lr_voxel_um=lr_voxel_um, hr_voxel_um=hr_voxel_um, out_shape=hr_g.shape)
    reg = register(lr_up, hr_g, upsample=upsample)
    return apply_shift(lr_up, reg.shift_vox), reg
