"""Chunked microstructure metrics on Dask arrays, each equal to its in-memory counterpart.

- :func:`porosity_dask`, :func:`phase_fractions_dask`: voxel counts per chunk, summed (exact).
- :func:`surface_area_dask`: :func:`surface_area`'s smoothed, volume-preserving marching cubes, per
  chunk: the Gaussian runs with its truncation radius as halo; the iso-level (a global quantile) is
  found exactly by a streamed histogram plus a gather of the one bin that holds it; each chunk then
  meshes exactly the marching cubes whose lowest corner it owns (a one-voxel halo on the high side
  only), so no triangle is counted twice or missed.
- :func:`particle_sizes_dask`: voxel counts per instance label, summed over chunks, then the
  binning of :func:`particle_sizes`.
- :func:`tortuosity_subvolumes`: :func:`tortuosity` on a grid of sub-volumes (REV analysis), one
  task per sub-volume, solved in parallel on the current Dask scheduler (a cluster's workers).

Every function computes on Dask's current scheduler: inside ``with xctkit.cluster():`` that is the
cluster.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import shutil
from pathlib import Path

import numpy as np

from .._cluster import as_dask
from .._validate import check_int, check_nonnegative, check_positive
from ..phases import NMC, PHASE_NAMES
from ._sizes import SizeDistribution, _distribution
from ._surface import SurfaceArea

__all__ = ["porosity_dask", "phase_fractions_dask", "surface_area_dask", "particle_sizes_dask",
           "tortuosity_subvolumes"]


def _labels(labels, name="labels", ndim=(2, 3)):
    import dask

    lab = as_dask(labels, name, ndim=ndim, kinds="uib")
    if lab.dtype.kind == "i" and bool(dask.compute(lab.min())[0] < 0):
        raise ValueError(f"`{name}` must hold non-negative labels")
    return lab


def _solid(lab, solid):
    return lab if lab.dtype == bool else lab.map_blocks(np.isin, np.atleast_1d(solid), dtype=bool)


def porosity_dask(labels, *, solid=NMC) -> float:
    """Chunked :func:`porosity`: ``1 - solid voxels / all voxels``, counted chunk by chunk (exact).

    Parameters
    ----------
    labels : (Z, Y, X) or (Y, X) dask.array.Array or ndarray of uint8, or bool
        Phase labels, or a boolean solid mask.
    solid : int or sequence of int
        Label(s) counted as solid (default NMC).

    Returns
    -------
    float
        Porosity in [0, 1], identical to ``porosity(np.asarray(labels))``.

    Raises
    ------
    TypeError
        If ``labels`` holds floats.
    ValueError
        If ``labels`` is not 2-D or 3-D or is empty.

    Examples
    --------
    >>> porosity_dask(da.from_zarr("labels.zarr"))                     # doctest: +SKIP
    """
    lab = _labels(labels)
    n = int(_solid(lab, solid).sum(dtype=np.int64).compute())
    return float(1.0 - n / lab.size)


def phase_fractions_dask(labels) -> dict[str, float]:
    """Chunked :func:`phase_fractions`: ``{"pore": ..., "cbd": ..., "nmc": ..., "crack": ...}`` (exact)."""
    import dask

    lab = _labels(labels)
    k = max(PHASE_NAMES) + 1

    def count(b):
        return np.bincount(b.ravel().astype(np.int64), minlength=k)[:k]

    counts = np.sum(dask.compute(*[dask.delayed(count)(b) for b in lab.to_delayed().ravel()]), axis=0)
    return {name: float(counts[code] / lab.size) for code, name in PHASE_NAMES.items()}


# --------------------------------------------------------------------------------------------------
# surface area

def _sortable_bits(x: np.ndarray) -> np.ndarray:
    """float32 values as uint32 keys in the same order (sign bit flipped for x ≥ 0, all bits for x < 0)."""
    u = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    return np.where(u >> 31, ~u, u | np.uint32(1 << 31))


def _from_sortable_bits(k: int) -> float:
    k = np.uint32(k)
    u = (k & np.uint32(0x7FFFFFFF)) if k >> 31 else ~k
    return float(np.array([u], dtype=np.uint32).view(np.float32)[0])


def _order_statistics(field, ranks) -> tuple[dict[int, float], float, float]:
    """Exact k-th smallest values (0-based ranks) of a chunked float32 array, NaN ignored, and its
    minimum and maximum, in two passes over the chunks.

    A radix select on the float32 bit patterns: pass 1 counts the upper 16 bits of every value's
    order-preserving key, pass 2 the lower 16 bits of the values in the bins that hold the ranks, so
    the result is the exact value ``np.sort`` would put at that rank, ties included. Why not dask's
    ``percentile``: it is approximate (per-chunk percentiles merged), and the volume-preserving
    iso-level must equal ``np.quantile`` on the whole field for the area to match. (The earlier
    version narrowed a value histogram round by round: up to eight passes, each recomputing the
    smoothed field, and a gather of every tied value to the client.)
    """
    import dask

    ranks = sorted(set(int(r) for r in ranks))
    blocks = field.to_delayed().ravel()

    def upper(b):
        v = b[~np.isnan(b)]
        if v.size == 0:
            return np.zeros(1 << 16, np.int64), np.inf, -np.inf
        return np.bincount(_sortable_bits(v) >> 16, minlength=1 << 16), float(v.min()), float(v.max())

    parts = dask.compute(*[dask.delayed(upper)(b) for b in blocks])
    hist = np.sum([p[0] for p in parts], axis=0)
    lo, hi = min(p[1] for p in parts), max(p[2] for p in parts)
    cum = np.cumsum(hist)
    bins = {r: int(np.searchsorted(cum, r, side="right")) for r in ranks}
    wanted = sorted(set(bins.values()))

    def lower(b, wanted=tuple(wanted)):
        k = _sortable_bits(b[~np.isnan(b)])
        top = k >> 16
        return np.stack([np.bincount(k[top == w] & 0xFFFF, minlength=1 << 16) for w in wanted])

    low = np.sum(dask.compute(*[dask.delayed(lower)(b) for b in blocks]), axis=0)
    out = {}
    for r in ranks:
        w = bins[r]
        below = int(cum[w - 1]) if w > 0 else 0
        j = int(np.searchsorted(np.cumsum(low[wanted.index(w)]), r - below, side="right"))
        out[r] = _from_sortable_bits((w << 16) | j)
    return out, lo, hi


def _outer_layer_to_nan(block, block_info=None):
    """NaN on the one-voxel padding of the whole array (so statistics see the unpadded field only)."""
    loc = block_info[0]["array-location"]
    shape = block_info[0]["shape"]
    out = block.copy()
    for ax, (start, stop) in enumerate(loc):
        idx = [slice(None)] * block.ndim
        if start == 0:
            idx[ax] = 0
            out[tuple(idx)] = np.nan
        if stop == shape[ax]:
            idx[ax] = -1
            out[tuple(idx)] = np.nan
    return out


def _mc_block_area(block, *, level, offset, shape, has_low):
    """Area (voxels²) of the marching-cubes triangles of the cubes whose lowest corner is in the core."""
    from skimage.measure import marching_cubes

    sub = block[tuple(slice(1 if lo else 0, None) for lo in has_low)]
    if min(sub.shape) < 2 or not (float(sub.min()) <= level <= float(sub.max())) or \
            float(sub.min()) == float(sub.max()):
        return np.zeros((1,) * block.ndim)
    try:
        verts, faces, _, _ = marching_cubes(sub, level)
    except (ValueError, RuntimeError):  # level on the data range's edge: no surface in this block
        return np.zeros((1,) * block.ndim)
    verts = verts + np.asarray(offset, dtype=float) - 1.0  # global, unpadded voxel-centre frame
    tri = verts[faces]
    centroid = tri.mean(axis=1)
    upper = np.asarray(shape, dtype=float) - 0.5
    inside = np.all((centroid >= -0.5) & (centroid <= upper), axis=1)
    areas = 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    return np.full((1,) * block.ndim, float(areas[inside].sum()))


def surface_area_dask(labels, *, voxel_um: float, phase=NMC, smooth_vox: float = 1.0,
                      workdir=None) -> SurfaceArea:
    """Chunked :func:`surface_area`: the same smoothed, volume-preserving marching cubes, per chunk.

    The mask is edge-padded by one voxel and smoothed by ``scipy.ndimage.gaussian_filter`` with its
    truncation radius ``int(4σ + 0.5)`` as halo (``boundary='nearest'`` = the in-memory
    ``mode='nearest'``), so the field is bit-identical to the in-memory one. The iso-level is the
    exact ``np.quantile(field, 1 - φ)`` (streamed histogram, then the one bin holding it gathered).
    Each chunk meshes the cubes whose lowest corner it owns (a one-voxel halo on the high side only),
    so every cube of the whole volume is meshed exactly once and the triangle areas add up to the
    in-memory area (to float summation, ≈1e-12 relative).

    Parameters
    ----------
    labels : (Z, Y, X) dask.array.Array or ndarray of uint8, or bool
        Phase labels, or a boolean mask of the phase.
    voxel_um : float
        Voxel edge, µm.
    phase : int or sequence of int
        Label(s) of the phase (ignored for a boolean mask).
    smooth_vox : float
        Gaussian smoothing, voxels (0 = binary marching cubes at level 0.5).
    workdir : str or Path, optional
        A folder every worker can read and write (e.g. where the labels are stored): the smoothed
        field is written there once (``_ssa_field.zarr``, float32, removed afterwards) and the iso-level
        and meshing passes read it, instead of recomputing the Gaussian with its halo in each of the
        three passes. Default: recompute (nothing written).

    Returns
    -------
    SurfaceArea
        As :func:`surface_area` (``area_um2`` µm², ``ssa_per_um`` 1/µm, ...).

    Raises
    ------
    ValueError
        If ``labels`` is not 3-D or smaller than 2 voxels along an axis, or sizes are not positive.

    Examples
    --------
    >>> surface_area_dask(da.from_zarr("labels.zarr"), voxel_um=0.74).ssa_per_um   # doctest: +SKIP
    """
    import dask.array as da
    from scipy import ndimage

    lab = _labels(labels, ndim=3)
    voxel_um = check_positive(voxel_um, "voxel_um")
    smooth_vox = check_nonnegative(smooth_vox, "smooth_vox")
    if min(lab.shape) < 2:
        raise ValueError(f"`labels` must have at least 2 voxels along every axis, got {lab.shape}")
    mask = _solid(lab, phase)
    n_phase = int(mask.sum(dtype=np.int64).compute())
    frac = n_phase / mask.size
    vol = float(mask.size) * voxel_um**3
    if frac in (0.0, 1.0):
        return SurfaceArea(0.0, vol, frac * vol, 0.0, 0.0 if frac else float("nan"))
    radius = int(4.0 * smooth_vox + 0.5) if smooth_vox > 0 else 1  # scipy's truncate=4.0
    # da.pad adds one-voxel chunks at each face; merge them back (tiny chunks multiply the tasks)
    field = da.pad(mask.astype(np.float32), 1, mode="edge").rechunk(
        tuple(min(max(radius + 1, c), n + 2) for c, n in zip(mask.chunksize, mask.shape, strict=True)))
    level = 0.5
    if smooth_vox > 0:
        field = field.map_overlap(ndimage.gaussian_filter, depth=radius, boundary="nearest",
                                  dtype=np.float32, sigma=smooth_vox, mode="nearest")
        if workdir is not None:
            if not Path(workdir).is_dir():
                raise ValueError(f"`workdir` must be an existing folder the workers can write, got {workdir!r}")
            store = Path(workdir) / "_ssa_field.zarr"
            shutil.rmtree(store, ignore_errors=True)
            # zarr needs regular chunks; the one pass that smooths, the three below read it back
            field.rechunk(field.chunksize).to_zarr(str(store))
            field = da.from_zarr(str(store))
        inner = field.map_blocks(_outer_layer_to_nan, dtype=np.float32)  # field[1:-1, 1:-1, 1:-1], same chunks
        # np.quantile(inner, q), method 'linear': between order statistics k and k+1
        n = mask.size
        h = (n - 1) * (1.0 - frac)
        k = int(math.floor(h))
        stats, lo, hi = _order_statistics(inner, (k, min(k + 1, n - 1)))
        v0, v1 = stats[k], stats[min(k + 1, n - 1)]
        level = v0 + (h - k) * (v1 - v0)
        level = min(max(level, lo + 1e-6 * (hi - lo)), hi - 1e-6 * (hi - lo))
    shape = mask.shape
    starts = [np.concatenate([[0], np.cumsum(c)[:-1]]) for c in field.chunks]
    overlapped = da.overlap.overlap(field, depth={i: (0, 1) for i in range(3)}, boundary="none")

    def block_area(b, block_id=None):
        offset = [int(starts[i][block_id[i]]) for i in range(3)]
        return _mc_block_area(b, level=level, offset=offset, shape=shape, has_low=(False,) * 3)

    areas = overlapped.map_blocks(block_area, chunks=tuple((1,) * len(c) for c in field.chunks), dtype=np.float64)
    try:
        area = float(areas.sum().compute()) * voxel_um**2
    finally:
        if smooth_vox > 0 and workdir is not None:
            shutil.rmtree(Path(workdir) / "_ssa_field.zarr", ignore_errors=True)
    return SurfaceArea(area, vol, frac * vol, area / vol, area / (frac * vol))


# --------------------------------------------------------------------------------------------------
# particle sizes


def particle_sizes_dask(instances, *, voxel_um: float, bin_um: float = 1.0, max_um: float | None = None,
                        exclude_border: bool = False, min_voxels: int = 1,
                        counts=None) -> SizeDistribution:
    """Chunked :func:`particle_sizes` from an instance-label volume (e.g. :func:`xctkit.segment.label_dask`).

    Voxel counts per label are taken chunk by chunk and summed; border labels come from the six
    faces only. The diameters are those of :func:`particle_sizes` (in label order), so with labels
    equal up to renumbering the distribution is identical.

    Parameters
    ----------
    instances : (Z, Y, X) or (Y, X) dask.array.Array or ndarray of int
        0 = background, k > 0 = particle k.
    voxel_um, bin_um, max_um, exclude_border, min_voxels
        As in :func:`particle_sizes`.
    counts : (n + 1,) array of int, optional
        Voxels per label, as :func:`xctkit.segment.label_dask` returns them with ``return_counts=True``:
        the counting pass over ``instances`` is skipped (the labels are then only read for
        ``exclude_border``, on the six faces).

    Returns
    -------
    SizeDistribution

    Raises
    ------
    TypeError
        If ``instances`` is not integer-valued.
    ValueError
        On non-positive sizes.
    """
    import dask

    voxel_um = check_positive(voxel_um, "voxel_um")
    bin_um = check_positive(bin_um, "bin_um")
    min_voxels = check_int(min_voxels, "min_voxels", min_value=1)
    if counts is None:
        inst = _labels(instances, "instances")

        def count(b):
            ids, c = np.unique(b, return_counts=True)
            return ids.astype(np.int64), c.astype(np.int64)

        parts = dask.compute(*[dask.delayed(count)(b) for b in inst.to_delayed().ravel()])
        top = max(int(ids.max()) for ids, _ in parts) + 1
        counts = np.zeros(top, np.int64)
        for ids, c in parts:
            np.add.at(counts, ids, c)
    else:
        inst = as_dask(instances, "instances", ndim=(2, 3), kinds="ui")
        counts = np.array(counts, dtype=np.int64, copy=True)
        if counts.ndim != 1 or counts.size < 1 or (counts < 0).any():
            raise ValueError(f"`counts` must be a 1-D array of non-negative voxel counts (index = label), "
                             f"got shape {counts.shape}")
    counts[0] = 0
    keep = counts >= min_voxels
    removed = 0
    if exclude_border:
        faces = [inst[tuple(slice(i, i + 1) if ax == a else slice(None) for ax in range(inst.ndim))]
                 for a in range(inst.ndim) for i in (0, inst.shape[a] - 1)]
        on_face = np.unique(np.concatenate([np.unique(f).ravel() for f in dask.compute(*faces)]))
        border = np.zeros(counts.size, dtype=bool)
        border[on_face] = True
        removed = int(np.sum(keep & border))
        keep &= ~border
    keep[0] = False
    return _distribution(counts[keep], voxel_um=voxel_um, ndim=inst.ndim, bin_um=bin_um, max_um=max_um,
                         removed=removed)


def _tau_task(sub, origin, size, *, phase, solid, axis, conv_crit, iter_limit, method):
    from ._tortuosity import tortuosity

    t = tortuosity(np.asarray(sub), phase=phase, solid=solid, axis=axis, conv_crit=conv_crit,
                   iter_limit=iter_limit, method=method, threads=1)
    fields = {k: v for k, v in dataclasses.asdict(t).items() if k not in ("axis", "concentration")}
    return {"size_vox": size, "z0": origin[0], "y0": origin[1], "x0": origin[2], **fields}


def tortuosity_subvolumes(labels, *, sizes_vox, axis: int = 0, phase=None, solid=NMC, voxel_um: float = 1.0,
                          max_per_size: int | None = None, conv_crit: float = 1e-2, iter_limit: int | None = None,
                          method: str = "multigrid"):
    """Tortuosity factor of a grid of cubic sub-volumes, solved in parallel (REV analysis).

    For each edge length in ``sizes_vox`` the volume is tiled by non-overlapping sub-volumes of that
    edge (clipped to the volume along shorter axes); each becomes one task that reads only its
    sub-volume and runs :func:`tortuosity`, so on a cluster the sub-volumes are solved concurrently
    on the workers. Each task uses one torch thread (one task per worker thread).

    Parameters
    ----------
    labels : (Z, Y, X) dask.array.Array or ndarray of uint8, or bool
        Phase labels, or a boolean mask of the transporting phase.
    sizes_vox : int or sequence of int
        Sub-volume edges, voxels.
    axis : int
        Transport axis (0 = z).
    phase, solid, conv_crit, iter_limit, method
        As in :func:`tortuosity`.
    voxel_um : float
        Voxel edge, µm (for the ``size_um`` column).
    max_per_size : int, optional
        Solve at most this many sub-volumes per size (the first in z, y, x order).

    Returns
    -------
    pandas.DataFrame
        One row per sub-volume: ``size_vox``, ``size_um``, origin ``z0``, ``y0``, ``x0`` (voxels),
        and :class:`Tortuosity`'s fields (``tau``, dimensionless; NaN where it does not percolate).

    Raises
    ------
    ValueError
        If ``labels`` is not 3-D, a size is < 2 or ``axis`` is not 0, 1 or 2.

    Examples
    --------
    >>> with xctkit.cluster(workers=8):                                                # doctest: +SKIP
    ...     table = tortuosity_subvolumes(labels, sizes_vox=[32, 64, 128])
    >>> table.groupby("size_um").tau.agg(["mean", "std"])                              # doctest: +SKIP
    """
    import dask
    import pandas as pd

    lab = _labels(labels, ndim=3)
    axis = check_int(axis, "axis", min_value=0, max_value=2)
    voxel_um = check_positive(voxel_um, "voxel_um")
    sizes = [sizes_vox] if np.isscalar(sizes_vox) else list(sizes_vox)
    sizes = [check_int(s, "sizes_vox", min_value=2) for s in sizes]
    if max_per_size is not None:
        max_per_size = check_int(max_per_size, "max_per_size", min_value=1)
    tasks = []
    for s in sizes:
        edge = [min(s, n) for n in lab.shape]
        origins = itertools.product(*[range(0, n - e + 1, e) for n, e in zip(lab.shape, edge, strict=True)])
        for k, o in enumerate(origins):
            if max_per_size is not None and k >= max_per_size:
                break
            sub = lab[tuple(slice(a, a + e) for a, e in zip(o, edge, strict=True))]
            tasks.append(dask.delayed(_tau_task)(sub, o, s, phase=phase, solid=solid, axis=axis,
                                                 conv_crit=conv_crit, iter_limit=iter_limit, method=method))
    rows = dask.compute(*tasks)
    df = pd.DataFrame(list(rows))
    df.insert(1, "size_um", df["size_vox"] * voxel_um)
    return df
