"""Image-quality metrics (scikit-image) and their evaluation over regions of interest."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import as_grey, as_rng, check_int, check_positive, check_same_shape

__all__ = ["image_quality", "random_rois", "roi_quality", "ImageQuality"]


@dataclass(frozen=True)
class ImageQuality:
    """SSIM, PSNR (dB), MSE and MAE of a prediction against its reference (data range 1)."""

    ssim: float
    psnr_db: float
    mse: float
    mae: float


def image_quality(pred, ref, *, data_range: float | None = None, win_size: int = 7) -> ImageQuality:
    """Quality of ``pred`` against ``ref``.

    SSIM is the mean over the x–y slices of a volume (paper 000 evaluates 2-D images; window
    ``win_size``, Gaussian-free skimage default); PSNR = 10 log10(range² / MSE).

    Parameters
    ----------
    pred, ref : (Y, X) or (Z, Y, X) ndarray
        Same shape, grey levels in the same units.
    data_range : float, optional
        Intensity range of the data (PSNR's peak, SSIM's constants), e.g. the training window's
        ``Normalisation.data_range`` for 16-bit scans. Default 1.0, allowed only when both images lie
        within [-0.25, 1.25] (normalised data); anything else must state its range.
    win_size : int
        SSIM window (odd).

    Returns
    -------
    ImageQuality
    """
    from skimage.metrics import structural_similarity

    p = as_grey(pred, "pred", ndim=(2, 3))
    r = as_grey(ref, "ref", ndim=(2, 3))
    check_same_shape(p, r, "pred", "ref")
    if data_range is None:
        lo, hi = float(min(p.min(), r.min())), float(max(p.max(), r.max()))
        if lo < -0.25 or hi > 1.25:
            raise ValueError(f"images span [{lo:g}, {hi:g}], not normalised [0, 1] data: give `data_range` "
                             "(e.g. the intensity window of the training scans, Normalisation.data_range)")
        data_range = 1.0
    data_range = check_positive(data_range, "data_range")
    mse = float(np.mean((p.astype(np.float64) - r) ** 2))
    mae = float(np.mean(np.abs(p.astype(np.float64) - r)))
    psnr = float(10 * np.log10(data_range**2 / mse)) if mse > 0 else float("inf")
    slices = [(p, r)] if p.ndim == 2 else list(zip(p, r, strict=True))
    ssim = float(np.mean([structural_similarity(a, b, data_range=data_range, win_size=win_size)
                          for a, b in slices]))
    return ImageQuality(ssim, psnr, mse, mae)


def random_rois(shape, *, size, n: int, seed=None) -> list[tuple[slice, slice, slice]]:
    """``n`` random sub-volumes of ``size`` (Z, Y, X) inside ``shape`` (seeded)."""
    n = check_int(n, "n", min_value=1)
    size = tuple(int(s) for s in size)
    if len(size) != len(shape) or any(s > m for s, m in zip(size, shape, strict=True)):
        raise ValueError(f"`size` {size} must fit inside the volume {tuple(shape)}")
    rng = as_rng(seed)
    out = []
    for _ in range(n):
        o = [int(rng.integers(m - s + 1)) for s, m in zip(size, shape, strict=True)]
        out.append(tuple(slice(a, a + s) for a, s in zip(o, size, strict=True)))
    return out


def roi_quality(pred, ref, rois, *, data_range: float = 1.0):
    """Image quality per ROI as a tidy DataFrame (``roi``, ``ssim``, ``psnr_db``, ``mse``, ``mae``)."""
    import pandas as pd

    rows = []
    for i, sl in enumerate(rois):
        q = image_quality(np.clip(pred[sl], 0, data_range), ref[sl], data_range=data_range)
        rows.append({"roi": i, **q.__dict__})
    return pd.DataFrame(rows)
