"""Ordinary least squares with the diagnostics a small structure-property table needs.

statsmodels does the fit; this module adds what a reader of a four-row table must see next to the
coefficients: variance inflation factors, condition numbers, leave-one-out prediction error and
explicit warnings when the residual degrees of freedom or the design cannot support inference.
"""

from __future__ import annotations

import logging
import numbers
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._validate import check_fraction, check_positive

__all__ = ["OLSFit", "RegressionWarning", "fit_ols", "fit_by_group", "compare_fits", "INTERCEPT"]

log = logging.getLogger(__name__)

INTERCEPT = "intercept"
"""Name of the intercept term in every coefficient table."""


class RegressionWarning(UserWarning):
    """A regression result that cannot carry the inference its table suggests."""


@dataclass(frozen=True)
class OLSFit:
    """Result of :func:`fit_ols`.

    Units: coefficients are in units of the response per unit of each predictor; ``mse`` and
    ``residual_variance`` in squared response units; ``loo_rmse`` and ``loo_mae`` in response units.

    Attributes
    ----------
    response : str
        Name of the response column.
    predictors : tuple of str
        Predictor columns, in model order (after the intercept).
    labels : tuple of str
        One label per observation (the ``label`` column, or the row index).
    n : int
        Number of observations.
    df_resid : int
        Residual degrees of freedom, ``n - (len(predictors) + 1)``.
    params, std_errors, t_values, p_values, ci_low, ci_high : dict of str -> float
        Per term (``'intercept'`` and each predictor): estimate, standard error, t statistic,
        two-sided p-value and the ``1 - alpha`` confidence interval (NaN when ``df_resid == 0``).
    alpha : float
        Significance level of the intervals.
    r2, r2_adj : float
        Coefficient of determination and its adjusted version (NaN when ``df_resid == 0``).
    mse : float
        Mean squared residual, ``SS_res / n`` (the "MSE" of paper 000 and of scikit-learn).
    residual_variance : float
        ``SS_res / df_resid``, the unbiased error variance (statsmodels' ``mse_resid``).
    f_pvalue : float
        p-value of the overall F test (all slopes zero).
    vif : dict of str -> float
        Variance inflation factor of each predictor (1 for a single predictor).
    condition_number : float
        Condition number of the design matrix as statsmodels reports it (raw columns, with the
        intercept column); depends on the units of the predictors.
    condition_number_scaled : float
        Belsley's condition number of the design with every column (intercept included) scaled
        to unit length; > 30 signals strong collinearity.
    fitted, residuals : (n,) ndarray of float64
        In-sample fitted values and residuals, response units.
    leverage : (n,) ndarray of float64
        Diagonal of the hat matrix.
    loo_predicted, loo_residuals : (n,) ndarray of float64
        Leave-one-out predictions and prediction errors ``y_i - ŷ_(-i)`` (PRESS residuals
        ``e_i / (1 - h_ii)``); NaN where an observation has leverage 1 and its prediction without
        it is undefined.
    loo_rmse, loo_mae : float
        Root mean square and mean absolute leave-one-out error over the defined values.
    press : float
        Sum of squared leave-one-out errors.
    q2 : float
        Predictive R², ``1 - PRESS / SS_tot``.
    flags : tuple of str
        ``'few_residual_df'`` (``df_resid <= 1``), ``'saturated'`` (``df_resid == 0``),
        ``'collinear'`` (some VIF above the threshold); empty when none applies.
    notes : tuple of str
        The warning messages issued for ``flags``.
    results : statsmodels RegressionResults
        The underlying statsmodels result (for plots and further tests).
    """

    response: str
    predictors: tuple[str, ...]
    labels: tuple[str, ...]
    n: int
    df_resid: int
    params: dict
    std_errors: dict
    t_values: dict
    p_values: dict
    ci_low: dict
    ci_high: dict
    alpha: float
    r2: float
    r2_adj: float
    mse: float
    residual_variance: float
    f_pvalue: float
    vif: dict
    condition_number: float
    condition_number_scaled: float
    fitted: np.ndarray = field(repr=False)
    residuals: np.ndarray = field(repr=False)
    leverage: np.ndarray = field(repr=False)
    loo_predicted: np.ndarray = field(repr=False)
    loo_residuals: np.ndarray = field(repr=False)
    loo_rmse: float
    loo_mae: float
    press: float
    q2: float
    flags: tuple[str, ...]
    notes: tuple[str, ...]
    results: object = field(repr=False, compare=False)

    @property
    def terms(self) -> tuple[str, ...]:
        """``('intercept', *predictors)``."""
        return (INTERCEPT, *self.predictors)

    @property
    def formula(self) -> str:
        """The model as text, e.g. ``'expansion ~ porosity + tortuosity'``."""
        return f"{self.response} ~ {' + '.join(self.predictors)}"

    @property
    def equation(self) -> str:
        """The fitted equation with 4 decimals, e.g. ``'expansion = -0.3643 + 0.6802·porosity'``."""
        parts = [f"{self.params[INTERCEPT]:.4f}"]
        for p in self.predictors:
            c = self.params[p]
            parts.append(f"{'+' if c >= 0 else '−'} {abs(c):.4f}·{p}")
        return f"{self.response} = " + " ".join(parts)

    def predict(self, data) -> np.ndarray:
        """Predictions of the fitted equation for the predictor columns of ``data``.

        Parameters
        ----------
        data : pandas.DataFrame
            Must hold every predictor column (finite numbers).

        Returns
        -------
        (M,) ndarray of float64
            Response units.
        """
        X = _design(data, self.predictors, "data")
        beta = np.array([self.params[t] for t in self.terms])
        return X @ beta

    def to_frame(self) -> pd.DataFrame:
        """Coefficient table: one row per term.

        Columns ``model``, ``term``, ``estimate``, ``std_error``, ``t``, ``p_value``, ``ci_low``,
        ``ci_high`` (at ``1 - alpha``) and ``vif`` (NaN for the intercept).
        """
        return pd.DataFrame({
            "model": self.formula,
            "term": list(self.terms),
            "estimate": [self.params[t] for t in self.terms],
            "std_error": [self.std_errors[t] for t in self.terms],
            "t": [self.t_values[t] for t in self.terms],
            "p_value": [self.p_values[t] for t in self.terms],
            "ci_low": [self.ci_low[t] for t in self.terms],
            "ci_high": [self.ci_high[t] for t in self.terms],
            "vif": [np.nan] + [self.vif[p] for p in self.predictors],
        })

    def metrics_frame(self) -> pd.DataFrame:
        """One-row table of fit statistics (``model``, ``n``, ``df_resid``, ``r2``, ``r2_adj``,
        ``mse``, ``loo_rmse``, ``loo_mae``, ``q2``, ``max_vif``, ``condition_number``,
        ``condition_number_scaled``, ``flags``)."""
        return pd.DataFrame([{
            "model": self.formula, "n": self.n, "df_resid": self.df_resid, "r2": self.r2,
            "r2_adj": self.r2_adj, "mse": self.mse, "residual_variance": self.residual_variance,
            "f_pvalue": self.f_pvalue, "loo_rmse": self.loo_rmse, "loo_mae": self.loo_mae,
            "q2": self.q2, "max_vif": max(self.vif.values()),
            "condition_number": self.condition_number,
            "condition_number_scaled": self.condition_number_scaled,
            "flags": ", ".join(self.flags),
        }])

    def observations_frame(self) -> pd.DataFrame:
        """Per-observation table: ``label``, the response and predictors, ``fitted``,
        ``residual``, ``leverage``, ``loo_predicted`` and ``loo_residual``."""
        X = np.asarray(self.results.model.exog)[:, 1:]
        frame = pd.DataFrame({"label": list(self.labels),
                              self.response: np.asarray(self.results.model.endog)})
        for j, p in enumerate(self.predictors):
            frame[p] = X[:, j]
        frame["fitted"] = self.fitted
        frame["residual"] = self.residuals
        frame["leverage"] = self.leverage
        frame["loo_predicted"] = self.loo_predicted
        frame["loo_residual"] = self.loo_residuals
        return frame


