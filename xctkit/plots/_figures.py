"""Figure helpers in one consistent style (seaborn)."""

from __future__ import annotations

import contextlib
import functools

import numpy as np

from .._validate import as_array
from ..phases import CBD, CRACK, NMC, PHASE_NAMES, PORE

__all__ = ["style", "set_style", "slices", "histograms", "percentile_window", "PHASE_CMAP", "phase_legend"]

_PHASE_COLOURS = {PORE: "#1b1b3a", CBD: "#5fa8d3", NMC: "#f2c14e", CRACK: "#e4572e"}
_PHASE_MAX = max(_PHASE_COLOURS)


def _phase_cmap():
    from matplotlib.colors import ListedColormap

    # one colour per label value 0.._PHASE_MAX (label values index the colour map)
    colours = [_PHASE_COLOURS.get(v, "#808080") for v in range(_PHASE_MAX + 1)]
    return ListedColormap(colours, name="xctkit_phases")


PHASE_CMAP = "xctkit_phases"


def _figure_and_axes(ax, figsize=(5.5, 3.6)):
    """A new single-panel figure unless ``ax`` is given (call inside :func:`style`)."""
    import matplotlib.pyplot as plt

    if ax is None:
        return plt.subplots(figsize=figsize)
    return ax.figure, ax


def _register_cmap() -> None:
    import matplotlib as mpl

    if PHASE_CMAP not in mpl.colormaps:
        mpl.colormaps.register(_phase_cmap())


def _house_rc(context: str = "notebook") -> dict:
    """The house style as an rcParams mapping: seaborn ticks, colour-blind palette, readable sizes."""
    import seaborn as sns
    from cycler import cycler

    rc: dict = {}
    rc.update(sns.axes_style("ticks"))
    rc.update(sns.plotting_context(context))
    rc["axes.prop_cycle"] = cycler(color=sns.color_palette("colorblind"))
    rc.update({"font.family": ["sans-serif"], "figure.dpi": 100, "savefig.dpi": 150,
               "axes.titlesize": "medium", "image.interpolation": "nearest",
               "figure.constrained_layout.use": True})
    return rc


@contextlib.contextmanager
def style(context: str = "notebook"):
    """Context manager: the house style inside the block, the caller's matplotlib settings after it.

    Every plotting function of :mod:`xctkit.plots` draws inside this context, so calling one never
    changes the user's global ``matplotlib.rcParams``.

    Parameters
    ----------
    context : {'paper', 'notebook', 'talk', 'poster'}
        seaborn plotting context (font and line sizes).

    Examples
    --------
    >>> import matplotlib as mpl
    >>> from xctkit import plots
    >>> before = mpl.rcParams["figure.dpi"]
    >>> with plots.style():
    ...     inside = mpl.rcParams["axes.spines.top"]
    >>> inside, mpl.rcParams["figure.dpi"] == before
    (False, True)
    """
    import matplotlib as mpl

    _register_cmap()
    with mpl.rc_context(_house_rc(context)):
        yield


