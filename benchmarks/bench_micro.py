"""Microstructure metrics: time and peak memory of the tortuosity factor (xctkit's multigrid solver, the
default, vs TauFactor called directly vs PoreSpy) and of the full metric set, on cubes of 128³ and 256³ voxels.

    .venv/bin/python benchmarks/bench_micro.py                  # 128³ and 256³
    .venv/bin/python benchmarks/bench_micro.py --sizes 128      # 128³ only (also: --profile quick)
    .venv/bin/python benchmarks/bench_micro.py --sizes 128 --merge   # re-run 128³, keep 256³ results

Every task runs in its own fresh process (``multiprocessing`` spawn), so the peak resident memory it
reports is the task's own; ``rss_before_mb`` is that process's peak after building the input and
importing the libraries. The load average before and after each task is recorded too: on a shared
machine the timings move with it. Writes benchmarks/results/micro.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import resource
import time
from pathlib import Path

VOXEL_UM = 0.74
TASKS = ("tortuosity_xctkit", "tortuosity_xctkit_taufactor", "tortuosity_taufactor_direct", "tortuosity_porespy",
         "metric_set")


def _volume(size: int, seed: int):
    """A particle packing on the HR grid: overlapping spheres of 3.5 µm diameter, porosity ≈ 0.45."""
    import numpy as np
    import porespy

    im = porespy.generators.overlapping_spheres([size] * 3, r=int(round(1.75 / VOXEL_UM)) + 1,
                                                porosity=0.45, seed=seed)
    return np.asarray(im, dtype=bool)  # True = pore


def _task(name: str, size: int, seed: int, queue) -> None:
    import warnings

    import numpy as np

    warnings.simplefilter("ignore")
    pore = _volume(size, seed)
    solid = ~pore
    import porespy  # noqa: F401 - imported before the baseline is taken
    import taufactor
    import torch

    from xctkit import micro, segment
    from xctkit.phases import NMC, PORE

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load_before = os.getloadavg()[0]
    out: dict = {}
    t0 = time.perf_counter()
    if name == "tortuosity_xctkit":
        micro.tortuosity(pore[:16, :16, :16], axis=0)  # numba kernels compiled / loaded from cache first
        t0 = time.perf_counter()
        r = micro.tortuosity(pore, axis=0)  # method='multigrid'
        out = {"tau": r.tau, "iterations": r.iterations, "method": r.method,
               "relative_residual": r.relative_residual, "flux_imbalance": r.flux_imbalance}
    elif name == "tortuosity_xctkit_taufactor":
        r = micro.tortuosity(pore, axis=0, method="taufactor")  # threads='auto'
        out = {"tau": r.tau, "iterations": r.iterations, "method": r.method,
               "torch_threads": 1 if pore.size < 1_000_000 else torch.get_num_threads()}
    elif name == "tortuosity_taufactor_direct":
        s = taufactor.Solver(np.ascontiguousarray(pore.astype(np.uint8)), device="cpu")
        s.solve(verbose=False)
        out = {"tau": float(np.asarray(s.tau).ravel()[0]), "iterations": int(s.iter),
               "torch_threads": torch.get_num_threads()}
    elif name == "tortuosity_porespy":
        r = micro.tortuosity(pore, axis=0, method="porespy")
        out = {"tau": r.tau}
    elif name == "metric_set":
        labels = np.where(solid, NMC, PORE).astype(np.uint8)
        parts = {}
        for key, fn in (
            ("porosity", lambda: micro.porosity(labels)),
            ("tortuosity", lambda: micro.tortuosity(labels, axis=0).tau),
            ("surface_area", lambda: micro.surface_area(labels, voxel_um=VOXEL_UM).ssa_per_um),
            ("particles_watershed", lambda: micro.particle_sizes(segment.separate_particles(solid, voxel_um=VOXEL_UM).instances,
                                                                 voxel_um=VOXEL_UM).median_um),
            ("pore_local_thickness", lambda: micro.pore_sizes(labels, voxel_um=VOXEL_UM).median_um),
            ("cracks", lambda: segment.find_cracks(solid, voxel_um=VOXEL_UM).n_intra),
            ("rev_porosity", lambda: micro.rev_analysis(labels, voxel_um=VOXEL_UM, n_samples=20, seed=0).rev_size_um),
        ):
            t = time.perf_counter()
            value = fn()
            parts[key] = {"seconds": round(time.perf_counter() - t, 3), "value": float(value)}
        out = {"parts": parts}
    else:  # pragma: no cover
        raise ValueError(name)
    seconds = time.perf_counter() - t0
    queue.put({"task": name, "size": size, "seconds": round(seconds, 3),
               "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
               "rss_before_mb": round(rss_before, 1), "porosity": round(float(pore.mean()), 4),
               "load_avg_before": round(load_before, 2), "load_avg_after": round(os.getloadavg()[0], 2),
               **out})


def _run(name: str, size: int, seed: int, timeout: float) -> dict:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_task, args=(name, size, seed, q))
    p.start()
    p.join(timeout)
    if p.is_alive():
        p.terminate()
        p.join()
        return {"task": name, "size": size, "error": f"timed out after {timeout:.0f} s"}
    if p.exitcode != 0:
        return {"task": name, "size": size, "error": f"exit code {p.exitcode}"}
    return q.get()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=None,
                    help="cube edges, voxels (default 128 and 256; 128 only with --profile quick)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per task")
    ap.add_argument("--profile", default=None, help="as in run_all.py: 'quick' benchmarks 128³ only")
    ap.add_argument("--tasks", nargs="+", default=list(TASKS), choices=TASKS)
    ap.add_argument("--merge", action="store_true",
                    help="keep the results of other tasks/sizes already in the output file")
    ap.add_argument("--out", default=None)
    ap.add_argument("--note", default="", help="machine note stored with the result")
    args = ap.parse_args()
    if args.sizes is None:
        args.sizes = [128] if args.profile == "quick" else [128, 256]
    import xctkit

    results = []
    for size in args.sizes:
        for name in args.tasks:
            r = _run(name, size, args.seed, args.timeout)
            print(json.dumps(r), flush=True)
            results.append(r)
    path = Path(args.out or Path(__file__).parent / "results" / "micro.json")
    if args.merge and path.exists():  # keep earlier results of the tasks and sizes not re-run now
        rerun = {(r["task"], r["size"]) for r in results}
        results = [r for r in json.loads(path.read_text()).get("results", [])
                   if (r["task"], r["size"]) not in rerun] + results
    by = {(r["task"], r["size"]): r for r in results}
    agreement = {}
    for size in sorted({r["size"] for r in results}):
        a, b = by.get(("tortuosity_xctkit", size), {}), by.get(("tortuosity_porespy", size), {})
        if "tau" in a and "tau" in b:
            agreement[str(size)] = round(b["tau"] / a["tau"] - 1, 5)
    out = {
        "benchmark": "microstructure metrics (xctkit.micro / xctkit.segment)",
        "multigrid_vs_taufactor": multigrid_vs_taufactor(by),
        "volume": "porespy.generators.overlapping_spheres, r = 3 voxels (2.2 µm at 0.74 µm), porosity 0.45; "
                  "tortuosity of the pore phase along axis 0",
        "xctkit_version": xctkit.__version__,
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(),
                    "note": args.note or "see load_avg_* per task: the timings move with the machine's load"},
        "porespy_vs_xctkit_tau_rel_difference": agreement,
        "results": results,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=1))
    print(f"wrote {path}")


def multigrid_vs_taufactor(by: dict) -> dict:
    """Per size, xctkit's multigrid solver against TauFactor called directly (issue 15's acceptance):
    speed-up, τ relative difference and peak resident memory (whole process and above the baseline)."""
    out = {}
    for size in sorted({s for _, s in by}):
        mg, tf = by.get(("tortuosity_xctkit", size)), by.get(("tortuosity_taufactor_direct", size))
        if not (mg and tf and "tau" in mg and "tau" in tf):
            continue
        out[str(size)] = {
            "speedup": round(tf["seconds"] / mg["seconds"], 2),
            "tau_rel_difference": round(mg["tau"] / tf["tau"] - 1, 6),
            "peak_rss_ratio": round(mg["peak_rss_mb"] / tf["peak_rss_mb"], 3),
            "peak_rss_above_baseline_ratio": round((mg["peak_rss_mb"] - mg["rss_before_mb"])
                                                   / (tf["peak_rss_mb"] - tf["rss_before_mb"]), 3),
        }
    return out


if __name__ == "__main__":
    main()
