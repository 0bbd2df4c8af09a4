"""Read and write volumes (TIFF stacks, Zarr arrays) with voxel size and provenance.

Writes are atomic (a temporary file or folder renamed into place) and refuse to replace an
existing file unless ``overwrite=True``, so a raw scan is never clobbered by accident.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._validate import as_array, check_positive
from ._provenance import Provenance, to_jsonable

__all__ = ["Volume", "write_tiff", "read_tiff", "write_zarr", "read_zarr", "atomic_path"]

_META_KEY = "xctkit"


@dataclass(frozen=True)
class Volume:
    """An image or volume with its voxel size and provenance.

    Attributes
    ----------
    array : (Z, Y, X) or (Y, X) ndarray, or dask array when read lazily
        Grey levels (float32 in [0, 1] by convention) or phase labels (uint8).
    voxel_um : float
        Voxel edge length, micrometres.
    provenance : Provenance or None
        Where it came from; None for a plain TIFF without xctkit metadata.
    """

    array: object
    voxel_um: float
    provenance: Provenance | None = None

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.array.shape)

    @property
    def extent_um(self) -> tuple[float, ...]:
        """Physical size along each axis, micrometres."""
        return tuple(n * self.voxel_um for n in self.array.shape)


def _check_target(path, overwrite: bool) -> Path:
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(
            f"`path` {str(path)!r} already exists; pass overwrite=True to replace it "
            "(raw data is never overwritten by default)"
        )
    if not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    return path


class atomic_path:
    """Context manager yielding a temporary sibling path that is renamed onto ``path`` on success.

    Works for files and folders. On an exception the temporary is removed and ``path`` is left
    untouched.
    """

    def __init__(self, path, *, overwrite: bool = False):
        self.path = _check_target(path, overwrite)
        self.tmp = None

    def __enter__(self) -> Path:
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        os.close(fd)
        os.unlink(tmp)
        self.tmp = Path(tmp)
        return self.tmp

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            _remove(self.tmp)
            return False
        if self.path.is_dir() and not self.tmp.is_dir():
            raise IsADirectoryError(f"`path` {str(self.path)!r} is a folder; cannot replace it by a file")
        if self.path.is_dir():
            trash = self.path.with_name(f".{self.path.name}.old")
            _remove(trash)
            os.replace(self.path, trash)
            os.replace(self.tmp, self.path)
            _remove(trash)
        else:
            os.replace(self.tmp, self.path)
        return False


def _remove(p: Path | None) -> None:
    if p is None or not p.exists():
        return
    if p.is_dir():
        shutil.rmtree(p)
    else:
        p.unlink()


def _metadata(voxel_um: float, provenance: Provenance | dict | None) -> dict:
    if isinstance(provenance, dict):
        provenance = Provenance.from_dict(provenance)
    if provenance is not None and not isinstance(provenance, Provenance):
        raise TypeError(f"`provenance` must be a Provenance, a dict or None, got {type(provenance).__name__}")
    return {
        "voxel_um": float(voxel_um),
        "provenance": None if provenance is None else provenance.to_dict(),
    }


def write_tiff(path, array, *, voxel_um: float, provenance: Provenance | dict | None = None,
               overwrite: bool = False) -> Path:
    """Write a 2-D image or 3-D stack to a (multi-page) TIFF with voxel size and provenance.

    Parameters
    ----------
    path : str or Path
        Target ``.tif``/``.tiff`` file.
    array : (Z, Y, X) or (Y, X) ndarray
        Grey levels or labels; its dtype is kept.
    voxel_um : float
        Voxel edge length, micrometres (> 0). Also written to the TIFF resolution tags.
    provenance : Provenance, dict or None
        Stored as JSON in the image description.
    overwrite : bool
        Replace an existing file. False by default: raw data is never overwritten silently.

    Returns
    -------
    Path
        The written path.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is False.
    ValueError, TypeError
        For a non 2-D/3-D array or a non-positive ``voxel_um``.
    """
    import tifffile

    arr = as_array(array, "array", ndim=(2, 3))
    voxel_um = check_positive(voxel_um, "voxel_um")
    if Path(path).suffix.lower() not in (".tif", ".tiff"):
        raise ValueError(f"`path` must end in .tif or .tiff, got {str(path)!r}")
    meta = {_META_KEY: json.dumps(to_jsonable(_metadata(voxel_um, provenance)))}
    with atomic_path(path, overwrite=overwrite) as tmp:
        tifffile.imwrite(
            tmp,
            np.ascontiguousarray(arr),
            metadata=meta,
            resolution=(1.0 / voxel_um, 1.0 / voxel_um),
            resolutionunit="MICROMETER",
            photometric="minisblack",
        )
    return Path(path)


def read_tiff(path, *, voxel_um: float | None = None) -> Volume:
    """Read a TIFF image or stack written by xctkit or any other tool.

    Parameters
    ----------
    path : str or Path
        A ``.tif``/``.tiff`` file.
    voxel_um : float, optional
        Voxel size in micrometres for files without xctkit metadata (a user's own scan). If
        given for an xctkit file it must agree with the stored value.

    Returns
    -------
    Volume

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the voxel size is neither stored nor given, or disagrees with the stored one.
    """
    import tifffile

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"`path` {str(path)!r} does not exist or is not a file")
    with tifffile.TiffFile(path) as tif:
        arr = tif.asarray()
        shaped = tif.shaped_metadata
    stored = None
    if shaped and _META_KEY in shaped[0]:
        stored = json.loads(shaped[0][_META_KEY])
    return _volume_from_meta(arr, stored, voxel_um, path)


def _volume_from_meta(arr, stored: dict | None, voxel_um, path) -> Volume:
    if stored is not None:
        stored_um = float(stored["voxel_um"])
        if voxel_um is not None and not np.isclose(check_positive(voxel_um, "voxel_um"), stored_um):
            raise ValueError(f"`voxel_um`={voxel_um} disagrees with the {stored_um} µm stored in {str(path)!r}")
        prov = stored.get("provenance")
        return Volume(arr, stored_um, None if prov is None else Provenance.from_dict(prov))
    if voxel_um is None:
        raise ValueError(
            f"{str(path)!r} carries no xctkit voxel size; pass `voxel_um=` (micrometres per voxel)"
        )
    return Volume(arr, check_positive(voxel_um, "voxel_um"), None)


def write_zarr(path, array, *, voxel_um: float, provenance: Provenance | dict | None = None,
               chunks: tuple[int, ...] | None = None, overwrite: bool = False) -> Path:
    """Write an array (NumPy or Dask) to a Zarr store with voxel size and provenance attributes.

    Parameters
    ----------
    path : str or Path
        Target folder (conventionally ending in ``.zarr``).
    array : (Z, Y, X) ndarray or dask array
        Dask arrays are written chunk by chunk, never loaded whole.
    voxel_um : float
        Voxel edge length, micrometres (> 0).
    provenance : Provenance, dict or None
        Stored in the array attributes.
    chunks : tuple of int, optional
        Chunk shape; defaults to the dask chunks, else 64-voxel cubes.
    overwrite : bool
        Replace an existing store (False by default).

    Returns
    -------
    Path
    """
    import dask.array as da
    import zarr

    voxel_um = check_positive(voxel_um, "voxel_um")
    is_dask = isinstance(array, da.Array)
    if not is_dask:
        array = as_array(array, "array", ndim=(2, 3))
    elif array.ndim not in (2, 3):
        raise ValueError(f"`array` must be 2-D or 3-D, got shape {array.shape}")
    if chunks is None:
        chunks = tuple(c[0] for c in array.chunks) if is_dask else tuple(min(64, n) for n in array.shape)
    attrs = to_jsonable(_metadata(voxel_um, provenance))
    with atomic_path(path, overwrite=overwrite) as tmp:
        z = zarr.open_array(store=str(tmp), mode="w", shape=array.shape, chunks=chunks, dtype=array.dtype)
        if is_dask:
            # dask chunks == zarr chunks, so each task writes whole chunks (no write races)
            da.store(array.rechunk(chunks), z, lock=False)
        else:
            z[...] = array
        z.attrs.update({_META_KEY: attrs})
    return Path(path)


def read_zarr(path, *, lazy: bool = False, voxel_um: float | None = None) -> Volume:
    """Read a Zarr array with its metadata.

    Parameters
    ----------
    path : str or Path
        Zarr folder.
    lazy : bool
        Return a dask array backed by the store instead of loading it into memory.
    voxel_um : float, optional
        For stores without xctkit metadata.

    Returns
    -------
    Volume
    """
    import zarr

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"`path` {str(path)!r} does not exist")
    z = zarr.open_array(store=str(path), mode="r")
    stored = dict(z.attrs).get(_META_KEY)
    if lazy:
        import dask.array as da

        arr = da.from_zarr(z)
    else:
        arr = z[...]
    return _volume_from_meta(arr, stored, voxel_um, path)