def styled(func):
    """Run ``func`` inside :func:`style` (the decorated plotting functions leave rcParams alone)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with style():
            return func(*args, **kwargs)

    return wrapper


def set_style(context: str = "notebook") -> None:
    """Apply the house style *globally* (changes ``matplotlib.rcParams`` for the session).

    Prefer ``with xctkit.plots.style():``, which restores the caller's settings afterwards;
    xctkit's own plotting functions never call this.
    """
    import matplotlib as mpl

    _register_cmap()
    mpl.rcParams.update(_house_rc(context))


def phase_legend(ax, *, phases=(PORE, CBD, NMC, CRACK)) -> None:
    """Add a legend naming the phase colours to ``ax``."""
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=_PHASE_COLOURS[p], label=PHASE_NAMES[p]) for p in phases],
              loc="upper right", fontsize="small", framealpha=0.8)


def percentile_window(arrays, percentiles=(0.5, 99.5)) -> tuple[float, float]:
    """A grey-level window shared by several images: the given percentiles of all their finite values.

    Works in the scan's own units (uint8, uint16 or float); large inputs are subsampled to about
    10⁶ values per array (strided, so deterministic).

    Parameters
    ----------
    arrays : ndarray or iterable of ndarray
    percentiles : (float, float)
        Lower and upper percentile, 0 ≤ lo < hi ≤ 100.

    Returns
    -------
    (float, float)
        ``(lo, hi)`` with ``hi > lo`` (a constant image gets a unit-wide window around its value).

    Examples
    --------
    >>> import numpy as np
    >>> percentile_window([np.arange(101.0)], (10, 90))
    (10.0, 90.0)
    """
    lo_p, hi_p = (float(v) for v in percentiles)
    if not 0.0 <= lo_p < hi_p <= 100.0:
        raise ValueError(f"`percentiles` must be (lo, hi) with 0 <= lo < hi <= 100, got {percentiles!r}")
    if isinstance(arrays, np.ndarray):
        arrays = [arrays]
    parts = []
    for a in arrays:
        v = np.asarray(a).ravel()
        step = max(1, v.size // 1_000_000)
        v = v[::step].astype(np.float64)
        parts.append(v[np.isfinite(v)])
    values = np.concatenate(parts) if parts else np.empty(0)
    if values.size == 0:
        raise ValueError("no finite grey values to window")
    lo, hi = (float(x) for x in np.percentile(values, [lo_p, hi_p]))
    if hi <= lo:
        lo, hi = lo - 0.5, lo + 0.5
    return lo, hi


@styled
def slices(images: dict, *, kind: str = "grey", voxel_um: float | dict | None = None, ncols: int | None = None,
           size: float = 3.2, vmin: float | None = None, vmax: float | None = None, suptitle: str | None = None,
           percentiles=(0.5, 99.5)):
    """A row (or grid) of 2-D images with titles, in physical units when ``voxel_um`` is given.

    Parameters
    ----------
    images : dict of str -> (Y, X) ndarray
        Title -> image.
    kind : {'grey', 'labels'}
        Grey-level colour map in [vmin, vmax], or the phase colour map.
    voxel_um : float or dict, optional
        Pixel size (one for all, or per title) for µm axes.
    ncols : int, optional
    size : float
        Panel size, inches.
    vmin, vmax : float, optional
        Grey window in the images' own units; where not given, the ``percentiles`` of all grey
        panels together (:func:`percentile_window`), so 16-bit scans do not saturate and panels
        compared side by side share one window.
    suptitle : str, optional
    percentiles : (float, float)
        Percentiles of the automatic window.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    n = len(images)
    if n == 0:
        raise ValueError("`images` must hold at least one image")
    if kind == "grey" and (vmin is None or vmax is None):
        lo, hi = percentile_window(list(images.values()), percentiles)
        vmin = lo if vmin is None else vmin
        vmax = hi if vmax is None else vmax
    ncols = ncols or n
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.set_axis_off()
    for ax, (title, img) in zip(axes.ravel(), images.items(), strict=False):
        a = as_array(img, f"images[{title!r}]", ndim=2)
        vx = voxel_um.get(title) if isinstance(voxel_um, dict) else voxel_um
        extent = None if vx is None else (0, a.shape[1] * vx, a.shape[0] * vx, 0)
        if kind == "labels":
            ax.imshow(a, cmap=PHASE_CMAP, vmin=-0.5, vmax=_PHASE_MAX + 0.5, extent=extent, interpolation="nearest")
        else:
            ax.imshow(a, cmap="gray", vmin=vmin, vmax=vmax, extent=extent, interpolation="nearest")
        ax.set_title(title)
        if vx is None:
            ax.set_axis_off()
        else:
            ax.set_xlabel("µm")
    if suptitle:
        fig.suptitle(suptitle)
    return fig


@styled
def histograms(samples: dict, *, bins: int = 100, range_=None, ax=None, xlabel: str = "grey level (scan units)",
               title: str | None = None, percentiles=(0.1, 99.9)):
    """Normalised histograms (density) of several grey-level arrays on one axis.

    Parameters
    ----------
    samples : dict of str -> ndarray
        Label -> values (any shape, flattened).
    bins : int
    range_ : (float, float), optional
        Histogram range in the samples' own units; default the ``percentiles`` of all samples
        together (:func:`percentile_window`).
    ax : matplotlib Axes, optional
    xlabel, title : str
    percentiles : (float, float)
        Percentiles of the automatic range.

    Returns
    -------
    matplotlib.figure.Figure
    """

    fig, ax = _figure_and_axes(ax)
    if range_ is None:
        range_ = percentile_window(list(samples.values()), percentiles)
    edges = np.linspace(range_[0], range_[1], bins + 1)
    centres = 0.5 * (edges[1:] + edges[:-1])
    for label, vals in samples.items():
        v = np.asarray(vals, dtype=np.float64).ravel()
        h, _ = np.histogram(v, bins=edges, density=True)
        ax.plot(centres, h, label=label, lw=1.6)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("density")
    if title:
        ax.set_title(title)
    ax.legend(frameon=False)
    return fig


@styled
def size_distributions(dists: dict, *, weighting: str = "number", ax=None, title: str | None = None):
    """Step plots of several particle size distributions (1 µm bins by default).

    Parameters
    ----------
    dists : dict of str -> SizeDistribution
    weighting : {'number', 'volume'}
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """

    if weighting not in ("number", "volume"):
        raise ValueError(f"`weighting` must be 'number' or 'volume', got {weighting!r}")
    fig, ax = _figure_and_axes(ax)
    for label, d in dists.items():
        frac = d.number_fraction if weighting == "number" else d.volume_fraction
        ax.stairs(frac, d.edges_um, label=label, lw=1.6)
    ax.set_xlabel("equivalent diameter (µm)")
    ax.set_ylabel(f"{weighting} fraction")
    if title:
        ax.set_title(title)
    ax.legend(frameon=False)
    return fig


