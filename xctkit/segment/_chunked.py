"""Chunked segmentation on Dask arrays: global-histogram thresholds and connected-component labels.

Each function equals its in-memory counterpart on the same voxels: :func:`threshold_dask` gives the
threshold :func:`xctkit.segment.threshold` gives (the histogram is streamed chunk by chunk with the
same bin edges, then handed to scikit-image), and :func:`label_dask` gives ``scipy.ndimage.label``'s
components up to renumbering (dask-image merges labels across chunk faces).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._cluster import as_dask
from .._validate import check_choice, check_int
from ..phases import CBD, NMC, PORE
from ._threshold import Thresholds

__all__ = ["GreyHistogram", "histogram_dask", "threshold_dask", "label_dask"]


@dataclass(frozen=True)
class GreyHistogram:
    """Histogram of a whole (chunked) volume, as ``skimage.exposure.histogram`` would give it.

    Attributes
    ----------
    counts : (B,) ndarray of int64
        Voxels per bin.
    centres : (B,) ndarray of float
        Bin centres (grey-level units).
    edges : (B+1,) ndarray of float
        Bin edges; ``edges[0]`` and ``edges[-1]`` are the volume's minimum and maximum.
    """

    counts: np.ndarray
    centres: np.ndarray
    edges: np.ndarray

    def quantile(self, q: float) -> float:
        """Grey level below which a fraction ``q`` of the voxels lies (linear within a bin).

        Exact up to the bin width; used for intensity normalisation from a streamed histogram.
        """
        from .._validate import check_fraction

        q = check_fraction(q, "q")
        cdf = np.concatenate([[0.0], np.cumsum(self.counts, dtype=np.float64)]) / self.counts.sum()
        return float(np.interp(q, cdf, self.edges))


def histogram_dask(grey, *, nbins: int = 256) -> GreyHistogram:
    """Grey-level histogram of a chunked volume in two streaming passes.

    Pass 1 finds the global minimum and maximum (and checks finiteness); pass 2 histograms every
    chunk with ``np.histogram(chunk, nbins, range=(min, max))`` and sums the counts. The edges and
    each voxel's bin are exactly those ``np.histogram`` (hence ``skimage.exposure.histogram``) gives on
    the whole float32 array, so the counts are identical.

    Parameters
    ----------
    grey : (Z, Y, X) or (Y, X) dask.array.Array or ndarray
        Grey levels (taken as float32, as :func:`xctkit.segment.threshold` does).
    nbins : int
        Number of bins.

    Returns
    -------
    GreyHistogram

    Raises
    ------
    ValueError
        If ``grey`` has NaN/inf or is constant, or ``nbins`` < 2.
    TypeError
        If ``grey`` is not numeric.
    """
    import dask
    import dask.array as da

    g = as_dask(grey, "grey", ndim=(2, 3), kinds="buif").astype(np.float32)
    nbins = check_int(nbins, "nbins", min_value=2)
    lo, hi, finite = dask.compute(g.min(), g.max(), da.isfinite(g).all())
    if not finite:
        raise ValueError("`grey` must be finite, found NaN or inf")
    # keep the extremes as float32 scalars: np.histogram(range=None) computes its edges from the
    # array's own min()/max() scalars, in float32; Python floats would give float64-rounded edges
    lo, hi = np.float32(lo), np.float32(hi)
    if lo == hi:
        raise ValueError("`grey` is constant; no threshold can separate phases")

    def block_hist(b):
        return np.histogram(b, bins=nbins, range=(lo, hi))[0].astype(np.int64)[None]

    blocks = [dask.delayed(block_hist)(b) for b in g.to_delayed().ravel()]
    counts = np.sum(dask.compute(*blocks), axis=0)[0]
    edges = np.linspace(lo, hi, nbins + 1, endpoint=True, dtype=np.float32)  # np.histogram's edges
    return GreyHistogram(counts, 0.5 * (edges[:-1] + edges[1:]), edges)


def threshold_dask(grey, *, method: str = "otsu", classes: int = 2, nbins: int = 256,
                   hist: GreyHistogram | None = None) -> Thresholds:
    """Chunked :func:`xctkit.segment.threshold`: thresholds from the global histogram, labels lazily.

    Otsu / multi-Otsu run on the streamed histogram (:func:`histogram_dask`), which is identical to
    the one scikit-image builds from the whole array, so the thresholds equal
    ``threshold(np.asarray(grey)).thresholds`` exactly (the tests compare with ``==``); the labels are
    then a voxel-wise comparison, computed lazily per chunk.

    Parameters
    ----------
    grey : (Z, Y, X) or (Y, X) dask.array.Array or ndarray
        Grey levels.
    method : {'otsu', 'multiotsu'}
    classes : {2, 3}
    nbins : int
        Histogram bins.
    hist : GreyHistogram, optional
        A histogram already streamed from ``grey`` with ``nbins`` bins (saves two passes).

    Returns
    -------
    Thresholds
        ``labels`` is a dask array of uint8 (``PORE``/``NMC``, or ``PORE``/``CBD``/``NMC``) with the
        chunks of ``grey``; ``thresholds`` are floats, ascending.

    Raises
    ------
    ValueError
        On a constant image or an unsupported method/class count.

    Examples
    --------
    >>> seg = threshold_dask(da.from_zarr("hr.zarr"))                 # doctest: +SKIP
    >>> seg.labels.to_zarr("labels.zarr")                             # doctest: +SKIP
    """
    from skimage.filters import threshold_multiotsu, threshold_otsu

    check_choice(method, "method", ("otsu", "multiotsu"))
    classes = check_int(classes, "classes", min_value=2, max_value=3)
    if method == "otsu" and classes != 2:
        raise ValueError("`method='otsu'` gives two classes; use method='multiotsu' for three")
    g = as_dask(grey, "grey", ndim=(2, 3), kinds="buif").astype(np.float32)
    h = hist if hist is not None else histogram_dask(g, nbins=nbins)
    pair = (h.counts, h.centres)
    if method == "otsu":
        t = (float(threshold_otsu(hist=pair)),)
    else:
        # from an image scikit-image normalises the histogram (float64, then float32); from a
        # histogram it does not, so normalise here the same way to get the same thresholds
        prob = (h.counts / np.sum(h.counts), h.centres)
        t = tuple(float(v) for v in threshold_multiotsu(hist=prob, classes=classes))

    def classify(b):
        if len(t) == 1:
            return np.where(b > t[0], NMC, PORE).astype(np.uint8)
        out = np.full(b.shape, PORE, dtype=np.uint8)
        out[b > t[0]] = CBD
        out[b > t[1]] = NMC
        return out

    return Thresholds(g.map_blocks(classify, dtype=np.uint8), t)


def label_dask(mask, *, connectivity: int = 1):
    """Connected components of a chunked boolean mask, merged across chunk faces (dask-image).

    Equals ``scipy.ndimage.label(mask, structure)`` up to a renumbering of the components.

    Parameters
    ----------
    mask : (Z, Y, X) or (Y, X) dask.array.Array or ndarray of bool
        True = the phase to label (e.g. ``labels == NMC`` for particles).
    connectivity : int
        1 = faces (scipy's default), up to ``mask.ndim`` = faces, edges and corners.

    Returns
    -------
    labels : dask.array.Array of int
        0 = background, 1..n = components (lazy).
    n : int
        Number of components.

    Raises
    ------
    TypeError
        If ``mask`` is not boolean.
    ValueError
        If ``connectivity`` is outside 1..ndim.

    Examples
    --------
    >>> inst, n = label_dask(seg.labels == NMC)                        # doctest: +SKIP
    """
    from dask_image.ndmeasure import label
    from scipy import ndimage

    m = as_dask(mask, "mask", ndim=(2, 3), kinds="b")
    connectivity = check_int(connectivity, "connectivity", min_value=1, max_value=m.ndim)
    lab, n = label(m, structure=ndimage.generate_binary_structure(m.ndim, connectivity))
    return lab, int(n.compute() if hasattr(n, "compute") else n)
