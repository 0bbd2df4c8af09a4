"""Dask plumbing shared by the chunked (out-of-core) functions: the cluster context and array checks.

The chunked chain (``xctkit.sr.super_resolve_dask``, ``xctkit.segment.threshold_dask``, the
``xctkit.micro.*_dask`` metrics) computes on whatever Dask scheduler is current. :func:`cluster`
makes that a ``dask.distributed`` cluster: a ``LocalCluster`` by default, or an existing scheduler
by address; the same code runs on either and gives the same numbers.

This module imports no analysis package (it sits beside ``_validate`` at the bottom of the layers).
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator, Sequence

import numpy as np

__all__ = ["cluster", "as_dask", "MemoryWatch"]

log = logging.getLogger(__name__)


def _distributed():
    try:
        import distributed
    except ImportError as exc:  # pragma: no cover - distributed is a core dependency
        raise ImportError("xctkit's cluster needs dask.distributed: pip install 'distributed>=2025.1'") from exc
    return distributed


NO_WORKERS_TIMEOUT = "120s"
"""How long a task of a local cluster may wait with no worker to run it before it fails."""


@contextlib.contextmanager
def cluster(workers: int | None = None, memory_limit: str | int | None = None, scheduler: str | None = None,
            *, threads_per_worker: int = 1, processes: bool = True, show_dashboard: bool = True) -> Iterator:
    """A ``dask.distributed`` client for the chunked chain, as a context manager.

    Without an address a ``LocalCluster`` is started (worker processes, one thread each: Keras/torch
    and TauFactor parallelise inside a task, so one thread per worker avoids oversubscription) and
    torn down on exit. With an address — ``scheduler=`` or the ``DASK_SCHEDULER_ADDRESS`` environment
    variable — the client connects to that running scheduler and leaves it running on exit.
    Inside the ``with`` block the client is Dask's default scheduler, so every ``dask.compute`` (and
    xctkit's chunked functions) runs on the cluster.

    Parameters
    ----------
    workers : int, optional
        Worker processes of the local cluster; default ``min(4, CPU count)``. Ignored with an address.
    memory_limit : str or int, optional
        Memory limit per worker (``'2GiB'``, bytes); default Dask's (system memory / workers).
        Ignored with an address (the workers were started with their own limit).
    scheduler : str, optional
        Address of a running scheduler, e.g. ``'tcp://10.0.0.5:8786'``. Default
        ``$DASK_SCHEDULER_ADDRESS``; if neither is set a local cluster is started.
    threads_per_worker : int
        Threads per local worker (1 by default).
    processes : bool
        Local workers as processes (default) or threads of this process.
    show_dashboard : bool
        Print the dashboard link when a cluster starts or is joined (also logged at INFO).

    Yields
    ------
    distributed.Client

    Raises
    ------
    ValueError
        If ``workers`` or ``threads_per_worker`` is not a positive integer.
    ImportError
        If ``distributed`` is not installed.

    Examples
    --------
    >>> from xctkit import cluster                                  # doctest: +SKIP
    >>> with cluster(workers=2, memory_limit="2GiB") as client:     # doctest: +SKIP
    ...     phi = xctkit.micro.porosity_dask(labels)
    """
    from ._validate import check_int

    distributed = _distributed()
    threads_per_worker = check_int(threads_per_worker, "threads_per_worker", min_value=1)
    address = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    if address is not None and not isinstance(address, str):
        raise TypeError(f"`scheduler` must be an address string like 'tcp://host:8786', got {type(address).__name__}")
    with contextlib.ExitStack() as stack:
        if address is None:
            n = check_int(workers, "workers", min_value=1) if workers is not None else min(4, os.cpu_count() or 1)
            kw = {"memory_limit": memory_limit} if memory_limit is not None else {}
            # a worker over its memory budget is restarted by its nanny; when the restart fails too
            # (distributed cannot always re-spawn it) the tasks would wait for a worker forever: make
            # them fail instead, with the scheduler's error naming the unrunnable tasks
            import dask

            stack.enter_context(dask.config.set({"distributed.scheduler.no-workers-timeout": NO_WORKERS_TIMEOUT}))
            lc = stack.enter_context(distributed.LocalCluster(
                n_workers=n, threads_per_worker=threads_per_worker, processes=processes, **kw))
            client = stack.enter_context(distributed.Client(lc))
            what = f"local cluster: {n} worker(s) × {threads_per_worker} thread(s)"
        else:
            client = stack.enter_context(distributed.Client(address))
            what = f"scheduler {address}: {len(client.scheduler_info().get('workers', {}))} worker(s)"
        link = client.dashboard_link
        log.info("Dask %s; dashboard %s", what, link)
        if show_dashboard:
            print(f"Dask {what}; dashboard: {link}")  # the issue asks for the link on screen
        yield client


def _start_rss_sampler(dask_worker=None, interval_s: float = 0.05) -> int:
    """Start sampling this process's resident set every ``interval_s`` in a daemon thread.

    Run on each worker through ``client.run`` (which passes ``dask_worker``); the state is kept on
    the worker object so that :func:`_read_rss_sampler` finds it. ``ru_maxrss`` cannot stand in: a
    forked worker inherits its parent's maximum, so a worker started by a process that once held a
    large volume reports that volume as its own peak (measured in benchmarks/bench_chunked.py).
    """
    import threading

    import psutil  # a dependency of distributed

    old = getattr(dask_worker, "xctkit_rss_sampler", None) if dask_worker is not None else None
    if old is not None:
        old["stop"] = True
    proc = psutil.Process()
    state = {"max": proc.memory_info().rss, "stop": False}

    def loop():
        while not state["stop"]:
            state["max"] = max(state["max"], proc.memory_info().rss)
            time.sleep(interval_s)

    threading.Thread(target=loop, daemon=True, name="xctkit-rss").start()
    if dask_worker is not None:
        dask_worker.xctkit_rss_sampler = state
    return state["max"]


def _read_rss_sampler(dask_worker=None, reset: bool = True) -> int:
    import psutil

    state = getattr(dask_worker, "xctkit_rss_sampler", None)
    if state is None:
        return psutil.Process().memory_info().rss
    peak = max(state["max"], psutil.Process().memory_info().rss)
    if reset:
        state["max"] = psutil.Process().memory_info().rss
    return peak


class MemoryWatch:
    """Peak resident memory of this process and of each Dask worker, per stage of a chain.

    Every process is sampled every ``interval_s`` seconds (psutil) in a daemon thread; :meth:`peaks`
    returns the largest resident set since the previous call (or since :meth:`start`) and starts
    the next interval. Works on a local cluster and on workers started elsewhere (``client.run``).

    Parameters
    ----------
    client : distributed.Client, optional
        Without one only this process is watched.
    interval_s : float
        Sampling period, seconds.

    Examples
    --------
    >>> with cluster(workers=2) as client:                          # doctest: +SKIP
    ...     watch = MemoryWatch(client).start()
    ...     phi = xctkit.micro.porosity_dask(labels)
    ...     watch.peaks()["worker_max_mb"]
    """

    def __init__(self, client=None, *, interval_s: float = 0.05):
        from ._validate import check_positive

        self.client = client
        self.interval_s = check_positive(interval_s, "interval_s")
        self._local = None

    def start(self) -> MemoryWatch:
        """Start the samplers; returns ``self``."""
        self._local = _LocalSampler(self.interval_s)
        if self.client is not None:
            self.client.run(_start_rss_sampler, interval_s=self.interval_s)
        return self

    def current(self) -> dict:
        """Resident memory now, MB: ``client_mb`` and ``worker_max_mb`` (NaN without a client)."""
        import psutil

        out = {"client_mb": psutil.Process().memory_info().rss / 2**20, "worker_max_mb": float("nan")}
        if self.client is not None:
            rss = self.client.run(lambda: psutil.Process().memory_info().rss)
            out["worker_max_mb"] = max(rss.values()) / 2**20
        return out

    def peaks(self) -> dict:
        """Peak resident memory since the last call, MB: ``client_mb``, ``worker_max_mb`` (over the
        workers; NaN without a client) and ``workers`` (address -> MB)."""
        if self._local is None:
            raise RuntimeError("MemoryWatch.peaks() before start()")
        out = {"client_mb": self._local.read() / 2**20, "worker_max_mb": float("nan"), "workers": {}}
        if self.client is not None:
            w = self.client.run(_read_rss_sampler)
            out["workers"] = {k: v / 2**20 for k, v in w.items()}
            out["worker_max_mb"] = max(out["workers"].values()) if w else float("nan")
        return out

    def stop(self) -> None:
        """Stop the samplers (they are daemon threads, so an unstopped watch never blocks exit)."""
        if self._local is not None:
            self._local.stop()
        if self.client is not None:
            self.client.run(lambda dask_worker=None: getattr(dask_worker, "xctkit_rss_sampler", {}).update(stop=True))


class _LocalSampler:
    def __init__(self, interval_s: float):
        import threading

        import psutil

        self._proc = psutil.Process()
        self._max = self._proc.memory_info().rss
        self._stop = threading.Event()
        self._interval = interval_s
        threading.Thread(target=self._loop, daemon=True, name="xctkit-rss-client").start()

    def _loop(self):
        while not self._stop.wait(self._interval):
            self._max = max(self._max, self._proc.memory_info().rss)

    def read(self) -> int:
        now = self._proc.memory_info().rss
        peak, self._max = max(self._max, now), now
        return peak

    def stop(self):
        self._stop.set()


def as_dask(arr, name: str, *, ndim: int | Sequence[int] | None = None, kinds: str | None = None,
            chunks="auto"):
    """A Dask array from a NumPy or Dask array, with the checks of ``xctkit._validate``.

    Parameters
    ----------
    arr : ndarray or dask.array.Array
    name : str
        Argument name for error messages.
    ndim : int or sequence of int, optional
        Allowed dimensionalities.
    kinds : str, optional
        Allowed ``dtype.kind`` letters, e.g. ``'bui'`` for labels, ``'buif'`` for grey levels.
    chunks
        Chunks for NumPy input (Dask input keeps its own).

    Returns
    -------
    dask.array.Array

    Raises
    ------
    TypeError
        On a wrong dtype kind or a non-array.
    ValueError
        On a wrong dimensionality or an empty array.
    """
    import dask.array as da

    if not isinstance(arr, da.Array):
        a = np.asarray(arr)
        if a.dtype == object:
            raise TypeError(f"`{name}` must be a numeric array, got dtype object")
        arr = da.from_array(a, chunks=chunks)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            raise ValueError(f"`{name}` must be {' or '.join(map(str, allowed))}-D, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"`{name}` is empty (shape {arr.shape})")
    if kinds is not None and arr.dtype.kind not in kinds:
        raise TypeError(f"`{name}` must have a dtype of kind {sorted(kinds)}, got {arr.dtype}")
    return arr
