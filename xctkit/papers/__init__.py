"""Numbers the papers report, in one place, each with its source.

These are *reported* values, never results of xctkit: chapters show them next to xctkit's own
numbers. Paper 000 is Shojaei et al., J. Mater. Chem. A 14 (2026) 1063.

.. autosummary::

   table2
   SR_TABLE1
   SR_CURVES
   EQ1
   ECHEM
"""

from __future__ import annotations

from importlib import resources

__all__ = ["table2", "SR_TABLE1", "SR_CURVES", "EQ1", "ECHEM", "SOURCES"]

SOURCES = {
    "table2": "paper 000 (Shojaei et al. 2026), Table 2",
    "sr_table1": "paper 000 (Shojaei et al. 2026), Table 1",
    "sr_curves": "paper 000 (Shojaei et al. 2026), Fig. 4 learning curves (final training loss, read off the plot)",
    "eq1": "paper 000 (Shojaei et al. 2026), Eq. (1) and Results text (MSE 0.0001, R² 0.9982)",
    "echem": "paper 000 (Shojaei et al. 2026), Fig. 11 and Results text (0.2C, 3.0-4.3 V)",
}

SR_TABLE1 = {
    # model: (SSIM, PSNR in dB) against experimental HR ground truth
    "no model": {"ssim": 0.66, "psnr_db": 22.15},
    "GAN": {"ssim": 0.82, "psnr_db": 26.45},
    "CNN": {"ssim": 0.92, "psnr_db": 30.12},
}
"""Paper 000 Table 1 (SSIM, PSNR) for LR input, GAN and residual SRCNN."""

SR_CURVES = {
    # model: final training MSE and MAE of the learning curves (28 epochs, learning rate 1e-4)
    "GAN": {"train_mse": 0.015, "train_mae": 0.05},
    "CNN": {"train_mse": 0.0019, "train_mae": 0.03},
}
"""Paper 000 Fig. 4: the final training losses of its GAN and residual SRCNN ("nearly 90 %" lower MSE)."""

EQ1 = {"intercept": -0.0491, "porosity": 0.7286, "tortuosity": -0.0902, "mse": 0.0001, "r2": 0.9982}
"""Paper 000 Eq. (1): expansion = -0.0491 + 0.7286·porosity - 0.0902·tortuosity (as published)."""

ECHEM = {
    # discharge capacity, mA h g^-1, at 0.2C
    "dry": {"cycle1_mah_g": 215.0, "cycle100_mah_g": 64.0},
    "dit": {"cycle1_mah_g": 202.0, "cycle100_mah_g": 148.0},
}
"""Paper 000 reported discharge capacities (measured by the authors; not simulated here)."""


def table2():
    """Paper 000 Table 2 as a DataFrame (porosity, tortuosity pristine/cycled, expansion %).

    Read from ``data/paper000_table2.csv`` (shipped inside the package as well).

    Returns
    -------
    pandas.DataFrame
        One row per sample: ``sample_id``, ``sample``, ``kind``, ``porosity_pristine``,
        ``tortuosity_pristine``, ``porosity_cycled``, ``tortuosity_cycled``, ``expansion_pct``.
        ``attrs["source"]`` names the table.
    """
    import pandas as pd

    with resources.files(__package__).joinpath("data/paper000_table2.csv").open() as fh:
        df = pd.read_csv(fh)
    df.attrs["source"] = SOURCES["table2"]
    return df

from .paper003 import PAPER003, SOURCES_003, TABLE1_003, table1_003  # noqa: E402  (paper 003)

SOURCES.update(SOURCES_003)
__all__ += ["PAPER003", "TABLE1_003", "table1_003"]
