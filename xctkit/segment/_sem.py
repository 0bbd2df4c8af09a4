"""Classical phase segmentation of SEM cross-sections: background / solid / crack (paper 003).

Not in the paper (which trains a U-Net, :func:`xctkit.segment.unet`); the threshold route is the
baseline and the fallback that needs no training:

1. Gaussian denoising and an Otsu threshold give the bright solid;
2. the particle outlines are the solid after a small closing (heals crack mouths at the particle
   surface) with every enclosed hole filled (cracks inside a particle are holes of its solid);
3. dark pixels (grey ≤ ``crack_threshold``) inside an outline are crack, the rest of the outline
   solid, everything else background.

The crack threshold can be chosen like the paper's ``t`` (Eq. 7): the value that maximises pixel
accuracy against labelled images (:func:`fit_crack_threshold`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .._validate import as_grey, as_labels, check_nonnegative, check_positive
from ..phases import CRACK, NMC, PORE

__all__ = ["segment_sem", "fit_crack_threshold", "CrackThreshold", "phase_accuracy"]


def _disk(r: float) -> np.ndarray:
    k = int(np.ceil(r))
    y, x = np.ogrid[-k:k + 1, -k:k + 1]
    return (x * x + y * y) <= r * r + 1e-9


def _prepare(grey, pixel_um, smooth_um):
    from scipy import ndimage

    g = as_grey(grey, "grey", ndim=2)
    pixel_um = check_positive(pixel_um, "pixel_um")
    sigma = check_nonnegative(smooth_um, "smooth_um") / pixel_um
    return (ndimage.gaussian_filter(g, sigma) if sigma > 0 else g), pixel_um


def _outline(gs, pixel_um, close_um, min_particle_um2, t_solid):
    from scipy import ndimage

    solid = gs > t_solid
    r = check_nonnegative(close_um, "close_um") / pixel_um
    if r >= 0.5:
        pad = int(np.ceil(r)) + 1
        closed = ndimage.binary_closing(np.pad(solid, pad, mode="edge"), structure=_disk(r))[pad:-pad, pad:-pad]
        solid = solid | closed
    filled = ndimage.binary_fill_holes(solid)
    lab, n = ndimage.label(filled)
    if n:
        size = np.bincount(lab.ravel())
        keep = size * pixel_um**2 >= check_nonnegative(min_particle_um2, "min_particle_um2")
        keep[0] = False
        filled = keep[lab]
    return filled


def segment_sem(grey, *, pixel_um: float, smooth_um: float = 0.02, close_um: float = 0.05,
                crack_threshold: float | None = None, min_particle_um2: float = 0.3) -> np.ndarray:
    """Phase-wise segmentation ``S`` of an SEM image of cracked particles (paper 003, Eq. 1).

    Parameters
    ----------
    grey : (Y, X) ndarray of float
        SEM grey levels (bright solid).
    pixel_um : float
        Pixel edge, µm (sets the physical sizes below in pixels).
    smooth_um : float
        Standard deviation of the Gaussian denoising, µm.
    close_um : float
        Radius of the closing that heals crack mouths, µm; gaps between particles narrower than
        twice this are bridged (and read as crack), so keep it below half the usual gap.
    crack_threshold : float, optional
        Grey level at or below which a pixel inside a particle is crack (on the smoothed image);
        default the Otsu threshold of the image.
    min_particle_um2 : float
        Particle outlines smaller than this are background (noise specks), µm².

    Returns
    -------
    (Y, X) ndarray of uint8
        ``PORE`` (the paper's background, 0), ``NMC`` (solid, paper 1), ``CRACK`` (paper 2).

    Raises
    ------
    ValueError
        On a constant image or non-positive sizes.
    """
    from skimage.filters import threshold_otsu

    gs, pixel_um = _prepare(grey, pixel_um, smooth_um)
    if float(gs.max()) == float(gs.min()):
        raise ValueError("`grey` is constant; nothing to segment")
    t_solid = float(threshold_otsu(gs))
    t_crack = t_solid if crack_threshold is None else float(crack_threshold)
    # outlines from max(Otsu, t_crack): a crack threshold above the solid threshold would otherwise
    # turn the blurred rim of every particle into a thin false crack
    outline = _outline(gs, pixel_um, close_um, min_particle_um2, max(t_solid, t_crack))
    out = np.full(gs.shape, PORE, np.uint8)
    out[outline] = NMC
    out[outline & (gs <= t_crack)] = CRACK
    return out


def phase_accuracy(pred, truth) -> float:
    """Share of pixels whose phase label agrees (the paper's criterion for ``t``).

    Parameters
    ----------
    pred, truth : (Y, X) ndarray of uint8
        Phase images of the same shape.

    Returns
    -------
    float
    """
    p = as_labels(pred, "pred", ndim=2)
    t = as_labels(truth, "truth", ndim=2)
    if p.shape != t.shape:
        raise ValueError(f"`pred` and `truth` must have the same shape, got {p.shape} and {t.shape}")
    return float(np.mean(p == t))


@dataclass(frozen=True)
class CrackThreshold:
    """Result of :func:`fit_crack_threshold`.

    Attributes
    ----------
    threshold : float
        The grey level with the highest pooled accuracy.
    grid : (K,) ndarray of float
        Thresholds tried.
    accuracy : (K,) ndarray of float
        Pooled pixel accuracy at each.
    """

    threshold: float
    grid: np.ndarray
    accuracy: np.ndarray

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame({"threshold": self.grid, "accuracy": self.accuracy})


def fit_crack_threshold(greys, truths, *, pixel_um: float, grid=None, **kwargs) -> CrackThreshold:
    """Choose the crack threshold of :func:`segment_sem` by pixel accuracy on labelled images.

    Parameters
    ----------
    greys : sequence of (Y, X) ndarray of float
        Training images.
    truths : sequence of (Y, X) ndarray of uint8
        Their true phases (``PORE``/``NMC``/``CRACK``).
    pixel_um : float
    grid : (K,) array_like of float, optional
        Thresholds to try (default 41 values from the 2nd grey-level percentile to the median grey of
        the pixels above the pooled Otsu threshold, i.e. of the solid). A best value at either end of
        the grid raises a ``RuntimeWarning``.
    **kwargs
        Other :func:`segment_sem` options (``smooth_um``, ``close_um``, ``min_particle_um2``).

    Returns
    -------
    CrackThreshold
    """
    from skimage.filters import threshold_otsu

    greys, truths = list(greys), list(truths)
    if len(greys) != len(truths) or not greys:
        raise ValueError(f"`greys` and `truths` must be equally long non-empty lists, got {len(greys)} and {len(truths)}")
    smooth_um = kwargs.pop("smooth_um", 0.02)
    close_um = kwargs.pop("close_um", 0.05)
    min_area = kwargs.pop("min_particle_um2", 0.3)
    if kwargs:
        raise TypeError(f"unexpected keyword(s) {sorted(kwargs)}")
    prepared = []
    for i, (g, t) in enumerate(zip(greys, truths, strict=True)):
        gs, px = _prepare(g, pixel_um, smooth_um)
        tt = as_labels(t, f"truths[{i}]", ndim=2)
        if tt.shape != gs.shape:
            raise ValueError(f"`truths[{i}]` has shape {tt.shape}, `greys[{i}]` {gs.shape}")
        prepared.append((gs, px, float(threshold_otsu(gs)), tt))
    if grid is None:
        # from the darkest pixels up to the solid's median grey: the best crack threshold lies between
        # pore and solid grey, near Otsu's (a fixed percentile range missed it on pore-rich images)
        pooled = np.concatenate([gs.ravel() for gs, _, _, _ in prepared])
        solid_median = float(np.median(pooled[pooled > threshold_otsu(pooled)]))
        grid = np.linspace(float(np.percentile(pooled, 2)), solid_median, 41)
    grid = np.asarray(grid, dtype=float)
    acc = np.zeros(grid.size)
    n = sum(gs.size for gs, _, _, _ in prepared)
    for gs, px, t_otsu, tt in prepared:
        base_outline = _outline(gs, px, close_um, min_area, t_otsu)
        for k, t in enumerate(grid):
            outline = base_outline if t <= t_otsu else _outline(gs, px, close_um, min_area, t)
            crack = outline & (gs <= t)
            acc[k] += ((~outline) & (tt == PORE)).sum() + (crack & (tt == CRACK)).sum() + \
                (outline & ~crack & (tt == NMC)).sum()
    acc /= n
    best = int(np.argmax(acc))
    if grid.size > 2 and best in (0, grid.size - 1):
        warnings.warn(f"fit_crack_threshold: the best threshold {grid[best]:.4g} is at the edge of `grid` "
                      f"[{grid[0]:.4g}, {grid[-1]:.4g}]; widen it", RuntimeWarning, stacklevel=2)
    return CrackThreshold(float(grid[best]), grid, acc)
