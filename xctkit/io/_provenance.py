"""Provenance: where a volume came from (generator, parameters, seed, xctkit version)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

__all__ = ["Provenance", "to_jsonable"]


def to_jsonable(value: Any) -> Any:
    """Convert numpy scalars/arrays, tuples and nested dicts into plain JSON types."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return str(value)
    return value


@dataclass(frozen=True)
class Provenance:
    """Where a volume came from.

    Attributes
    ----------
    generator : str
        Dotted name of the function that made it (``"xctkit.synth.dry_electrode"``) or
        ``"user"`` for a user's own scan.
    parameters : dict
        Keyword arguments of that call, JSON-serialisable.
    seed : int or None
        Random seed, if the generator was random.
    voxel_um : float
        Voxel edge length in micrometres.
    xctkit_version : str
        Version of xctkit that produced it.
    created : str
        ISO-8601 UTC time stamp.
    parents : tuple of dict
        Provenance dicts of the inputs this volume was derived from (e.g. the truth a scan
        was rendered from).
    """

    generator: str
    parameters: dict = field(default_factory=dict)
    seed: int | None = None
    voxel_um: float | None = None
    xctkit_version: str = ""
    created: str = ""
    parents: tuple = ()

    @classmethod
    def make(cls, generator: str, parameters: dict | None = None, *, seed=None, voxel_um=None,
             parents=()) -> Provenance:
        """Build a provenance record stamped with the current xctkit version and UTC time."""
        from xctkit import __version__

        seed_value = int(seed) if isinstance(seed, (int, np.integer)) else None
        return cls(
            generator=generator,
            parameters=to_jsonable(dict(parameters or {})),
            seed=seed_value,
            voxel_um=None if voxel_um is None else float(voxel_um),
            xctkit_version=__version__,
            created=datetime.now(UTC).isoformat(timespec="seconds"),
            parents=tuple(p.to_dict() if isinstance(p, Provenance) else dict(p) for p in parents),
        )

    def to_dict(self) -> dict:
        return {
            "generator": self.generator,
            "parameters": to_jsonable(self.parameters),
            "seed": self.seed,
            "voxel_um": self.voxel_um,
            "xctkit_version": self.xctkit_version,
            "created": self.created,
            "parents": [to_jsonable(p) for p in self.parents],
        }

    @classmethod
    def from_dict(cls, d: dict) -> Provenance:
        if not isinstance(d, dict) or "generator" not in d:
            raise ValueError("provenance must be a dict with at least a 'generator' key")
        return cls(
            generator=str(d["generator"]),
            parameters=dict(d.get("parameters") or {}),
            seed=d.get("seed"),
            voxel_um=d.get("voxel_um"),
            xctkit_version=str(d.get("xctkit_version", "")),
            created=str(d.get("created", "")),
            parents=tuple(d.get("parents") or ()),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)
