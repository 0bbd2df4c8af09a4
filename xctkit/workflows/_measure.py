"""Small measurement tables several chapters show: porosity and tortuosity of a set of pore masks, and
summaries of a set of particle size distributions."""

from __future__ import annotations

import pandas as pd

from .._validate import as_labels, check_int
from ..micro import porosity, tortuosity

__all__ = ["transport_table", "size_table"]


def transport_table(pore_masks: dict, *, axis: int = 0) -> pd.DataFrame:
    """Porosity, tortuosity factor and percolation of every named volume.

    Parameters
    ----------
    pore_masks : dict of str -> (Z, Y, X) ndarray of bool
        Name -> pore (transporting) mask, True = pore.
    axis : int
        Transport axis of the tortuosity factor.

    Returns
    -------
    pandas.DataFrame
        ``source``, ``porosity``, ``tortuosity``, ``percolates``, one row per entry, in order.

    Examples
    --------
    >>> import numpy as np
    >>> from xctkit.workflows import transport_table
    >>> channels = np.zeros((16, 16, 16), bool); channels[:, ::4, :] = True   # straight slabs along z
    >>> t = transport_table({"slabs": channels})
    >>> float(t.porosity[0]), round(float(t.tortuosity[0]), 3)
    (0.25, 1.0)
    """
    if not isinstance(pore_masks, dict) or not pore_masks:
        raise TypeError("`pore_masks` must be a non-empty dict of name -> boolean pore mask")
    axis = check_int(axis, "axis", min_value=0, max_value=2)
    rows = []
    for name, mask in pore_masks.items():
        m = as_labels(mask, f"pore_masks[{name!r}]", ndim=3)
        if m.dtype != bool:
            raise TypeError(f"`pore_masks[{name!r}]` must be a boolean pore mask (True = pore), got {m.dtype}")
        t = tortuosity(m, axis=axis)
        rows.append({"source": name, "porosity": porosity(m), "tortuosity": t.tau, "percolates": t.percolates})
    return pd.DataFrame(rows)


def size_table(distributions: dict) -> pd.DataFrame:
    """Particle count, modal 1-µm bin and median diameter of each size distribution.

    Parameters
    ----------
    distributions : dict of key -> xctkit.micro.SizeDistribution
        Keys are names or tuples (e.g. ``(sample, state)``); tuples become ``sample`` / ``state`` columns.

    Returns
    -------
    pandas.DataFrame
        ``sample``, ``state`` (or ``source``), ``n_particles``, ``peak_bin_um`` (``"3–4"``), ``median_um``.
    """
    rows = []
    for key, d in distributions.items():
        ident = {"sample": key[0], "state": key[1]} if isinstance(key, tuple) else {"source": key}
        lo, hi = d.peak_bin_um
        rows.append({**ident, "n_particles": d.n_particles, "peak_bin_um": f"{lo:.0f}–{hi:.0f}",
                     "median_um": d.median_um})
    return pd.DataFrame(rows)
