"""Regression figures: fitted plane (paper 000 Fig. S5 analogue), partial regressions, pair plots,
published vs refit, coefficient intervals. Every function returns a matplotlib Figure."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..plots import styled
from ._ols import INTERCEPT, OLSFit
from ._published import PublishedComparison

__all__ = [
    "plane_figure",
    "partial_regression_figure",
    "pair_figure",
    "published_vs_refit_figure",
    "coefficient_figure",
    "scatter_grid_figure",
]


def _check_fit(fit, name: str = "fit", n_predictors: int | None = None) -> OLSFit:
    if not isinstance(fit, OLSFit):
        raise TypeError(f"`{name}` must be an OLSFit (from fit_ols), got {type(fit).__name__}")
    if n_predictors is not None and len(fit.predictors) != n_predictors:
        raise ValueError(f"`{name}` must have {n_predictors} predictors, got {fit.predictors}")
    return fit


@styled
def plane_figure(fit, *, published: Mapping | None = None, annotate: bool = True,
                 title: str | None = None, grid: int = 12):
    """3-D scatter of the observations with the fitted plane (paper 000 Fig. S5 analogue).

    Parameters
    ----------
    fit : OLSFit
        A model with exactly two predictors.
    published : mapping of str -> float, optional
        A second (e.g. published) equation with the same terms, drawn as a wireframe.
    annotate : bool
        Write each observation's label next to it.
    title : str, optional
    grid : int
        Plane resolution (points per axis), >= 2.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError, ValueError
        If ``fit`` is not a two-predictor :class:`OLSFit` or ``published`` lacks a term.
    """
    import matplotlib.pyplot as plt


    _check_fit(fit, n_predictors=2)
    if published is not None:
        missing = [t for t in fit.terms if t not in published]
        if missing:
            raise ValueError(f"`published` lacks {missing}")
    if not isinstance(grid, int) or grid < 2:
        raise ValueError(f"`grid` must be an int >= 2, got {grid!r}")
    X = np.asarray(fit.results.model.exog, dtype=float)
    y = np.asarray(fit.results.model.endog, dtype=float)
    a, b = fit.predictors
    pad = lambda v: (v.min() - 0.05 * np.ptp(v), v.max() + 0.05 * np.ptp(v))  # noqa: E731
    ga, gb = np.meshgrid(np.linspace(*pad(X[:, 1]), grid), np.linspace(*pad(X[:, 2]), grid))

    def plane(coef):
        return coef[INTERCEPT] + coef[a] * ga + coef[b] * gb

    fig = plt.figure(figsize=(6.4, 5.2), constrained_layout=False)
    ax = fig.add_subplot(projection="3d")
    ax.plot_surface(ga, gb, plane(fit.params), alpha=0.35, color="C0", linewidth=0)
    ax.plot([], [], color="C0", lw=6, alpha=0.5, label=f"refit: {fit.equation}")
    if published is not None:
        ax.plot_wireframe(ga, gb, plane(published), color="tab:red", linewidth=0.7, alpha=0.8,
                          rstride=max(1, grid // 6), cstride=max(1, grid // 6),
                          label="published equation")
    ax.scatter(X[:, 1], X[:, 2], y, color="k", s=30, depthshade=False, label="observations")
    for xi, zi, yi, fi in zip(X[:, 1], X[:, 2], y, fit.fitted, strict=True):
        ax.plot([xi, xi], [zi, zi], [yi, fi], color="k", lw=0.8)
    if annotate and len(y) <= 12:
        for xi, zi, yi, lab in zip(X[:, 1], X[:, 2], y, fit.labels, strict=True):
            ax.text(xi, zi, yi, f" {lab}", fontsize="small")
    ax.set_xlabel(a)
    ax.set_ylabel(b)
    ax.set_zlabel(fit.response)
    ax.view_init(elev=22, azim=-128)
    ax.legend(loc="upper left", fontsize="x-small", framealpha=0.8)
    ax.set_title(title or f"{fit.formula} (n = {fit.n}, R² = {fit.r2:.4f})", fontsize="small")
    return fig


@styled
def partial_regression_figure(fit, *, title: str | None = None):
    """Partial-regression (added-variable) plots of every predictor (statsmodels).

    Each panel plots the residuals of the response on the other predictors against the residuals
    of that predictor on the others; its slope is the predictor's coefficient in the joint model.

    Parameters
    ----------
    fit : OLSFit
        A model with at least two predictors.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError, ValueError
        If ``fit`` is not an :class:`OLSFit` with >= 2 predictors.
    """
    import matplotlib.pyplot as plt
    import statsmodels.api as sm


    _check_fit(fit)
    if len(fit.predictors) < 2:
        raise ValueError(f"`fit` needs at least two predictors for partial regression, got {fit.predictors}")
    k = len(fit.predictors)
    fig = plt.figure(figsize=(3.6 * k, 3.4), layout="none")  # statsmodels applies tight_layout
    sm.graphics.plot_partregress_grid(fit.results, exog_idx=list(fit.predictors), grid=(1, k), fig=fig)
    for ax, p in zip(fig.axes, fit.predictors, strict=False):
        ax.set_title(f"{p}: partial slope {fit.params[p]:+.4f}", fontsize="small")
    fig.suptitle(title or f"Partial regression: {fit.formula} (n = {fit.n})", fontsize="medium")
    fig.tight_layout(rect=(0, 0, 1, 0.9))
    return fig


@styled
def pair_figure(frame, *, columns, hue: str | None = None, title: str | None = None):
    """Seaborn pair plot of the chosen columns (scatter below, histograms on the diagonal).

    Parameters
    ----------
    frame : pandas.DataFrame
    columns : sequence of str
        Numeric columns to plot (at least two).
    hue : str, optional
        Column colouring the points (e.g. ``'kind'``).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError, ValueError
        If ``frame`` is not a DataFrame or a column is missing.
    """
    import matplotlib as mpl
    import seaborn as sns


    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"`frame` must be a pandas DataFrame, got {type(frame).__name__}")
    columns = list(columns)
    if len(columns) < 2:
        raise ValueError(f"`columns` must name at least two columns, got {columns}")
    for c in columns + ([hue] if hue else []):
        if c not in frame.columns:
            raise ValueError(f"column {c!r} is not in `frame`")
    with mpl.rc_context({"figure.constrained_layout.use": False}):  # seaborn applies tight_layout
        g = sns.pairplot(frame[columns + ([hue] if hue and hue not in columns else [])], vars=columns,
                         hue=hue, corner=True, diag_kind="hist", height=1.9,
                         plot_kws={"s": 30, "edgecolor": "k", "linewidth": 0.4})
    if title:
        g.figure.suptitle(title, fontsize="medium")
    return g.figure


@styled
def published_vs_refit_figure(comparison, *, title: str | None = None):
    """Predicted vs observed response per observation, published equation and refit.

    Parameters
    ----------
    comparison : PublishedComparison
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError
        If ``comparison`` is not a :class:`PublishedComparison`.
    """
    import matplotlib.pyplot as plt


    if not isinstance(comparison, PublishedComparison):
        raise TypeError(f"`comparison` must be a PublishedComparison, got {type(comparison).__name__}")
    per = comparison.per_sample
    fig, ax = plt.subplots(figsize=(4.8, 4.4))
    lo = min(per.observed.min(), per.predicted_published.min(), per.predicted_refit.min())
    hi = max(per.observed.max(), per.predicted_published.max(), per.predicted_refit.max())
    span = hi - lo
    lim = (lo - 0.08 * span, hi + 0.08 * span)
    ax.plot(lim, lim, color="0.5", lw=1, ls="--", label="predicted = observed")
    ax.scatter(per.observed, per.predicted_refit, marker="o", s=45, color="C0", label="refit (OLS)")
    ax.scatter(per.observed, per.predicted_published, marker="s", s=45, color="C3",
               label="published equation")
    for _, r in per.iterrows():
        ax.annotate(r.label, (r.observed, r.predicted_published), textcoords="offset points",
                    xytext=(5, 3), fontsize="small")
    ax.set_xlim(lim)
    ax.set_ylim(lim)
    ax.set_xlabel("observed (reported)")
    ax.set_ylabel("predicted")
    ax.legend(fontsize="small")
    ax.set_title(title or comparison.formula, fontsize="small")
    return fig


@styled
def coefficient_figure(frame, *, term: str, by: str, hue: str | None = None, title: str | None = None):
    """Forest plot of one coefficient with its confidence interval across models.

    Parameters
    ----------
    frame : pandas.DataFrame
        Stacked :meth:`OLSFit.to_frame` tables with extra columns naming each model (``by`` and
        optionally ``hue``).
    term : str
        The coefficient to show (e.g. ``'tortuosity'``).
    by : str
        Column giving one row of the plot per value.
    hue : str, optional
        Column separating series within a row (offset vertically, coloured).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError, ValueError
        If ``frame`` is not a DataFrame, lacks a column or has no row for ``term``.
    """
    import matplotlib.pyplot as plt


    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"`frame` must be a pandas DataFrame, got {type(frame).__name__}")
    for c in ["term", "estimate", "ci_low", "ci_high", by] + ([hue] if hue else []):
        if c not in frame.columns:
            raise ValueError(f"column {c!r} is not in `frame`")
    sub = frame[frame.term == term]
    if sub.empty:
        raise ValueError(f"`term` {term!r} has no rows in `frame`")
    rows = list(dict.fromkeys(sub[by]))
    series = list(dict.fromkeys(sub[hue])) if hue else [None]
    fig, ax = plt.subplots(figsize=(6.0, 0.6 * len(rows) * max(1, len(series)) + 1.2))
    for j, s in enumerate(series):
        part = sub if s is None else sub[sub[hue] == s]
        off = (j - (len(series) - 1) / 2) * 0.22
        pos = np.array([rows.index(v) for v in part[by]]) + off
        ax.errorbar(part.estimate, pos, xerr=[part.estimate - part.ci_low, part.ci_high - part.estimate],
                    fmt="o", capsize=3, color=f"C{j}", label=None if s is None else str(s))
    ax.axvline(0, color="0.4", lw=1, ls="--")
    ax.set_yticks(range(len(rows)), [str(r) for r in rows])
    ax.invert_yaxis()
    ax.set_xlabel(f"coefficient of {term} (with confidence interval)")
    if hue:
        ax.legend(fontsize="small", title=hue)
    ax.set_title(title or f"{term}: estimates across models", fontsize="small")
    return fig


@styled
def scatter_grid_figure(frame, *, x: str, y: str, col: str, hue: str | None = None,
                        style: str | None = None, col_wrap: int | None = None, title: str | None = None):
    """Scatter panels of ``y`` against ``x``, one panel per value of ``col`` (seaborn ``relplot``).

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy data (e.g. :func:`xctkit.lab.electrode_series`).
    x, y : str
        Numeric columns on the axes.
    col : str
        Column splitting the panels (e.g. ``'scenario'``).
    hue, style : str, optional
        Columns for colour (numeric: a continuous palette) and marker.
    col_wrap : int, optional
        Panels per row.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError, ValueError
        If ``frame`` is not a DataFrame or a column is missing.
    """
    import matplotlib as mpl
    import seaborn as sns


    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"`frame` must be a pandas DataFrame, got {type(frame).__name__}")
    for c in [x, y, col] + [c for c in (hue, style) if c]:
        if c not in frame.columns:
            raise ValueError(f"column {c!r} is not in `frame`")
    with mpl.rc_context({"figure.constrained_layout.use": False}):  # seaborn applies tight_layout
        g = sns.relplot(frame, x=x, y=y, col=col, hue=hue, style=style, col_wrap=col_wrap,
                        height=2.8, aspect=1.0, s=45, edgecolor="k", linewidth=0.3,
                        palette="viridis" if hue and pd.api.types.is_numeric_dtype(frame[hue]) else None,
                        facet_kws={"sharey": False})
    g.set_titles("{col_name}")
    if title:
        g.figure.suptitle(title, fontsize="medium")
        g.figure.subplots_adjust(top=0.78)
    return g.figure
