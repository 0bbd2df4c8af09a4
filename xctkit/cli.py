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


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.command == "report":
        return _cmd_report(args)
    if args.command == "profiles":
        return _cmd_profiles(args)
    parser.print_help()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
