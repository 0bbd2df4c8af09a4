"""TIFF stacks that Fiji/ImageJ, Bio-Formats and napari open at the right scale.

xctkit writes ImageJ hyperstacks (``XResolution``/``YResolution`` in pixels per micrometre, ``unit='um'``,
``spacing`` for z) with its provenance as JSON in the ImageJ ``Info`` property, which Fiji shows under
*Image > Show Info*. Dtypes ImageJ cannot hold (int32, float64 ...) are written as OME-TIFF with
``PhysicalSize{X,Y,Z}`` in µm and the provenance in a private tag. The reader understands those, files
xctkit wrote before (JSON in the shaped-TIFF description), ImageJ TIFFs from Fiji (unit ``micron``, ``µm``,
``nm``, ``mm`` ...) and OME-TIFFs from any tool; compressed files (LZW, Deflate, Zstd, ...) open through
imagecodecs.
"""

from __future__ import annotations

import json
import logging
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from .._validate import as_array
from ._atomic import atomic_path
from ._provenance import to_jsonable
from ._volumes import META_KEY, Volume, check_write_voxel, make_volume, metadata_dict, unit_to_um

__all__ = ["write_tiff", "read_tiff"]

#: private TIFF tag (65000-65535 are reserved for private use) holding xctkit's JSON in OME-TIFFs
XCTKIT_TAG = 65427
_IMAGEJ_DTYPES = (np.uint8, np.uint16, np.int16, np.float32)
_COMPRESSIONS = (None, "zlib", "zstd", "lzw", "lzma", "packbits")
_RGB_WEIGHTS = np.array([0.2125, 0.7154, 0.0721])  # ITU-R BT.709 luma, as skimage.color.rgb2gray


def write_tiff(path, array, *, voxel_um, provenance=None, overwrite: bool = False,
               compression: str | None = None, allow_anisotropic: bool = False) -> Path:
    """Write a 2-D image or 3-D stack as an ImageJ hyperstack TIFF with voxel size and provenance.

    Parameters
    ----------
    path : str or Path
        Target ``.tif``/``.tiff`` file.
    array : (Z, Y, X) or (Y, X) ndarray
        Grey levels or labels; its dtype is kept (bool is stored as 0/1 uint8 and read back as bool).
        uint8, uint16, int16 and float32 become ImageJ hyperstacks; other dtypes an OME-TIFF.
    voxel_um : float or sequence of float
        Voxel edge length, micrometres (> 0), or per-axis sizes ``(z, y, x)`` (anisotropic voxels need
        ``allow_anisotropic=True``). Written as ImageJ resolution/spacing (or OME PhysicalSize*).
    provenance : Provenance, dict or None
        Stored as JSON in the ImageJ ``Info`` property (OME-TIFF: a private tag).
    overwrite : bool
        Replace an existing file. False by default: raw data is never overwritten silently, and the
        check holds at the moment the file is put in place.
    compression : {None, 'zlib', 'zstd', 'lzw', 'lzma', 'packbits'}
        Lossless compression. Fiji's own reader opens zlib/lzw/packbits; zstd/lzma need Bio-Formats.
    allow_anisotropic : bool
        Allow per-axis voxel sizes that differ.

    Returns
    -------
    Path
        The written path.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is False.
    ValueError, TypeError
        For a non 2-D/3-D array, a non-positive ``voxel_um`` or an unknown ``compression``.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib, tifffile
    >>> p = write_tiff(pathlib.Path(tempfile.mkdtemp()) / "v.tif", np.zeros((2, 3, 4), np.uint16), voxel_um=0.5)
    >>> tifffile.TiffFile(p).imagej_metadata["spacing"], read_tiff(p).voxel_um
    (0.5, 0.5)
    """
    import tifffile

    arr = as_array(array, "array", ndim=(2, 3))
    iso, zyx = check_write_voxel(voxel_um, arr.ndim, allow_anisotropic=allow_anisotropic)
    if Path(path).suffix.lower() not in (".tif", ".tiff"):
        raise ValueError(f"`path` must end in .tif or .tiff, got {str(path)!r}")
    if compression not in _COMPRESSIONS:
        raise ValueError(f"`compression` must be one of {_COMPRESSIONS}, got {compression!r}")
    spacing = zyx if zyx is not None else (iso,) * arr.ndim
    meta = metadata_dict(iso, provenance, zyx)
    if arr.dtype == bool:
        meta["dtype"] = "bool"
        arr = arr.astype(np.uint8)
    info = json.dumps({META_KEY: to_jsonable(meta)})
    arr = np.ascontiguousarray(arr)
    kwargs = dict(compression=compression, photometric="minisblack",
                  resolution=(1.0 / spacing[-1], 1.0 / spacing[-2]))
    with atomic_path(path, overwrite=overwrite) as tmp:
        if arr.dtype.type in _IMAGEJ_DTYPES:
            ij = {"axes": "ZYX" if arr.ndim == 3 else "YX", "unit": "um", "Info": info}
            if arr.ndim == 3:
                ij["spacing"] = spacing[0]
            tifffile.imwrite(tmp, arr, imagej=True, metadata=ij, **kwargs)
        else:
            names = "ZYX"[-arr.ndim:]
            ome = {"axes": names}
            for ax, s in zip(names, spacing):
                ome[f"PhysicalSize{ax}"] = s
                ome[f"PhysicalSize{ax}Unit"] = "µm"
            tifffile.imwrite(tmp, arr, ome=True, metadata=ome, resolutionunit="MICROMETER",
                             extratags=[(XCTKIT_TAG, "s", 0, info, True)], **kwargs)
    return Path(path)


