"""The ``xctkit`` command line."""

from __future__ import annotations

import argparse
import logging
import sys

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    from xctkit import __version__
    from xctkit.report import PROFILES

    parser = argparse.ArgumentParser(
        prog="xctkit",
        description=(
            "xctkit: super-resolve, segment and quantify battery-electrode XCT/SEM images, "
            "and build the study as a Jupyter Book."
        ),
    )
    parser.add_argument("--version", action="version", version=f"xctkit {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    rep = sub.add_parser(
        "report",
        help="run every chapter notebook with papermill and build the HTML book",
        description=(
            "Execute the notebooks in notebooks/ with papermill (skipping those whose notebook, "
            "parameters and xctkit version are unchanged since their last successful run), write "
            "the executed copies to book/chapters/, key tables to book/results/, then build the "
            "jupyter-book without re-executing (--out DIR puts all of it under DIR instead). "
            "Every -p value is checked against the notebooks' parameter cells (name and type) "
            "before any chapter runs. A failing notebook is reported by name and cell; "
            "the others still run, the book still builds, and the exit status is 1."
        ),
    )
    rep.add_argument("--profile", choices=list(PROFILES), default="default",
                     help="named parameter set: quick (tests/CI, minutes), default (laptop, "
                          "<30 min on 2 cores), full (paper-like sizes, GPU); default: %(default)s")
    rep.add_argument("--only", nargs="+", metavar="NAME",
                     help="run only these notebooks (stem, number prefix like 01, or a unique "
                          "substring); the book still shows every chapter")
    rep.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                     help="override a parameter for every notebook that declares it; "
                          "NOTEBOOK:KEY=VALUE for one notebook; VALUE is read as YAML "
                          "(numbers, true/false, [lists]); repeatable")
    rep.add_argument("--force", action="store_true",
                     help="re-run notebooks even if cached results are up to date")
    rep.add_argument("--no-book", action="store_true", help="run notebooks but skip the book build")
    rep.add_argument("--root", default=".",
                     help="project folder holding notebooks/ and book/ (default: current folder)")
    rep.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                     help="per-cell execution timeout (default: none)")
    rep.add_argument("--no-progress", action="store_true", help="hide papermill's progress bars")
    rep.add_argument("--jobs", type=int, default=1, metavar="N",
                     help="chapters run at once, each after the chapters it depends on; every kernel "
                          "gets CPU count / N threads unless OMP_NUM_THREADS is set (default: %(default)s)")
    rep.add_argument("--out", metavar="DIR", default=None,
                     help="write the whole run (executed chapters, results/, data/, _build/html) "
                          "under DIR and nothing into the project's book/ or data/ "
                          "(default: book/chapters, book/results, data/generated, book/_build)")
    rep.add_argument("--sweep", action="append", default=[], metavar="KEY=V1,V2,...",
                     help="run once per value (repeat for a grid: every combination), each run in "
                          "its own folder OUT/KEY-VALUE[__KEY2-VALUE2] (OUT defaults to "
                          "book/_build/sweep), then write OUT/comparison/<table>.csv with the mean "
                          "and SD across runs of every numeric result column; values are read as "
                          "YAML, a list-valued parameter as a YAML list of lists")
    inputs = rep.add_argument_group(
        "inputs and compute (passed to every chapter that declares the parameter)")
    inputs.add_argument("--manifest", metavar="PATH", default=None,
                        help="sample manifest of the user's own scans (parameter `manifest`)")
    inputs.add_argument("--test-electrodes", metavar="A,B", default=None,
                        help="comma-separated sample ids held out for testing "
                             "(parameter `test_electrodes`)")
    inputs.add_argument("--workers", type=int, metavar="N", default=None,
                        help="dask workers (parameter `dask_workers`)")
    inputs.add_argument("--memory-limit", metavar="SIZE", default=None,
                        help="memory limit per dask worker, e.g. 4GB (parameter `dask_memory_limit`)")
    inputs.add_argument("--scheduler", metavar="ADDR", default=None,
                        help="address of a running dask scheduler, e.g. tcp://host:8786 "
                             "(parameter `dask_scheduler`)")

    sub.add_parser("profiles", help="list the report profiles and their parameters",
                   description="Print each profile's parameter set.")

    cal = sub.add_parser(
        "calibrate",
        help="re-derive the virtual electrodes' presets from paper 000's Table 2",
        description=(
            "Calibrate the free parameter of each of the eight Table 2 states (four electrodes, "
            "pristine and cycled) so that the measured porosity and through-thickness tortuosity "
            "factor hit the table, at the chosen profile's lab size, and write the presets JSON. "
            "Takes tens of minutes at the full size on 2 cores."
        ),
    )
    cal.add_argument("--profile", choices=list(PROFILES), default="full",
                     help="lab size to calibrate at (default: %(default)s)")
    cal.add_argument("--seed", type=int, default=0, help="generator seed (default: %(default)s)")
    cal.add_argument("--rtol", type=float, default=0.03,
                     help="relative tolerance on the tortuosity factor (default: %(default)s)")
    cal.add_argument("--out", required=True, help="presets JSON to write, e.g. xctkit/synth/presets.json")
    cal.add_argument("--samples", nargs="+", metavar="ID", help="subset of dry1 dry2 dry3 dit")
    cal.add_argument("--overwrite", action="store_true",
                     help="replace --out if it exists (checked before the calibration starts)")
    return parser


