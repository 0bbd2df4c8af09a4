"""OLS with diagnostics: against independent least squares, hand-rolled LOO and analytic VIFs."""

import warnings

import numpy as np
import pandas as pd
import pytest

from xctkit import stats


@pytest.fixture
def table():
    return stats.table2_frame()


def _fit_quiet(data, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.RegressionWarning)
        return stats.fit_ols(data, **kw)


def _lstsq(data, response, predictors):
    X = np.column_stack([np.ones(len(data)), *(data[p].to_numpy(float) for p in predictors)])
    y = data[response].to_numpy(float)
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    return X, y, beta


@pytest.mark.parametrize("predictors", [["porosity", "tortuosity"], ["porosity"], ["tortuosity"]])
def test_fit_equals_independent_least_squares_on_table2(table, predictors):
    # tolerance 1e-10: both are exact solutions of the same 4-row normal equations
    fit = _fit_quiet(table, response="expansion", predictors=predictors)
    X, y, beta = _lstsq(table, "expansion", predictors)
    got = np.array([fit.params[t] for t in fit.terms])
    np.testing.assert_allclose(got, beta, rtol=0, atol=1e-10)
    resid = y - X @ beta
    ss_res, ss_tot = resid @ resid, ((y - y.mean()) ** 2).sum()
    assert fit.r2 == pytest.approx(1 - ss_res / ss_tot, abs=1e-10)
    assert fit.mse == pytest.approx(ss_res / len(y), abs=1e-12)
    dof = len(y) - X.shape[1]
    se = np.sqrt(np.diag(ss_res / dof * np.linalg.inv(X.T @ X)))
    np.testing.assert_allclose([fit.std_errors[t] for t in fit.terms], se, rtol=1e-8)
    assert fit.r2_adj == pytest.approx(1 - (1 - fit.r2) * (len(y) - 1) / dof, abs=1e-10)


def test_table2_refit_matches_the_digest_check(table):
    # paper 000 digest §2.11: -0.3643 + 0.6802 φ + 0.0374 τ, R² 0.99982 (4 decimals)
    fit = _fit_quiet(table, response="expansion", predictors=["porosity", "tortuosity"])
    assert fit.params["intercept"] == pytest.approx(-0.3643, abs=5e-5)
    assert fit.params["porosity"] == pytest.approx(0.6802, abs=5e-5)
    assert fit.params["tortuosity"] == pytest.approx(0.0374, abs=5e-5)
    assert fit.r2 == pytest.approx(0.99982, abs=5e-6)
    assert fit.df_resid == 1


def test_warns_when_one_residual_degree_of_freedom(table):
    with pytest.warns(stats.RegressionWarning) as record:
        fit = stats.fit_ols(table, response="expansion", predictors=["porosity", "tortuosity"])
    messages = [str(w.message) for w in record]
    assert any("1 residual degree" in m for m in messages)
    assert any("collinear (Pearson r = -0.9990)" in m for m in messages)
    assert all(w.filename == __file__ for w in record)  # stacklevel points at the caller
    assert "few_residual_df" in fit.flags and "collinear" in fit.flags
    assert fit.metrics_frame()["flags"].iloc[0] == "few_residual_df, collinear"


def test_warns_on_collinear_predictors_and_vif_is_analytic(rng):
    n = 40
    x1 = rng.normal(size=n)
    x2 = x1 + 0.05 * rng.normal(size=n)
    data = pd.DataFrame({"x1": x1, "x2": x2, "y": x1 + rng.normal(scale=0.1, size=n)})
    with pytest.warns(stats.RegressionWarning, match="collinear"):
        fit = stats.fit_ols(data, response="y", predictors=["x1", "x2"])
    assert fit.flags == ("collinear",)
    r = np.corrcoef(x1, x2)[0, 1]
    # two predictors: VIF = 1 / (1 - r²) exactly
    assert fit.vif["x1"] == pytest.approx(1 / (1 - r**2), rel=1e-9)
    assert fit.vif["x2"] == pytest.approx(fit.vif["x1"], rel=1e-12)


def test_no_warning_on_a_well_conditioned_design(rng):
    n = 60
    data = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    data["y"] = 1.0 + 2.0 * data.a - 0.5 * data.b + rng.normal(scale=0.2, size=n)
    with warnings.catch_warnings():
        warnings.simplefilter("error", stats.RegressionWarning)
        fit = stats.fit_ols(data, response="y", predictors=["a", "b"])
    assert fit.flags == () and fit.notes == ()
    assert max(fit.vif.values()) < 1.5
    # the truth lies inside the 95 % intervals
    for term, true in (("intercept", 1.0), ("a", 2.0), ("b", -0.5)):
        assert fit.ci_low[term] < true < fit.ci_high[term]


def test_warn_false_keeps_the_flags_silent(table):
    with warnings.catch_warnings():
        warnings.simplefilter("error", stats.RegressionWarning)
        fit = stats.fit_ols(table, response="expansion", predictors=["porosity", "tortuosity"], warn=False)
    assert "collinear" in fit.flags and len(fit.notes) == 2


