"""Chunked (Dask cluster) vs in-memory chain: peak memory per worker and throughput as the volume grows.

Chain: SR (paper 000 GAN generator, untrained weights: the cost, not the quality, is measured) →
Otsu from the streamed histogram → porosity → specific surface area. Volumes are random ball packings
(grey, blurred, noisy) written to Zarr; the SR model maps the grid onto itself (no upscaling), so the
voxel counts below are the input grid's.

Chunked: a fresh LocalCluster per size (``--workers`` processes, one thread each, ``--memory-limit``);
peak memory per worker is the largest resident set sampled every 50 ms in each worker during the chain
(psutil), over the workers; ``ru_maxrss`` is kept beside it (it inherits the parent's maximum, so it
overstates a worker's own peak when the parent held a large volume). In-memory: the same chain on NumPy arrays in a fresh
subprocess, peak ``ru_maxrss`` of that process.

    python benchmarks/bench_chunked.py                # 32×128² and 64×256²
    python benchmarks/bench_chunked.py --full         # 64×256² and 128×512²
    python benchmarks/bench_chunked.py --sizes 16x64x64 32x128x128
    python benchmarks/bench_chunked.py --chunk 16x64x64   # small y-x tiles: halo and task overhead dominate

Chunks: ``--chunk`` entries of -1 span the whole axis. The default, z-slabs of 16 whole slices, needs no
halo for the slice-wise SR model (``axes='z'``: the halo is in y and x only), so each block does exactly
the in-memory work; y-x tiles re-compute a receptive-radius halo on every side.

Writes ``benchmarks/results/chunked.json``.

    python benchmarks/bench_chunked.py --beyond-memory   # LR 176×512² → HR 352×1024² (1408 MiB float32)
                                                         # on workers limited to 1.25 GiB each

``--beyond-memory`` runs :func:`xctkit.workflows.run_out_of_core` (LR field → upscale + SR → Otsu →
labels → porosity → SSA → particle labels + sizes → sub-volume τ) on an LR field whose float32 HR grid
is larger than the worker memory limit, and records each stage's time and peak worker memory. Its SR
model is a two-layer, 8-filter CNN (≈ 1/40 of the paper GAN's FLOPs per voxel) so that the run takes
minutes on 2 cores: what is measured is that the chain completes within the memory limit. Writes
``benchmarks/results/chunked_beyond_memory.json``.

    python benchmarks/bench_chunked.py --labels          # 96×512² ball packing in 4-slice blocks

``--labels`` times particle labelling across chunk borders and the size count, side by side in one
process on the same mask: :func:`xctkit.segment.label_dask` (counts from its first pass), dask-image's
``ndmeasure.label`` (+ the counting pass a user adds), and ``scipy.ndimage.label`` on the whole array
(threaded scheduler, 2 threads). Writes ``benchmarks/results/chunked_labels.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "chunked.json"


def make_volume(shape, seed=0) -> np.ndarray:
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    n = max(4, int(np.prod(shape) / 4000))
    solid = np.zeros(shape, bool)
    for _ in range(n):  # balls drawn into their bounding boxes only (fast for large volumes)
        c = rng.uniform(0, shape)
        r = rng.uniform(3.0, 8.0)
        lo = np.maximum(np.floor(c - r).astype(int), 0)
        hi = np.minimum(np.ceil(c + r).astype(int) + 1, shape)
        zz, yy, xx = np.ogrid[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]
        solid[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]] |= (zz - c[0]) ** 2 + (yy - c[1]) ** 2 + (xx - c[2]) ** 2 <= r * r
    grey = ndimage.gaussian_filter(0.25 + 0.5 * solid.astype(np.float32), 1.2)
    return (grey + rng.normal(0, 0.03, shape)).astype(np.float32)


def _model():
    import keras

    from xctkit import sr

    keras.utils.set_random_seed(0)
    return sr.paper_gan_generator()


def run_in_memory(zarr_path: str) -> dict:
    import resource

    import zarr

    from xctkit import micro, segment, sr

    grey = np.asarray(zarr.open_array(zarr_path, mode="r"))
    model = _model()
    t0 = time.perf_counter()
    hr = sr.super_resolve(model, grey)
    seg = segment.threshold(hr)
    phi = micro.porosity(seg.labels)
    ssa = micro.surface_area(seg.labels, voxel_um=1.0).ssa_per_um
    dt = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"seconds": dt, "peak_mb": peak / 2**20, "porosity": phi, "ssa_per_um": ssa}


def _worker_peak():
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_chunked(zarr_path: str, *, workers: int, memory_limit: str, chunk) -> dict:
    import dask.array as da

    from xctkit import cluster, micro, segment, sr
    from xctkit._cluster import MemoryWatch

    model = _model()
    with cluster(workers=workers, memory_limit=memory_limit, show_dashboard=False) as client:
        client.run(lambda: __import__("keras"))  # import cost outside the timing, as in memory
        base = max(client.run(_worker_peak).values())
        # sampled resident set (psutil, 50 ms): ru_maxrss inherits the parent's maximum when a worker is
        # forked, so a large case's baseline already equalled its "peak" (1105 MB before and after, 128×512²)
        watch = MemoryWatch(client).start()
        base_rss = watch.current()["worker_max_mb"] * 2**20  # after the imports
        t0 = time.perf_counter()
        grey = da.from_zarr(zarr_path).rechunk(chunk)
        with tempfile.TemporaryDirectory() as tmp:
            sr.super_resolve_dask(model, grey).to_zarr(f"{tmp}/hr.zarr")
            hr = da.from_zarr(f"{tmp}/hr.zarr")
            seg = segment.threshold_dask(hr)
            seg.labels.to_zarr(f"{tmp}/labels.zarr")
            labels = da.from_zarr(f"{tmp}/labels.zarr")
            phi = micro.porosity_dask(labels)
            ssa = micro.surface_area_dask(labels, voxel_um=1.0, workdir=tmp).ssa_per_um  # smoothed once
        dt = time.perf_counter() - t0
        peaks = client.run(_worker_peak)
        sampled = watch.peaks()["worker_max_mb"]
        watch.stop()
    return {"seconds": dt, "peak_mb_per_worker": sampled,
            "baseline_mb_per_worker": base_rss / 2**20,
            "ru_maxrss_mb_per_worker": max(peaks.values()) / 2**20,
            "ru_maxrss_baseline_mb_per_worker": base / 2**20, "porosity": phi, "ssa_per_um": ssa}


def _small_model():
    import keras

    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((None, None, 1)), keras.layers.Conv2D(8, 3, padding="same", activation="relu"),
                             keras.layers.Conv2D(1, 3, padding="same")], name="small_cnn")


def run_beyond_memory(lr_shape, *, workers: int, memory_limit: str, slices_per_chunk: int, out: Path, note: str):
    from dask.utils import parse_bytes

    from xctkit import workflows
    from xctkit.io import read_zarr, write_zarr

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        write_zarr(f"{tmp}/lr.zarr", make_volume(lr_shape), voxel_um=1.0, chunks=(16, *lr_shape[1:]))
        t_make = time.perf_counter() - t0
        lr = read_zarr(f"{tmp}/lr.zarr", lazy=True)
        run = workflows.run_out_of_core(_small_model(), lr, f"{tmp}/ooc", hr_voxel_um=0.5, workers=workers,
                                        memory_limit=memory_limit, slices_per_chunk=slices_per_chunk,
                                        tau_size_vox=64, tau_max=4, compare_in_memory=False)
    limit_mb = parse_bytes(memory_limit) / 2**20
    result = {"benchmark": "chunked_beyond_memory", "workers": run.workers, "memory_limit": memory_limit,
              "memory_limit_mb": limit_mb, "lr_shape": list(lr_shape), "hr_shape": list(run.shape),
              "hr_float32_mb": run.hr_float32_mb, "hr_over_limit": run.hr_float32_mb / limit_mb,
              "slices_per_chunk": slices_per_chunk, "model": "small_cnn (Conv 8@3x3 ReLU -> Conv 1@3x3)",
              "make_lr_seconds": t_make, "total_seconds": float(run.stages.seconds.sum()),
              "worker_baseline_mb": run.baseline_worker_mb,
              "worker_peak_mb": float(run.stages.worker_peak_mb.max()),
              "client_peak_mb": float(run.stages.client_peak_mb.max()),
              "stages": run.stages.drop(columns=["in_memory_seconds"]).to_dict(orient="records"),
              "results": run.results[["quantity", "out_of_core"]].to_dict(orient="records"),
              "cpu_count": os.cpu_count(), "python": platform.python_version(), "machine_note": note}
    tmp_out = out.with_suffix(".json.tmp")
    tmp_out.write_text(json.dumps(result, indent=2, default=float))
    tmp_out.replace(out)
    print(json.dumps({k: v for k, v in result.items() if k not in ("stages", "results")}, default=float))
    print(run.stages.to_string())


def run_labels(shape, *, chunk_z: int, out: Path, note: str, repeats: int = 2):
    import dask
    import dask.array as da
    from dask_image.ndmeasure import label as dask_image_label
    from scipy import ndimage

    from xctkit import micro, segment

    solid = make_volume(shape) > 0.5
    mask = da.from_array(solid, chunks=(chunk_z, -1, -1))

    def best(fn):
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            value = fn()
            times.append(time.perf_counter() - t0)
        return min(times), value

    with dask.config.set(scheduler="threads", num_workers=2):
        def ours():
            inst, n, counts = segment.label_dask(mask, return_counts=True)
            return n, micro.particle_sizes_dask(inst, voxel_um=1.0, counts=counts).n_particles

        def theirs():
            inst, n = dask_image_label(mask)
            return int(n.compute()), micro.particle_sizes_dask(inst, voxel_um=1.0).n_particles

        t_ours, (n_ours, p_ours) = best(ours)
        t_theirs, (n_theirs, p_theirs) = best(theirs)

    def scipy_whole():
        lab, n = ndimage.label(solid)
        return n, int(np.count_nonzero(np.bincount(lab.ravel())[1:]))

    t_scipy, (n_scipy, _) = best(scipy_whole)
    n = int(np.prod(shape))
    result = {"benchmark": "chunked_labels", "shape": list(shape), "chunk": [chunk_z, shape[1], shape[2]],
              "blocks": int(np.ceil(shape[0] / chunk_z)), "solid_fraction": float(solid.mean()),
              "components": {"xctkit": n_ours, "dask_image": n_theirs, "scipy": int(n_scipy)},
              "seconds": {"xctkit_label_dask_with_counts": t_ours, "dask_image_label_then_count": t_theirs,
                          "scipy_label_in_memory": t_scipy},
              "voxels_per_s": {"xctkit": n / t_ours, "dask_image": n / t_theirs, "scipy": n / t_scipy},
              "speedup_over_dask_image": t_theirs / t_ours, "xctkit_over_scipy_time": t_ours / t_scipy,
              "same_particle_count": p_ours == p_theirs, "repeats_best_of": repeats,
              "cpu_count": os.cpu_count(), "python": platform.python_version(), "machine_note": note}
    tmp_out = out.with_suffix(".json.tmp")
    tmp_out.write_text(json.dumps(result, indent=2))
    tmp_out.replace(out)
    print(json.dumps(result))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="64×256² and 128×512²")
    ap.add_argument("--sizes", nargs="*", help="shapes like 32x128x128")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--memory-limit", default="2GiB")
    ap.add_argument("--chunk", default="16x-1x-1", help="e.g. 16x-1x-1 (z-slabs) or 16x64x64")
    ap.add_argument("--note", default="", help="machine note stored with the result")
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--beyond-memory", action="store_true",
                    help="one LR field whose float32 HR grid exceeds the worker memory limit (run_out_of_core)")
    ap.add_argument("--lr-shape", default="176x512x512", help="LR shape for --beyond-memory (HR is 2x per axis)")
    ap.add_argument("--slices-per-chunk", type=int, default=4, help="HR slices per block for --beyond-memory")
    ap.add_argument("--labels", action="store_true", help="label_dask vs dask-image vs scipy on one mask")
    ap.add_argument("--_inmem", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.beyond_memory:
        limit = a.memory_limit if a.memory_limit != "2GiB" else "1.25GiB"
        out = Path(a.out) if a.out != str(OUT) else OUT.with_name("chunked_beyond_memory.json")
        run_beyond_memory(tuple(int(v) for v in a.lr_shape.split("x")), workers=a.workers, memory_limit=limit,
                          slices_per_chunk=a.slices_per_chunk, out=out, note=a.note)
        return
    if a.labels:
        out = Path(a.out) if a.out != str(OUT) else OUT.with_name("chunked_labels.json")
        run_labels((96, 512, 512), chunk_z=4, out=out, note=a.note)
        return
    if a._inmem:  # child process: the in-memory chain alone, for its own peak memory
        print(json.dumps(run_in_memory(a._inmem)))
        return
    if a.sizes:
        shapes = [tuple(int(v) for v in s.split("x")) for s in a.sizes]
    else:
        shapes = [(64, 256, 256), (128, 512, 512)] if a.full else [(32, 128, 128), (64, 256, 256)]
    chunk = tuple(int(v) for v in a.chunk.split("x"))
    import dask.array as da

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for shape in shapes:
            path = f"{tmp}/grey_{'x'.join(map(str, shape))}.zarr"
            da.from_array(make_volume(shape), chunks=chunk).to_zarr(path)
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            p = subprocess.run([sys.executable, __file__, "--_inmem", path], capture_output=True, text=True,
                               env=env, check=True)
            mem = json.loads(p.stdout.strip().splitlines()[-1])
            ch = run_chunked(path, workers=a.workers, memory_limit=a.memory_limit, chunk=chunk)
            n = int(np.prod(shape))
            row = {"shape": list(shape), "voxels": n, "float32_mb": n * 4 / 2**20,
                   "in_memory": {**mem, "voxels_per_s": n / mem["seconds"]},
                   "chunked": {**ch, "voxels_per_s": n / ch["seconds"]},
                   "same_porosity": mem["porosity"] == ch["porosity"],
                   "ssa_rel_diff": abs(ch["ssa_per_um"] / mem["ssa_per_um"] - 1)}
            row["throughput_ratio"] = row["chunked"]["voxels_per_s"] / row["in_memory"]["voxels_per_s"]
            print(json.dumps(row))
            rows.append(row)
    first = rows[0]
    summary = {
        "volume_growth": rows[-1]["voxels"] / first["voxels"],
        "worker_peak_growth": rows[-1]["chunked"]["peak_mb_per_worker"] / first["chunked"]["peak_mb_per_worker"],
        "in_memory_peak_growth": rows[-1]["in_memory"]["peak_mb"] / first["in_memory"]["peak_mb"],
    }
    result = {"benchmark": "chunked", "workers": a.workers, "memory_limit": a.memory_limit,
              "chunk": list(chunk), "cpu_count": os.cpu_count(), "python": platform.python_version(),
              "machine_note": a.note,
              "rows": rows, "summary": summary}
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = out.with_suffix(".json.tmp")
    tmp_out.write_text(json.dumps(result, indent=2))
    tmp_out.replace(out)  # atomic
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