def _column_names(names, arg: str) -> tuple[str, ...]:
    if isinstance(names, str):
        names = (names,)
    if not isinstance(names, Sequence) or len(names) == 0:
        raise TypeError(f"`{arg}` must be a non-empty sequence of column names, got {names!r}")
    names = tuple(names)
    if not all(isinstance(n, str) for n in names):
        raise TypeError(f"`{arg}` must hold column names (str), got {names!r}")
    if len(set(names)) != len(names):
        raise ValueError(f"`{arg}` must not repeat a column, got {names!r}")
    return names


def _numeric_column(data: pd.DataFrame, col: str, arg: str) -> np.ndarray:
    if col not in data.columns:
        raise ValueError(f"`{arg}`: column {col!r} is not in `data` (columns: {list(data.columns)})")
    values = data[col]
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        raise TypeError(f"`{arg}`: column {col!r} must be numeric, got dtype {values.dtype}")
    arr = values.to_numpy(dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"`{arg}`: column {col!r} must be finite, found NaN or inf")
    return arr


def _design(data, predictors, arg: str) -> np.ndarray:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"`{arg}` must be a pandas DataFrame, got {type(data).__name__}")
    cols = [_numeric_column(data, p, "predictors") for p in predictors]
    return np.column_stack([np.ones(len(data)), *cols])


