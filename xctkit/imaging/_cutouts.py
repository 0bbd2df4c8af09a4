"""Random co-located cut-outs of 2-D image sets: the one sampler behind every 2-D training set
(SEM super-resolution pairs, U-Net image/label pairs, the SEM feature encoder).

It lives in ``imaging`` (below ``segment`` and ``sr``) so that both can use it without importing each
other. Slices of registered 3-D XCT pairs are cut by :func:`xctkit.sr.extract_patches`.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_rng, check_int

__all__ = ["random_cutouts"]


def random_cutouts(items, *, size: int, n: int, scales=None, seed=None) -> tuple[list[np.ndarray], np.ndarray]:
    """Draw ``n`` random windows from a set of co-registered 2-D image tuples.

    For every cut-out an item is drawn uniformly, then the window's top-left corner uniformly on the
    first array's grid; array ``j`` of the item is cut at ``scales[j]`` times that corner and size
    (e.g. an LR image and its ×2 HR partner).

    Parameters
    ----------
    items : sequence of tuple of ndarray
        Each item a tuple of 2-D arrays (or a single 2-D array), array ``j`` of shape
        ``scales[j] ×`` the first one's.
    size : int
        Window edge on the first array's grid, pixels.
    n : int
        Number of cut-outs.
    scales : sequence of int, optional
        Integer scale of each tuple position relative to the first (default all 1).
    seed : int, numpy Generator or None

    Returns
    -------
    cutouts : list of ndarray
        One ``(n, size·scale, size·scale)`` array per tuple position, dtype as the input.
    source : (n,) ndarray of int
        Index of the item each cut-out came from.

    Raises
    ------
    ValueError
        If ``items`` is empty, an image is smaller than the window, or a partner's shape is not its
        scale times the first array's.

    Examples
    --------
    >>> import numpy as np
    >>> from xctkit.imaging import random_cutouts
    >>> lr, hr = np.zeros((35, 35)), np.zeros((70, 70))
    >>> (x, y), src = random_cutouts([(lr, hr)], size=8, n=4, scales=(1, 2), seed=0)
    >>> x.shape, y.shape
    ((4, 8, 8), (4, 16, 16))
    """
    items = [tuple(it) if isinstance(it, tuple | list) else (it,) for it in items]
    if not items:
        raise ValueError("`items` must not be empty")
    size = check_int(size, "size", min_value=1)
    n = check_int(n, "n", min_value=0)
    width = len(items[0])
    scales = (1,) * width if scales is None else tuple(check_int(s, "scales", min_value=1) for s in scales)
    if len(scales) != width:
        raise ValueError(f"`scales` must have one entry per array of an item ({width}), got {len(scales)}")
    for i, it in enumerate(items):
        if len(it) != width:
            raise ValueError(f"`items[{i}]` has {len(it)} arrays, the first item {width}")
        base = np.shape(it[0])
        if len(base) != 2 or min(base) < size:
            raise ValueError(f"`items[{i}]` must be 2-D images of at least `size` = {size} px, got {base}")
        for j, (a, s) in enumerate(zip(it, scales, strict=True)):
            if np.shape(a)[:2] != (s * base[0], s * base[1]):
                raise ValueError(f"`items[{i}][{j}]` must have shape {(s * base[0], s * base[1])} "
                                 f"({s}× the first array), got {np.shape(a)}")
    rng = as_rng(seed)
    out = [[] for _ in range(width)]
    src = np.empty(n, np.int64)
    for c in range(n):
        k = int(rng.integers(len(items)))
        h, w = np.shape(items[k][0])
        y0, x0 = int(rng.integers(h - size + 1)), int(rng.integers(w - size + 1))
        src[c] = k
        for j, s in enumerate(scales):
            out[j].append(items[k][j][s * y0:s * (y0 + size), s * x0:s * (x0 + size)])
    shapes = [(0, size * s, size * s) for s in scales]
    return [np.stack(o) if o else np.empty(shp) for o, shp in zip(out, shapes, strict=True)], src
