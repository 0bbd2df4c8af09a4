"""Figures of paper 003's kind (boxplots with 5/95 % whiskers, local porosity bars, crack-size
densities, centre-distance curves), in the house style. Functions return the Figure."""

from __future__ import annotations

import numpy as np

from ..plots import styled

__all__ = ["boxplot_5_95", "crack_boxplots", "particle_boxplots", "local_porosity_figure", "size_density_figure",
           "centre_distance_figure", "segmentation_panels"]


@styled
def boxplot_5_95(frame, *, value: str, by: str, order=None, ax=None, ylabel: str | None = None,
                 title: str | None = None, log: bool = False):
    """Boxplot per group as in paper 003 Figs. 7-8: box Q1-Q3, red median, whiskers at the 5th and
    95th percentiles, points beyond them.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per observation.
    value, by : str
        Value and group columns.
    order : sequence, optional
        Group order (default sorted).
    ax : matplotlib Axes, optional
    ylabel, title : str, optional
    log : bool
        Logarithmic value axis.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(4.2, 3.4))
    else:
        fig = ax.figure
    order = sorted(frame[by].unique()) if order is None else list(order)
    data = [frame.loc[frame[by] == g, value].dropna().to_numpy() for g in order]
    data = [d if d.size else np.array([np.nan]) for d in data]
    ax.boxplot(data, whis=(5, 95), tick_labels=[str(g) for g in order], widths=0.6,
               medianprops={"color": "red", "lw": 1.5},
               flierprops={"marker": ".", "markersize": 2, "alpha": 0.3, "markeredgecolor": "0.4"})
    if log:
        ax.set_yscale("log")
    ax.set_ylabel(ylabel or value)
    if title:
        ax.set_title(title)
    return fig


@styled
def crack_boxplots(full, adjusted, *, by: str = "condition", order=None):
    """Paper 003 Fig. 7 analogue: size ``d``, length ``ℓ``, width ``b`` of all cracks (top row) and of
    the adjusted "large-crack" data sets (bottom row).

    Parameters
    ----------
    full, adjusted : pandas.DataFrame
        Crack descriptors (``d_um``, ``length_um``, ``width_um``) with a ``by`` column.
    by : str
    order : sequence, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(11, 6.4))
    names = [("d_um", "crack size d (µm)"), ("length_um", "crack length ℓ (µm)"), ("width_um", "crack width b (µm)")]
    for row, (frame, tag) in enumerate(((full, "all cracks"), (adjusted, "adjusted (large cracks)"))):
        for col, (v, lab) in enumerate(names):
            boxplot_5_95(frame, value=v, by=by, order=order, ax=axes[row, col], ylabel=lab,
                         title=f"({'abcdef'[3 * row + col]}) {tag}", log=True)
    return fig


