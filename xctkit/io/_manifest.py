"""Sample manifests: which scans exist, their voxel sizes, states and LR<->HR pairing.

A manifest is a YAML file (``samples:`` list of mappings) or a CSV file with one row per scan.
Columns / keys:

==============  ========  ====================================================================
field           required  meaning
==============  ========  ====================================================================
``id``          yes       unique sample id (letters, digits, ``_ - .``)
``path``        yes       TIFF file or Zarr folder, relative to the manifest's folder
``voxel_um``    yes       voxel edge length, micrometres (> 0)
``modality``    yes       ``xct`` or ``sem``
``state``       yes       ``pristine`` or ``cycled``
``electrode``   no        physical electrode the scan belongs to (default: ``id``); sample-level
                          train/test splits group by it
``resolution``  no        ``hr``, ``lr`` or empty (a scan that is not part of a pair)
``pair``        no        ``id`` of the partner scan at the other resolution
``kind``        no        free text, e.g. ``dry`` or ``dit``
``labels``      no        phase-label volume of this scan (ground truth or a manual segmentation)
``instances``   no        particle instance-label volume (ground truth or a manual separation)
``split``       no        ``train``, ``val``, ``test`` or empty: which set the *electrode* belongs
                          to (all scans of one electrode must agree)
``condition``   no        mapping of experimental conditions (e.g. ``{c_rate: 0.2, cycles: 100}``);
                          in CSV a JSON object, or columns ``condition.<name>``
``notes``       no        free text
==============  ========  ====================================================================

Paths must lie inside the manifest's folder (``..`` and absolute paths elsewhere are refused unless
``allow_outside=True``), must be files (or Zarr stores), and each key may appear once per row.
"""

from __future__ import annotations

import csv
import io as _io
import json
import math
import os
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from ._atomic import atomic_path
from ._zarr import is_zarr_store

__all__ = ["Sample", "Manifest", "ManifestError", "read_manifest", "write_manifest"]

MODALITIES = ("xct", "sem")
STATES = ("pristine", "cycled")
RESOLUTIONS = ("hr", "lr", "")
SPLITS = ("train", "val", "test", "")
_PATH_FIELDS = ("path", "labels", "instances")
_ID_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")


class ManifestError(ValueError):
    """A manifest entry is invalid; the message names the row, sample and field."""


@dataclass(frozen=True)
class Sample:
    """One scan listed in a manifest (see the module docstring for the fields)."""

    id: str
    path: Path
    voxel_um: float
    modality: str
    state: str
    electrode: str = ""
    resolution: str = ""
    pair: str = ""
    kind: str = ""
    labels: Path | None = None
    instances: Path | None = None
    notes: str = ""
    split: str = ""
    condition: dict = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Manifest:
    """A validated list of samples.

    Attributes
    ----------
    samples : tuple of Sample
    root : Path
        Folder the relative paths are resolved against.
    """

    samples: tuple[Sample, ...]
    root: Path

    def __len__(self) -> int:
        return len(self.samples)

    def __iter__(self):
        return iter(self.samples)

    def get(self, sample_id: str) -> Sample:
        for s in self.samples:
            if s.id == sample_id:
                return s
        known = ", ".join(s.id for s in self.samples)
        raise KeyError(f"no sample {sample_id!r} in the manifest (known: {known})")

    def pairs(self) -> list[tuple[Sample, Sample]]:
        """(LR, HR) sample pairs, in manifest order of the LR scan."""
        out = []
        for s in self.samples:
            if s.resolution == "lr" and s.pair:
                out.append((s, self.get(s.pair)))
        return out

    def electrodes(self, split: str | None = None) -> list[str]:
        """Distinct physical electrodes, in order of first appearance (only those of ``split`` if given)."""
        if split is not None and split not in SPLITS[:-1]:
            raise ValueError(f"`split` must be one of {SPLITS[:-1]} or None, got {split!r}")
        return list(dict.fromkeys(s.electrode for s in self.samples if split is None or s.split == split))

    def splits(self) -> dict[str, str]:
        """``{electrode: split}`` for every electrode ('' where the manifest assigns none)."""
        return {s.electrode: s.split for s in self.samples}

    def to_frame(self):
        import pandas as pd

        rows = [asdict(s) | {"path": str(s.path), "labels": str(s.labels or ""),
                             "instances": str(s.instances or "")} for s in self.samples]
        return pd.DataFrame(rows, columns=[f.name for f in fields(Sample)])


