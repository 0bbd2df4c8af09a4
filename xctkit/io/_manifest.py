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
``notes``       no        free text
==============  ========  ====================================================================
"""

from __future__ import annotations

import csv
import re
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from ._volumes import atomic_path

__all__ = ["Sample", "Manifest", "ManifestError", "read_manifest", "write_manifest"]

MODALITIES = ("xct", "sem")
STATES = ("pristine", "cycled")
RESOLUTIONS = ("hr", "lr", "")
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

    def electrodes(self) -> list[str]:
        """Distinct physical electrodes, in order of first appearance."""
        return list(dict.fromkeys(s.electrode for s in self.samples))

    def to_frame(self):
        import pandas as pd

        rows = [asdict(s) | {"path": str(s.path), "labels": str(s.labels or ""),
                             "instances": str(s.instances or "")} for s in self.samples]
        return pd.DataFrame(rows, columns=[f.name for f in fields(Sample)])


def _fail(row: int, sample_id: str, field_name: str, msg: str):
    who = f"sample {sample_id!r}" if sample_id else "an unnamed sample"
    raise ManifestError(f"manifest row {row} ({who}): field `{field_name}` {msg}")


def _parse_rows(rows: list[dict], root: Path, check_files: bool) -> Manifest:
    samples: list[Sample] = []
    seen: dict[str, int] = {}
    known = {f.name for f in fields(Sample)}
    for i, raw in enumerate(rows, start=1):
        if not isinstance(raw, dict):
            raise ManifestError(f"manifest row {i}: expected a mapping of fields, got {type(raw).__name__}")
        row = {str(k).strip(): ("" if v is None else v) for k, v in raw.items()}
        sid = str(row.get("id", "")).strip()
        unknown = sorted(set(row) - known)
        if unknown:
            _fail(i, sid, unknown[0], f"is not a manifest field (expected one of {sorted(known)})")
        for req in ("id", "path", "voxel_um", "modality", "state"):
            if str(row.get(req, "")).strip() == "":
                _fail(i, sid, req, "is required but missing or empty")
        if not _ID_RE.match(sid):
            _fail(i, sid, "id", "must contain only letters, digits, '_', '-' or '.'")
        if sid in seen:
            _fail(i, sid, "id", f"duplicates row {seen[sid]}")
        seen[sid] = i
        try:
            voxel = float(row["voxel_um"])
        except (TypeError, ValueError):
            _fail(i, sid, "voxel_um", f"must be a number of micrometres, got {row['voxel_um']!r}")
        if not np.isfinite(voxel) or voxel <= 0:
            _fail(i, sid, "voxel_um", f"must be > 0 micrometres, got {row['voxel_um']!r}")
        modality = str(row["modality"]).strip().lower()
        if modality not in MODALITIES:
            _fail(i, sid, "modality", f"must be one of {MODALITIES}, got {row['modality']!r}")
        state = str(row["state"]).strip().lower()
        if state not in STATES:
            _fail(i, sid, "state", f"must be one of {STATES}, got {row['state']!r}")
        resolution = str(row.get("resolution", "")).strip().lower()
        if resolution not in RESOLUTIONS:
            _fail(i, sid, "resolution", f"must be 'hr', 'lr' or empty, got {row['resolution']!r}")
        path = Path(str(row["path"]).strip())
        full = path if path.is_absolute() else root / path
        if check_files and not full.exists():
            _fail(i, sid, "path", f"points to {str(full)!r}, which does not exist")
        extra = {}
        for opt in ("labels", "instances"):
            raw_opt = str(row.get(opt, "")).strip()
            if raw_opt:
                p = Path(raw_opt)
                p = p if p.is_absolute() else root / p
                if check_files and not p.exists():
                    _fail(i, sid, opt, f"points to {str(p)!r}, which does not exist")
                extra[opt] = p
        samples.append(
            Sample(
                id=sid,
                path=full,
                voxel_um=voxel,
                modality=modality,
                state=state,
                electrode=str(row.get("electrode", "")).strip() or sid,
                resolution=resolution,
                pair=str(row.get("pair", "")).strip(),
                kind=str(row.get("kind", "")).strip(),
                notes=str(row.get("notes", "")).strip(),
                **extra,
            )
        )
    by_id = {s.id: s for s in samples}
    for i, s in enumerate(samples, start=1):
        if not s.pair:
            continue
        partner = by_id.get(s.pair)
        if partner is None:
            _fail(i, s.id, "pair", f"names {s.pair!r}, which is not a sample id in this manifest")
        if partner.pair and partner.pair != s.id:
            _fail(i, s.id, "pair", f"names {s.pair!r}, but that sample pairs with {partner.pair!r}")
        if {s.resolution, partner.resolution} != {"hr", "lr"}:
            _fail(i, s.id, "resolution", f"of a pair must be 'hr' on one scan and 'lr' on the other "
                  f"(got {s.resolution!r} and {partner.resolution!r})")
        if s.modality != partner.modality:
            _fail(i, s.id, "modality", f"differs from its pair {partner.id!r}")
        lr, hr = (s, partner) if s.resolution == "lr" else (partner, s)
        if lr.voxel_um <= hr.voxel_um:
            _fail(i, s.id, "voxel_um", f"of the LR scan ({lr.voxel_um}) must exceed the HR scan's ({hr.voxel_um})")
    return Manifest(tuple(samples), root)


def read_manifest(path, *, check_files: bool = True) -> Manifest:
    """Read and validate a YAML (``.yaml``/``.yml``) or CSV (``.csv``) manifest.

    Parameters
    ----------
    path : str or Path
        The manifest file; relative sample paths are resolved against its folder.
    check_files : bool
        Require every listed path to exist.

    Returns
    -------
    Manifest

    Raises
    ------
    ManifestError
        Naming the row, the sample id and the bad field.
    FileNotFoundError
        If the manifest itself does not exist.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"manifest {str(path)!r} does not exist")
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        import yaml

        doc = yaml.safe_load(path.read_text()) or {}
        if not isinstance(doc, dict) or not isinstance(doc.get("samples"), list):
            raise ManifestError(f"manifest {str(path)!r} must be a mapping with a `samples:` list")
        rows = doc["samples"]
    elif suffix == ".csv":
        with path.open(newline="") as fh:
            rows = list(csv.DictReader(fh))
    else:
        raise ValueError(f"`path` must be a .yaml, .yml or .csv manifest, got {str(path)!r}")
    if not rows:
        raise ManifestError(f"manifest {str(path)!r} lists no samples")
    return _parse_rows(rows, path.parent, check_files)


