"""Statistics: regression with diagnostics, bootstrap confidence intervals, tidy result tables.

Least squares goes through statsmodels; each result is a frozen dataclass with ``to_frame()``.
Warnings (:class:`RegressionWarning`, :class:`BootstrapWarning`) are issued *and* recorded as
``flags`` on the result, so a rendered table shows them too.

.. autosummary::

   fit_ols
   fit_by_group
   OLSFit
   compare_fits
   compare_published
   PublishedComparison
   bootstrap_ci
   bootstrap_table
   BootstrapCI
   table2_frame
   expansion_consistency
   reported_electrochemistry
   effect_directions
   check_claims
   plane_figure
   partial_regression_figure
   pair_figure
   published_vs_refit_figure
   coefficient_figure
   scatter_grid_figure
"""

from ._bootstrap import BootstrapCI, BootstrapWarning, bootstrap_ci, bootstrap_table
from ._ols import INTERCEPT, OLSFit, RegressionWarning, compare_fits, fit_by_group, fit_ols
from ._plots import (
    coefficient_figure,
    pair_figure,
    partial_regression_figure,
    plane_figure,
    published_vs_refit_figure,
    scatter_grid_figure,
)
from ._published import PublishedComparison, compare_published, predict_published
from ._tables import (
    REPORTED_LABEL,
    check_claims,
    effect_directions,
    expansion_consistency,
    reported_electrochemistry,
    table2_frame,
)

__all__ = [
    "INTERCEPT",
    "OLSFit",
    "RegressionWarning",
    "fit_ols",
    "fit_by_group",
    "compare_fits",
    "PublishedComparison",
    "compare_published",
    "predict_published",
    "BootstrapCI",
    "BootstrapWarning",
    "bootstrap_ci",
    "bootstrap_table",
    "REPORTED_LABEL",
    "table2_frame",
    "expansion_consistency",
    "reported_electrochemistry",
    "effect_directions",
    "check_claims",
    "plane_figure",
    "partial_regression_figure",
    "pair_figure",
    "published_vs_refit_figure",
    "coefficient_figure",
    "scatter_grid_figure",
]