def _fail(row: int, sample_id: str, field_name: str, msg: str, source: str = ""):
    who = f"sample {sample_id!r}" if sample_id else "an unnamed sample"
    where = f"{source}: " if source else ""
    raise ManifestError(f"{where}manifest row {row} ({who}): field `{field_name}` {msg}")


def _number(value, i, sid, name, source):
    if isinstance(value, bool):  # YAML `true` is a bool, and bool is an int subclass in Python
        _fail(i, sid, name, f"must be a number of micrometres, got the boolean {value!r}", source)
    try:
        v = float(value)
    except (TypeError, ValueError):
        _fail(i, sid, name, f"must be a number of micrometres, got {value!r}", source)
    if not math.isfinite(v) or v <= 0:
        _fail(i, sid, name, f"must be > 0 micrometres, got {value!r}", source)
    return v


def _resolve(raw, root: Path, i, sid, name, *, check_files, allow_outside, source) -> Path:
    p = Path(raw)
    full = Path(os.path.normpath(p if p.is_absolute() else root / p))  # lexical: symlinks inside are fine
    if not allow_outside and not full.is_relative_to(root):
        _fail(i, sid, name, f"{str(raw)!r} points outside the manifest's folder {str(root)!r}; move the file "
              "into it or pass allow_outside=True", source)
    if check_files:
        if not full.exists():
            _fail(i, sid, name, f"points to {str(full)!r}, which does not exist", source)
        if full.is_dir() and not is_zarr_store(full):
            _fail(i, sid, name, f"points to {str(full)!r}, which is a folder, not a file or Zarr store", source)
    return full


def _condition(value, i, sid, source) -> dict:
    if value in ("", None):
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            _fail(i, sid, "condition", f"must be a mapping (in CSV a JSON object), got {value!r}", source)
    if not isinstance(value, dict):
        _fail(i, sid, "condition", f"must be a mapping of names to values, got {value!r}", source)
    out = {}
    for k, v in value.items():
        if not isinstance(v, (str, int, float, bool)) and v is not None:
            _fail(i, sid, "condition", f"value of {k!r} must be a number, text or boolean, got {v!r}", source)
        out[str(k)] = v
    return out


def _parse_rows(rows: list[dict], root: Path, check_files: bool, *, allow_outside: bool = False,
                source: str = "") -> Manifest:
    root = Path(os.path.abspath(root))
    samples: list[Sample] = []
    seen: dict[str, int] = {}
    known = {f.name for f in fields(Sample)}
    for i, raw in enumerate(rows, start=1):
        if not isinstance(raw, dict):
            raise ManifestError(f"{source + ': ' if source else ''}manifest row {i}: expected a mapping of "
                                f"fields, got {type(raw).__name__}")
        row = {str(k).strip(): ("" if v is None else v) for k, v in raw.items()}
        sid = str(row.get("id", "")).strip()
        cond = row.pop("condition", "")
        cond = _condition(cond, i, sid, source)
        for k in [k for k in row if k.startswith("condition.")]:
            v = row.pop(k)
            if v != "":
                cond[k.split(".", 1)[1]] = v
        unknown = sorted(set(row) - known)
        if unknown:
            _fail(i, sid, unknown[0], f"is not a manifest field (expected one of {sorted(known)})", source)
        for req in ("id", "path", "voxel_um", "modality", "state"):
            if str(row.get(req, "")).strip() == "":
                _fail(i, sid, req, "is required but missing or empty", source)
        if not _ID_RE.match(sid):
            _fail(i, sid, "id", "must contain only letters, digits, '_', '-' or '.'", source)
        if sid in seen:
            _fail(i, sid, "id", f"duplicates row {seen[sid]}", source)
        seen[sid] = i
        voxel = _number(row["voxel_um"], i, sid, "voxel_um", source)
        choices = {}
        for name, allowed in (("modality", MODALITIES), ("state", STATES), ("resolution", RESOLUTIONS),
                              ("split", SPLITS)):
            value = row.get(name, "")
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                _fail(i, sid, name, f"must be one of {allowed}, got {value!r}", source)
            choices[name] = str(value).strip().lower()
            if choices[name] not in allowed:
                _fail(i, sid, name, f"must be one of {allowed}, got {value!r}", source)
        paths = {}
        for name in _PATH_FIELDS:
            raw_p = str(row.get(name, "")).strip()
            if raw_p:
                paths[name] = _resolve(raw_p, root, i, sid, name, check_files=check_files,
                                       allow_outside=allow_outside, source=source)
        samples.append(
            Sample(
                id=sid,
                voxel_um=voxel,
                electrode=str(row.get("electrode", "")).strip() or sid,
                pair=str(row.get("pair", "")).strip(),
                kind=str(row.get("kind", "")).strip(),
                notes=str(row.get("notes", "")).strip(),
                condition=cond,
                **choices,
                **paths,
            )
        )
    by_id = {s.id: s for s in samples}
    split_of: dict[str, tuple[str, int, str]] = {}
    for i, s in enumerate(samples, start=1):
        if s.split:
            prev = split_of.setdefault(s.electrode, (s.split, i, s.id))
            if prev[0] != s.split:
                _fail(i, s.id, "split", f"is {s.split!r} but sample {prev[2]!r} (row {prev[1]}) of the same "
                      f"electrode {s.electrode!r} is {prev[0]!r}; a split holds whole electrodes", source)
    for i, s in enumerate(samples, start=1):
        if s.electrode in split_of and not s.split:  # scans without a split inherit their electrode's
            samples[i - 1] = s = Sample(**{**asdict(s), "split": split_of[s.electrode][0]})
        if not s.pair:
            continue
        partner = by_id.get(s.pair)
        if partner is None:
            _fail(i, s.id, "pair", f"names {s.pair!r}, which is not a sample id in this manifest", source)
        if partner.pair and partner.pair != s.id:
            _fail(i, s.id, "pair", f"names {s.pair!r}, but that sample pairs with {partner.pair!r}", source)
        if {s.resolution, partner.resolution} != {"hr", "lr"}:
            _fail(i, s.id, "resolution", f"of a pair must be 'hr' on one scan and 'lr' on the other "
                  f"(got {s.resolution!r} and {partner.resolution!r})", source)
        if s.modality != partner.modality:
            _fail(i, s.id, "modality", f"differs from its pair {partner.id!r}", source)
        lr, hr = (s, partner) if s.resolution == "lr" else (partner, s)
        if lr.voxel_um <= hr.voxel_um:
            _fail(i, s.id, "voxel_um", f"of the LR scan ({lr.voxel_um}) must exceed the HR scan's ({hr.voxel_um})",
                  source)
    return Manifest(tuple(samples), root)


