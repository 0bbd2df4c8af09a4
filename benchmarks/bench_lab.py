"""Virtual-laboratory generation: time and peak memory per sample, and the eight Table 2 states
re-measured (porosity, tortuosity) at a profile's lab size.

    .venv/bin/python benchmarks/bench_lab.py --profile full     # the calibration size
    .venv/bin/python benchmarks/bench_lab.py --profile quick

Writes benchmarks/results/lab_<profile>.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import tempfile
import time
from pathlib import Path

import xctkit
from xctkit import lab
from xctkit.report import profile_parameters


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", default="quick")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    params = profile_parameters(args.profile)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        vlab = lab.build_lab(Path(tmp) / "lab", dry_shape=params["lab_dry_shape"],
                             dit_shape=params["lab_dit_shape"], fov_factor=params["lab_fov_factor"],
                             seed=args.seed, force=True)
        total = time.perf_counter() - t0
        meas = vlab.measurements()
        timings = vlab.timings()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "benchmark": "virtual lab generation",
        "profile": args.profile,
        "dry_shape": params["lab_dry_shape"],
        "dit_shape": params["lab_dit_shape"],
        "xctkit_version": xctkit.__version__,
        "machine": {"cpu_count": __import__("os").cpu_count(), "platform": platform.platform()},
        "total_seconds_including_tortuosity": round(total, 1),
        "peak_rss_mb": round(peak_mb, 0),
        "timings": timings.to_dict(orient="records"),
        "states": meas[["sample", "state", "porosity_paper", "porosity_xctkit", "tortuosity_paper",
                        "tortuosity_xctkit", "tortuosity_rel_error"]].to_dict(orient="records"),
        "all_within_tolerance": bool(((meas.porosity_xctkit - meas.porosity_paper).abs() <= 0.02).all()
                                     and (meas.tortuosity_rel_error.abs() <= 0.10).all()),
    }
    out = Path(args.out or Path(__file__).parent / "results" / f"lab_{args.profile}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(json.dumps({k: v for k, v in result.items() if k not in ("timings",)}, indent=1))


if __name__ == "__main__":
    main()