def _parse_xctkit_json(text, path, where: str) -> dict:
    try:
        doc = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{str(path)!r} has xctkit metadata in its {where} that is not valid JSON: {exc}") from exc
    if isinstance(doc, dict) and META_KEY in doc and isinstance(doc[META_KEY], (dict, str)):
        doc = doc[META_KEY]
        if isinstance(doc, str):  # files written before: {"xctkit": "<json>"}
            return _parse_xctkit_json(doc, path, where)
    if not isinstance(doc, dict):
        raise ValueError(f"{str(path)!r} has xctkit metadata in its {where} that is not a JSON object")
    return doc


def _xctkit_meta(tif, path) -> dict | None:
    page = tif.pages[0]
    tag = page.tags.get(XCTKIT_TAG)
    if tag is not None:
        return _parse_xctkit_json(tag.value, path, f"TIFF tag {XCTKIT_TAG}")
    ij = tif.imagej_metadata or {}
    info = ij.get("Info")
    if isinstance(info, str) and info.lstrip().startswith('{"' + META_KEY + '"'):
        return _parse_xctkit_json(info, path, "ImageJ Info property")
    if tif.is_shaped:  # xctkit <= 0.1: json.dumps in the shaped description {"xctkit": "<json>", "shape": ...}
        desc = page.description
        try:
            shaped = json.loads(desc)
        except ValueError:
            if f'"{META_KEY}"' in desc:
                raise ValueError(f"{str(path)!r} has a TIFF description with xctkit metadata that is not valid "
                                 "JSON") from None
            return None
        if isinstance(shaped, dict) and META_KEY in shaped:
            return _parse_xctkit_json(shaped[META_KEY], path, "TIFF description")
    return None


def _rational(tag) -> float | None:
    if tag is None:
        return None
    v = tag.value
    num, den = (v if isinstance(v, tuple) else (v, 1))
    return None if not num or not den else float(num) / float(den)


