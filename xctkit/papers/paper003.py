"""Numbers reported by paper 003 (Furat, Finegan et al., "Quantifying the impact of operating
temperature on cracking in battery electrodes, using super-resolution of microscopy images and
stereology"). Reported values only, each with its source; xctkit's own numbers never live here.
"""

from __future__ import annotations

__all__ = ["PAPER003", "SOURCES_003", "TABLE1_003", "table1_003"]

SOURCES_003 = {
    "table1_003": "paper 003 (Furat, Finegan et al.), Table 1 (mean ± SD; ρ in 1e-3, λ in 1e-2 µm⁻²)",
    "text_003": "paper 003 (Furat, Finegan et al.), Sec. 3 text",
    "methods_003": "paper 003 (Furat, Finegan et al.), Secs. 2.2-2.5",
}

TABLE1_003 = {
    # condition (°C): (rho mean, rho SD, lambda mean (1/µm²), lambda SD)
    20: {"rho_mean": 34.3e-3, "rho_sd": 6.6e-3, "lambda_mean": 24.1e-2, "lambda_sd": 2.3e-2},
    30: {"rho_mean": 40.1e-3, "rho_sd": 5.1e-3, "lambda_mean": 30.0e-2, "lambda_sd": 4.1e-2},
    40: {"rho_mean": 39.5e-3, "rho_sd": 4.7e-3, "lambda_mean": 38.4e-2, "lambda_sd": 3.5e-2},
    50: {"rho_mean": 50.3e-3, "rho_sd": 8.6e-3, "lambda_mean": 36.9e-2, "lambda_sd": 5.6e-2},
}
"""Paper 003 Table 1: global particle porosity ρ and crack intensity λ (µm⁻²), mean and SD."""

PAPER003 = {
    # Sec. 3 text, 20 °C: "ρ = 0.0852" (conflicts with Table 1's 34.3e-3) and "λ = 0.241 µm⁻²"
    "text_rho_20": 0.0852,
    "text_lambda_20_per_um2": 0.241,
    # numbers of cracks per condition (Sec. 3)
    "n_cracks": {20: 8733, 30: 11212, 40: 17866, 50: 21242},
    # Sec. 2.5.2: manufacturer's volume-weighted radius percentiles (µm) and the fitted log-normal
    "radius_percentiles_um": {10: 3.55, 50: 4.65, 90: 6.05},
    "lognormal_mu": 1.53,
    "lognormal_sigma": 0.208,
    # Sec. 2.4.3: crack intensity of pristine cathodes (from the paper's ref. [8]), 1/µm²
    "lambda_pristine_per_um2": 0.145,
    # Sec. 2.2 / 2.4: pixel sizes (µm), images at 20 °C, noise filter, watershed marker (px)
    "hr_pixel_um": 0.0143,
    "lr_pixel_um": 0.0385,
    "images_20": 12,
    "min_d_factor": 2.5,
    "marker_px": 50,
    # Sec. 2.3: SRGAN and U-Net settings
    "sr_lr_patch_px": 96,
    "sr_batch": 32,
    "sr_learning_rate": 1e-4,
    "sr_train_pairs": 15,
    "sr_val_pairs": 3,
    "sr_adv_weight": 2.0,
    "unet_depth": 5,
    "unet_filters": 32,
    "unet_dilation": 4,
    "unet_patch_px": 1024,
    "unet_train_images": 3,
    "unet_val_images": 1,
}
"""Other reported values of paper 003 (see ``SOURCES_003`` for where each comes from)."""


def table1_003():
    """Paper 003 Table 1 as a DataFrame: ``condition`` (°C), ``rho_mean``, ``rho_sd``,
    ``lambda_mean``, ``lambda_sd`` (µm⁻²); ``attrs['source']`` names the table."""
    import pandas as pd

    df = pd.DataFrame([{"condition": k, **v} for k, v in TABLE1_003.items()])
    df.attrs["source"] = SOURCES_003["table1_003"]
    return df
