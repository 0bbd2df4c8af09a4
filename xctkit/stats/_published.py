"""A published regression equation next to the least-squares refit on the published table."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._validate import check_positive
from ._ols import OLSFit

__all__ = ["PublishedComparison", "compare_published", "predict_published"]


@dataclass(frozen=True)
class PublishedComparison:
    """Result of :func:`compare_published`; response units throughout (squared for MSE).

    Attributes
    ----------
    formula : str
        The refitted model, e.g. ``'expansion ~ porosity + tortuosity'``.
    per_sample : pandas.DataFrame
        ``label``, ``observed``, ``predicted_published``, ``error_published`` (predicted −
        observed), ``predicted_refit``, ``error_refit``.
    coefficients : pandas.DataFrame
        ``term``, ``published``, ``refit``, ``difference`` (published − refit), ``refit_ci_low``,
        ``refit_ci_high`` and ``published_in_ci``.
    metrics : pandas.DataFrame
        One row each for the published equation as reported, the published equation recomputed
        on the table, and the refit: ``mse``, ``r2``, ``max_abs_error``, ``sse``.
    sse_published, sse_refit : float
        Sums of squared errors on the table; ``sse_published / sse_refit`` says how far the
        published coefficients are from the least-squares optimum.
    f_statistic, f_pvalue : float
        Wald F test of H0 "the true coefficients equal the published ones" under the refit's
        error model (NaN when the refit has no residual degree of freedom).
    df_num, df_den : int
        Degrees of freedom of that test.
    reproduced : bool
        Whether every published coefficient equals the refit within ``rounding / 2``.
    rounding : float
        The last published decimal place (1e-4 for four decimals).
    worst_label : str
        The observation the published equation misses most.
    worst_error : float
        Its prediction error, published equation (predicted − observed).
    reported_mse, reported_r2 : float
        The fit statistics the publication states (NaN if not given).
    """

    formula: str
    per_sample: pd.DataFrame = field(repr=False)
    coefficients: pd.DataFrame = field(repr=False)
    metrics: pd.DataFrame = field(repr=False)
    sse_published: float
    sse_refit: float
    f_statistic: float
    f_pvalue: float
    df_num: int
    df_den: int
    reproduced: bool
    rounding: float
    worst_label: str
    worst_error: float
    reported_mse: float
    reported_r2: float

    def to_frame(self) -> pd.DataFrame:
        """The per-observation table (observed vs predicted under both equations)."""
        return self.per_sample.copy()

    def statement(self, *, name: str = "the published equation", decimals: int = 4) -> str:
        """A plain-language verdict with the computed numbers, as Markdown."""
        d = decimals
        row = self.per_sample.set_index("label").loc[self.worst_label]
        rec = self.metrics.set_index("equation")
        pub, ref = rec.loc["published, recomputed on this table"], rec.loc["refit (OLS)"]
        diffs = ", ".join(f"{t} {v:+.{d}f}" for t, v in zip(self.coefficients.term,
                                                            self.coefficients.difference, strict=True))
        if self.reproduced:
            head = (f"{name} is reproduced by the least-squares fit to this table (every coefficient "
                    f"within ±{self.rounding / 2:g}; differences published − refit: {diffs}).")
        else:
            head = (f"{name} **does not follow from this table**: its coefficients differ from the "
                    f"least-squares fit by (published − refit) {diffs}.")
        text = [
            head,
            f"On this table {name} leaves a sum of squared errors {self.sse_published:.3g}, "
            f"{self.sse_published / self.sse_refit:,.0f} times the least-squares minimum "
            f"{self.sse_refit:.3g}; its MSE is {pub.mse:.3g} (reported {self.reported_mse:.3g}) and "
            f"its R² {pub.r2:.4f} (reported {self.reported_r2:.4f}), against {ref.mse:.3g} and "
            f"{ref.r2:.5f} for the refit.",
            f"The largest miss is {self.worst_label}: predicted {row.predicted_published:.{d}f} vs "
            f"{row.observed:.{d}f} reported (error {self.worst_error:+.{d}f}, "
            f"{100 * self.worst_error / row.observed:+.0f} %).",
        ]
        if np.isfinite(self.f_pvalue):
            text.append(f"A Wald test of 'true coefficients = published' gives "
                        f"F({self.df_num}, {self.df_den}) = {self.f_statistic:,.0f}, "
                        f"p = {self.f_pvalue:.3g}.")
        return " ".join(text)


def _metrics(y: np.ndarray, pred: np.ndarray) -> dict:
    err = pred - y
    sse = float(err @ err)
    ss_tot = float(((y - y.mean()) ** 2).sum())
    return {"mse": sse / y.size, "r2": 1.0 - sse / ss_tot if ss_tot > 0 else float("nan"),
            "max_abs_error": float(np.max(np.abs(err))), "sse": sse}


def compare_published(fit: OLSFit, coefficients: Mapping, *, reported_mse: float | None = None,
                      reported_r2: float | None = None, rounding: float = 1e-4) -> PublishedComparison:
    """Put a published linear equation beside the least-squares refit on the same observations.

    Parameters
    ----------
    fit : OLSFit
        The refit (from :func:`fit_ols`) on the published table.
    coefficients : mapping of str -> float
        The published equation: ``'intercept'`` and one entry per predictor of ``fit`` (other
        keys, e.g. ``'mse'``, are ignored).
    reported_mse, reported_r2 : float, optional
        Fit statistics the publication reports for its equation.
    rounding : float
        Precision of the published coefficients (1e-4 for four decimals); a coefficient counts
        as reproduced when it is within ``rounding / 2`` of the refit.

    Returns
    -------
    PublishedComparison

    Raises
    ------
    TypeError
        If ``fit`` is not an :class:`OLSFit` or a coefficient is not a number.
    ValueError
        If ``coefficients`` lacks a term of ``fit``.

    Notes
    -----
    The Wald test uses the refit's covariance matrix: F = (b − β₀)ᵀ V⁻¹ (b − β₀) / k with
    k = number of coefficients, against F(k, n − k).

    References
    ----------
    .. [1] Shojaei et al., J. Mater. Chem. A 14 (2026) 1063, Eq. (1) and Table 2.
    """
    if not isinstance(fit, OLSFit):
        raise TypeError(f"`fit` must be an OLSFit (from fit_ols), got {type(fit).__name__}")
    if not isinstance(coefficients, Mapping):
        raise TypeError(f"`coefficients` must be a mapping term -> value, got {type(coefficients).__name__}")
    missing = [t for t in fit.terms if t not in coefficients]
    if missing:
        raise ValueError(f"`coefficients` lacks {missing}; needs {list(fit.terms)}")
    beta0 = []
    for t in fit.terms:
        v = coefficients[t]
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v):
            raise TypeError(f"`coefficients`[{t!r}] must be a finite number, got {v!r}")
        beta0.append(float(v))
    beta0 = np.array(beta0)
    rounding = check_positive(rounding, "rounding")
    for name, v in (("reported_mse", reported_mse), ("reported_r2", reported_r2)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, numbers.Real)):
            raise TypeError(f"`{name}` must be a number, got {type(v).__name__}")

    res = fit.results
    X = np.asarray(res.model.exog, dtype=float)
    y = np.asarray(res.model.endog, dtype=float)
    b = np.array([fit.params[t] for t in fit.terms])
    pred_pub = X @ beta0
    pred_ref = X @ b
    per = pd.DataFrame({"label": list(fit.labels), "observed": y,
                        "predicted_published": pred_pub, "error_published": pred_pub - y,
                        "predicted_refit": pred_ref, "error_refit": pred_ref - y})
    diff = beta0 - b
    coef = pd.DataFrame({"term": list(fit.terms), "published": beta0, "refit": b,
                         "difference": diff,
                         "refit_ci_low": [fit.ci_low[t] for t in fit.terms],
                         "refit_ci_high": [fit.ci_high[t] for t in fit.terms]})
    coef["published_in_ci"] = (coef.published >= coef.refit_ci_low) & (coef.published <= coef.refit_ci_high)
    m_pub, m_ref = _metrics(y, pred_pub), _metrics(y, pred_ref)
    rep = {"mse": float("nan") if reported_mse is None else float(reported_mse),
           "r2": float("nan") if reported_r2 is None else float(reported_r2),
           "max_abs_error": float("nan"), "sse": float("nan")}
    metrics = pd.DataFrame([{"equation": "published, as reported", **rep},
                            {"equation": "published, recomputed on this table", **m_pub},
                            {"equation": "refit (OLS)", **m_ref}])
    k = len(b)
    if fit.df_resid > 0:
        cov = np.asarray(res.cov_params(), dtype=float)
        f_stat = float(diff @ np.linalg.solve(cov, diff) / k)
        from scipy import stats

        f_p = float(stats.f.sf(f_stat, k, fit.df_resid))
    else:
        f_stat = f_p = float("nan")
    worst = int(np.argmax(np.abs(pred_pub - y)))
    return PublishedComparison(
        formula=fit.formula, per_sample=per, coefficients=coef, metrics=metrics,
        sse_published=m_pub["sse"], sse_refit=m_ref["sse"], f_statistic=f_stat, f_pvalue=f_p,
        df_num=k, df_den=fit.df_resid,
        reproduced=bool(np.all(np.abs(diff) <= rounding / 2 + 1e-12)), rounding=rounding,
        worst_label=fit.labels[worst], worst_error=float(pred_pub[worst] - y[worst]),
        reported_mse=rep["mse"], reported_r2=rep["r2"],
    )


def predict_published(data, coefficients: Mapping, *, response: str = "expansion",
                      label: str = "sample") -> pd.DataFrame:
    """Apply a published linear equation, unchanged, to new observations (e.g. Eq. (1) to your electrodes).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per observation with every predictor the equation names, ``response`` and ``label``.
    coefficients : mapping of str -> float
        ``'intercept'`` and one coefficient per predictor (other keys such as ``'mse'`` or ``'r2'``
        are ignored).
    response, label : str
        Observed-response and observation-name columns.

    Returns
    -------
    pandas.DataFrame
        ``label``, ``observed``, ``predicted`` and ``error`` (predicted − observed), in the response's units.

    Raises
    ------
    TypeError, ValueError
        If ``data`` is not a DataFrame, a column is missing or not finite, or there is no intercept.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"sample": ["a"], "porosity": [0.5], "expansion": [0.06]})
    >>> predict_published(d, {"intercept": 0.01, "porosity": 0.1}).predicted.round(3).tolist()
    [0.06]
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"`data` must be a pandas DataFrame, got {type(data).__name__}")
    if "intercept" not in coefficients:
        raise ValueError("`coefficients` must hold an 'intercept'")
    terms = {k: float(v) for k, v in coefficients.items() if k not in ("intercept", "mse", "r2")
             and isinstance(v, numbers.Real)}
    missing = [c for c in (*terms, response, label) if c not in data.columns]
    if missing:
        raise ValueError(f"`data` lacks the columns {missing} the equation needs")
    pred = np.full(len(data), float(coefficients["intercept"]))
    for name, beta in terms.items():
        x = pd.to_numeric(data[name], errors="coerce").to_numpy(float)
        if not np.isfinite(x).all():
            raise ValueError(f"`data[{name!r}]` must be finite numbers")
        pred = pred + beta * x
    obs = pd.to_numeric(data[response], errors="coerce").to_numpy(float)
    if not np.isfinite(obs).all():
        raise ValueError(f"`data[{response!r}]` must be finite numbers")
    return pd.DataFrame({label: data[label].astype(str).to_numpy(), "observed": obs, "predicted": pred,
                         "error": pred - obs})