@styled
def learning_curves(histories: dict, *, metrics=("loss", "mae"), labels=("MSE", "MAE"), logy: bool = True):
    """Training and validation curves of several models, one panel per metric (Fig. 4 style).

    Parameters
    ----------
    histories : dict of str -> pandas.DataFrame
        Model name -> history with an ``epoch`` column and ``<metric>`` / ``val_<metric>`` columns.
    metrics : sequence of str
    labels : sequence of str
        Axis labels for the metrics.
    logy : bool
        Logarithmic y axis.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(metrics), figsize=(5.2 * len(metrics), 3.6), squeeze=False)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, metric, label in zip(axes[0], metrics, labels, strict=True):
        for i, (name, h) in enumerate(histories.items()):
            c = colours[i % len(colours)]
            if metric in h:
                ax.plot(h["epoch"], h[metric], color=c, lw=1.6, label=f"{name} train")
            if f"val_{metric}" in h:
                ax.plot(h["epoch"], h[f"val_{metric}"], color=c, lw=1.6, ls="--", label=f"{name} val")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        if logy:
            ax.set_yscale("log")
    axes[0, -1].legend(frameon=False, fontsize="small", ncols=2)
    return fig


@styled
def bars_mean_sd(frame, *, x: str, y: str, order=None, reference: dict | None = None, ax=None,
                 ylabel: str | None = None, title: str | None = None):
    """Bar chart of the mean of ``y`` per ``x`` with ±1 standard deviation error bars (Fig. 7 style).

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy table, one row per observation (e.g. per ROI).
    x, y : str
        Category and value columns.
    order : sequence, optional
        Category order.
    reference : dict, optional
        ``{label: value}`` horizontal reference lines (e.g. the truth).
    ax : matplotlib Axes, optional
    ylabel, title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import seaborn as sns

    fig, ax = _figure_and_axes(ax)
    sns.barplot(data=frame, x=x, y=y, order=order, errorbar="sd", capsize=0.2, ax=ax, color="#8da0cb")
    for label, value in (reference or {}).items():
        ax.axhline(value, ls="--", lw=1.2, color="k")
        ax.annotate(label, (ax.get_xlim()[1], value), ha="right", va="bottom", fontsize="small")
    ax.set_xlabel("")
    ax.set_ylabel(ylabel or y)
    if title:
        ax.set_title(title)
    return fig


@styled
def stage_profile(stages, *, memory_limit_mb: float | None = None, title: str | None = None):
    """Per-stage wall time and peak memory of a chain (e.g. :class:`xctkit.workflows.OutOfCoreRun`).

    Parameters
    ----------
    stages : pandas.DataFrame
        One row per stage with ``stage``, ``seconds`` and ``worker_peak_mb``; optional
        ``in_memory_seconds`` (drawn beside) and ``client_peak_mb``.
    memory_limit_mb : float, optional
        Worker memory limit, MB, drawn as a dashed line.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        Two panels: seconds per stage (log scale), peak resident memory per stage (MB).
    """
    import matplotlib.pyplot as plt

    names = list(stages["stage"])
    y = np.arange(len(names))
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 0.45 * len(names) + 1.4), sharey=True, layout="constrained")
    has_mem = "in_memory_seconds" in stages and stages["in_memory_seconds"].notna().any()
    h = 0.4 if has_mem else 0.8
    a.barh(y - (h / 2 if has_mem else 0), stages["seconds"], height=h, color="#66c2a5", label="out of core")
    if has_mem:
        a.barh(y + h / 2, stages["in_memory_seconds"], height=h, color="#8da0cb", label="in memory")
        a.legend(frameon=False, fontsize="small")
    a.set_xscale("log")
    a.set_xlabel("wall time (s)")
    a.set_yticks(y, names)
    a.invert_yaxis()
    b.barh(y - (h / 2 if "client_peak_mb" in stages else 0), stages["worker_peak_mb"], height=h, color="#fc8d62",
           label="largest worker")
    if "client_peak_mb" in stages:
        b.barh(y + h / 2, stages["client_peak_mb"], height=h, color="#bbbbbb", label="client process")
    if memory_limit_mb:
        b.axvline(memory_limit_mb, ls="--", color="k", lw=1.2, label="worker memory limit")
    b.legend(frameon=False, fontsize="small")
    b.set_xlabel("peak resident memory (MB)")
    if title:
        fig.suptitle(title)
    return fig


def add_boxes(fig, boxes, *, colour: str = "#ffd23f", lw: float = 1.5) -> None:
    """Draw the same rectangles ``(y0, x0, height, width)`` (in each panel's data units) on every
    image panel of ``fig`` (ROI boxes, as in paper 000 Fig. 5)."""
    from matplotlib.patches import Rectangle

    for ax in fig.axes:
        if not ax.images:
            continue
        for y0, x0, h, w in boxes:
            ax.add_patch(Rectangle((x0, y0), w, h, fill=False, edgecolor=colour, lw=lw))
