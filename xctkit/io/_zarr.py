"""OME-Zarr (OME-NGFF 0.4) stores that napari and Fiji (n5-viewer / MoBIE) open at the right scale.

Layout written by :func:`write_zarr` (Zarr format 2, ``/`` chunk separator as NGFF 0.4 requires)::

    scan.zarr/
      .zgroup
      .zattrs        {"multiscales": [{"version": "0.4", "axes": [z, y, x in micrometer],
                                       "datasets": [{"path": "0", "coordinateTransformations":
                                                     [{"type": "scale", "scale": [vz, vy, vx]}]}, ...]}],
                      "xctkit": {"voxel_um": ..., "provenance": {...}}}
      0/             full resolution
      1/, 2/ ...     optional pyramid, each level 2x coarser per axis

:func:`read_zarr` reads those, NGFF 0.4/0.5 stores from other tools (voxel size from the coordinate
transformations and axis units) and the plain Zarr arrays xctkit wrote before (attributes ``xctkit``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._validate import as_array, check_int
from ._atomic import atomic_path
from ._provenance import to_jsonable
from ._volumes import META_KEY, Volume, check_write_voxel, make_volume, metadata_dict, stored_voxel, unit_to_um

__all__ = ["write_zarr", "read_zarr", "is_zarr_store"]

_ZARR_MARKERS = (".zgroup", ".zarray", "zarr.json")


def is_zarr_store(path) -> bool:
    """True if ``path`` is a folder holding a Zarr group or array (format 2 or 3)."""
    path = Path(path)
    return path.is_dir() and any((path / m).is_file() for m in _ZARR_MARKERS)


def _downsample(level, integer: bool):
    """One pyramid step: 2x block mean for grey levels, every second voxel for labels (no new labels)."""
    import dask.array as da

    if integer:
        return level[tuple(slice(None, None, 2) for _ in range(level.ndim))]
    axes = {i: 2 for i in range(level.ndim) if level.shape[i] >= 2}
    return da.coarsen(np.mean, level, axes, trim_excess=True).astype(level.dtype)


def write_zarr(path, array, *, voxel_um, provenance=None, chunks: tuple[int, ...] | None = None,
               levels: int = 1, overwrite: bool = False, allow_anisotropic: bool = False) -> Path:
    """Write an array (NumPy or Dask) as an OME-Zarr (NGFF 0.4) image with voxel size and provenance.

    Parameters
    ----------
    path : str or Path
        Target folder (conventionally ending in ``.zarr``).
    array : (Z, Y, X) or (Y, X) ndarray or dask array
        Dask arrays are written chunk by chunk, never loaded whole.
    voxel_um : float or sequence of float
        Voxel edge length, micrometres (> 0), or per-axis sizes (anisotropic ones need
        ``allow_anisotropic=True``). Stored as the NGFF ``scale`` in micrometre.
    provenance : Provenance, dict or None
        Stored in the group attributes under ``xctkit``.
    chunks : tuple of int, optional
        Chunk shape; defaults to the dask chunks, else 64-voxel cubes.
    levels : int
        Number of resolution levels (1 = no pyramid). Level k is 2**k coarser per axis: block means
        for float grey levels (NGFF ``translation`` records the half-voxel shift), every second voxel for
        integer/bool labels. Each level is computed from the previous one as stored, chunk by chunk.
    overwrite : bool
        Replace an existing store (False by default; checked when the store is put in place).
    allow_anisotropic : bool
        Allow per-axis voxel sizes that differ.

    Returns
    -------
    Path

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> p = write_zarr(pathlib.Path(tempfile.mkdtemp()) / "v.zarr", np.zeros((8, 8, 8), np.float32),
    ...                voxel_um=0.74, levels=2)
    >>> v = read_zarr(p, level=1)
    >>> v.shape, round(v.voxel_um, 2)
    ((4, 4, 4), 1.48)
    """
    import dask.array as da
    import zarr

    is_dask = isinstance(array, da.Array)
    if not is_dask:
        array = as_array(array, "array", ndim=(2, 3))
    elif array.ndim not in (2, 3):
        raise ValueError(f"`array` must be 2-D or 3-D, got shape {array.shape}")
    iso, zyx = check_write_voxel(voxel_um, array.ndim, allow_anisotropic=allow_anisotropic)
    levels = check_int(levels, "levels", min_value=1)
    smallest = min(array.shape)
    if smallest >> (levels - 1) < 1:
        raise ValueError(f"`levels`={levels} would shrink an axis of shape {tuple(array.shape)} below one voxel")
    if chunks is None:
        chunks = tuple(c[0] for c in array.chunks) if is_dask else tuple(min(64, n) for n in array.shape)
    chunks = tuple(int(c) for c in chunks)
    if len(chunks) != array.ndim or min(chunks) < 1:
        raise ValueError(f"`chunks` must be {array.ndim} positive integers, got {chunks}")
    spacing = list(zyx if zyx is not None else (iso,) * array.ndim)
    integer = not np.issubdtype(array.dtype, np.floating)
    axes = [{"name": n, "type": "space", "unit": "micrometer"} for n in "zyx"[-array.ndim:]]
    datasets = []
    with atomic_path(path, overwrite=overwrite) as tmp:
        group = zarr.open_group(store=str(tmp), mode="w", zarr_format=2)
        src = array if is_dask else da.from_array(array, chunks=chunks)
        for k in range(levels):
            if k:
                src = _downsample(da.from_zarr(group[str(k - 1)]), integer)
            level_chunks = tuple(min(c, n) for c, n in zip(chunks, src.shape))
            z = group.create_array(str(k), shape=src.shape, chunks=level_chunks, dtype=src.dtype,
                                   chunk_key_encoding={"name": "v2", "separator": "/"})
            # dask chunks == zarr chunks, so each task writes whole chunks (no write races)
            da.store(src.rechunk(level_chunks), z, lock=False)
            scale = [s * 2**k for s in spacing]
            transforms = [{"type": "scale", "scale": scale}]
            if k and not integer:  # a block mean's centre sits half a block from the first voxel's
                transforms.append({"type": "translation", "translation": [s * (2**k - 1) / 2 for s in spacing]})
            datasets.append({"path": str(k), "coordinateTransformations": transforms})
        group.attrs.update({
            "multiscales": [{
                "version": "0.4",
                "name": Path(path).stem,
                "axes": axes,
                "datasets": datasets,
                "type": "subsample" if integer else "mean",
                "metadata": {"description": "2x pyramid written by xctkit.io.write_zarr"},
            }],
            META_KEY: to_jsonable(metadata_dict(iso, provenance, zyx)),
        })
    return Path(path)


def _ngff_spacing(multiscale: dict, level: int, path) -> list[float] | None:
    axes = multiscale.get("axes") or []
    ds = multiscale["datasets"][level]
    scale = None
    for t in ds.get("coordinateTransformations") or []:
        if t.get("type") == "scale":
            scale = list(t.get("scale") or [])
    if scale is None:
        return None
    for t in multiscale.get("coordinateTransformations") or []:  # optional multiscale-wide scale
        if t.get("type") == "scale":
            scale = [a * b for a, b in zip(scale, t.get("scale") or [])]
    out = []
    for i, s in enumerate(scale):
        ax = axes[i] if i < len(axes) else {}
        ax = {"name": ax} if isinstance(ax, str) else ax  # NGFF 0.3 listed names only
        if ax.get("type", "space") != "space" and ax.get("name") not in ("z", "y", "x"):
            continue
        per_um = unit_to_um(ax.get("unit")) if ax.get("unit") else None
        if per_um is None:
            raise ValueError(f"{str(path)!r}: NGFF axis {ax.get('name')!r} has unit {ax.get('unit')!r}; "
                             "expected a length unit such as 'micrometer' to know the voxel size")
        if isinstance(s, bool) or not isinstance(s, (int, float)):
            raise ValueError(f"{str(path)!r}: NGFF scale {scale} is not a list of numbers")
        out.append(float(s) * per_um)
    return out


def read_zarr(path, *, level: int = 0, lazy: bool = False, voxel_um: float | None = None,
              allow_anisotropic: bool = False) -> Volume:
    """Read an OME-Zarr image (or a plain xctkit Zarr array) with its voxel size and provenance.

    Parameters
    ----------
    path : str or Path
        Zarr folder.
    level : int
        Pyramid level (0 = full resolution).
    lazy : bool
        Return a dask array backed by the store instead of loading it into memory.
    voxel_um : float, optional
        For stores without a voxel size; if the store has one (at level 0) they must agree within 1 %.
    allow_anisotropic : bool
        Accept non-cubic voxels (see :func:`read_tiff`).

    Returns
    -------
    Volume
        ``voxel_um`` is the size at ``level``.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        A folder that is not a Zarr store, a group without NGFF multiscales, a missing level, invalid
        metadata (non-positive scale, unknown unit) or a conflicting ``voxel_um``.
    """
    import zarr

    path = Path(path)
    level = check_int(level, "level", min_value=0)
    if not path.exists():
        raise FileNotFoundError(f"`path` {str(path)!r} does not exist")
    if not is_zarr_store(path):
        raise ValueError(f"`path` {str(path)!r} is not a Zarr store (no .zgroup, .zarray or zarr.json inside)")
    try:
        node = zarr.open(store=str(path), mode="r")
        attrs = dict(node.attrs)
    except Exception as exc:  # zarr raises many types for damaged metadata
        raise ValueError(f"{str(path)!r} is not a readable Zarr store: {type(exc).__name__}: {exc}") from exc
    meta = attrs.get(META_KEY)
    if meta is not None and not isinstance(meta, dict):
        raise ValueError(f"{str(path)!r} has `xctkit` attributes that are not a JSON object")
    spacing = None
    if isinstance(node, zarr.Array):  # xctkit's plain arrays before OME-Zarr
        if level:
            raise ValueError(f"`level`={level}: {str(path)!r} is a single Zarr array without a pyramid")
        arr = node
    else:
        ms = attrs.get("multiscales") or (attrs.get("ome") or {}).get("multiscales")
        if not ms or not isinstance(ms, list) or not ms[0].get("datasets"):
            raise ValueError(f"{str(path)!r} is a Zarr group without OME-NGFF `multiscales` metadata")
        ms = ms[0]
        n = len(ms["datasets"])
        if level >= n:
            raise ValueError(f"`level`={level} but {str(path)!r} has {n} level(s) (0..{n - 1})")
        try:
            arr = node[ms["datasets"][level]["path"]]
        except KeyError as exc:
            raise ValueError(f"{str(path)!r}: NGFF dataset {ms['datasets'][level]['path']!r} is missing") from exc
        spacing = _ngff_spacing(ms, level, path)
        if level:  # a given voxel_um and xctkit's stored one describe level 0; use the level's own scale
            s0 = _ngff_spacing(ms, 0, path)
            make_volume(np.empty((0,) * arr.ndim), path, meta=meta, file_spacing=s0, voxel_um=voxel_um,
                        allow_anisotropic=True)  # validates them against level 0
            if meta is not None:
                meta = {"voxel_um": float(spacing[-1]) if spacing else stored_voxel(meta, path) * 2**level,
                        "provenance": meta.get("provenance"),
                        **({"voxel_zyx_um": spacing} if meta.get("voxel_zyx_um") and spacing else {})}
            elif spacing is None and voxel_um is not None:
                voxel_um = float(voxel_um) * 2**level
            if spacing is not None or meta is not None:
                voxel_um = None
    if lazy:
        import dask.array as da

        data = da.from_zarr(arr)
    else:
        data = arr[...]
    return make_volume(data, path, meta=meta, file_spacing=spacing, voxel_um=voxel_um,
                       allow_anisotropic=allow_anisotropic)
