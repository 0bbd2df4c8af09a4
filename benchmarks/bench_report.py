"""The report's wall time: per chapter, its slowest cells, and the book build (issue 15).

Runs ``xctkit report`` for a profile into a fresh folder (every chapter executed, the lab built from
scratch, install excluded) and writes the chapter times from its ``results/run_summary.json`` with the
slowest cells of each executed notebook (papermill's per-cell durations)::

    .venv/bin/python benchmarks/bench_report.py --profile default          # runs it (≈ 30 min on 2 cores)
    .venv/bin/python benchmarks/bench_report.py --from-run /tmp/out       # reads a run made earlier

Writes ``benchmarks/results/report_<profile>.json``.
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

ROOT = Path(__file__).resolve().parents[1]


def chapter_table(out: Path, *, top: int = 3) -> dict:
    """Chapter seconds (run summary) and each chapter's ``top`` slowest code cells."""
    summary = json.loads((out / "results" / "run_summary.json").read_text())
    chapters = []
    for nb in summary["notebooks"]:
        cells = []
        path = out / "chapters" / f"{nb['name']}.ipynb"
        if path.exists():
            doc = json.loads(path.read_text())
            for i, c in enumerate(doc["cells"]):
                d = c.get("metadata", {}).get("papermill", {}).get("duration")
                if c["cell_type"] == "code" and d is not None:
                    cells.append({"cell": i, "seconds": round(float(d), 1),
                                  "source": "".join(c["source"]).splitlines()[0][:100] if c["source"] else ""})
        cells.sort(key=lambda r: -r["seconds"])
        chapters.append({"name": nb["name"], "status": nb["status"], "seconds": nb["seconds"], "slowest_cells": cells[:top]})
    total_nb = sum(c["seconds"] for c in chapters)
    return {"profile": summary["profile"], "ok": summary["ok"], "jobs": summary.get("jobs", 1),
            "report_seconds": summary["seconds"], "chapters_seconds": round(total_nb, 1),
            "book_and_overhead_seconds": round(summary["seconds"] - total_nb, 1), "chapters": chapters}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="default", choices=("quick", "default", "full"))
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--from-run", type=Path, help="an --out folder of an earlier `xctkit report` run")
    ap.add_argument("--note", default="", help="free text stored with the result")
    ap.add_argument("--out", type=Path, default=None, help="result JSON (default benchmarks/results/report_<profile>.json)")
    args = ap.parse_args(argv)
    if args.from_run is None:
        run_dir = Path(tempfile.mkdtemp(prefix="xctkit-bench-report-"))
        t0 = time.perf_counter()
        rc = subprocess.call([str(Path(sys.executable).parent / "xctkit"), "report", "--profile", args.profile, "--jobs",
                              str(args.jobs), "--out", str(run_dir), "--no-progress"], cwd=ROOT)
        wall = time.perf_counter() - t0
    else:
        run_dir, rc, wall = args.from_run, 0, None
    result = chapter_table(run_dir)
    result.update({"command_rc": rc, "command_wall_s": None if wall is None else round(wall, 1),
                   "run_dir": str(run_dir), "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
                   "note": args.note})
    target = args.out or ROOT / "benchmarks" / "results" / f"report_{result['profile']}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=1))
    tmp.replace(target)
    print(json.dumps({k: result[k] for k in ("profile", "ok", "report_seconds", "chapters_seconds")}))
    return 0 if result["ok"] and rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
