"""Super-resolution inference: tiled (xctkit.sr.super_resolve) and out-of-core (Zarr + Dask,
xctkit.sr.super_resolve_zarr) against a plain Keras ``model.predict`` and a plain channels-last torch
forward (xctkit.sr.TorchForward) over the same voxels in memory, and the tiler through Keras'
``predict_on_batch`` as before issue 15; throughput (voxels/s), GFLOP/s and its fraction of the
SGEMM rate (torch.mm 4096², measured in the same process just before), peak resident memory.

Each measurement runs in a fresh subprocess so that its peak memory (ru_maxrss) is its own.

    .venv/bin/python benchmarks/bench_sr_inference.py [--sizes 8x256x256 16x384x384 ...]

Writes benchmarks/results/sr_inference.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")

CHILD = r'''
import json, os, resource, sys, time, tempfile
os.environ.setdefault("KERAS_BACKEND", "torch")
import numpy as np
import torch
from xctkit import io, sr
method, shape = sys.argv[1], tuple(int(v) for v in sys.argv[2].split("x"))


def sgemm_gflops(n=4096, seconds=3.0):
    # the machine's single-precision matrix-multiply rate in this process (torch.mm, all threads)
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    k, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        a @ b
        k += 1
    return 2 * n**3 * k / (time.perf_counter() - t0) / 1e9


model = sr.srcnn_residual()
flop_per_voxel = sum(2 * np.prod(l.kernel_size) * l.kernel.shape[2] * l.filters
                     for l in model.layers if type(l).__name__ == "Conv2D")
rng = np.random.default_rng(0)
sgemm = sgemm_gflops()
base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with tempfile.TemporaryDirectory() as tmp:
    if method == "zarr":
        # write the input chunk by chunk so it never sits whole in this process's memory
        import dask.array as da
        vol = da.random.RandomState(0).random_sample(shape, chunks=(8, shape[1], shape[2])).astype(np.float32)
        io.write_zarr(f"{tmp}/in.zarr", vol, voxel_um=0.74)
        base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        sr.predict_image(model, np.zeros((1, 64, 64), np.float32))  # warm-up (oneDNN primitives)
        t0 = time.perf_counter()
        sr.super_resolve_zarr(model, f"{tmp}/in.zarr", f"{tmp}/out.zarr", slices_per_chunk=8)
    else:
        vol = rng.random(shape, dtype=np.float32)
        warm = vol[:1, :64, :64]
        if method == "keras_predict":  # plain Keras over whole slices, in memory
            model.predict(warm[..., None], verbose=0)
            t0 = time.perf_counter()
            out = model.predict(vol[..., None], batch_size=4, verbose=0)
        elif method == "torch_forward":  # plain channels-last torch forward over whole slices, in memory
            fwd = sr.TorchForward(model)
            fwd(warm)
            t0 = time.perf_counter()
            out = np.concatenate([fwd(vol[i:i + 4]) for i in range(0, shape[0], 4)])
        elif method == "tiled_keras":  # xctkit's tiler through Keras' predict_on_batch (before issue 15)
            sr.predict_image(model, warm, engine="keras")
            t0 = time.perf_counter()
            out = np.concatenate([sr.predict_image(model, vol[i:i + 8], tile=128, engine="keras")
                                  for i in range(0, shape[0], 8)])
        else:  # "tiled": sr.super_resolve with its defaults (channels-last torch forward, fitted tiles)
            sr.predict_image(model, warm)
            t0 = time.perf_counter()
            out = sr.super_resolve(model, vol)
    seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
n = int(np.prod(shape))
gflops = n * flop_per_voxel / seconds / 1e9
print(json.dumps({"method": method, "shape": list(shape), "voxels": n, "seconds": seconds,
                  "voxels_per_s": n / seconds, "gflops": gflops, "sgemm_gflops": sgemm,
                  "fraction_of_sgemm": gflops / sgemm, "flop_per_voxel": int(flop_per_voxel),
                  "peak_rss_mb": peak / 1024, "input_bytes_mb": n * 4 / 2**20,
                  "torch_threads": torch.get_num_threads()}))
'''


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", default=["8x256x256", "16x384x384", "32x384x384"])
    ap.add_argument("--methods", nargs="+", default=["keras_predict", "torch_forward", "tiled_keras", "tiled", "zarr"])
    ap.add_argument("--note", default="", help="machine note stored with the result")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "sr_inference.json"))
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "child.py"
        script.write_text(CHILD)
        for size in args.sizes:
            for method in args.methods:
                res = subprocess.run([sys.executable, str(script), method, size], capture_output=True, text=True)
                if res.returncode != 0:
                    rows.append({"method": method, "shape": size, "error": res.stderr[-500:]})
                else:
                    rows.append(json.loads(res.stdout.strip().splitlines()[-1]))
                print(rows[-1], flush=True)
    import torch

    ok = [r for r in rows if "error" not in r]

    def ratio(num, den):
        out = {}
        for r in ok:
            if r["method"] == num:
                d = [q for q in ok if q["method"] == den and q["shape"] == r["shape"]]
                if d:
                    out["x".join(map(str, r["shape"]))] = round(r["voxels_per_s"] / d[0]["voxels_per_s"], 3)
        return out

    out = {"benchmark": "sr inference", "model": "srcnn_residual (paper 000 CNN, 278 849 parameters)",
           "cpu_count": os.cpu_count(), "note": args.note,
           "summary": {
               "tiled_fraction_of_sgemm": {"x".join(map(str, r["shape"])): round(r["fraction_of_sgemm"], 3)
                                           for r in ok if r["method"] == "tiled"},
               "tiled_vs_plain_keras": ratio("tiled", "keras_predict"),
               "tiled_vs_plain_torch_forward": ratio("tiled", "torch_forward"),
               "tiled_vs_tiled_keras": ratio("tiled", "tiled_keras")},
           "rows": rows}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
