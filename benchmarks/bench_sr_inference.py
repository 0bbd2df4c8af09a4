"""Super-resolution inference: tiled (xctkit.sr.super_resolve) and out-of-core (Zarr + Dask,
xctkit.sr.super_resolve_zarr) against one plain Keras ``model.predict`` over the same voxels in
memory; throughput (voxels/s) and peak resident memory as the volume grows.

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
from xctkit import io, sr
method, shape = sys.argv[1], tuple(int(v) for v in sys.argv[2].split("x"))
model = sr.srcnn_residual()
rng = np.random.default_rng(0)
base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with tempfile.TemporaryDirectory() as tmp:
    if method == "zarr":
        # write the input chunk by chunk so it never sits whole in this process's memory
        import dask.array as da
        vol = da.random.RandomState(0).random_sample(shape, chunks=(8, shape[1], shape[2])).astype(np.float32)
        io.write_zarr(f"{tmp}/in.zarr", vol, voxel_um=0.74)
        base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        sr.super_resolve_zarr(model, f"{tmp}/in.zarr", f"{tmp}/out.zarr", slices_per_chunk=8, tile=128)
    else:
        vol = rng.random(shape, dtype=np.float32)
        t0 = time.perf_counter()
        if method == "keras_predict":
            out = model.predict(vol[..., None], batch_size=4, verbose=0)
        else:
            out = sr.super_resolve(model, vol, tile=128)
    seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"method": method, "shape": list(shape), "voxels": int(np.prod(shape)), "seconds": seconds,
                  "voxels_per_s": float(np.prod(shape) / seconds), "peak_rss_mb": peak / 1024,
                  "input_bytes_mb": float(np.prod(shape) * 4 / 2**20)}))
'''


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", default=["8x256x256", "16x384x384", "32x384x384"])
    ap.add_argument("--methods", nargs="+", default=["keras_predict", "tiled", "zarr"])
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

    out = {"benchmark": "sr inference", "model": "srcnn_residual (paper 000 CNN, 278 849 parameters)",
           "tile": 128, "torch_threads": torch.get_num_threads(), "cpu_count": os.cpu_count(), "rows": rows}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
