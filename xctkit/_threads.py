"""The cores of this machine shared among processes that run side by side (report chapters, the
virtual lab's electrodes): each child gets ``cpu_count // n`` threads through the variables torch,
NumPy's BLAS, scikit-learn and numba read when they start.

This module imports no other part of xctkit (it sits beside ``_validate`` at the bottom of the layers).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

__all__ = ["THREAD_VARIABLES", "shared_cores"]

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS")
"""Environment variables that set the thread count of a process's numeric libraries at start."""


@contextlib.contextmanager
def shared_cores(n_processes: int) -> Iterator[str]:
    """Set :data:`THREAD_VARIABLES` to this machine's share per process while children are started.

    Processes started inside the block inherit ``max(1, cpu_count // n_processes)`` threads each; a
    variable the user already set is kept; everything is restored on exit. One process changes nothing.

    Parameters
    ----------
    n_processes : int
        Processes that will run at once (≥ 1).

    Yields
    ------
    str
        The thread count given to each process.

    Examples
    --------
    >>> with shared_cores(2) as threads:       # doctest: +SKIP
    ...     start_two_processes()
    """
    if isinstance(n_processes, bool) or not isinstance(n_processes, int) or n_processes < 1:
        raise ValueError(f"`n_processes` must be a positive integer, got {n_processes!r}")
    share = str(max(1, (os.cpu_count() or 1) // n_processes))
    saved = {n: os.environ.get(n) for n in THREAD_VARIABLES}
    if n_processes > 1:
        for n in THREAD_VARIABLES:
            if saved[n] is None:
                os.environ[n] = share
    try:
        yield share
    finally:
        for n, v in saved.items():
            if v is None:
                os.environ.pop(n, None)
            else:
                os.environ[n] = v
