"""Run the chapter notebooks with papermill and build the jupyter-book (``xctkit report``).

.. autosummary::

   report
   run_notebooks
   build_book
   ReportResult
   NotebookRun
   PROFILES
   profile_parameters
   save_table
"""

from ._profiles import PROFILES, profile_names, profile_parameters
from ._runner import (
    NotebookRun,
    ReportPaths,
    ReportResult,
    build_book,
    configure_environment,
    discover_notebooks,
    parse_overrides,
    report,
    run_notebooks,
)
from ._tables import save_table

__all__ = [
    "PROFILES",
    "profile_names",
    "profile_parameters",
    "NotebookRun",
    "ReportPaths",
    "ReportResult",
    "build_book",
    "configure_environment",
    "discover_notebooks",
    "parse_overrides",
    "report",
    "run_notebooks",
    "save_table",
]