def test_loo_error_equals_hand_rolled_refits(table, rng):
    n = 12
    synthetic = pd.DataFrame({"a": rng.normal(size=n), "b": rng.uniform(size=n)})
    synthetic["y"] = synthetic.a - synthetic.b + rng.normal(scale=0.3, size=n)
    for data, resp, preds in ((table, "expansion", ["porosity", "tortuosity"]),
                              (synthetic, "y", ["a", "b"])):
        fit = _fit_quiet(data, response=resp, predictors=preds)
        X, y, _ = _lstsq(data, resp, preds)
        errs = []
        for i in range(len(y)):
            keep = np.arange(len(y)) != i
            b, *_ = np.linalg.lstsq(X[keep], y[keep], rcond=None)
            errs.append(y[i] - X[i] @ b)
        errs = np.array(errs)
        np.testing.assert_allclose(fit.loo_residuals, errs, rtol=1e-7, atol=1e-10)
        assert fit.loo_rmse == pytest.approx(np.sqrt(np.mean(errs**2)), rel=1e-7)
        assert fit.loo_mae == pytest.approx(np.mean(np.abs(errs)), rel=1e-7)
        assert fit.press == pytest.approx(np.sum(errs**2), rel=1e-7)


def test_condition_numbers(table):
    fit = _fit_quiet(table, response="expansion", predictors=["porosity", "tortuosity"])
    X, _, _ = _lstsq(table, "expansion", ["porosity", "tortuosity"])
    assert fit.condition_number == pytest.approx(np.linalg.cond(X), rel=1e-8)
    assert fit.condition_number_scaled == pytest.approx(np.linalg.cond(X / np.linalg.norm(X, axis=0)), rel=1e-8)


def test_saturated_fit_is_exact_and_flagged():
    data = pd.DataFrame({"a": [0.0, 1.0, 0.0], "b": [0.0, 0.0, 1.0], "y": [1.0, 3.0, 0.5]})
    with pytest.warns(stats.RegressionWarning, match="0 residual"):
        fit = stats.fit_ols(data, response="y", predictors=["a", "b"])
    assert fit.df_resid == 0 and "saturated" in fit.flags
    np.testing.assert_allclose(fit.residuals, 0, atol=1e-12)
    assert np.isnan(fit.ci_low["a"]) and np.isnan(fit.p_values["b"])


def test_tables_and_predict(table):
    fit = _fit_quiet(table, response="expansion", predictors=["porosity", "tortuosity"], label="sample")
    coef = fit.to_frame()
    assert list(coef.term) == ["intercept", "porosity", "tortuosity"]
    assert {"estimate", "ci_low", "ci_high", "p_value", "vif"} <= set(coef.columns)
    obs = fit.observations_frame()
    assert list(obs.label) == list(table["sample"])
    np.testing.assert_allclose(fit.predict(table), fit.fitted, atol=1e-12)
    assert "porosity" in fit.equation and fit.formula == "expansion ~ porosity + tortuosity"
    both = stats.compare_fits({"joint": fit, "porosity": _fit_quiet(table, response="expansion",
                                                                    predictors="porosity")})
    assert list(both.name) == ["joint", "porosity"] and len(both) == 2


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"response": "nope", "predictors": ["porosity"]}, ValueError, "response"),
    ({"response": "expansion", "predictors": ["nope"]}, ValueError, "predictors"),
    ({"response": "expansion", "predictors": ["sample"]}, TypeError, "numeric"),
    ({"response": "expansion", "predictors": ["expansion"]}, ValueError, "response"),
    ({"response": "expansion", "predictors": []}, TypeError, "predictors"),
    ({"response": "expansion", "predictors": ["porosity", "porosity"]}, ValueError, "repeat"),
    ({"response": "expansion", "predictors": ["porosity"], "alpha": 1.5}, ValueError, "alpha"),
])
def test_invalid_arguments_are_named(table, kwargs, error, match):
    with pytest.raises(error, match=match):
        stats.fit_ols(table, **kwargs)


def test_invalid_data():
    with pytest.raises(TypeError, match="data"):
        stats.fit_ols(np.zeros((4, 2)), response="y", predictors=["a"])
    nan = pd.DataFrame({"a": [1.0, np.nan, 3.0], "y": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="finite"):
        stats.fit_ols(nan, response="y", predictors=["a"])
    few = pd.DataFrame({"a": [1.0, 2.0], "b": [0.0, 1.0], "y": [1.0, 2.0]})
    with pytest.raises(ValueError, match="coefficients"):
        stats.fit_ols(few, response="y", predictors=["a", "b"])
    exact = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "y": [1.0, 2.0, 2.5, 4.0]})
    exact["b"] = 2 * exact.a
    with pytest.raises(ValueError, match="exactly collinear"):
        stats.fit_ols(exact, response="y", predictors=["a", "b"])


def test_fit_by_group_fits_each_group_exactly():
    """Two groups with exact lines y = 1 + 2x and y = -x: the stacked table holds both slopes."""
    import pandas as pd

    df = pd.DataFrame({"g": ["a"] * 5 + ["b"] * 5, "x": [0.0, 1, 2, 3, 4] * 2})
    df["y"] = np.where(df.g == "a", 1 + 2 * df.x, -df.x) + np.tile([0.01, -0.01, 0.0, 0.01, -0.01], 2)
    t = stats.fit_by_group(df, by="g", response="y", predictors=["x"])
    slopes = t[t.term == "x"].set_index("g").estimate
    assert slopes["a"] == pytest.approx(2.0, abs=0.01) and slopes["b"] == pytest.approx(-1.0, abs=0.01)
    with pytest.raises(ValueError, match="by"):
        stats.fit_by_group(df, by="nope", response="y", predictors=["x"])