def write_manifest(path, samples, *, overwrite: bool = False) -> Path:
    """Write samples (an iterable of :class:`Sample` or dicts) as a YAML or CSV manifest.

    Paths are written relative to the manifest's folder where possible. The rows are validated
    (without checking the files exist) before anything is written.
    """
    path = Path(path)
    root = path.parent
    rows = []
    for s in samples:
        d = asdict(s) if isinstance(s, Sample) else dict(s)
        for key in ("path", "labels", "instances"):
            if d.get(key) in (None, ""):
                continue
            p = Path(str(d[key]))
            try:
                p = p.relative_to(root) if p.is_absolute() else p
            except ValueError:
                pass
            d[key] = p.as_posix()
        rows.append({k: v for k, v in d.items() if v not in ("", None)})
    _parse_rows(rows, root, check_files=False)
    suffix = path.suffix.lower()
    with atomic_path(path, overwrite=overwrite) as tmp:
        if suffix in (".yaml", ".yml"):
            import yaml

            tmp.write_text(yaml.safe_dump({"samples": rows}, sort_keys=False))
        elif suffix == ".csv":
            cols = [f.name for f in fields(Sample)]
            with tmp.open("w", newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=cols)
                w.writeheader()
                for r in rows:
                    w.writerow({c: r.get(c, "") for c in cols})
        else:
            raise ValueError(f"`path` must end in .yaml, .yml or .csv, got {str(path)!r}")
    return path
