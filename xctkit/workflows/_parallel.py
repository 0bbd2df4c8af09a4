"""Independent tasks side by side in spawned processes (the virtual lab's electrodes). The standard
library's process pool: Dask would add a scheduler for a handful of coarse tasks."""

from __future__ import annotations

import os

from .._threads import shared_cores

__all__ = ["run_in_processes"]


def run_in_processes(tasks, *, workers: int | None = None, progress: bool = False, desc: str = "") -> list:
    """Run ``[(function, kwargs), ...]`` and return their results in order: in this process for one
    worker, else in a pool of spawned processes, each on ``cpu_count // workers`` threads.

    For independent, single-threaded numpy work (the electrode generator): each task must be a
    module-level function with picklable arguments and its own seeds, so the results are those of
    a sequential run. ``workers`` defaults to the CPU count (at most one per task) where spawning is
    safe without a ``if __name__ == "__main__":`` guard: a notebook or console, or a program run as a
    module (``python -m``, pytest); a plain ``python script.py`` runs the tasks in this process unless
    ``workers`` is given (a spawned process re-imports the script).

    Examples
    --------
    >>> from xctkit.synth import preset_electrode
    >>> dry, dit = run_in_processes([(preset_electrode, {"sample_id": s, "shape": (32, 48, 48)})
    ...                              for s in ("dry1", "dit")])                      # doctest: +SKIP
    """
    from tqdm import tqdm  # text bars: no ipywidgets needed in executed notebooks

    n = len(tasks)
    workers = min(n, (os.cpu_count() or 1) if _spawn_is_safe() else 1) if workers is None else min(n, workers)
    if workers <= 1:
        return [f(**kw) for f, kw in tqdm(tasks, disable=not progress, desc=desc)]
    import concurrent.futures as cf
    import multiprocessing as mp

    with shared_cores(workers), cf.ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
        futures = [pool.submit(f, **kw) for f, kw in tasks]  # workers inherit the thread share
        for _ in tqdm(cf.as_completed(futures), total=n, disable=not progress, desc=desc):
            pass
        return [fu.result() for fu in futures]


def _spawn_is_safe() -> bool:
    """Whether a spawned process can import ``__main__`` without running its top-level code."""
    import sys

    main = sys.modules.get("__main__")
    return main is None or not hasattr(main, "__file__") or getattr(main, "__spec__", None) is not None