@styled
def particle_boxplots(particles, *, by: str = "condition", order=None):
    """Paper 003 Fig. 8 analogue: particle porosity ``ρ_p`` and specific surface area ``a``.

    Parameters
    ----------
    particles : pandas.DataFrame
        ``rho_p``, ``a_per_um`` and a ``by`` column.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.4))
    boxplot_5_95(particles, value="rho_p", by=by, order=order, ax=axes[0], ylabel="particle porosity ρ_p",
                 title="(a)")
    boxplot_5_95(particles, value="a_per_um", by=by, order=order, ax=axes[1],
                 ylabel="specific surface area a (1/µm)", title="(b)")
    return fig


@styled
def local_porosity_figure(local, *, by: str = "condition", order=None, bars: str = "paper", lines=None,
                          truth=None):
    """Paper 003 Fig. 9 analogue: local porosity per bin of relative distance, one panel per group.

    Parameters
    ----------
    local : pandas.DataFrame
        ``estimator``, ``bin_lo``, ``bin_hi``, ``rho_local`` and a ``by`` column.
    by : str
    order : sequence, optional
    bars : str
        Estimator drawn as bars (the paper's).
    lines : sequence of str, optional
        Other estimators drawn as step lines (e.g. ``'size-biased'``, ``'oracle'``).
    truth : pandas.DataFrame, optional
        3-D truth per group (``bin_lo``, ``bin_hi``, ``rho_3d`` and ``by``), drawn in black.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    order = sorted(local[by].unique()) if order is None else list(order)
    fig, axes = plt.subplots(1, len(order), figsize=(3.1 * len(order), 3.2), sharey=True, squeeze=False)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, g, letter in zip(axes[0], order, "abcdefgh", strict=False):
        sub = local[local[by] == g]
        b = sub[sub.estimator == bars]
        ax.bar(b.bin_lo, b.rho_local, width=(b.bin_hi - b.bin_lo), align="edge", color="#8da0cb",
               edgecolor="white", label=bars)
        for i, name in enumerate(lines or ()):
            s = sub[sub.estimator == name]
            if len(s):
                ax.step(np.r_[s.bin_lo, s.bin_hi.iloc[-1]], np.r_[s.rho_local, s.rho_local.iloc[-1]], where="post",
                        color=colours[(i + 1) % len(colours)], lw=1.5, label=name)
        if truth is not None:
            t = truth[truth[by] == g]
            if len(t):
                ax.step(np.r_[t.bin_lo, t.bin_hi.iloc[-1]], np.r_[t.rho_3d, t.rho_3d.iloc[-1]], where="post",
                        color="k", lw=1.5, ls="--", label="3-D truth")
        ax.set_title(f"({letter}) {g}")
        ax.set_xlabel("relative distance to centre")
    axes[0, 0].set_ylabel("local porosity ρ_local")
    axes[0, -1].legend(fontsize="x-small", frameon=False)
    return fig


@styled
def size_density_figure(samples: dict, *, value: str = "d_um", bins=None, ax=None, xlabel: str = "crack size d (µm)",
                        title: str | None = None):
    """Paper 003 Fig. 2 analogue: probability densities of crack size from several sources.

    Parameters
    ----------
    samples : dict of label -> pandas.DataFrame
        Crack descriptors per source (e.g. ``'LR'``, ``'SR'``, ``'HR'``, ``'truth'``).
    value : str
    bins : array_like, optional
        Bin edges (default 30 log-spaced over the pooled range).
    ax : matplotlib Axes, optional
    xlabel, title : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(5.2, 3.6))
    else:
        fig = ax.figure
    allv = np.concatenate([f[value].to_numpy() for f in samples.values() if len(f)])
    allv = allv[allv > 0]
    if bins is None:
        bins = np.geomspace(allv.min(), allv.max(), 31) if allv.size else np.linspace(0, 1, 31)
    for label, f in samples.items():
        v = f[value].to_numpy()
        if v.size:
            dens, edges = np.histogram(v, bins=bins, density=True)
            ax.step(edges, np.r_[dens, dens[-1]], where="post", lw=1.6 if label != "truth" else 2.2,
                    ls="--" if label == "truth" else "-", label=f"{label} (n={v.size})",
                    color="k" if label == "truth" else None)
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("probability density (1/µm)")
    ax.legend(fontsize="small", frameon=False)
    if title:
        ax.set_title(title)
    return fig


@styled
def centre_distance_figure(tables: dict, *, q_values=(0.0, 0.5, 1.0)):
    """``d_center(r̃, d_b = q r̃)`` against ``r̃`` for a few ``q``, one line style per table.

    Parameters
    ----------
    tables : dict of label -> CentreDistanceTable
    q_values : sequence of float

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.2, 3.6))
    styles = ["-", "--", ":", "-."]
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, (label, t) in enumerate(tables.items()):
        rt = t.r_tilde_um[1:]
        for i, q in enumerate(q_values):
            ax.plot(rt, t(rt, q * rt), ls=styles[k % 4], color=colours[i % len(colours)],
                    label=f"{label}, d_b = {q:g} r̃")
    ax.set_xlabel("section radius r̃ (µm)")
    ax.set_ylabel("estimated relative distance d_center")
    ax.legend(fontsize="x-small", frameon=False, ncols=2)
    return fig


@styled
def segmentation_panels(grey, phase, cracks, particles, *, pixel_um: float, title: str | None = None):
    """Paper 003 Fig. 1 (second row) analogue: SEM image, phase-wise, crack-wise and particle-wise
    segmentations (instances in random colours, solid grey under the cracks).

    Parameters
    ----------
    grey : (Y, X) ndarray of float
    phase : (Y, X) ndarray of uint8
    cracks, particles : (Y, X) ndarray of int
        Instance labels (0 = none).
    pixel_um : float
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    from ..phases import CRACK, NMC

    rng = np.random.default_rng(0)
    cmap = ListedColormap(np.vstack([[0, 0, 0, 1], np.c_[rng.uniform(0.2, 1.0, (4096, 3)), np.ones(4096)]]))
    ext = [0, phase.shape[1] * pixel_um, phase.shape[0] * pixel_um, 0]
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.6))
    axes[0].imshow(grey, cmap="gray", vmin=0, vmax=1, extent=ext)
    axes[0].set_title("SEM image")
    ph = np.zeros(phase.shape)
    ph[phase == NMC] = 0.5
    ph[phase == CRACK] = 1.0
    axes[1].imshow(ph, cmap="gray", vmin=0, vmax=1, extent=ext)
    axes[1].set_title("phases (black/grey/white)")
    c = np.where(cracks > 0, (cracks - 1) % 4096 + 1, 0)
    axes[2].imshow(np.where(phase == NMC, 0.35, 0.0), cmap="gray", vmin=0, vmax=1, extent=ext)
    axes[2].imshow(np.ma.masked_equal(c, 0), cmap=cmap, vmin=0, vmax=4096, extent=ext, interpolation="nearest")
    axes[2].set_title("crack-wise (Lee skeleton + nearest curve)")
    p = np.where(particles > 0, (particles - 1) % 4096 + 1, 0)
    axes[3].imshow(p, cmap=cmap, vmin=0, vmax=4096, extent=ext, interpolation="nearest")
    axes[3].set_title("particle-wise (watershed)")
    for ax in axes:
        ax.set_xlabel("µm")
    if title:
        fig.suptitle(title)
    return fig
