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


def test_grey_figures_window_16_bit_scans_by_percentiles():
    """A uint16 scan is shown and histogrammed in its own units: the window is the data's percentiles
    (not [0, 1], which would saturate every pixel), shared by panels shown side by side."""
    import matplotlib.pyplot as plt
    import numpy as np

    from xctkit import plots

    rng = np.random.default_rng(0)
    scan = rng.integers(10000, 50001, size=(64, 64)).astype(np.uint16)
    lo, hi = plots.percentile_window([scan], (0.5, 99.5))
    assert 10000 <= lo < 10400 and 49600 < hi <= 50000
    fig = plots.slices({"a": scan, "b": scan // 2})
    clims = [ax.images[0].get_clim() for ax in fig.axes]
    assert clims[0] == clims[1]  # one window for both panels
    assert clims[0][0] < 6000 and clims[0][1] > 49000
    plt.close(fig)
    fig = plots.slices({"a": scan}, vmin=0, vmax=1)  # an explicit window is kept
    assert fig.axes[0].images[0].get_clim() == (0, 1)
    plt.close(fig)
    fig = plots.histograms({"scan": scan})
    x = fig.axes[0].lines[0].get_xdata()
    assert x.min() > 9000 and x.max() < 51000
    plt.close(fig)
    with pytest.raises(ValueError, match="percentiles"):
        plots.percentile_window([scan], (50, 10))
    with pytest.raises(ValueError, match="finite"):
        plots.percentile_window([np.full(4, np.nan)])