def _vif(X: np.ndarray) -> np.ndarray:
    """VIF of each non-intercept column: 1 / (1 - R²_j) from regressing it on the others."""
    from statsmodels.stats.outliers_influence import variance_inflation_factor

    if X.shape[1] == 2:
        return np.array([1.0])
    with np.errstate(divide="ignore"):
        return np.array([variance_inflation_factor(X, j) for j in range(1, X.shape[1])])


def fit_ols(data, *, response: str, predictors, label: str | None = None, alpha: float = 0.05,
            vif_threshold: float = 10.0, warn: bool = True) -> OLSFit:
    """Fit ``response ~ predictors`` (with an intercept) by ordinary least squares.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per observation.
    response : str
        Response column (finite numbers).
    predictors : str or sequence of str
        Predictor columns (finite numbers), distinct from ``response``.
    label : str, optional
        Column naming each observation (e.g. ``'sample'``); default the row index.
    alpha : float
        Significance level of the confidence intervals, in (0, 1).
    vif_threshold : float
        A predictor with VIF above this is flagged ``'collinear'`` (10 is the textbook rule).
    warn : bool
        Emit a :class:`RegressionWarning` for each flag (the flags are set either way).

    Returns
    -------
    OLSFit

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame or a column is not numeric.
    ValueError
        If a column is missing or not finite, there are fewer observations than coefficients, or
        the predictors are exactly collinear (rank-deficient design).

    Warns
    -----
    RegressionWarning
        When ``df_resid <= 1`` (inference rests on one residual or none) or a VIF exceeds
        ``vif_threshold`` (the separate coefficients are not identifiable in practice).

    Notes
    -----
    Leave-one-out errors use the exact identity ``y_i - ŷ_(-i) = e_i / (1 - h_ii)`` for OLS.
    Belsley's scaled condition number follows Belsley, Kuh & Welsch (1980), ch. 3.

    References
    ----------
    .. [1] Shojaei et al., J. Mater. Chem. A 14 (2026) 1063, Eq. (1) (the model refitted here).
    """
    import statsmodels.api as sm

    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"`data` must be a pandas DataFrame, got {type(data).__name__}")
    if not isinstance(response, str):
        raise TypeError(f"`response` must be a column name (str), got {type(response).__name__}")
    predictors = _column_names(predictors, "predictors")
    if response in predictors:
        raise ValueError(f"`predictors` must not contain the response {response!r}")
    alpha = check_fraction(alpha, "alpha", inclusive=False)
    vif_threshold = check_positive(vif_threshold, "vif_threshold")
    y = _numeric_column(data, response, "response")
    X = _design(data, predictors, "data")
    n, k = X.shape
    if n < k:
        raise ValueError(f"`data` has {n} rows but the model has {k} coefficients; need n >= {k}")
    rank = np.linalg.matrix_rank(X)
    if rank < k:
        raise ValueError(f"`predictors` {list(predictors)} are exactly collinear (design rank {rank} < {k}); "
                         "drop one")
    if label is None:
        labels = tuple(str(i) for i in data.index)
    else:
        if label not in data.columns:
            raise ValueError(f"`label`: column {label!r} is not in `data`")
        labels = tuple(str(v) for v in data[label])

    names = [INTERCEPT, *predictors]
    # named columns: statsmodels' summaries and partial-regression plots read them
    model = sm.OLS(pd.Series(y, name=response), pd.DataFrame(X, columns=names))
    res = model.fit()
    df_resid = int(n - k)
    terms = tuple(names)
    params = dict(zip(terms, map(float, res.params), strict=True))
    fitted = np.asarray(res.fittedvalues, dtype=float)
    resid = y - fitted
    ss_res = float(resid @ resid)
    ss_tot = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan")

    if df_resid > 0:
        bse = np.asarray(res.bse, dtype=float)
        tvals = np.asarray(res.tvalues, dtype=float)
        pvals = np.asarray(res.pvalues, dtype=float)
        ci = np.asarray(res.conf_int(alpha=alpha), dtype=float)
        r2_adj = 1.0 - (1.0 - r2) * (n - 1) / df_resid
        resid_var = ss_res / df_resid
        f_p = float(res.f_pvalue)
    else:  # saturated: an exact fit, nothing left to estimate the error from
        bse = tvals = pvals = np.full(k, np.nan)
        ci = np.full((k, 2), np.nan)
        r2_adj = resid_var = f_p = float("nan")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        vif = dict(zip(predictors, map(float, _vif(X)), strict=True))
    scaled = X / np.linalg.norm(X, axis=0)
    sv = np.linalg.svd(scaled, compute_uv=False)
    cond_scaled = float(sv[0] / sv[-1])

    # leverage and exact leave-one-out errors from the hat matrix
    q, _ = np.linalg.qr(X)
    lev = np.einsum("ij,ij->i", q, q)
    defined = (1.0 - lev) > 1e-10
    loo_res = np.full(n, np.nan)
    loo_res[defined] = resid[defined] / (1.0 - lev[defined])
    loo_pred = y - loo_res
    if defined.any():
        press = float(np.sum(loo_res[defined] ** 2))
        loo_rmse = float(np.sqrt(np.mean(loo_res[defined] ** 2)))
        loo_mae = float(np.mean(np.abs(loo_res[defined])))
        q2 = 1.0 - press / ss_tot if ss_tot > 0 and defined.all() else float("nan")
    else:
        press = loo_rmse = loo_mae = q2 = float("nan")

    flags, notes = [], []
    formula = f"{response} ~ {' + '.join(predictors)}"
    if df_resid <= 1:
        flags.append("few_residual_df")
        notes.append(f"{formula}: {n} observations for {k} coefficients leave {df_resid} residual "
                     "degree(s) of freedom; standard errors, p-values and intervals are not reliable")
    if df_resid == 0:
        flags.append("saturated")
    worst = max(vif.values())
    if worst > vif_threshold:
        flags.append("collinear")
        r = np.corrcoef(X[:, 1:].T)[0, 1] if k == 3 else float("nan")
        extra = f" (Pearson r = {r:.4f})" if np.isfinite(r) else ""
        notes.append(f"{formula}: predictors are collinear{extra}: max VIF {worst:.1f} > "
                     f"{vif_threshold:g}; their separate coefficients are not identifiable")
    if warn:
        for note in notes:
            warnings.warn(note, RegressionWarning, stacklevel=2)
    log.info("%s: R² %.5f, n %d, flags %s", formula, r2, n, flags)

    return OLSFit(
        response=response, predictors=predictors, labels=labels, n=n, df_resid=df_resid,
        params=params,
        std_errors=dict(zip(terms, map(float, bse), strict=True)),
        t_values=dict(zip(terms, map(float, tvals), strict=True)),
        p_values=dict(zip(terms, map(float, pvals), strict=True)),
        ci_low=dict(zip(terms, map(float, ci[:, 0]), strict=True)),
        ci_high=dict(zip(terms, map(float, ci[:, 1]), strict=True)),
        alpha=alpha, r2=float(r2), r2_adj=float(r2_adj), mse=ss_res / n,
        residual_variance=float(resid_var), f_pvalue=f_p, vif=vif,
        condition_number=float(res.condition_number), condition_number_scaled=cond_scaled,
        fitted=fitted, residuals=resid, leverage=lev, loo_predicted=loo_pred,
        loo_residuals=loo_res, loo_rmse=loo_rmse, loo_mae=loo_mae, press=press, q2=float(q2),
        flags=tuple(flags), notes=tuple(notes), results=res,
    )


