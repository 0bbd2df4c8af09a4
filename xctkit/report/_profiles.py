"""Named parameter sets for the report's notebooks, kept in one place.

Each profile is a flat mapping ``parameter -> value``. A notebook receives the parameters its
``parameters`` cell declares, so the same name (``seed``, ``epochs``) means the same thing in
every chapter. ``xctkit report -p KEY=VALUE`` overrides a value for every notebook that declares
``KEY``; ``-p NOTEBOOK:KEY=VALUE`` for one notebook only.

Profiles
--------
quick
    Tiny sizes for tests and CI: the whole report in a few minutes on 2 CPU cores.
default
    The report a user builds on a laptop: within 30 minutes on 2 CPU cores.
full
    Paper-like sizes for a workstation or a CUDA GPU (Keras on torch picks the GPU up
    unchanged); the expected time is in README.md.
"""

from __future__ import annotations

import copy

__all__ = ["PROFILES", "profile_names", "profile_parameters"]

PROFILES: dict[str, dict[str, object]] = {
    "quick": {
        "seed": 0,
        # 00_walkthrough: edge length of the tiny demonstration electrode, micrometres
        "walkthrough_size_um": 30.0,
        # virtual laboratory: truth shapes (Z, Y, X) at 0.37 µm
        "lab_dry_shape": [96, 128, 128],
        "lab_dit_shape": [96, 192, 192],
        "lab_fov_factor": 2,
    },
    "default": {
        "seed": 0,
        "walkthrough_size_um": 45.0,
        "lab_dry_shape": [160, 224, 224],
        "lab_dit_shape": [160, 288, 288],
        "lab_fov_factor": 2,
    },
    "full": {
        "seed": 0,
        "walkthrough_size_um": 80.0,
        # 90 µm = the dry electrode's whole thickness; the calibration size of the presets
        "lab_dry_shape": [243, 324, 324],
        "lab_dit_shape": [243, 324, 324],
        "lab_fov_factor": 2,
    },
}


def profile_names() -> tuple[str, ...]:
    return tuple(PROFILES)


def profile_parameters(profile: str) -> dict[str, object]:
    """A copy of the parameter set of ``profile`` (plus ``profile`` itself)."""
    if profile not in PROFILES:
        raise ValueError(f"`profile` must be one of {set(PROFILES)}, got {profile!r}")
    params = copy.deepcopy(PROFILES[profile])
    params["profile"] = profile
    return params
