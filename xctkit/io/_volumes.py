"""The :class:`Volume` container and the voxel-size rules shared by the TIFF and Zarr readers.

Writes are atomic (:class:`atomic_path`) and refuse to replace an existing file unless
``overwrite=True``, so a raw scan is never clobbered by accident. The readers and writers live in
``_tiff.py`` and ``_zarr.py`` and are re-exported here for older imports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._validate import check_positive
from ._atomic import atomic_path
from ._provenance import Provenance

__all__ = ["Volume", "write_tiff", "read_tiff", "write_zarr", "read_zarr", "atomic_path"]

META_KEY = "xctkit"
#: relative tolerance between two voxel sizes that are meant to be the same (issue: 1 %)
VOXEL_RTOL = 0.01

# unit spellings of ImageJ, OME (UnitsLength) and OME-NGFF, in micrometres
_UNIT_UM = {
    "um": 1.0, "µm": 1.0, "μm": 1.0, "\\u00b5m": 1.0, "micron": 1.0, "microns": 1.0,
    "micrometer": 1.0, "micrometre": 1.0, "micrometers": 1.0, "micrometres": 1.0,
    "nm": 1e-3, "nanometer": 1e-3, "nanometre": 1e-3, "nanometers": 1e-3,
    "mm": 1e3, "millimeter": 1e3, "millimetre": 1e3, "millimeters": 1e3,
    "cm": 1e4, "centimeter": 1e4, "centimetre": 1e4,
    "m": 1e6, "meter": 1e6, "metre": 1e6,
    "å": 1e-4, "angstrom": 1e-4, "\\u00c5": 1e-4,
}


def unit_to_um(unit) -> float | None:
    """Micrometres per ``unit`` (``'micron'``, ``'µm'``, ``'nm'``, ``'millimeter'`` ...), None if unknown.

    Examples
    --------
    >>> unit_to_um("nm"), unit_to_um("micron"), unit_to_um("pixel")
    (0.001, 1.0, None)
    """
    if not isinstance(unit, str):
        return None
    return _UNIT_UM.get(unit.strip().lower())


@dataclass(frozen=True)
class Volume:
    """An image or volume with its voxel size and provenance.

    Attributes
    ----------
    array : (Z, Y, X) or (Y, X) ndarray, or dask array when read lazily
        Grey levels (any dtype; float32 in [0, 1] for xctkit's own scans) or phase labels (uint8).
    voxel_um : float
        Voxel edge length, micrometres (the in-plane size for anisotropic voxels).
    provenance : Provenance or None
        Where it came from; None for a file without xctkit metadata.
    voxel_zyx_um : tuple of float or None
        Per-axis voxel size, micrometres, only for anisotropic voxels read with
        ``allow_anisotropic=True``; None means cubic voxels of ``voxel_um``.
    """

    array: object
    voxel_um: float
    provenance: Provenance | None = None
    voxel_zyx_um: tuple | None = None

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.array.shape)

    @property
    def spacing_um(self) -> tuple[float, ...]:
        """Voxel size along each axis of ``array``, micrometres."""
        if self.voxel_zyx_um is not None:
            return tuple(self.voxel_zyx_um)[-len(self.array.shape):]
        return (self.voxel_um,) * len(self.array.shape)

    @property
    def extent_um(self) -> tuple[float, ...]:
        """Physical size along each axis, micrometres."""
        return tuple(n * s for n, s in zip(self.array.shape, self.spacing_um))


def voxel_from_spacing(spacing, ndim: int, path, *, allow_anisotropic: bool):
    """``(voxel_um, voxel_zyx_um or None)`` from per-axis sizes (µm), refusing anisotropy unless allowed.

    ``spacing`` is ``(z, y, x)`` or ``(y, x)``; entries may be None (unknown). A missing z size of a stack
    is taken equal to the in-plane size.
    """
    sp = [None if s is None else float(s) for s in spacing]
    for s in sp:
        if s is not None and (not math.isfinite(s) or s <= 0):
            raise ValueError(f"{str(path)!r} stores a voxel size of {s} µm; voxel sizes must be finite and > 0")
    known = [s for s in sp if s is not None]
    if not known:
        return None, None
    inplane = [s for s in sp[-2:] if s is not None] or known
    base = inplane[-1]
    sp = [base if s is None else s for s in sp]
    if all(math.isclose(s, base, rel_tol=VOXEL_RTOL) for s in sp):
        return base, None
    zyx = tuple(sp)
    if not allow_anisotropic:
        names = "(z, y, x)" if len(sp) == 3 else "(y, x)"
        raise ValueError(
            f"{str(path)!r} has anisotropic voxels {names} = {tuple(round(s, 6) for s in zyx)} µm; xctkit's "
            "analyses assume cubic voxels: resample the scan to isotropic voxels, or pass "
            "allow_anisotropic=True to read it with per-axis sizes in `Volume.voxel_zyx_um`"
        )
    return base, zyx


def stored_voxel(meta: dict, path) -> float:
    """The ``voxel_um`` of an xctkit metadata dict, checked (a number, finite, > 0)."""
    v = meta.get("voxel_um") if isinstance(meta, dict) else None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
        raise ValueError(f"{str(path)!r} stores an invalid voxel size {v!r}; expected a number of micrometres > 0")
    return float(v)


def metadata_dict(voxel_um: float, provenance, voxel_zyx_um=None) -> dict:
    if isinstance(provenance, dict):
        provenance = Provenance.from_dict(provenance)
    if provenance is not None and not isinstance(provenance, Provenance):
        raise TypeError(f"`provenance` must be a Provenance, a dict or None, got {type(provenance).__name__}")
    out = {"voxel_um": float(voxel_um), "provenance": None if provenance is None else provenance.to_dict()}
    if voxel_zyx_um is not None:
        out["voxel_zyx_um"] = [float(v) for v in voxel_zyx_um]
    return out


def check_write_voxel(voxel_um, ndim: int, *, allow_anisotropic: bool):
    """Writer argument: a number or a per-axis ``(z, y, x)`` / ``(y, x)`` sequence; returns (iso, per-axis)."""
    if isinstance(voxel_um, (list, tuple, np.ndarray)):
        sizes = [check_positive(v, "voxel_um") for v in voxel_um]
        if len(sizes) != ndim:
            raise ValueError(f"`voxel_um` must have one size per axis ({ndim}), got {list(voxel_um)}")
        if all(math.isclose(s, sizes[-1], rel_tol=1e-9) for s in sizes):
            return sizes[-1], None
        if not allow_anisotropic:
            raise ValueError(f"`voxel_um`={list(voxel_um)} is anisotropic; pass allow_anisotropic=True to write it")
        return sizes[-1], tuple(sizes)
    return check_positive(voxel_um, "voxel_um"), None


def make_volume(arr, path, *, meta: dict | None, file_spacing, voxel_um, allow_anisotropic: bool) -> Volume:
    """Combine stored xctkit metadata, the file's own voxel size and a caller's ``voxel_um``."""
    ndim = np.ndim(arr) if not hasattr(arr, "ndim") else arr.ndim
    prov = None
    zyx = None
    if meta is not None:
        stored = stored_voxel(meta, path)
        if meta.get("voxel_zyx_um"):
            stored, zyx = voxel_from_spacing(meta["voxel_zyx_um"], ndim, path, allow_anisotropic=allow_anisotropic)
        p = meta.get("provenance")
        if p is not None:
            try:
                prov = Provenance.from_dict(p)
            except ValueError as exc:
                raise ValueError(f"{str(path)!r} has invalid xctkit provenance metadata: {exc}") from exc
        source = "xctkit metadata"
    else:
        stored, zyx = (voxel_from_spacing(file_spacing, ndim, path, allow_anisotropic=allow_anisotropic)
                       if file_spacing is not None else (None, None))
        source = "file's metadata"
    if stored is None:
        if voxel_um is None:
            raise ValueError(
                f"{str(path)!r} carries no voxel size (no xctkit, ImageJ, OME or NGFF calibration); "
                "pass `voxel_um=` (micrometres per voxel)"
            )
        return Volume(arr, check_positive(voxel_um, "voxel_um"), None)
    if voxel_um is not None:
        given = check_positive(voxel_um, "voxel_um")
        if not math.isclose(given, stored, rel_tol=VOXEL_RTOL):
            raise ValueError(
                f"`voxel_um`={given} µm disagrees with the {stored} µm stored in {str(path)!r} ({source}) "
                f"by more than {VOXEL_RTOL:.0%}"
            )
    return Volume(arr, stored, prov, zyx)


def __getattr__(name):  # the readers moved to _tiff.py / _zarr.py; keep `from ._volumes import read_tiff`
    if name in ("read_tiff", "write_tiff"):
        from . import _tiff

        return getattr(_tiff, name)
    if name in ("read_zarr", "write_zarr"):
        from . import _zarr

        return getattr(_zarr, name)
    raise AttributeError(name)
