"""Tidy tables for the structure → expansion analysis: Table 2, its expansion column, the reported
electrochemistry, and the directions of effects under single and joint models."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._validate import check_fraction
from ._ols import fit_ols

__all__ = [
    "table2_frame",
    "expansion_consistency",
    "reported_electrochemistry",
    "effect_directions",
    "check_claims",
    "REPORTED_LABEL",
]

REPORTED_LABEL = "reported by paper 000 (measured by its authors)"
"""Label of every number xctkit shows but did not compute (paper 000's electrochemistry)."""

_T2_COLUMNS = ("sample", "kind", "porosity_pristine", "tortuosity_pristine", "porosity_cycled",
               "tortuosity_cycled", "expansion_pct")


def _check_table(table, name: str = "table") -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"`{name}` must be a pandas DataFrame, got {type(table).__name__}")
    missing = [c for c in _T2_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"`{name}` lacks columns {missing} (expected paper 000 Table 2's layout)")
    num = table[list(_T2_COLUMNS[2:])]
    if not all(pd.api.types.is_numeric_dtype(num[c]) for c in num.columns) or \
            not np.all(np.isfinite(num.to_numpy(dtype=float))):
        raise ValueError(f"`{name}`: porosity, tortuosity and expansion columns must be finite numbers")
    return table


def table2_frame(table=None) -> pd.DataFrame:
    """Paper 000 Table 2 in the layout the regression uses.

    Parameters
    ----------
    table : pandas.DataFrame, optional
        A table with Table 2's columns (default :func:`xctkit.papers.table2`).

    Returns
    -------
    pandas.DataFrame
        ``sample``, ``kind``, ``porosity`` and ``tortuosity`` (pristine, the predictors),
        ``porosity_cycled``, ``tortuosity_cycled``, ``expansion`` (the reported column as a fraction,
        ``expansion_pct / 100``) and ``expansion_pct``; ``attrs['source']`` names the table.

    Raises
    ------
    TypeError, ValueError
        If ``table`` is not a DataFrame with Table 2's columns and finite values.
    """
    if table is None:
        from ..papers import table2

        table = table2()
    t = _check_table(table)
    out = pd.DataFrame({
        "sample": t["sample"].astype(str).to_numpy(), "kind": t["kind"].astype(str).to_numpy(),
        "porosity": t["porosity_pristine"].to_numpy(float),
        "tortuosity": t["tortuosity_pristine"].to_numpy(float),
        "porosity_cycled": t["porosity_cycled"].to_numpy(float),
        "tortuosity_cycled": t["tortuosity_cycled"].to_numpy(float),
        "expansion": t["expansion_pct"].to_numpy(float) / 100.0,
        "expansion_pct": t["expansion_pct"].to_numpy(float),
    })
    out.attrs["source"] = table.attrs.get("source", "")
    return out


def expansion_consistency(table=None, *, atol_pp: float = 1e-9) -> pd.DataFrame:
    """Which definition Table 2's "expansion (%)" follows, per sample.

    Parameters
    ----------
    table : pandas.DataFrame, optional
        Table 2's layout (default :func:`xctkit.papers.table2`).
    atol_pp : float
        Tolerance in percentage points for ``matches``.

    Returns
    -------
    pandas.DataFrame
        ``sample``; ``expansion_pct_reported``; ``porosity_drop_pp`` = 100 (φ_pristine − φ_cycled)
        (percentage points of the electrode volume: the absolute rise of the solid fraction);
        ``difference_pp`` (reported − drop); ``matches``; ``relative_solid_growth_pct`` =
        100 (φ_pristine − φ_cycled) / (1 − φ_pristine) (the relative growth of the solid volume, the
        reading "compared to the pristine volume" suggests); ``relative_porosity_change_pct``.
        Both readings come from :func:`xctkit.micro.expansion`.

    Raises
    ------
    TypeError, ValueError
        If ``table`` is malformed or ``atol_pp`` is negative.
    """
    if table is None:
        from ..papers import table2

        table = table2()
    t = _check_table(table)
    if not isinstance(atol_pp, (int, float)) or atol_pp < 0:
        raise ValueError(f"`atol_pp` must be a number >= 0, got {atol_pp!r}")
    from ..micro import expansion  # the one definition of both readings

    p0 = t["porosity_pristine"].to_numpy(float)
    p1 = t["porosity_cycled"].to_numpy(float)
    rep = t["expansion_pct"].to_numpy(float)
    both = [expansion(float(a), float(b)) for a, b in zip(p0, p1, strict=True)]
    drop = np.array([e.expansion_pp for e in both])
    out = pd.DataFrame({"sample": t["sample"].astype(str).to_numpy(), "expansion_pct_reported": rep,
                        "porosity_drop_pp": drop, "difference_pp": rep - drop})
    out["matches"] = np.abs(out.difference_pp) <= atol_pp + 1e-9
    out["relative_solid_growth_pct"] = [e.solid_volume_change_pct for e in both]
    out["relative_porosity_change_pct"] = 100.0 * (p1 - p0) / p0
    return out


