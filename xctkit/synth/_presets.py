"""Presets: the calibrated generator parameters of paper 000's Table 2 electrodes.

``presets.json`` is written by :func:`xctkit.synth.calibrate_presets` (``xctkit calibrate``) at the
``full`` profile size; nothing in it is typed by hand.
"""

from __future__ import annotations

import functools
import json
from importlib import resources

from ._cycling import cycle
from ._electrodes import Electrode, dit_electrode, dry_electrode

LAB_PROFILES = {
    "quick": {"dry_shape": [96, 128, 128], "dit_shape": [96, 192, 192], "fov_factor": 2},
    "default": {"dry_shape": [160, 224, 224], "dit_shape": [160, 288, 288], "fov_factor": 2},
    # 90 µm = the dry electrode's whole thickness; the calibration size of the presets
    "full": {"dry_shape": [243, 324, 324], "dit_shape": [243, 324, 324], "fov_factor": 2},
}
"""Truth shapes (Z, Y, X) at 0.37 µm and large-field factor of the virtual laboratory per report
profile (the report's ``lab_*`` parameters are read from here)."""


__all__ = ["load_presets", "preset_names", "preset_electrode"]


@functools.cache
def load_presets() -> dict:
    """The calibrated presets (``xctkit/synth/presets.json``) as a dict."""
    with resources.files(__package__).joinpath("presets.json").open() as fh:
        return json.load(fh)


def preset_names() -> tuple[str, ...]:
    """Sample ids with a preset (Table 2: ``dry1``, ``dry2``, ``dry3``, ``dit``)."""
    return tuple(load_presets()["samples"])


def preset_electrode(sample_id: str, *, shape, seed: int = 0, pristine: Electrode | None = None,
                     state: str = "pristine", **overrides) -> Electrode:
    """Generate a Table 2 electrode from its calibrated preset.

    Parameters
    ----------
    sample_id : {'dry1', 'dry2', 'dry3', 'dit'}
    shape : (3,) tuple of int
        Truth shape ``(Z, Y, X)`` at 0.37 µm (pristine state only).
    seed : int
    pristine : Electrode, optional
        For ``state='cycled'``: the pristine electrode to age (generated if not given).
    state : {'pristine', 'cycled'}
    **overrides
        Generator keyword arguments replacing the preset's.

    Returns
    -------
    Electrode
    """
    samples = load_presets()["samples"]
    if sample_id not in samples:
        raise ValueError(f"`sample_id` must be one of {sorted(samples)}, got {sample_id!r}")
    if state not in ("pristine", "cycled"):
        raise ValueError(f"`state` must be 'pristine' or 'cycled', got {state!r}")
    p = samples[sample_id]
    if state == "pristine" or pristine is None:
        gen = dry_electrode if p["kind"] == "dry" else dit_electrode
        kw = {**p["pristine"], "name": sample_id, **(overrides if state == "pristine" else {})}
        pristine_e = gen(shape, seed=seed, **kw)
        if state == "pristine":
            return pristine_e
        pristine = pristine_e
    kw = {**p["cycled"], **overrides}
    return cycle(pristine, seed=seed + 1, name=f"{sample_id}_cycled", **kw)
