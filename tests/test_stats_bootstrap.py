"""Bootstrap confidence intervals against known normal samples and the t interval."""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from xctkit import stats


def test_ci_of_a_mean_matches_the_exact_t_interval_on_a_normal_sample():
    # N(5, 2²), n = 400: the exact interval is the t interval; each bootstrap bound must lie within
    # 10 % of its half-width of the t bound, and the bootstrap SE within 10 % of s/√n
    rng = np.random.default_rng(7)
    sample = rng.normal(5.0, 2.0, size=400)
    m, se = sample.mean(), sample.std(ddof=1) / np.sqrt(400)
    t_half = sps.t.ppf(0.975, 399) * se
    for method in ("bca", "percentile", "basic"):
        ci = stats.bootstrap_ci(sample, "mean", seed=1, method=method, n_resamples=4999)
        assert ci.estimate == pytest.approx(m)
        assert ci.ci_low == pytest.approx(m - t_half, abs=0.1 * t_half)
        assert ci.ci_high == pytest.approx(m + t_half, abs=0.1 * t_half)
        assert ci.standard_error == pytest.approx(se, rel=0.10)


def test_ci_of_a_mean_covers_the_true_mean_at_the_nominal_rate():
    # 300 normal samples of n = 30: nominal 90 % coverage; accept [0.84, 0.96]
    # (binomial SD of the observed coverage is 0.017; the bootstrap undercovers slightly at n = 30)
    rng = np.random.default_rng(11)
    hits = 0
    for _ in range(300):
        s = rng.normal(0.0, 1.0, size=30)
        ci = stats.bootstrap_ci(s, "mean", confidence=0.90, method="percentile", n_resamples=999, seed=rng)
        hits += ci.ci_low < 0.0 < ci.ci_high
    assert 0.84 <= hits / 300 <= 0.96


def test_same_seed_same_interval_and_to_frame():
    s = np.arange(12.0)
    a = stats.bootstrap_ci(s, "median", seed=3, n_resamples=500)
    b = stats.bootstrap_ci(s, "median", seed=3, n_resamples=500)
    assert a == b
    f = a.to_frame()
    assert list(f.columns[:4]) == ["statistic", "estimate", "ci_low", "ci_high"] and len(f) == 1


def test_small_and_degenerate_samples_are_flagged():
    with pytest.warns(stats.BootstrapWarning, match="small_sample"):
        ci = stats.bootstrap_ci([1.0, 2.0, 4.0], seed=0, n_resamples=200)
    assert ci.flags == ("small_sample",)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.BootstrapWarning)
        flat = stats.bootstrap_ci([2.0] * 6, seed=0)
    assert flat.ci_low == flat.ci_high == 2.0 and "degenerate" in flat.flags


def test_callable_statistic():
    def trimmed(a, axis=-1):
        return sps.trim_mean(a, 0.1, axis=axis)

    ci = stats.bootstrap_ci(np.linspace(0, 1, 50), trimmed, seed=0, n_resamples=300)
    assert ci.statistic == "trimmed" and ci.ci_low < 0.5 < ci.ci_high


@pytest.mark.parametrize(("args", "kwargs", "error", "match"), [
    (([1.0],), {}, ValueError, "at least 2"),
    (([[1.0, 2.0]],), {}, ValueError, "1-D"),
    (([1.0, np.nan, 2.0],), {}, ValueError, "finite"),
    ((["a", "b"],), {}, TypeError, "numeric"),
    (([1.0, 2.0, 3.0], "mode"), {}, ValueError, "statistic"),
    (([1.0, 2.0, 3.0],), {"confidence": 1.0}, ValueError, "confidence"),
    (([1.0, 2.0, 3.0],), {"n_resamples": 10}, ValueError, "n_resamples"),
    (([1.0, 2.0, 3.0],), {"method": "normal"}, ValueError, "method"),
])
def test_invalid_arguments_are_named(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        stats.bootstrap_ci(*args, **kwargs)


def test_bootstrap_table_per_group():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"model": np.repeat(["cnn", "gan"], 20),
                          "porosity": np.r_[rng.normal(0.5, 0.01, 20), rng.normal(0.6, 0.01, 20)]})
    t = stats.bootstrap_table(frame, value="porosity", by="model", seed=2, n_resamples=500)
    assert list(t.model) == ["cnn", "gan"]
    assert (t.ci_low < t.estimate).all() and (t.estimate < t.ci_high).all()
    again = stats.bootstrap_table(frame, value="porosity", by="model", seed=2, n_resamples=500)
    pd.testing.assert_frame_equal(t, again)
    with pytest.raises(ValueError, match="by"):
        stats.bootstrap_table(frame, value="porosity", by="nope")