def _imagej_spacing(tif, ndim: int):
    ij = tif.imagej_metadata
    if not ij:
        return None
    per_um = unit_to_um(ij.get("unit"))
    if per_um is None:
        return None
    page = tif.pages[0]
    xres, yres = _rational(page.tags.get("XResolution")), _rational(page.tags.get("YResolution"))
    if xres is None:
        return None
    x = per_um / xres
    y = per_um / (yres or xres)
    if ndim == 2:
        return (y, x)
    spacing = ij.get("spacing")
    return ((float(spacing) * per_um) if spacing else None, y, x)


def _ome_spacing(tif, ndim: int, path):
    if not tif.is_ome:
        return None
    try:
        root = ET.fromstring(tif.ome_metadata)
    except ET.ParseError as exc:
        raise ValueError(f"{str(path)!r} has OME-XML metadata that does not parse: {exc}") from exc
    pixels = next((el for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "Pixels"), None)
    if pixels is None:
        return None
    out = []
    for ax in "ZYX"[-ndim:]:
        v = pixels.get(f"PhysicalSize{ax}")
        if v is None:
            out.append(None)
            continue
        unit = pixels.get(f"PhysicalSize{ax}Unit", "µm")  # the OME schema's default unit
        per_um = unit_to_um(unit)
        if per_um is None:
            raise ValueError(f"{str(path)!r} gives PhysicalSize{ax} in an unknown unit {unit!r}")
        out.append(float(v) * per_um)
    return None if all(v is None for v in out) else tuple(out)


def _legacy_spacing(tif, ndim: int):
    """Baseline resolution tags only when their unit is the micrometre/millimetre extension (4, 5).

    Inch and centimetre resolutions are ignored: most tools write 72 dpi defaults that are no voxel size.
    """
    page = tif.pages[0]
    unit = page.tags.get("ResolutionUnit")
    per_um = {4: 1e3, 5: 1.0}.get(int(unit.value) if unit is not None else 0)
    xres = _rational(page.tags.get("XResolution"))
    if per_um is None or xres is None:
        return None
    yres = _rational(page.tags.get("YResolution")) or xres
    return (None, per_um / yres, per_um / xres)[-ndim:] if ndim == 3 else (per_um / yres, per_um / xres)


def _to_grey_volume(arr: np.ndarray, axes: str, path, rgb: str) -> np.ndarray:
    keep = [i for i, (a, n) in enumerate(zip(axes, arr.shape)) if n > 1 or a in "YX"]
    arr = arr.reshape([arr.shape[i] for i in keep])
    axes = "".join(axes[i] for i in keep)
    for ax, what in (("C", "channels"), ("T", "time points")):
        if ax in axes:
            raise ValueError(f"{str(path)!r} holds {arr.shape[axes.index(ax)]} {what} (axes {axes!r}); "
                             "xctkit expects one grey image or volume per file: split it in Fiji first")
    if "S" in axes:
        k = axes.index("S")
        n = arr.shape[k]
        if n not in (3, 4):
            raise ValueError(f"{str(path)!r} has {n} samples per pixel; expected grey, RGB or RGBA")
        if rgb == "error":
            raise ValueError(f"{str(path)!r} is an RGB image, not a grey one; convert it to grey first "
                             "(or read it with rgb='convert')")
        warnings.warn(f"{str(path)!r} is an RGB image; converting it to grey (BT.709 luma "
                      "0.2125 R + 0.7154 G + 0.0721 B, alpha dropped)", UserWarning, stacklevel=3)
        chans = np.moveaxis(arr, k, -1)[..., :3].astype(np.float64)
        grey = chans @ _RGB_WEIGHTS
        if np.issubdtype(arr.dtype, np.integer):
            info = np.iinfo(arr.dtype)
            grey = np.clip(np.rint(grey), info.min, info.max)
        arr = grey.astype(arr.dtype)
        axes = axes.replace("S", "")
    if arr.ndim not in (2, 3):
        raise ValueError(f"{str(path)!r} has shape {arr.shape} (axes {axes!r}); expected a 2-D image or 3-D stack")
    return arr


