"""The large-field chain out of core on a Dask cluster, stage by stage, with time and peak memory.

LR field (Zarr/TIFF) → upscale + SR onto the HR grid (OME-Zarr) → Otsu from the streamed histogram →
labels (OME-Zarr) → porosity → surface area → particle labels across chunk borders and their sizes →
tortuosity of sub-volumes solved in parallel. Each stage is timed and the peak resident memory of
the client and of every worker is sampled (:class:`xctkit._cluster.MemoryWatch`). Optionally the
same chain runs in memory on the same grid, so the report shows that the two agree.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._cluster import MemoryWatch, cluster
from .._validate import check_int, check_positive
from ..imaging import upscale_to
from ..io import Volume, read_zarr, write_zarr
from ..micro import (
    particle_sizes,
    particle_sizes_dask,
    porosity,
    porosity_dask,
    surface_area,
    surface_area_dask,
    tortuosity,
    tortuosity_subvolumes,
)
from ..phases import NMC
from ..segment import label_dask, threshold, threshold_dask
from ..sr import enhance_lr_zarr, super_resolve
from ._study import Study

__all__ = ["OUT_OF_CORE_PROFILES", "OutOfCoreRun", "run_out_of_core", "large_field_source"]

#: Cluster and chunk sizes per report profile. ``memory_limit`` is per worker; ``slices_per_chunk``
#: HR slices per block; ``tau_size_vox`` the sub-volume edge of the tortuosity stage.
OUT_OF_CORE_PROFILES = {
    "quick": {"workers": 2, "memory_limit": "1.5GiB", "slices_per_chunk": 8, "tau_size_vox": 24, "tau_max": 4},
    "default": {"workers": 2, "memory_limit": "1.5GiB", "slices_per_chunk": 8, "tau_size_vox": 48, "tau_max": 4},
    "full": {"workers": 4, "memory_limit": "4GiB", "slices_per_chunk": 16, "tau_size_vox": 96, "tau_max": 8},
}

STAGES = ("upscale + SR → OME-Zarr", "histogram + Otsu", "labels → OME-Zarr", "porosity", "surface area",
          "particle labels + sizes", "tortuosity (sub-volumes)")


def large_field_source(study: Study) -> str:
    """Manifest id of the large LR field: the virtual lab's ``fov_lr``, or in a user study the LR
    scan of the first test pair (its HR partner covers only part of it)."""
    ids = [s.id for s in study.manifest]
    if "fov_lr" in ids:
        return "fov_lr"
    tests = study.pairs(split="test") or study.pairs()
    if not tests:
        raise ValueError("the study has no LR scan to enhance")
    return tests[0][0].id


@dataclass(frozen=True)
class OutOfCoreRun:
    """Result of :func:`run_out_of_core`.

    Attributes
    ----------
    stages : pandas.DataFrame
        One row per stage: ``stage``, ``seconds``, ``voxels`` (HR grid), ``voxels_per_s``,
        ``worker_peak_mb`` (largest resident set of any worker during the stage), ``client_peak_mb``
        (this process), and ``in_memory_seconds`` (the same stage on NumPy arrays; NaN when not compared).
    results : pandas.DataFrame
        ``quantity``, ``out_of_core``, ``in_memory`` and ``abs_diff`` (NaN columns when not compared).
    tau : pandas.DataFrame
        The sub-volume tortuosity table (:func:`xctkit.micro.tortuosity_subvolumes`).
    hr_path, labels_path : Path
        The OME-Zarr stores written (HR-grid grey levels; labels, with a pyramid for viewing).
    shape : tuple of int
        HR grid shape (Z, Y, X).
    workers : int
        Workers of the cluster.
    memory_limit : str or None
        Memory limit per worker as given (None: an existing scheduler's own limits).
    baseline_worker_mb : float
        Worker resident memory after the imports, before the first stage, MB.
    """

    stages: pd.DataFrame
    results: pd.DataFrame
    tau: pd.DataFrame = field(repr=False)
    hr_path: Path
    labels_path: Path
    shape: tuple
    workers: int
    memory_limit: str | None
    baseline_worker_mb: float

    @property
    def memory_limit_mb(self) -> float | None:
        """The per-worker limit in MB (None when the cluster's own limits apply)."""
        if self.memory_limit is None:
            return None
        from dask.utils import parse_bytes

        return parse_bytes(self.memory_limit) / 2**20 if isinstance(self.memory_limit, str) else self.memory_limit / 2**20

    @property
    def hr_float32_mb(self) -> float:
        return float(np.prod(self.shape)) * 4 / 2**20

    def agrees(self, *, sr_atol: float = 1e-4, ssa_rtol: float = 5e-3) -> bool:
        """Whether out-of-core equals in memory: porosity, thresholds, particle count and PSD median and
        τ exactly (float rounding), SSA within ``ssa_rtol``, SR within ``sr_atol`` (scan units).
        False when the in-memory chain was not run."""
        r = self.results.set_index("quantity")
        if r["in_memory"].isna().all():
            return False
        exact = ["porosity", "Otsu threshold", "particles", "PSD median (µm)", "mean τ (sub-volumes)"]
        ok = all(np.isclose(r.out_of_core[q], r.in_memory[q], rtol=1e-9, atol=1e-12, equal_nan=True) for q in exact)
        ssa = abs(r.out_of_core["SSA (1/µm)"] / r.in_memory["SSA (1/µm)"] - 1) <= ssa_rtol
        return bool(ok and ssa and r.abs_diff["SR grey level (max)"] <= sr_atol)

    def describe(self) -> str:
        """Sentences for the report, generated from the tables."""
        s = self.stages
        total = float(s.seconds.sum())
        slow = s.loc[s.seconds.idxmax()]
        text = (f"The chain ran on {self.workers} worker(s)"
                + (f" limited to {self.memory_limit} each" if self.memory_limit else "")
                + f" over a {' × '.join(map(str, self.shape))} HR grid ({self.hr_float32_mb:.0f} MB as float32) "
                f"in {total:.1f} s; the slowest stage was {slow.stage} ({slow.seconds:.1f} s, "
                f"{slow.seconds / total:.0%}). The largest resident set of any worker was "
                f"{s.worker_peak_mb.max():.0f} MB (after the imports: {self.baseline_worker_mb:.0f} MB), "
                f"and this process peaked at {s.client_peak_mb.max():.0f} MB.")
        if s.in_memory_seconds.notna().any():
            mem = float(s.in_memory_seconds.sum())
            text += (f" The same stages in memory took {mem:.1f} s "
                     f"(out of core / in memory = {total / mem:.2f}).")
            r = self.results.set_index("quantity")
            text += (" Out of core and in memory agree: porosity, threshold, particle count and τ are equal, "
                     f"SSA differs by {abs(r.out_of_core['SSA (1/µm)'] / r.in_memory['SSA (1/µm)'] - 1):.1e} "
                     f"(relative) and the SR grey levels by at most {r.abs_diff['SR grey level (max)']:.1e}."
                     if self.agrees() else
                     " Out of core and in memory do **not** agree; see the table.")
        return text


@contextlib.contextmanager
def _client(client, workers, memory_limit, scheduler):
    if client is not None:
        yield client
    else:
        with cluster(workers=workers, memory_limit=memory_limit, scheduler=scheduler) as c:
            yield c


def run_out_of_core(model, lr: Volume, out_dir, *, hr_voxel_um: float, normalisation=None, workers: int = 2,
                    memory_limit: str | None = None, scheduler: str | None = None, client=None,
                    slices_per_chunk: int = 8, tau_size_vox: int = 32, tau_max: int = 4,
                    compare_in_memory: bool = True, levels: int = 2) -> OutOfCoreRun:
    """Run the large-field chain out of core on a Dask cluster, timing each stage and sampling memory.

    Parameters
    ----------
    model : keras.Model
        2-D SR model (e.g. the paper CNN of chapter 02) mapping upscaled LR slices to HR slices.
    lr : xctkit.io.Volume
        The LR field (lazy Zarr or in memory) with its voxel size.
    out_dir : path
        Folder for ``hr.ome.zarr`` and ``labels.ome.zarr`` (replaced if present).
    hr_voxel_um : float
        HR grid voxel, µm.
    normalisation : xctkit.sr.Normalisation, optional
        The model's intensity window.
    workers, memory_limit, scheduler
        The cluster (:func:`xctkit.cluster`): a local one with ``workers`` processes limited to
        ``memory_limit`` each, or the running scheduler at ``scheduler`` / ``$DASK_SCHEDULER_ADDRESS``.
    client : distributed.Client, optional
        Use this client instead of starting a cluster.
    slices_per_chunk : int
        HR slices per block (chunks are z-slabs of whole slices).
    tau_size_vox, tau_max : int
        Edge of the tortuosity sub-volumes (voxels, clipped to the grid) and how many are solved.
    compare_in_memory : bool
        Also run every stage on NumPy arrays of the same grid (needs the grid in memory; leave off
        for volumes larger than memory).
    levels : int
        Pyramid levels of the label store (for viewing).

    Returns
    -------
    OutOfCoreRun

    Raises
    ------
    TypeError
        If ``lr`` is not an :class:`xctkit.io.Volume`.
    ValueError
        On non-positive sizes.

    Examples
    --------
    >>> run = run_out_of_core(cnn, study.read("fov_lr"), "ooc", hr_voxel_um=0.74,   # doctest: +SKIP
    ...                       normalisation=norm, workers=2, memory_limit="1.5GiB")
    >>> run.stages[["stage", "seconds", "worker_peak_mb"]]                           # doctest: +SKIP
    """
    if not isinstance(lr, Volume):
        raise TypeError(f"`lr` must be an xctkit.io.Volume (read_zarr / read_tiff / Study.read), got {type(lr).__name__}")
    hr_voxel_um = check_positive(hr_voxel_um, "hr_voxel_um")
    spc = check_int(slices_per_chunk, "slices_per_chunk", min_value=1)
    tau_size_vox = check_int(tau_size_vox, "tau_size_vox", min_value=4)
    tau_max = check_int(tau_max, "tau_max", min_value=1)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    hr_path, labels_path = out / "hr.ome.zarr", out / "labels.ome.zarr"
    rows, values = [], {}

    with _client(client, workers, memory_limit, scheduler) as c:
        c.run(lambda: __import__("keras"))  # import cost outside the first stage, as in memory
        watch = MemoryWatch(c).start()
        base = watch.current()["worker_max_mb"]
        n_workers = len(c.scheduler_info()["workers"])

        def stage(name, fn):
            watch.peaks()  # start this stage's interval
            t0 = time.perf_counter()
            value = fn()
            dt = time.perf_counter() - t0
            p = watch.peaks()
            rows.append({"stage": name, "seconds": dt, "worker_peak_mb": p["worker_max_mb"],
                         "client_peak_mb": p["client_mb"]})
            return value

        hr = stage(STAGES[0], lambda: enhance_lr_zarr(model, lr, hr_path, hr_voxel_um=hr_voxel_um,
                                                      normalisation=normalisation, slices_per_chunk=spc,
                                                      client=c, overwrite=True))
        grey = hr.array
        seg = stage(STAGES[1], lambda: threshold_dask(grey))
        stage(STAGES[2], lambda: write_zarr(labels_path, seg.labels, voxel_um=hr_voxel_um, levels=levels,
                                            overwrite=True))
        labels = read_zarr(labels_path, lazy=True).array
        values["porosity"] = stage(STAGES[3], lambda: porosity_dask(labels))
        values["SSA (1/µm)"] = stage(STAGES[4], lambda: surface_area_dask(labels, voxel_um=hr_voxel_um,
                                                                            workdir=out).ssa_per_um)

        def particles():
            inst, _, counts = label_dask(labels == NMC, return_counts=True)  # one labelling pass
            return particle_sizes_dask(inst, voxel_um=hr_voxel_um, counts=counts)

        psd = stage(STAGES[5], particles)
        tau = stage(STAGES[6], lambda: tortuosity_subvolumes(labels, sizes_vox=[tau_size_vox], solid=NMC,
                                                             voxel_um=hr_voxel_um, max_per_size=tau_max))
        watch.stop()
    shape = tuple(int(n) for n in grey.shape)
    n = float(np.prod(shape))
    values["Otsu threshold"] = float(seg.thresholds[0])
    values["particles"] = float(psd.n_particles)
    values["PSD median (µm)"] = psd.median_um
    values["mean τ (sub-volumes)"] = float(np.nanmean(tau.tau)) if tau.tau.notna().any() else float("nan")
    stages = pd.DataFrame(rows)
    stages.insert(2, "voxels", n)
    stages.insert(3, "voxels_per_s", n / stages.seconds)
    mem_seconds, mem_values, sr_diff = _in_memory(model, lr, np.asarray(grey), tau, hr_voxel_um=hr_voxel_um,
                                                  normalisation=normalisation) if compare_in_memory else ({}, {}, np.nan)
    stages["in_memory_seconds"] = [mem_seconds.get(s, np.nan) for s in stages.stage]
    order = ["porosity", "Otsu threshold", "SSA (1/µm)", "particles", "PSD median (µm)", "mean τ (sub-volumes)"]
    results = pd.DataFrame({"quantity": order, "out_of_core": [values[q] for q in order],
                            "in_memory": [mem_values.get(q, np.nan) for q in order]})
    results["abs_diff"] = (results.out_of_core - results.in_memory).abs()
    results = pd.concat([pd.DataFrame([{"quantity": "SR grey level (max)", "out_of_core": np.nan,
                                        "in_memory": np.nan, "abs_diff": sr_diff}]), results], ignore_index=True)
    return OutOfCoreRun(stages, results, tau, hr_path, labels_path, shape, n_workers,
                        memory_limit if client is None and scheduler is None else None, float(base))


def _in_memory(model, lr: Volume, hr_ooc: np.ndarray, tau: pd.DataFrame, *, hr_voxel_um, normalisation):
    """The same stages on NumPy arrays. Downstream of SR they take the out-of-core SR output, so each
    stage is compared on identical input; SR itself is compared against whole-volume inference."""
    from scipy import ndimage

    sec, val = {}, {}
    t0 = time.perf_counter()
    up = upscale_to(np.asarray(lr.array), lr_voxel_um=lr.voxel_um, hr_voxel_um=hr_voxel_um, out_shape=hr_ooc.shape)
    hr = super_resolve(model, up, normalisation=normalisation)
    sec[STAGES[0]] = time.perf_counter() - t0
    sr_diff = float(np.max(np.abs(hr - hr_ooc)))
    t0 = time.perf_counter()
    seg = threshold(hr_ooc)
    sec[STAGES[1]] = time.perf_counter() - t0
    labels = seg.labels
    t0 = time.perf_counter()
    val["porosity"] = porosity(labels)
    sec[STAGES[3]] = time.perf_counter() - t0
    t0 = time.perf_counter()
    val["SSA (1/µm)"] = surface_area(labels, voxel_um=hr_voxel_um).ssa_per_um
    sec[STAGES[4]] = time.perf_counter() - t0
    t0 = time.perf_counter()
    inst, _ = ndimage.label(labels == NMC)
    psd = particle_sizes(inst, voxel_um=hr_voxel_um)
    sec[STAGES[5]] = time.perf_counter() - t0
    t0 = time.perf_counter()
    taus = []
    for r in tau.itertuples():
        e = [min(int(r.size_vox), n) for n in labels.shape]
        sub = labels[r.z0:r.z0 + e[0], r.y0:r.y0 + e[1], r.x0:r.x0 + e[2]]
        taus.append(tortuosity(sub, solid=NMC, axis=0, threads=1).tau)
    sec[STAGES[6]] = time.perf_counter() - t0
    val["Otsu threshold"] = float(seg.thresholds[0])
    val["particles"] = float(psd.n_particles)
    val["PSD median (µm)"] = psd.median_um
    val["mean τ (sub-volumes)"] = float(np.nanmean(taus)) if np.isfinite(taus).any() else float("nan")
    return sec, val, sr_diff