def _yaml_loader(path: Path):
    import yaml

    class _UniqueKeyLoader(yaml.SafeLoader):
        """SafeLoader that refuses a key repeated in one mapping (PyYAML silently keeps the last)."""

    def construct_mapping(loader, node, deep=False):
        keys = {}
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if key in keys:
                raise ManifestError(f"manifest {str(path)!r}, line {line}: key {key!r} is repeated in one entry "
                                    f"(first on line {keys[key]})")
            keys[key] = line
        return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)

    _UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return _UniqueKeyLoader


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data[:nul].count(b"\n") + 1
        raise ManifestError(f"manifest {str(path)!r}, line {line}: a binary file "
                            "(NUL byte), not a YAML or CSV text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ManifestError(f"manifest {str(path)!r}, line {line}: not UTF-8 text (byte {data[exc.start]:#04x} "
                            f"at offset {exc.start}); save the manifest as UTF-8") from None


def _read_yaml_rows(path: Path, text: str) -> list:
    import yaml

    try:
        doc = yaml.load(text, Loader=_yaml_loader(path))  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ManifestError(f"manifest {str(path)!r}{line}: YAML syntax error: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise ManifestError(f"manifest {str(path)!r}: not valid YAML: {exc}") from None
    doc = {} if doc is None else doc
    if not isinstance(doc, dict) or not isinstance(doc.get("samples"), list):
        raise ManifestError(f"manifest {str(path)!r} must be a mapping with a `samples:` list")
    return doc["samples"]


def _read_csv_rows(path: Path, text: str) -> list:
    reader = csv.reader(_io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return []
    except csv.Error as exc:
        raise ManifestError(f"manifest {str(path)!r}, line 1: not valid CSV: {exc}") from None
    header = [h.strip() for h in header]
    dup = sorted({h for h in header if header.count(h) > 1 and h})
    if dup:
        raise ManifestError(f"manifest {str(path)!r}, line 1: column {dup[0]!r} appears more than once in the header")
    rows = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue  # blank line
            if len(values) > len(header):
                raise ManifestError(f"manifest {str(path)!r}, line {reader.line_num}: {len(values)} values but the "
                                    f"header has {len(header)} columns (a stray comma or an unquoted value?)")
            rows.append(dict(zip(header, values)))
    except csv.Error as exc:
        raise ManifestError(f"manifest {str(path)!r}, line {reader.line_num}: not valid CSV: {exc}") from None
    return rows


def read_manifest(path, *, check_files: bool = True, allow_outside: bool = False) -> Manifest:
    """Read and validate a YAML (``.yaml``/``.yml``) or CSV (``.csv``) manifest.

    Parameters
    ----------
    path : str or Path
        The manifest file; relative sample paths are resolved against its folder.
    check_files : bool
        Require every listed path to exist and be a file (or a Zarr store).
    allow_outside : bool
        Accept paths outside the manifest's folder (``../``, absolute paths elsewhere).

    Returns
    -------
    Manifest
        Sample paths are absolute.

    Raises
    ------
    ManifestError
        Naming the file and line (syntax, binary file, repeated key, extra CSV value) or the row, the
        sample id and the bad field.
    FileNotFoundError
        If the manifest itself does not exist.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()); (d / "a.tif").touch()
    >>> _ = (d / "m.csv").write_text("id,path,voxel_um,modality,state,split\na,a.tif,0.74,xct,pristine,test\n")
    >>> m = read_manifest(d / "m.csv")
    >>> m.get("a").voxel_um, m.electrodes("test")
    (0.74, ['a'])
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"manifest {str(path)!r} does not exist or is not a file")
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".csv"):
        raise ValueError(f"`path` must be a .yaml, .yml or .csv manifest, got {str(path)!r}")
    text = _read_text(path)
    rows = _read_yaml_rows(path, text) if suffix in (".yaml", ".yml") else _read_csv_rows(path, text)
    if not rows:
        raise ManifestError(f"manifest {str(path)!r} lists no samples")
    return _parse_rows(rows, path.parent, check_files, allow_outside=allow_outside, source=str(path))


def _relative(p, root_given: Path, root_abs: Path) -> str:
    """A path as stored in a manifest: relative to its folder where possible, else absolute.

    Absolute paths are made relative to the manifest's folder. Relative paths that begin with the
    manifest's folder as the caller spelled it (``out/scans/a.tif`` for ``out/manifest.yaml``) are
    paths from the working directory and lose that prefix (no doubled ``out/out/``); other relative
    paths are taken as relative to the manifest's folder already.
    """
    p = Path(str(p))
    if p.is_absolute():
        full = Path(os.path.normpath(p))
    elif str(root_given) not in ("", ".") and not root_given.is_absolute() and p.is_relative_to(root_given):
        full = Path(os.path.normpath(Path.cwd() / p))
    else:
        return p.as_posix()
    try:
        return full.relative_to(root_abs).as_posix()
    except ValueError:
        return full.as_posix()


def write_manifest(path, samples, *, overwrite: bool = False, allow_outside: bool = False) -> Path:
    """Write samples (an iterable of :class:`Sample` or dicts) as a YAML or CSV manifest.

    Paths are written relative to the manifest's folder where possible (see :func:`read_manifest`
    for which paths are accepted). The rows are validated (without checking the files exist) before
    anything is written, and the file is written atomically.

    Parameters
    ----------
    path : str or Path
        ``.yaml``/``.yml`` or ``.csv`` target.
    samples : iterable of Sample or dict
        Absolute paths, or paths relative to the working directory that start with the manifest's
        folder, or paths relative to the manifest's folder.
    overwrite : bool
        Replace an existing manifest (False by default).
    allow_outside : bool
        Allow paths outside the manifest's folder (written absolute).

    Returns
    -------
    Path
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".csv"):
        raise ValueError(f"`path` must end in .yaml, .yml or .csv, got {str(path)!r}")
    root_given = path.parent
    root_abs = Path(os.path.abspath(root_given))
    rows = []
    for s in samples:
        d = asdict(s) if isinstance(s, Sample) else dict(s)
        for key in _PATH_FIELDS:
            if d.get(key) in (None, ""):
                continue
            d[key] = _relative(d[key], root_given, root_abs)
        if isinstance(d.get("voxel_um"), (int, float)) and not isinstance(d.get("voxel_um"), bool):
            d["voxel_um"] = float(d["voxel_um"])
        rows.append({k: v for k, v in d.items() if v not in ("", None, {})})
    _parse_rows(rows, root_abs, check_files=False, allow_outside=allow_outside, source=str(path))
    with atomic_path(path, overwrite=overwrite) as tmp:
        if suffix in (".yaml", ".yml"):
            import yaml

            tmp.write_text(yaml.safe_dump({"samples": rows}, sort_keys=False, allow_unicode=True))
        else:
            cols = [f.name for f in fields(Sample)]
            with tmp.open("w", newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=cols)
                w.writeheader()
                for r in rows:
                    out = {c: r.get(c, "") for c in cols}
                    if out["condition"]:
                        out["condition"] = json.dumps(out["condition"], sort_keys=True)
                    w.writerow(out)
    return path