def reported_electrochemistry(table=None, *, echem: Mapping | None = None) -> pd.DataFrame:
    """Paper 000's reported discharge capacities joined to its microstructure, one row per kind.

    Nothing here is simulated: capacities are the authors' measurements (Fig. 11, 0.2C, 3.0–4.3 V)
    and carry :data:`REPORTED_LABEL`; the retention is computed from them. The paper reports one
    cycling curve per electrode kind, so the microstructure is summarised per kind (mean and range
    over that kind's Table 2 samples).

    Parameters
    ----------
    table : pandas.DataFrame, optional
        Table 2's layout (default :func:`xctkit.papers.table2`).
    echem : mapping, optional
        ``kind -> {'cycle1_mah_g': float, 'cycle100_mah_g': float}`` (default
        :data:`xctkit.papers.ECHEM`).

    Returns
    -------
    pandas.DataFrame
        ``kind``, ``samples``, ``n_samples``, ``porosity_pristine`` (mean), ``porosity_range``,
        ``tortuosity_pristine`` (mean), ``expansion_pct`` (mean), ``capacity_cycle1_mah_g``,
        ``capacity_cycle100_mah_g`` (mA h g⁻¹), ``retention_pct`` (computed: cycle 100 / cycle 1),
        ``capacity_source``.

    Raises
    ------
    TypeError, ValueError
        If the inputs are malformed or a kind of ``table`` has no capacities in ``echem``.
    """
    if table is None:
        from ..papers import table2

        table = table2()
    t = _check_table(table)
    if echem is None:
        from ..papers import ECHEM

        echem = ECHEM
    if not isinstance(echem, Mapping):
        raise TypeError(f"`echem` must be a mapping kind -> capacities, got {type(echem).__name__}")
    rows = []
    for kind, sub in t.groupby("kind", sort=False):
        if kind not in echem:
            raise ValueError(f"`echem` has no capacities for kind {kind!r} (has {list(echem)})")
        cap = echem[kind]
        c1, c100 = float(cap["cycle1_mah_g"]), float(cap["cycle100_mah_g"])
        if not (c1 > 0 and c100 >= 0):
            raise ValueError(f"`echem`[{kind!r}] capacities must be positive, got {cap}")
        p = sub["porosity_pristine"].to_numpy(float)
        rows.append({
            "kind": kind, "samples": ", ".join(sub["sample"].astype(str)), "n_samples": len(sub),
            "porosity_pristine": float(p.mean()),
            "porosity_range": f"{p.min():.2f}–{p.max():.2f}" if len(p) > 1 else f"{p[0]:.2f}",
            "tortuosity_pristine": float(sub["tortuosity_pristine"].mean()),
            "expansion_pct": float(sub["expansion_pct"].mean()),
            "capacity_cycle1_mah_g": c1, "capacity_cycle100_mah_g": c100,
            "retention_pct": 100.0 * c100 / c1, "capacity_source": REPORTED_LABEL,
        })
    return pd.DataFrame(rows)


def _direction(lo: float, hi: float) -> str:
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "undetermined (no interval)"
    if lo > 0:
        return "rises"
    if hi < 0:
        return "falls"
    return "undetermined (CI spans 0)"


