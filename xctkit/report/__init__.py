"""Run the chapter notebooks with papermill and build the jupyter-book (``xctkit report``).

.. autosummary::

   report
   sweep
   run_notebooks
   check_overrides
   publish_notebook
   compare_runs
   build_book
   ReportResult
   NotebookRun
   PROFILES
   profile_parameters
   save_table
   ChapterFigures
"""

from ._profiles import PROFILES, profile_names, profile_parameters
from ._runner import (
    NotebookRun,
    ReportPaths,
    ReportResult,
    build_book,
    chapter_source,
    check_overrides,
    compare_runs,
    configure_environment,
    discover_notebooks,
    git_commit,
    parse_overrides,
    parse_sweep,
    provenance,
    publish_notebook,
    report,
    run_notebooks,
    sweep,
    sweep_runs,
)
from ._figures import ChapterFigures
from ._tables import save_table

__all__ = [
    "ChapterFigures",
    "PROFILES",
    "profile_names",
    "profile_parameters",
    "NotebookRun",
    "ReportPaths",
    "ReportResult",
    "build_book",
    "configure_environment",
    "chapter_source",
    "discover_notebooks",
    "parse_overrides",
    "report",
    "run_notebooks",
    "check_overrides",
    "compare_runs",
    "git_commit",
    "parse_sweep",
    "provenance",
    "publish_notebook",
    "sweep",
    "sweep_runs",
    "save_table",
]
