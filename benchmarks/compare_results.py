"""Compare two report runs' result tables: do the numbers of run B lie within run A's bootstrap intervals?

Used to check that a refactor leaves the default report's results in place (issue 12)::

    python benchmarks/compare_results.py OLD/book/results NEW/results --out benchmarks/results/compare.json

For every CSV both folders hold, rows are matched on the tables' text columns (in order where those
repeat); for each numeric column it records how many values are identical (to 1e-9 relative), the
largest relative difference, and, where the table carries an interval for the column
(``<col>_ci_low``/``<col>_ci_high``, or ``ci_low``/``ci_high`` for ``estimate``), how many of B's values lie
inside A's interval and A's inside B's.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import pandas as pd


def _interval_columns(columns) -> dict[str, tuple[str, str]]:
    out = {}
    for c in columns:
        if f"{c}_ci_low" in columns and f"{c}_ci_high" in columns:
            out[c] = (f"{c}_ci_low", f"{c}_ci_high")
    for c, lo, hi in (("estimate", "ci_low", "ci_high"), ("refit", "refit_ci_low", "refit_ci_high"),
                      ("marginal_slope", "marginal_ci_low", "marginal_ci_high"),
                      ("partial_slope", "partial_ci_low", "partial_ci_high")):
        if {c, lo, hi} <= set(columns):
            out[c] = (lo, hi)
    return out


def compare_table(a: pd.DataFrame, b: pd.DataFrame) -> dict:
    """Column-by-column comparison of two versions of one table (see the module docstring)."""
    if len(a) != len(b):
        return {"status": "different row count", "rows_a": len(a), "rows_b": len(b)}
    text = [c for c in a.columns if c in b.columns and not pd.api.types.is_numeric_dtype(a[c])]
    if text:
        a = a.sort_values(text, kind="stable").reset_index(drop=True)
        b = b.sort_values(text, kind="stable").reset_index(drop=True)
        if not a[text].astype(str).equals(b[text].astype(str)):
            return {"status": "rows do not match on " + ", ".join(text)}
    numeric = [c for c in a.columns if c in b.columns and pd.api.types.is_numeric_dtype(a[c])
               and pd.api.types.is_numeric_dtype(b[c]) and not pd.api.types.is_bool_dtype(a[c])]
    intervals = _interval_columns(set(a.columns) & set(b.columns))
    cols = {}
    for c in numeric:
        x, y = a[c].astype(float), b[c].astype(float)
        both_nan = x.isna() & y.isna()
        scale = x.abs().clip(lower=1e-12)
        rel = ((x - y).abs() / scale).where(~both_nan, 0.0)
        entry = {"n": int(len(x)), "identical": int(((rel <= 1e-9) | both_nan).sum()),
                 "max_rel_diff": None if rel.isna().all() else float(rel.max(skipna=True))}
        if c in intervals:
            lo, hi = intervals[c]
            inside_a = ((y >= a[lo] - 1e-12) & (y <= a[hi] + 1e-12)) | both_nan
            inside_b = ((x >= b[lo] - 1e-12) & (x <= b[hi] + 1e-12)) | both_nan
            entry |= {"b_in_a_interval": int(inside_a.sum()), "a_in_b_interval": int(inside_b.sum())}
        cols[c] = entry
    return {"status": "compared", "rows": int(len(a)), "columns": cols,
            "only_in_a": sorted(set(a.columns) - set(b.columns)), "only_in_b": sorted(set(b.columns) - set(a.columns))}


def compare_folders(a_dir, b_dir) -> dict:
    a_dir, b_dir = Path(a_dir), Path(b_dir)
    names_a = {p.name for p in a_dir.glob("*.csv")}
    names_b = {p.name for p in b_dir.glob("*.csv")}
    out = {"a": str(a_dir), "b": str(b_dir), "only_in_a": sorted(names_a - names_b),
           "only_in_b": sorted(names_b - names_a), "tables": {}}
    for name in sorted(names_a & names_b):
        out["tables"][name] = compare_table(pd.read_csv(a_dir / name), pd.read_csv(b_dir / name))
    return out


def summary_lines(result: dict) -> list[str]:
    lines = []
    for name, t in result["tables"].items():
        if t["status"] != "compared":
            lines.append(f"{name}: {t['status']}")
            continue
        n = sum(c["n"] for c in t["columns"].values())
        same = sum(c["identical"] for c in t["columns"].values())
        worst = max((c["max_rel_diff"] or 0.0 for c in t["columns"].values()), default=0.0)
        ci = [(k, c) for k, c in t["columns"].items() if "b_in_a_interval" in c]
        ci_txt = "; ".join(f"{k}: {c['b_in_a_interval']}/{c['n']} in A's CI, {c['a_in_b_interval']}/{c['n']} in B's"
                           for k, c in ci)
        lines.append(f"{name}: {same}/{n} numbers identical, max rel diff {worst:.3g}"
                     + (f"; {ci_txt}" if ci_txt else "") + ("" if math.isfinite(worst) else " (inf: a zero in A)"))
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("a", help="results folder of the reference run")
    ap.add_argument("b", help="results folder of the run to check")
    ap.add_argument("--out", help="JSON file to write")
    args = ap.parse_args(argv)
    result = compare_folders(args.a, args.b)
    print("\n".join(summary_lines(result)))
    if result["only_in_a"] or result["only_in_b"]:
        print(f"only in A: {result['only_in_a']}\nonly in B: {result['only_in_b']}")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
