"""SEM forward model for polished cross-sections (paper 003): 14.3 nm HR and 38.5 nm LR images.

The clean signal of a phase image is built from: a grey level per phase (NMC bright, background
and cracks dark), channelling contrast (each primary grain a little brighter or darker, as grain
orientation changes the backscatter yield), edge brightening of the solid next to a void
(secondary electrons escape more easily at edges), and a smooth texture in the background
(carbon-binder domain and pores). An acquisition then blurs it with the probe (Gaussian PSF),
integrates it over the detector pixel (anti-aliased resampling for the LR grid) and adds
Poisson + Gaussian noise. HR and LR images of one section are two independent acquisitions of the
same clean signal, so they are registered by construction (paper 003 registers real pairs).

The LR/HR factor is 38.5/14.3 = 35/13. Paper 003's SRGAN resizes the LR input by 35/26 and then
pixel-shuffles ×2; :func:`resize_for_shuffle` is that first step, so HR images whose edge is a
multiple of 70 px (1.001 µm) map exactly onto LR images of 26/70 their size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .._validate import as_grey, as_labels, as_rng, check_nonnegative, check_positive
from ..phases import CRACK, NMC, PORE
from ._xct import add_noise, phase_grey, resample

__all__ = [
    "SEM_HR_PIXEL_UM",
    "SEM_LR_PIXEL_UM",
    "SEM_FACTOR",
    "SEM_GREY",
    "SEMPair",
    "sem_signal",
    "acquire_sem",
    "sem_pair",
    "resize_for_shuffle",
]

SEM_HR_PIXEL_UM = 0.0143
"""Paper 003's high-resolution pixel, µm (14.3 nm)."""
SEM_LR_PIXEL_UM = 0.0385
"""Paper 003's low-resolution pixel, µm (38.5 nm)."""
SEM_FACTOR = 35.0 / 13.0
"""LR/HR pixel ratio 38.5/14.3 = 35/13 ≈ 2.692 (paper 003 Sec. 2.3.1)."""

SEM_GREY: dict[int, float] = {PORE: 0.14, NMC: 0.58, CRACK: 0.10}
"""Clean grey level per phase: bright NMC, dark background (carbon binder, pores) and cracks."""


def sem_signal(phase, *, pixel_um: float = SEM_HR_PIXEL_UM, grain=None, grey: dict | None = None,
               grain_contrast: float = 0.05, edge_gain: float = 0.18, edge_um: float = 0.03,
               texture: float = 0.05, texture_um: float = 0.15, seed=None) -> np.ndarray:
    """The clean (noise- and blur-free) SEM signal of a phase image.

    Parameters
    ----------
    phase : (Y, X) ndarray of uint8
        ``PORE`` (background), ``NMC`` (solid), ``CRACK``.
    pixel_um : float
        Pixel edge, µm.
    grain : (Y, X) ndarray of int, optional
        Primary-grain index per pixel (-1 in the background), for channelling contrast.
    grey : dict, optional
        Grey level per phase (default :data:`SEM_GREY`).
    grain_contrast : float
        Standard deviation of the per-grain grey offset.
    edge_gain, edge_um : float
        Brightening of solid pixels next to a void: ``edge_gain · exp(-d / edge_um)``, ``d`` the
        distance to the nearest non-solid pixel (µm).
    texture, texture_um : float
        Amplitude and correlation length (µm) of the smooth background texture.
    seed : int, Generator or None

    Returns
    -------
    (Y, X) ndarray of float32
    """
    lab = as_labels(phase, "phase", ndim=2)
    pixel_um = check_positive(pixel_um, "pixel_um")
    rng = as_rng(seed)
    sig = phase_grey(lab, grey=SEM_GREY if grey is None else grey).astype(np.float32)
    solid = lab == NMC
    if grain is not None and check_nonnegative(grain_contrast, "grain_contrast") > 0:
        g = np.asarray(grain)
        if g.shape != lab.shape:
            raise ValueError(f"`grain` has shape {g.shape}, `phase` {lab.shape}")
        offsets = rng.normal(0.0, grain_contrast, size=int(g.max()) + 2).astype(np.float32)
        sig += np.where(solid, offsets[np.where(g >= 0, g, -1)], 0.0).astype(np.float32)
    if check_nonnegative(edge_gain, "edge_gain") > 0 and solid.any():
        d = ndimage.distance_transform_edt(solid) * pixel_um
        sig += np.where(solid, edge_gain * np.exp(-(d - 0.5 * pixel_um) / check_positive(edge_um, "edge_um")),
                        0.0).astype(np.float32)
    if check_nonnegative(texture, "texture") > 0:
        field = ndimage.gaussian_filter(rng.normal(size=lab.shape).astype(np.float32),
                                        check_positive(texture_um, "texture_um") / pixel_um)
        field /= max(float(field.std()), 1e-12)
        sig += np.where(lab == PORE, texture * field, 0.0).astype(np.float32)
    return np.clip(sig, 0.0, 1.0).astype(np.float32)


