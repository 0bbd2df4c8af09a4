"""Published equation vs refit, the Table 2 tables and the electrochemistry join, computed independently."""

import warnings

import numpy as np
import pandas as pd
import pytest

from xctkit import papers, stats


@pytest.fixture
def fit():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.RegressionWarning)
        return stats.fit_ols(stats.table2_frame(), response="expansion",
                             predictors=["porosity", "tortuosity"], label="sample")


@pytest.fixture
def comparison(fit):
    return stats.compare_published(fit, papers.EQ1, reported_mse=papers.EQ1["mse"],
                                   reported_r2=papers.EQ1["r2"])


def test_published_predictions_match_an_independent_computation(comparison):
    t2 = papers.table2()
    eq = papers.EQ1
    by_hand = eq["intercept"] + eq["porosity"] * t2.porosity_pristine + eq["tortuosity"] * t2.tortuosity_pristine
    y = t2.expansion_pct / 100
    per = comparison.per_sample
    np.testing.assert_allclose(per.predicted_published, by_hand, atol=1e-12)
    np.testing.assert_allclose(per.error_published, by_hand - y, atol=1e-12)
    sse = float(((by_hand - y) ** 2).sum())
    pub = comparison.metrics.set_index("equation").loc["published, recomputed on this table"]
    assert pub.mse == pytest.approx(sse / 4, rel=1e-12)
    assert pub.r2 == pytest.approx(1 - sse / float(((y - y.mean()) ** 2).sum()), rel=1e-12)
    # digest §2.11: Eq. (1) predicts DIT 0.459 instead of 0.26; MSE ≈ 0.0099, R² ≈ -0.39
    dit = per.set_index("label").loc["DIT"]
    assert dit.predicted_published == pytest.approx(0.459, abs=5e-4)
    assert pub.mse == pytest.approx(0.0099, abs=5e-5) and pub.r2 == pytest.approx(-0.39, abs=5e-3)
    assert comparison.worst_label == "DIT"
    assert comparison.worst_error == pytest.approx(dit.predicted_published - 0.26, abs=1e-12)


def test_eq1_does_not_follow_from_table2(comparison, fit):
    assert not comparison.reproduced
    diff = comparison.coefficients.set_index("term").difference
    assert diff["tortuosity"] == pytest.approx(papers.EQ1["tortuosity"] - fit.params["tortuosity"], abs=1e-12)
    assert comparison.sse_published / comparison.sse_refit > 1000
    text = comparison.statement(name="Eq. (1)")
    assert "does not follow" in text and "DIT" in text


def test_wald_test_matches_statsmodels(comparison, fit):
    beta0 = np.array([papers.EQ1[t] for t in fit.terms])
    ft = fit.results.f_test((np.eye(3), beta0))
    assert comparison.f_statistic == pytest.approx(float(np.squeeze(ft.fvalue)), rel=1e-8)
    assert comparison.f_pvalue == pytest.approx(float(ft.pvalue), rel=1e-8)
    assert (comparison.df_num, comparison.df_den) == (3, 1)


def test_refit_rounded_to_four_decimals_counts_as_reproduced(fit):
    rounded = {t: round(fit.params[t], 4) for t in fit.terms}
    c = stats.compare_published(fit, rounded)
    assert c.reproduced and "is reproduced" in c.statement()
    assert np.isnan(c.reported_mse)


def test_compare_published_validates(fit):
    with pytest.raises(TypeError, match="fit"):
        stats.compare_published("fit", papers.EQ1)
    with pytest.raises(ValueError, match="lacks"):
        stats.compare_published(fit, {"intercept": 0.0, "porosity": 1.0})
    with pytest.raises(TypeError, match="coefficients"):
        stats.compare_published(fit, {"intercept": "a", "porosity": 1.0, "tortuosity": 0.0})


def test_expansion_column_is_the_porosity_drop():
    t = stats.expansion_consistency()
    assert t.matches.all()
    t2 = papers.table2()
    np.testing.assert_allclose(t.porosity_drop_pp, 100 * (t2.porosity_pristine - t2.porosity_cycled))
    dit = t.set_index("sample").loc["DIT"]
    assert dit.relative_solid_growth_pct == pytest.approx(100 * 0.26 / 0.15, rel=1e-12)


def test_table2_frame_layout():
    t = stats.table2_frame()
    np.testing.assert_allclose(t.expansion, papers.table2().expansion_pct / 100)
    assert list(t.columns[:4]) == ["sample", "kind", "porosity", "tortuosity"]
    with pytest.raises(ValueError, match="lacks columns"):
        stats.table2_frame(pd.DataFrame({"sample": ["a"]}))


def test_reported_electrochemistry_is_labelled_and_retention_computed():
    e = stats.reported_electrochemistry().set_index("kind")
    assert (e.capacity_source == stats.REPORTED_LABEL).all()
    assert "reported" in stats.REPORTED_LABEL and "measured by its authors" in stats.REPORTED_LABEL
    # paper 000 digest §2.12 [DERIVED]: DIT 73.3 %, dry 29.8 %
    assert e.loc["dit", "retention_pct"] == pytest.approx(73.3, abs=0.05)
    assert e.loc["dry", "retention_pct"] == pytest.approx(29.8, abs=0.05)
    assert e.loc["dry", "capacity_cycle1_mah_g"] == papers.ECHEM["dry"]["cycle1_mah_g"]
    assert e.loc["dry", "n_samples"] == 3
    assert e.loc["dry", "porosity_pristine"] == pytest.approx((0.49 + 0.46 + 0.51) / 3)
    with pytest.raises(ValueError, match="no capacities"):
        stats.reported_electrochemistry(echem={"dry": papers.ECHEM["dry"]})


def test_effect_directions_recover_known_signs(rng):
    n = 80
    a, b = rng.normal(size=n), rng.normal(size=n)
    data = pd.DataFrame({"a": a, "b": b, "y": 0.8 * a - 0.6 * b + rng.normal(scale=0.1, size=n)})
    d = stats.effect_directions(data, response="y", predictors=["a", "b"]).set_index("predictor")
    assert d.loc["a", "partial"] == "rises" and d.loc["b", "partial"] == "falls"
    assert d.loc["a", "marginal"] == "rises"
    assert d.loc["a", "partial_slope"] == pytest.approx(0.8, abs=0.05)


def test_effect_directions_on_table2_are_undetermined_jointly():
    d = stats.effect_directions(stats.table2_frame(), response="expansion").set_index("predictor")
    assert d.loc["porosity", "marginal"] == "rises" and d.loc["tortuosity", "marginal"] == "falls"
    assert d.partial.str.startswith("undetermined").all()
    assert d.pearson_r.iloc[0] == pytest.approx(-0.999, abs=5e-4)


def test_check_claims_marks_agreement():
    d = stats.effect_directions(stats.table2_frame(), response="expansion")
    c = stats.check_claims(d, {"porosity": "rises", "tortuosity": "falls"}).set_index("predictor")
    assert c.marginal_agrees.all() and not c.partial_agrees.any()
    with pytest.raises(ValueError, match="rises"):
        stats.check_claims(d, {"porosity": "up"})
