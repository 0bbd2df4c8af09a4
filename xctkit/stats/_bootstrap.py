"""Seeded bootstrap confidence intervals for a statistic of one sample, and tidy tables of them."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._validate import as_array, as_rng, check_choice, check_fraction, check_int

__all__ = ["BootstrapCI", "bootstrap_ci", "bootstrap_table", "BootstrapWarning"]

log = logging.getLogger(__name__)

_NAMED = {"mean": np.mean, "median": np.median, "std": lambda a, axis=-1: np.std(a, axis=axis, ddof=1)}
_METHODS = {"percentile": "percentile", "basic": "basic", "bca": "BCa"}
MIN_N_RELIABLE = 5
"""Below this sample size a bootstrap interval is flagged as unreliable (it undercovers)."""


class BootstrapWarning(UserWarning):
    """A bootstrap interval computed from too few values to be trusted."""


@dataclass(frozen=True)
class BootstrapCI:
    """Result of :func:`bootstrap_ci`; all values in the units of the data.

    Attributes
    ----------
    estimate : float
        The statistic on the original sample.
    ci_low, ci_high : float
        Bounds of the two-sided ``confidence`` interval.
    standard_error : float
        Standard deviation of the bootstrap distribution.
    confidence : float
        Confidence level, e.g. 0.95.
    method : {'percentile', 'basic', 'bca'}
    statistic : str
        Name of the statistic (``'mean'``, ``'median'``, ``'std'`` or the callable's name).
    n : int
        Sample size.
    n_resamples : int
    flags : tuple of str
        ``'small_sample'`` when ``n < 5``, ``'degenerate'`` when all values are equal.
    """

    estimate: float
    ci_low: float
    ci_high: float
    standard_error: float
    confidence: float
    method: str
    statistic: str
    n: int
    n_resamples: int
    flags: tuple[str, ...] = ()

    @property
    def half_width(self) -> float:
        """Half the interval length."""
        return 0.5 * (self.ci_high - self.ci_low)

    def to_frame(self) -> pd.DataFrame:
        """One-row table of every field (``flags`` joined by commas)."""
        row = {k: getattr(self, k) for k in ("statistic", "estimate", "ci_low", "ci_high",
                                             "standard_error", "confidence", "method", "n",
                                             "n_resamples")}
        row["flags"] = ", ".join(self.flags)
        return pd.DataFrame([row])


def _statistic(statistic) -> tuple[Callable, str]:
    if isinstance(statistic, str):
        check_choice(statistic, "statistic", tuple(_NAMED))
        return _NAMED[statistic], statistic
    if not callable(statistic):
        raise TypeError(f"`statistic` must be one of {set(_NAMED)} or a callable, got {type(statistic).__name__}")
    return statistic, getattr(statistic, "__name__", "statistic")


def bootstrap_ci(sample, statistic="mean", *, confidence: float = 0.95, n_resamples: int = 9999,
                 method: str = "bca", seed=None, warn: bool = True) -> BootstrapCI:
    """Bootstrap confidence interval of a statistic of one sample (e.g. a metric's mean over ROIs).

    A thin, seeded wrapper of :func:`scipy.stats.bootstrap` that returns a small result record,
    refuses bad input with a message naming the argument and flags samples too small to trust.

    Parameters
    ----------
    sample : (N,) array_like of float
        Finite values, N >= 2 (units are carried through to the result).
    statistic : {'mean', 'median', 'std'} or callable
        A callable must accept ``(values, axis=-1)`` and reduce along ``axis``.
    confidence : float
        Two-sided confidence level, in (0, 1).
    n_resamples : int
        Bootstrap resamples, >= 100.
    method : {'bca', 'percentile', 'basic'}
        Interval construction: bias-corrected and accelerated (default), percentile or basic
        (reverse percentile).
    seed : int, numpy Generator or None
        Randomness of the resampling; the same seed gives the same interval.
    warn : bool
        Emit a :class:`BootstrapWarning` for a small or degenerate sample.

    Returns
    -------
    BootstrapCI

    Raises
    ------
    TypeError
        If ``sample`` is not numeric or ``statistic`` is neither a name nor a callable.
    ValueError
        If ``sample`` is not 1-D, has fewer than 2 values or non-finite values, or an option is
        out of range.

    Notes
    -----
    For N < 5 every bootstrap interval undercovers badly (there are at most N^N distinct
    resamples); the result is flagged ``'small_sample'``. A constant sample gives a zero-width
    interval at the value, flagged ``'degenerate'``.

    References
    ----------
    .. [1] Efron & Tibshirani, An Introduction to the Bootstrap (1993), ch. 13-14.
    """
    from scipy import stats

    a = as_array(sample, "sample", ndim=1)
    if a.dtype.kind not in "uif":
        raise TypeError(f"`sample` must be numeric, got dtype {a.dtype}")
    a = a.astype(float)
    if not np.all(np.isfinite(a)):
        raise ValueError("`sample` must be finite, found NaN or inf")
    if a.size < 2:
        raise ValueError(f"`sample` must hold at least 2 values, got {a.size}")
    func, name = _statistic(statistic)
    confidence = check_fraction(confidence, "confidence", inclusive=False)
    n_resamples = check_int(n_resamples, "n_resamples", min_value=100)
    check_choice(method, "method", tuple(_METHODS))
    rng = as_rng(seed)

    flags = []
    if a.size < MIN_N_RELIABLE:
        flags.append("small_sample")
    estimate = float(func(a, axis=-1))
    if np.all(a == a[0]):
        flags.append("degenerate")
        out = BootstrapCI(estimate, estimate, estimate, 0.0, confidence, method, name, int(a.size),
                          n_resamples, tuple(flags))
    else:
        with warnings.catch_warnings():
            # scipy warns for BCa on near-degenerate samples; our flags cover the small-n case
            warnings.simplefilter("ignore", stats.DegenerateDataWarning)
            res = stats.bootstrap((a,), func, n_resamples=n_resamples, confidence_level=confidence,
                                  method=_METHODS[method], vectorized=True, rng=rng)
        lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
        out = BootstrapCI(estimate, lo, hi, float(res.standard_error), confidence, method, name,
                          int(a.size), n_resamples, tuple(flags))
    if warn and flags:
        warnings.warn(f"bootstrap_ci: {name} of {a.size} value(s) flagged {', '.join(flags)}: "
                      "the interval is not a reliable confidence statement", BootstrapWarning,
                      stacklevel=2)
    log.debug("bootstrap %s: %.4g [%.4g, %.4g]", name, out.estimate, out.ci_low, out.ci_high)
    return out


def bootstrap_table(frame, *, value: str, by=None, statistic="mean", confidence: float = 0.95,
                    n_resamples: int = 9999, method: str = "bca", seed=None,
                    warn: bool = True) -> pd.DataFrame:
    """Bootstrap intervals of a statistic of one column, per group, as a tidy table.

    Parameters
    ----------
    frame : pandas.DataFrame
        Long format: one row per value (e.g. one row per ROI).
    value : str
        The numeric column to summarise.
    by : str or list of str, optional
        Grouping columns; one row per group in the result (none: the whole column).
    statistic, confidence, n_resamples, method
        As in :func:`bootstrap_ci`.
    seed : int, numpy Generator or None
        One generator drives all groups, in group order, so the table is reproducible.
    warn : bool
        As in :func:`bootstrap_ci` (one warning per flagged group).

    Returns
    -------
    pandas.DataFrame
        The grouping columns, then the columns of :meth:`BootstrapCI.to_frame`.

    Raises
    ------
    TypeError
        If ``frame`` is not a DataFrame.
    ValueError
        If a column is missing, or a group has fewer than 2 values.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"`frame` must be a pandas DataFrame, got {type(frame).__name__}")
    if value not in frame.columns:
        raise ValueError(f"`value`: column {value!r} is not in `frame`")
    keys = [] if by is None else ([by] if isinstance(by, str) else list(by))
    for k in keys:
        if k not in frame.columns:
            raise ValueError(f"`by`: column {k!r} is not in `frame`")
    rng = as_rng(seed)
    groups = frame.groupby(keys, sort=True) if keys else [((), frame)]
    rows = []
    for key, sub in groups:
        key = key if isinstance(key, tuple) else (key,)
        ci = bootstrap_ci(sub[value].to_numpy(), statistic, confidence=confidence,
                          n_resamples=n_resamples, method=method, seed=rng, warn=warn)
        row = ci.to_frame()
        for k, v in zip(reversed(keys), reversed(key), strict=True):
            row.insert(0, k, [v])
        rows.append(row)
    return pd.concat(rows, ignore_index=True)