def _option_parameters(args) -> dict:
    """Notebook parameters given by the dedicated options (only those that were given)."""
    from pathlib import Path

    out: dict = {}
    if args.manifest is not None:
        manifest = Path(args.manifest)
        if not manifest.is_file():
            raise ValueError(f"--manifest {args.manifest!r}: no such file")
        out["manifest"] = str(manifest.resolve())
    if args.test_electrodes is not None:
        ids = [t.strip() for t in args.test_electrodes.split(",")]
        if not ids or any(not t for t in ids):
            raise ValueError(f"--test-electrodes expects comma-separated ids such as dry2,dry3, "
                             f"got {args.test_electrodes!r}")
        out["test_electrodes"] = ids
    if args.workers is not None:
        if args.workers < 1:
            raise ValueError(f"--workers must be >= 1, got {args.workers}")
        out["dask_workers"] = args.workers
    if args.memory_limit is not None:
        out["dask_memory_limit"] = args.memory_limit
    if args.scheduler is not None:
        out["dask_scheduler"] = args.scheduler
    return out


def _cmd_report(args) -> int:
    from xctkit.report import parse_overrides, parse_sweep, report, sweep

    try:
        overrides = parse_overrides(args.param)
        for key, value in _option_parameters(args).items():
            if key in overrides.get(None, {}):
                raise ValueError(f"parameter {key!r} given both by its option and by -p")
            overrides.setdefault(None, {})[key] = value
        common = dict(profile=args.profile, only=args.only, overrides=overrides, force=args.force,
                      book=not args.no_book, progress=not args.no_progress, timeout_s=args.timeout,
                      jobs=args.jobs)
        if args.sweep:
            grid = parse_sweep(args.sweep)
            clash = set(grid) & set(overrides.get(None, {}))
            if clash:
                raise ValueError(f"parameter(s) {sorted(clash)} both swept and set with -p")
            results = sweep(args.root, sweep=grid, out=args.out, **common)
        else:
            results = [({}, report(args.root, out=args.out, **common))]
    except (ValueError, FileNotFoundError) as exc:
        print(f"xctkit report: error: {exc}", file=sys.stderr)
        return 2
    for combo, result in results:
        if combo:
            print("== " + ", ".join(f"{k}={v!r}" for k, v in combo.items()))
        print(result.summary())
    return 0 if all(r.ok for _, r in results) else 1


def _cmd_profiles(args) -> int:
    from xctkit.report import PROFILES

    for name, params in PROFILES.items():
        print(f"{name}:")
        for k, v in params.items():
            print(f"  {k} = {v!r}")
    return 0


def _cmd_calibrate(args) -> int:
    from xctkit.report import profile_parameters
    from xctkit.workflows import calibrate_presets

    params = profile_parameters(args.profile)
    try:
        presets = calibrate_presets(shapes={"dry": tuple(params["lab_dry_shape"]),
                                            "dit": tuple(params["lab_dit_shape"])},
                                    seed=args.seed, out=args.out, samples=args.samples, rtol=args.rtol,
                                    overwrite=args.overwrite, progress=True)
    except (ValueError, FileExistsError, PermissionError, MemoryError) as exc:
        print(f"xctkit calibrate: error: {exc}", file=sys.stderr)
        return 2
    for sid, p in presets["samples"].items():
        for state, c in p["calibration"].items():
            print(f"{sid:5s} {state:8s} {c['parameter']}={c['value']:.4g}  porosity {c['measured_porosity']:.3f} "
                  f"(target {c['target_porosity']})  tau {c['measured_tortuosity']:.3f} "
                  f"(target {c['target_tortuosity']})  {'ok' if c['converged'] else 'NOT CONVERGED'}")
    print(f"wrote {args.out}")
    return 0


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.command == "report":
        return _cmd_report(args)
    if args.command == "profiles":
        return _cmd_profiles(args)
    if args.command == "calibrate":
        return _cmd_calibrate(args)
    parser.print_help()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