def acquire_sem(signal, *, pixel_um: float, out_pixel_um: float | None = None, psf_um: float = 0.012,
                photons: float = 80.0, read_sigma: float = 0.02, out_shape=None, seed=None) -> np.ndarray:
    """One SEM acquisition of a clean signal: probe blur, pixel integration, noise.

    Parameters
    ----------
    signal : (Y, X) ndarray of float
        Clean signal on a grid of ``pixel_um``.
    pixel_um : float
        Grid of ``signal``, µm.
    out_pixel_um : float, optional
        Pixel of the acquisition, µm (default ``pixel_um``); coarser grids are anti-aliased
        (:func:`xctkit.imaging.resample`).
    psf_um : float
        Probe standard deviation, µm.
    photons, read_sigma : float
        Noise (:func:`xctkit.imaging.add_noise`).
    out_shape : (2,) tuple of int, optional
    seed : int, Generator or None

    Returns
    -------
    (Y', X') ndarray of float32
        Grey levels clipped to [0, 1].
    """
    s = as_grey(signal, "signal", ndim=2)
    pixel_um = check_positive(pixel_um, "pixel_um")
    out_pixel_um = pixel_um if out_pixel_um is None else check_positive(out_pixel_um, "out_pixel_um")
    img = resample(s, voxel_um=pixel_um, out_voxel_um=out_pixel_um, psf_um=check_nonnegative(psf_um, "psf_um"),
                   origin_um=(0.0, 0.0), out_shape=out_shape)
    img = add_noise(img, photons=photons, read_sigma=read_sigma, seed=seed)
    return np.clip(img, 0.0, 1.0).astype(np.float32)


def resize_for_shuffle(lr, *, factor: float = 35.0 / 26.0) -> np.ndarray:
    """Resize an LR image by ``factor`` (cubic), the first stage of paper 003's SR generator.

    Parameters
    ----------
    lr : (Y, X) or (N, Y, X) ndarray of float
        Images on the 38.5 nm grid.
    factor : float
        Paper 003: ½ · 35/13 = 35/26; the generator's pixel shuffle supplies the other ×2.

    Returns
    -------
    ndarray of float32
        ``round(Y · factor)`` × ``round(X · factor)`` per image.
    """
    from skimage.transform import resize

    a = as_grey(lr, "lr", ndim=(2, 3))
    factor = check_positive(factor, "factor")
    shape = tuple(int(round(n * factor)) for n in a.shape[-2:])
    if a.ndim == 2:
        return resize(a, shape, order=3, mode="edge", anti_aliasing=False).astype(np.float32)
    return np.stack([resize(x, shape, order=3, mode="edge", anti_aliasing=False) for x in a]).astype(np.float32)


@dataclass(frozen=True)
class SEMPair:
    """Registered HR / LR SEM images of one section.

    Attributes
    ----------
    hr : (Y, X) ndarray of float32
        14.3 nm image.
    lr : (y, x) ndarray of float32
        38.5 nm image (``y = round(Y · 13/35)``).
    lr_resized : (Y/2, X/2) ndarray of float32
        ``lr`` resized by 35/26 (input of the ×2 SR generator; exact when ``Y``, ``X`` are
        multiples of 70).
    hr_pixel_um, lr_pixel_um : float
    """

    hr: np.ndarray
    lr: np.ndarray
    lr_resized: np.ndarray
    hr_pixel_um: float
    lr_pixel_um: float


def sem_pair(phase, *, grain=None, pixel_um: float = SEM_HR_PIXEL_UM, lr_pixel_um: float = SEM_LR_PIXEL_UM,
             hr_psf_um: float = 0.012, lr_psf_um: float = 0.03, photons: float = 80.0, read_sigma: float = 0.02,
             signal_kw: dict | None = None, seed=None) -> SEMPair:
    """Render the HR image of a true section and acquire the matching LR image.

    Parameters
    ----------
    phase : (Y, X) ndarray of uint8
        True section at ``pixel_um`` (e.g. :meth:`xctkit.synth.SEMSpecimen.section`).
    grain : (Y, X) ndarray of int, optional
        Grain index per pixel (channelling contrast).
    pixel_um, lr_pixel_um : float
        HR and LR pixels, µm (paper: 0.0143 and 0.0385).
    hr_psf_um, lr_psf_um : float
        Probe standard deviations at the two magnifications, µm.
    photons, read_sigma : float
        Noise of both acquisitions.
    signal_kw : dict, optional
        Keywords for :func:`sem_signal`.
    seed : int, Generator or None

    Returns
    -------
    SEMPair
    """
    rng = as_rng(seed)
    lab = as_labels(phase, "phase", ndim=2)
    pixel_um = check_positive(pixel_um, "pixel_um")
    lr_pixel_um = check_positive(lr_pixel_um, "lr_pixel_um")
    sig = sem_signal(lab, pixel_um=pixel_um, grain=grain, seed=rng, **(signal_kw or {}))
    hr = acquire_sem(sig, pixel_um=pixel_um, psf_um=hr_psf_um, photons=photons, read_sigma=read_sigma, seed=rng)
    f = pixel_um / lr_pixel_um
    lr_shape = tuple(max(int(round(n * f)), 1) for n in lab.shape)
    lr = acquire_sem(sig, pixel_um=pixel_um, out_pixel_um=lr_pixel_um, psf_um=lr_psf_um, photons=photons,
                     read_sigma=read_sigma, out_shape=lr_shape, seed=rng)
    factor = 0.5 * lr_pixel_um / pixel_um
    return SEMPair(hr, lr, resize_for_shuffle(lr, factor=factor), pixel_um, lr_pixel_um)
