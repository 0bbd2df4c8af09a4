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
            "jupyter-book without re-executing. A failing notebook is reported by name and cell; "
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
    return parser


def _cmd_report(args) -> int:
    from xctkit.report import parse_overrides, report

    try:
        overrides = parse_overrides(args.param)
        result = report(
            args.root, profile=args.profile, only=args.only, overrides=overrides,
            force=args.force, book=not args.no_book, progress=not args.no_progress,
            timeout_s=args.timeout,
        )
    except (ValueError, FileNotFoundError) as exc:
        print(f"xctkit report: error: {exc}", file=sys.stderr)
        return 2
    print(result.summary())
    return 0 if result.ok else 1


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
    presets = calibrate_presets(shapes={"dry": tuple(params["lab_dry_shape"]),
                                        "dit": tuple(params["lab_dit_shape"])},
                                seed=args.seed, out=args.out, samples=args.samples, rtol=args.rtol,
                                progress=True)
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
