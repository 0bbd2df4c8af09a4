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

from ..synth import LAB_PROFILES

__all__ = ["PROFILES", "profile_names", "profile_parameters"]

PROFILES: dict[str, dict[str, object]] = {
    "quick": {
        "seed": 0,
        # 00_walkthrough: edge length of the tiny demonstration electrode, micrometres
        "walkthrough_size_um": 30.0,
        # virtual laboratory: truth shapes (Z, Y, X) at 0.37 µm, from xctkit.synth.LAB_PROFILES
        "lab_dry_shape": LAB_PROFILES["quick"]["dry_shape"],
        "lab_dit_shape": LAB_PROFILES["quick"]["dit_shape"],
        "lab_fov_factor": LAB_PROFILES["quick"]["fov_factor"],
        # super-resolution (paper 000: 128 px patches, 182 976 of them, 28 epochs, batch 32)
        "sr_patch": 32,
        "sr_patches": 800,
        "sr_epochs": 6,
        # quick only: a larger Adam step so a 5-epoch smoke run converges (paper: 1e-4)
        "sr_learning_rate": 5e-4,
        "sr_filters": 16,
        "sr_blocks": 2,
        "sr_test_electrodes": ["dry2"],
        # 07_cell_performance: solid-phase tortuosity grid (µm) and global sensitivity design points
        "cell_solid_voxel_um": 1.11,
        "cell_global_samples": 10,
    },
    "default": {
        "seed": 0,
        "walkthrough_size_um": 45.0,
        "lab_dry_shape": LAB_PROFILES["default"]["dry_shape"],
        "lab_dit_shape": LAB_PROFILES["default"]["dit_shape"],
        "lab_fov_factor": LAB_PROFILES["default"]["fov_factor"],
        "sr_patch": 48,
        "sr_patches": 800,
        "sr_epochs": 6,
        "sr_learning_rate": 3e-4,
        "sr_filters": 32,
        "sr_blocks": 4,
        "sr_test_electrodes": ["dry2"],
        # regression chapter: synthetic electrode series (quick uses the notebook's defaults)
        "regression_shape": [64, 96, 96],
        "regression_porosities": [0.45, 0.55, 0.65, 0.75, 0.85],
        "regression_aspects": [0.4, 0.6, 0.85, 1.2],
        "regression_dry_porosities": [0.46, 0.48, 0.50, 0.52, 0.54, 0.56],
        "regression_dit_porosities": [0.80, 0.83, 0.86, 0.89],
        "regression_penetrations": [0.5, 1.0, 4.0],
        # crack stereology (paper 003): sections per condition, SEM SR and U-Net sizes
        "stereo_images": 3,
        "stereo_image_px": 1260,
        "stereo_point_planes": 80,
        "stereo_sphere_sections": 10000,
        "stereo_sr_filters": 32,
        "stereo_sr_blocks": 4,
        "stereo_sr_epochs": 5,
        "stereo_sr_patches": 512,
        "stereo_sr_learning_rate": 3e-4,
        "stereo_unet_depth": 4,
        "stereo_unet_filters": 12,
        "stereo_unet_patches": 384,
        "stereo_unet_epochs": 6,
        "stereo_unet_learning_rate": 2e-3,
        "cell_solid_voxel_um": 0.74,
        "cell_global_samples": 16,
    },
    "full": {
        "seed": 0,
        "walkthrough_size_um": 80.0,
        "lab_dry_shape": LAB_PROFILES["full"]["dry_shape"],
        "lab_dit_shape": LAB_PROFILES["full"]["dit_shape"],
        "lab_fov_factor": LAB_PROFILES["full"]["fov_factor"],
        "sr_patch": 128,
        "sr_patches": 20000,
        "sr_epochs": 28,
        "sr_learning_rate": 1e-4,
        "sr_filters": 64,
        "sr_blocks": 16,
        "sr_test_electrodes": ["dry2"],
        # chapter 03: leave one dry electrode out in turn (× MORPH_PROFILES["full"]["seeds"])
        "morph_folds": ["dry1", "dry2", "dry3"],
        "regression_shape": [96, 128, 128],
        "regression_porosities": [0.45, 0.53, 0.61, 0.69, 0.77, 0.85],
        "regression_aspects": [0.4, 0.55, 0.7, 0.85, 1.0, 1.2],
        "regression_dry_porosities": [0.46, 0.47, 0.48, 0.49, 0.50, 0.51, 0.52, 0.54],
        "regression_dit_porosities": [0.80, 0.82, 0.84, 0.86, 0.88, 0.90],
        "regression_penetrations": [0.25, 0.5, 1.0, 2.0, 4.0],
        # paper 003: 12 SEM images at 20 °C, SRGAN (64 filters, 16 blocks), U-Net depth 5, 32 filters
        "stereo_images": 12,
        "stereo_image_px": 2800,
        "stereo_train_per_condition": 3,
        "stereo_truth_points": 200,
        "stereo_truth_lines": 100,
        "stereo_point_planes": 200,
        "stereo_sphere_sections": 40000,
        "stereo_sr_filters": 64,
        "stereo_sr_blocks": 16,
        "stereo_sr_epochs": 30,
        "stereo_sr_patches": 8000,
        "stereo_sr_patch_px": 140,
        "stereo_sr_learning_rate": 1e-4,
        "stereo_unet_depth": 5,
        "stereo_unet_filters": 32,
        "stereo_unet_dilation": 4,
        "stereo_unet_patch": 256,
        "stereo_unet_patches": 4000,
        "stereo_unet_epochs": 40,
        "stereo_unet_learning_rate": 1e-4,
        "cell_solid_voxel_um": 0.37,
        "cell_global_samples": 32,
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