class _CollectErrors(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def read_tiff(path, *, voxel_um: float | None = None, allow_anisotropic: bool = False,
              rgb: str = "convert") -> Volume:
    """Read a TIFF image or stack written by xctkit, Fiji/ImageJ, an OME-TIFF writer or any other tool.

    The voxel size comes from, in order: xctkit's metadata; ImageJ calibration (``XResolution`` in
    pixels per ``unit``, ``spacing`` for z; units micron/µm/um/nm/mm); OME ``PhysicalSize{X,Y,Z}`` with
    their units; micrometre resolution tags; else ``voxel_um``.

    Parameters
    ----------
    path : str or Path
        A ``.tif``/``.tiff`` file (any compression imagecodecs decodes: LZW, Deflate, Zstd, ...).
    voxel_um : float, optional
        Voxel size in micrometres for files without a calibration (a user's own scan). If the file
        has one, the two must agree within 1 %.
    allow_anisotropic : bool
        Accept voxels whose z (or y) size differs from x by more than 1 %; the per-axis sizes are then
        in ``Volume.voxel_zyx_um``. Refused by default, with a message giving the sizes.
    rgb : {'convert', 'error'}
        An RGB(A) file is converted to grey (BT.709 luma, dtype kept) with a warning, or refused.

    Returns
    -------
    Volume
        ``array`` is (Z, Y, X) or (Y, X), the file's dtype.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        A corrupt/truncated TIFF, invalid metadata (non-JSON, voxel size <= 0), several channels,
        anisotropic voxels, a voxel size neither stored nor given, or one that disagrees with the file's.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib, tifffile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "fiji.tif"
    >>> tifffile.imwrite(p, np.zeros((4, 8, 8), np.uint8), imagej=True, resolution=(2.0, 2.0),
    ...                  metadata={"spacing": 0.5, "unit": "micron", "axes": "ZYX"})
    >>> read_tiff(p).voxel_um
    0.5
    """
    import tifffile

    if rgb not in ("convert", "error"):
        raise ValueError(f"`rgb` must be 'convert' or 'error', got {rgb!r}")
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"`path` {str(path)!r} does not exist")
    if not path.is_file():
        raise IsADirectoryError(f"`path` {str(path)!r} is a folder, not a TIFF file")
    errors = _CollectErrors()
    tlog = logging.getLogger("tifffile")
    tlog.addHandler(errors)
    try:
        with tifffile.TiffFile(path) as tif:
            series = tif.series[0]
            raw = series.asarray()
            axes = series.axes
            meta = _xctkit_meta(tif, path)
            n_spatial = 3 if sum(n > 1 for a, n in zip(axes, raw.shape) if a not in "YXSCT") else 2
            spacing = None
            if meta is None:
                spacing = (_imagej_spacing(tif, n_spatial) or _ome_spacing(tif, n_spatial, path)
                           or _legacy_spacing(tif, n_spatial))
        if errors.messages:  # tifffile logs (and works around) truncated pages instead of raising
            raise ValueError("; ".join(errors.messages[:3]))
    except (ValueError, OSError) as exc:
        if str(path) in str(exc):
            raise
        raise ValueError(f"{str(path)!r} is not a readable TIFF file (corrupt or truncated?): "
                         f"{type(exc).__name__}: {exc}") from exc
    except Exception as exc:  # tifffile/struct/imagecodecs errors on damaged files
        raise ValueError(f"{str(path)!r} is not a readable TIFF file (corrupt or truncated?): "
                         f"{type(exc).__name__}: {exc}") from exc
    finally:
        tlog.removeHandler(errors)
    arr = _to_grey_volume(raw, axes, path, rgb)
    if meta is not None and meta.get("dtype") == "bool":
        arr = arr.astype(bool)
    return make_volume(arr, path, meta=meta, file_spacing=spacing, voxel_um=voxel_um,
                       allow_anisotropic=allow_anisotropic)