def effect_directions(data, *, response: str, predictors=("porosity", "tortuosity"), by=None,
                      alpha: float = 0.05) -> pd.DataFrame:
    """Direction of the response with each predictor, alone (marginal) and jointly (partial).

    For every group (``by``), fits ``response ~ p`` for each predictor and ``response ~ all``,
    and reports each slope with its ``1 - alpha`` interval and a verdict: ``'rises'`` (interval
    above 0), ``'falls'`` (below 0) or ``'undetermined'``. Marginal slopes answer "does expansion
    rise with porosity across these electrodes?"; partial slopes answer "... at fixed tortuosity?",
    which only a design that decorrelates the predictors can answer.

    Parameters
    ----------
    data : pandas.DataFrame
    response : str
    predictors : sequence of str
        At least two predictor columns.
    by : str or list of str, optional
        Grouping columns (e.g. ``['design', 'mechanism']``).
    alpha : float
        Significance level, in (0, 1).

    Returns
    -------
    pandas.DataFrame
        One row per group and predictor: the group columns, ``predictor``, ``n``,
        ``pearson_r`` (between the first two predictors), ``max_vif``, ``marginal_slope``,
        ``marginal_ci_low``, ``marginal_ci_high``, ``marginal``, ``partial_slope``,
        ``partial_ci_low``, ``partial_ci_high``, ``partial_p_value``, ``partial``, ``flags``
        (of the joint fit). Slopes are in response units per predictor unit.

    Raises
    ------
    TypeError, ValueError
        As :func:`fit_ols`, or if fewer than two predictors are given.
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"`data` must be a pandas DataFrame, got {type(data).__name__}")
    predictors = (predictors,) if isinstance(predictors, str) else tuple(predictors)
    if len(predictors) < 2:
        raise ValueError(f"`predictors` must name at least two columns, got {predictors!r}")
    alpha = check_fraction(alpha, "alpha", inclusive=False)
    keys = [] if by is None else ([by] if isinstance(by, str) else list(by))
    for k in keys:
        if k not in data.columns:
            raise ValueError(f"`by`: column {k!r} is not in `data`")
    groups = data.groupby(keys, sort=False) if keys else [((), data)]
    rows = []
    for key, sub in groups:
        key = key if isinstance(key, tuple) else (key,)
        joint = fit_ols(sub, response=response, predictors=predictors, alpha=alpha, warn=False)
        r = float(np.corrcoef(sub[predictors[0]], sub[predictors[1]])[0, 1])
        for p in predictors:
            single = fit_ols(sub, response=response, predictors=[p], alpha=alpha, warn=False)
            row = dict(zip(keys, key, strict=True))
            row.update({
                "predictor": p, "n": joint.n, "pearson_r": r, "max_vif": max(joint.vif.values()),
                "marginal_slope": single.params[p], "marginal_ci_low": single.ci_low[p],
                "marginal_ci_high": single.ci_high[p],
                "marginal": _direction(single.ci_low[p], single.ci_high[p]),
                "partial_slope": joint.params[p], "partial_ci_low": joint.ci_low[p],
                "partial_ci_high": joint.ci_high[p], "partial_p_value": joint.p_values[p],
                "partial": _direction(joint.ci_low[p], joint.ci_high[p]),
                "flags": ", ".join(joint.flags),
            })
            rows.append(row)
    return pd.DataFrame(rows)


def check_claims(directions, claims: Mapping) -> pd.DataFrame:
    """Compare the verdicts of :func:`effect_directions` with claimed directions.

    Parameters
    ----------
    directions : pandas.DataFrame
        Output of :func:`effect_directions`.
    claims : mapping of str -> {'rises', 'falls'}
        Claimed direction of the response with each predictor (e.g. paper 000:
        ``{'porosity': 'rises', 'tortuosity': 'falls'}``).

    Returns
    -------
    pandas.DataFrame
        ``directions`` restricted to the claimed predictors, plus ``claim``,
        ``marginal_agrees`` and ``partial_agrees`` (bool: the interval excludes 0 on the claimed
        side).

    Raises
    ------
    TypeError, ValueError
        If ``directions`` lacks the verdict columns or a claim is not 'rises' / 'falls'.
    """
    if not isinstance(directions, pd.DataFrame):
        raise TypeError(f"`directions` must be a pandas DataFrame, got {type(directions).__name__}")
    for c in ("predictor", "marginal", "partial"):
        if c not in directions.columns:
            raise ValueError(f"`directions` lacks column {c!r}; use effect_directions()")
    if not isinstance(claims, Mapping) or not claims:
        raise TypeError("`claims` must be a non-empty mapping predictor -> 'rises' | 'falls'")
    for p, v in claims.items():
        if v not in ("rises", "falls"):
            raise ValueError(f"`claims`[{p!r}] must be 'rises' or 'falls', got {v!r}")
    out = directions[directions.predictor.isin(list(claims))].copy()
    out["claim"] = out.predictor.map(dict(claims))
    out["marginal_agrees"] = out.marginal == out.claim
    out["partial_agrees"] = out.partial == out.claim
    return out.reset_index(drop=True)
