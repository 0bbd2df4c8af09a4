"""Plotting functions draw in the house style without changing the caller's matplotlib settings."""

import matplotlib as mpl
import numpy as np
import pytest

from xctkit import plots


@pytest.fixture
def user_style():
    """A user's own settings, restored after the test."""
    with mpl.rc_context({"axes.spines.top": True, "font.size": 7.5, "figure.dpi": 55,
                         "figure.constrained_layout.use": False, "image.interpolation": "bilinear"}):
        yield


def _user_values():
    keys = ("axes.spines.top", "font.size", "figure.dpi", "figure.constrained_layout.use",
            "image.interpolation", "axes.prop_cycle", "xtick.labelsize")
    return {k: mpl.rcParams[k] for k in keys}


def test_plot_functions_leave_rcparams_untouched(user_style):
    import matplotlib.pyplot as plt

    before = _user_values()
    rng = np.random.default_rng(0)
    img = rng.random((8, 8))
    figs = [
        plots.slices({"a": img, "b": img}),
        plots.histograms({"a": rng.random(100), "b": rng.random(100)}),
        plots.learning_curves({"m": {"epoch": [1, 2], "loss": [1.0, 0.5], "mae": [1.0, 0.7]}}),
    ]
    assert _user_values() == before
    # ... while the figures were made in the house style (dpi 100, constrained layout, seaborn sizes)
    for fig in figs:
        assert fig.dpi == 100
        assert fig.get_layout_engine() is not None
    for fig in figs[1:]:  # slices() turns its axes off
        # seaborn's "notebook" context: 11 pt tick labels (the user's style: font.size 7.5)
        assert fig.axes[0].xaxis.get_major_ticks()[0].label1.get_fontsize() == pytest.approx(11)
    plt.close("all")


def test_style_context_applies_and_restores(user_style):
    before = _user_values()
    with plots.style():
        assert mpl.rcParams["figure.dpi"] == 100
        assert mpl.rcParams["xtick.labelsize"] == pytest.approx(11)
        assert "xctkit_phases" in mpl.colormaps
    assert _user_values() == before


def test_set_style_is_the_explicit_global_opt_in(user_style):
    plots.set_style()
    assert mpl.rcParams["figure.dpi"] == 100 and mpl.rcParams["xtick.labelsize"] == pytest.approx(11)
