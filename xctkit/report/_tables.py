"""Key result tables written by chapters as CSV, one folder per run."""

from __future__ import annotations

import re
from pathlib import Path

from ..io._volumes import atomic_path

__all__ = ["save_table"]

_NAME_RE = re.compile(r"^[A-Za-z0-9_\-]+$")


def save_table(frame, results_dir, *, chapter: str, table: str):
    """Write ``frame`` to ``<results_dir>/<chapter>__<table>.csv`` atomically and return the frame.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table (index dropped; put meaningful labels in columns).
    results_dir : str or Path
        The run's results folder (``book/results`` in a report run).
    chapter, table : str
        Names made of letters, digits, ``_`` and ``-``.

    Returns
    -------
    pandas.DataFrame
        ``frame`` itself, so a notebook cell can save and display in one line.
    """
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"`frame` must be a pandas DataFrame, got {type(frame).__name__}")
    for name, value in (("chapter", chapter), ("table", table)):
        if not isinstance(value, str) or not _NAME_RE.match(value):
            raise ValueError(f"`{name}` must be letters, digits, '_' or '-', got {value!r}")
    out = Path(results_dir) / f"{chapter}__{table}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out, overwrite=True) as tmp:
        frame.to_csv(tmp, index=False)
    return frame