def compare_fits(fits) -> pd.DataFrame:
    """Stack the :meth:`OLSFit.metrics_frame` of several fits into one table.

    Parameters
    ----------
    fits : sequence of OLSFit, or mapping of name -> OLSFit
        With a mapping, the names go into a leading ``name`` column.

    Returns
    -------
    pandas.DataFrame
        One row per fit.

    Raises
    ------
    TypeError
        If an element is not an :class:`OLSFit`.
    """
    items = list(fits.items()) if isinstance(fits, Mapping) else [(None, f) for f in fits]
    if not items:
        raise ValueError("`fits` must hold at least one OLSFit")
    rows = []
    for name, f in items:
        if not isinstance(f, OLSFit):
            raise TypeError(f"`fits` must hold OLSFit results, got {type(f).__name__}")
        row = f.metrics_frame()
        if name is not None:
            if not isinstance(name, (str, numbers.Number, tuple)):
                raise TypeError(f"`fits` keys must be names, got {type(name).__name__}")
            row.insert(0, "name", [name])
        rows.append(row)
    return pd.concat(rows, ignore_index=True)


def fit_by_group(data, *, by, response: str, predictors, alpha: float = 0.05, warn: bool = False) -> pd.DataFrame:
    """:func:`fit_ols` on every group of ``data``; the coefficient tables stacked.

    Parameters
    ----------
    data : pandas.DataFrame
    by : str or list of str
        Grouping columns; each group is fitted separately.
    response, predictors, alpha, warn
        As :func:`fit_ols` (warnings off by default: the flags are columns of the table).

    Returns
    -------
    pandas.DataFrame
        ``OLSFit.to_frame()`` of every group with the grouping columns added, in group order.

    Examples
    --------
    >>> import pandas as pd
    >>> from xctkit import stats
    >>> df = pd.DataFrame({"g": ["a"] * 4 + ["b"] * 4, "x": [0, 1, 2, 3] * 2,
    ...                    "y": [1, 3, 5, 7, 0, -1, -2, -3]})
    >>> t = stats.fit_by_group(df, by="g", response="y", predictors=["x"])
    >>> t[t.term == "x"].estimate.round(6).tolist()
    [2.0, -1.0]
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"`data` must be a pandas DataFrame, got {type(data).__name__}")
    keys = [by] if isinstance(by, str) else list(by)
    missing = [k for k in keys if k not in data.columns]
    if missing:
        raise ValueError(f"`by` names columns not in `data`: {missing}")
    frames = []
    for values, sub in data.groupby(keys, sort=False):
        values = values if isinstance(values, tuple) else (values,)
        fit = fit_ols(sub, response=response, predictors=predictors, alpha=alpha, warn=warn)
        frames.append(fit.to_frame().assign(**dict(zip(keys, values, strict=True))))
    return pd.concat(frames, ignore_index=True)

