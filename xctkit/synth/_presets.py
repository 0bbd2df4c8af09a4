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


__all__ = ["load_presets", "preset_names", "preset_electrode", "calibration_record", "CALIBRATED_PARAMETER",
           "LAB_PROFILES"]

CALIBRATED_PARAMETER = {
    ("dry", "pristine"): ("aspect", (0.3, 1.3)),
    ("dit", "pristine"): ("waviness_um", (0.0, 12.0)),
    ("dry", "cycled"): ("anisotropy", (0.15, 2.5)),
    ("dit", "cycled"): ("anisotropy", (1.0, 5.0)),
}
"""(kind, state) -> (parameter name, search bounds)."""



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


def calibration_record(presets: dict | None = None):
    """How each preset was calibrated: target vs measured tortuosity, trials, and whether the search
    converged or stopped at a bound of its parameter (then the target is out of the generator's reach).

    Returns
    -------
    pandas.DataFrame
        One row per (sample, state): ``parameter``, ``value``, ``bound_low``, ``bound_high``,
        ``at_bound``, ``porosity_measured``, ``tortuosity_target``, ``tortuosity_measured``,
        ``tortuosity_rel_error``, ``trials``, ``converged``.
    """
    import pandas as pd

    presets = load_presets() if presets is None else presets
    rows = []
    for sid, p in presets["samples"].items():
        for state, c in p["calibration"].items():
            lo, hi = CALIBRATED_PARAMETER[(p["kind"], state)][1]
            rows.append({"sample": sid, "state": state, "parameter": c["parameter"], "value": c["value"],
                         "bound_low": lo, "bound_high": hi,
                         "at_bound": bool(min(abs(c["value"] - lo), abs(c["value"] - hi)) <= 1e-9 * max(1.0, hi)),
                         "porosity_measured": c["measured_porosity"], "tortuosity_target": c["target_tortuosity"],
                         "tortuosity_measured": c["measured_tortuosity"],
                         "tortuosity_rel_error": c["measured_tortuosity"] / c["target_tortuosity"] - 1.0,
                         "trials": len(c["evaluations"]), "converged": bool(c["converged"])})
    return pd.DataFrame(rows)
