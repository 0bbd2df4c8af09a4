"""The synthetic electrode series (xctkit.lab) and the regression figures (xctkit.stats)."""

import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

from xctkit import papers, stats, workflows

matplotlib.use("Agg")

SHAPE = (32, 48, 48)  # 11.8 × 17.8 × 17.8 µm at 0.37 µm: a few particles, enough for the checks


@pytest.fixture(scope="module")
def series():
    design = pd.concat([workflows.factorial_design(porosities=(0.5,), aspects=(0.7,)),
                        workflows.table2_design(dry_porosities=(), dit_porosities=(0.85,))], ignore_index=True)
    return workflows.electrode_series(design, mechanisms=("uniform", "transport"), growth=1.1,
                                penetration=[0.5], shape=SHAPE, seed=4)


def test_expansion_is_the_emergent_porosity_drop(series):
    # Table 2's definition, computed from two independent measurements, never imposed
    np.testing.assert_allclose(series.expansion, series.porosity_pristine - series.porosity_cycled, atol=1e-15)
    np.testing.assert_allclose(series.expansion_pct, 100 * series.expansion)
    assert (series.expansion > 0).all()
    assert (series.tortuosity_cycled >= series.tortuosity_pristine - 0.02).all()


def test_uniform_growth_is_bounded_by_the_overlap_free_volume(series):
    # without overlaps the solid would gain (1 - φ0)(g³ - 1); overlaps only lose volume
    # (2 pp slack for the coarse-graining to the 0.74 µm grid)
    u = series[series.mechanism == "uniform"]
    bound = (1 - u.porosity_pristine) * (1.1**3 - 1)
    assert (u.expansion <= bound + 0.02).all()
    np.testing.assert_allclose(u.mean_utilisation, 1.0)


def test_transport_limited_growth_never_exceeds_uniform_growth(series):
    wide = series.pivot_table(index="electrode", columns="mechanism", values="expansion")
    assert (wide.transport <= wide.uniform + 1e-9).all()
    t = series[series.mechanism == "transport"]
    assert ((t.mean_utilisation > 0) & (t.mean_utilisation < 1)).all()
    assert (t.penetration_um > 0).all() and t.scenario.eq("transport λ=0.5").all()
    # penetration length follows L = λ · Z · ε/τ
    z_um = SHAPE[0] * 0.37
    np.testing.assert_allclose(t.penetration_um, 0.5 * z_um * t.porosity_pristine / t.tortuosity_pristine)


def test_series_is_reproducible_and_records_parameters(series):
    assert series.attrs["parameters"]["shape"] == list(SHAPE)
    assert set(series.kind) == {"dry", "dit"}
    assert series.porosity_pristine.between(0.45, 0.9).all()


def test_utilisation_profile():
    u = workflows.utilisation([0.0, 5.0, 10.0], penetration_um=5.0)
    np.testing.assert_allclose(u, [1.0, np.exp(-1), np.exp(-2)])
    np.testing.assert_allclose(workflows.utilisation([0.0, 1.0], penetration_um=0.0), [1.0, 0.0])


def test_designs():
    f = workflows.factorial_design(porosities=(0.5, 0.6), aspects=(0.5, 1.0, 1.2))
    assert len(f) == 6 and f.design.eq("factorial").all() and f.electrode.is_unique
    t = workflows.table2_design()
    assert set(t.kind) == {"dry", "dit"} and t.aspect[t.kind == "dry"].nunique() == 1
    with pytest.raises(ValueError, match="porosities"):
        workflows.factorial_design(porosities=(0.2,))
    with pytest.raises(ValueError, match="aspects"):
        workflows.factorial_design(aspects=())


def test_series_validates_arguments():
    d = workflows.factorial_design(porosities=(0.5,), aspects=(0.7,))
    with pytest.raises(ValueError, match="mechanisms"):
        workflows.electrode_series(d, mechanisms=("imposed",))
    with pytest.raises(ValueError, match="growth"):
        workflows.electrode_series(d, growth=2.0)
    with pytest.raises(ValueError, match="penetration"):
        workflows.electrode_series(d, penetration=0.0)
    with pytest.raises(TypeError, match="design"):
        workflows.electrode_series({"a": 1})
    with pytest.raises(ValueError, match="lacks columns"):
        workflows.electrode_series(d.drop(columns="aspect"))
    with pytest.raises(ValueError, match="repeats"):
        workflows.electrode_series(pd.concat([d, d]))


def test_regression_figures_are_returned_not_shown():
    import matplotlib.pyplot as plt

    t2 = stats.table2_frame()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.RegressionWarning)
        fit = stats.fit_ols(t2, response="expansion", predictors=["porosity", "tortuosity"], label="sample")
    comp = stats.compare_published(fit, papers.EQ1)
    figs = [stats.plane_figure(fit, published=papers.EQ1), stats.partial_regression_figure(fit),
            stats.pair_figure(t2, columns=["porosity", "tortuosity", "expansion"], hue="kind"),
            stats.published_vs_refit_figure(comp),
            stats.coefficient_figure(fit.to_frame(), term="porosity", by="model")]
    for f in figs:
        assert isinstance(f, matplotlib.figure.Figure) and f.axes
    assert len(figs[1].axes) == 2
    plt.close("all")
    single = stats.fit_ols(t2, response="expansion", predictors=["porosity"])
    with pytest.raises(ValueError, match="2 predictors"):
        stats.plane_figure(single)
    with pytest.raises(ValueError, match="at least two"):
        stats.partial_regression_figure(single)
    with pytest.raises(ValueError, match="term"):
        stats.coefficient_figure(fit.to_frame(), term="nope", by="model")
