"""Evaluation of super-resolution on held-out electrodes: image quality over ROIs with bootstrap
confidence intervals, and morphology-aware validation (paper 002's rule: judge SR by metrics it was
not trained on — porosity, tortuosity and particle sizes after segmentation)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .._validate import as_rng, check_int
from ..micro import particle_sizes, porosity, tortuosity
from ..segment import separate_particles, threshold
from ..sr import Normalisation, image_quality, random_rois, super_resolve
from ..stats import bootstrap_ci


__all__ = ["TestPredictions", "predict_test_set", "quality_table", "summarize_quality",
           "microstructure_table", "size_distributions", "morphology_errors"]


@dataclass(frozen=True)
class TestPredictions:
    """Every model's output on every held-out volume.

    Attributes
    ----------
    pairs : list of RegisteredPair
        The held-out electrodes' registered pairs (inputs and HR references).
    outputs : dict of str -> list of (Z, Y, X) ndarray
        Model name -> prediction per pair, in the scans' units, clipped to ``window``.
    seconds : dict of str -> float
        Model name -> inference wall time over all pairs.
    window : Normalisation
        The intensity window of the trained models (fitted on their training scans); its
        ``data_range`` is the data range of every quality metric.
    """

    pairs: list
    outputs: dict
    seconds: dict = field(default_factory=dict)
    window: Normalisation | None = None


def predict_test_set(models: dict, pairs, *, test_electrodes=None, axes: str = "z", tile=None, overlap=None,
                     progress: bool = False) -> TestPredictions:
    """Run each model on the held-out pairs (tiled, slice-wise inference).

    Parameters
    ----------
    models : dict of str -> (keras.Model, Normalisation or None)
    pairs : list of RegisteredPair
    test_electrodes : sequence of str, optional
        Keep only these electrodes' pairs. A model whose split lists a test electrode among its
        training electrodes is refused (leakage).
    axes : {'z', 'orthogonal'}
        Slice-wise inference on x–y slices, or the average over the three orthogonal slice
        directions (see :func:`super_resolve`); the same for every model.
    tile, overlap : int, optional
    progress : bool

    Returns
    -------
    TestPredictions
    """
    if test_electrodes is not None:
        pairs = [p for p in pairs if p.electrode in set(test_electrodes)]
    if not pairs:
        raise ValueError("no held-out pairs to evaluate")
    windows = {(n.lo, n.hi) for _, n in models.values() if n is not None}
    if len(windows) > 1:
        raise ValueError(f"the models were trained with different intensity windows {sorted(windows)}: "
                         "compare models trained on the same scans")
    window = Normalisation(*windows.pop()) if windows else Normalisation.fit(*[p.hr for p in pairs])
    outputs, seconds = {}, {}
    for name, (model, norm) in models.items():
        t0 = time.perf_counter()
        outputs[name] = [np.clip(super_resolve(model, p.lr_up, normalisation=norm, axes=axes, tile=tile,
                                               overlap=overlap, progress=progress), window.lo, window.hi)
                         for p in pairs]
        seconds[name] = time.perf_counter() - t0
    return TestPredictions(list(pairs), outputs, seconds, window)


def quality_table(pred: TestPredictions, *, n_rois: int = 16, roi_size=(16, 48, 48), seed: int = 0):
    """SSIM, PSNR, MSE and MAE of every model on the same random ROIs of every held-out volume.

    The data range of SSIM and PSNR is the models' intensity window (``pred.window.data_range``), in the
    scans' own units; MSE and MAE are in those units too.

    Returns
    -------
    pandas.DataFrame
        Columns ``model``, ``electrode``, ``state``, ``roi``, ``ssim``, ``psnr_db``, ``mse``, ``mae``.
    """
    import pandas as pd

    n_rois = check_int(n_rois, "n_rois", min_value=2)
    rng = as_rng(seed)
    data_range = pred.window.data_range if pred.window is not None else 1.0
    rows = []
    for k, p in enumerate(pred.pairs):
        size = tuple(min(s, n) for s, n in zip(roi_size, p.hr.shape, strict=True))
        rois = random_rois(p.hr.shape, size=size, n=n_rois, seed=rng)
        for name, outs in pred.outputs.items():
            for i, sl in enumerate(rois):
                q = image_quality(outs[k][sl], p.hr[sl], data_range=data_range)
                rows.append({"model": name, "electrode": p.electrode, "state": p.state, "roi": i, **q.__dict__})
    return pd.DataFrame(rows)


def summarize_quality(table, *, metrics=("ssim", "psnr_db", "mse", "mae"), seed: int = 0,
                      n_resamples: int = 2000):
    """Mean of each metric per model with a 95 % bootstrap confidence interval across ROIs.

    Returns
    -------
    pandas.DataFrame
        One row per model: ``<metric>``, ``<metric>_ci_low``, ``<metric>_ci_high``, ``n_rois``.
    """
    import pandas as pd


    rows = []
    for model, g in table.groupby("model", sort=False):
        row = {"model": model, "n_rois": len(g)}
        for m in metrics:
            ci = bootstrap_ci(g[m].to_numpy(), "mean", n_resamples=n_resamples, method="percentile",
                              seed=seed, warn=False)
            row.update({m: ci.estimate, f"{m}_ci_low": ci.ci_low, f"{m}_ci_high": ci.ci_high})
        rows.append(row)
    return pd.DataFrame(rows)


def _segment(volume) -> np.ndarray:

    return threshold(volume).solid


def microstructure_table(sources: dict, *, voxel_um: float, n_rois: int = 6, roi_size=(24, 32, 32),
                         seed: int = 0, axis: int = 0):
    """Porosity and through-thickness tortuosity of matched ROIs of several sources (Fig. 7).

    Each grey-level source is segmented by its own Otsu threshold (paper 000 chose its threshold
    per dataset); boolean sources (a truth) are used as they are.

    Parameters
    ----------
    sources : dict of str -> (Z, Y, X) ndarray
        Same shape: e.g. ``{"truth": bool, "HR": grey, "LR": grey, "CNN": grey, ...}``.
    voxel_um : float
    n_rois : int
    roi_size : (3,) tuple of int
    seed : int
    axis : int
        Tortuosity axis (0 = through-thickness).

    Returns
    -------
    pandas.DataFrame
        ``source``, ``roi``, ``porosity``, ``tortuosity`` (NaN where nothing percolates).
    """
    import pandas as pd


    shapes = {np.shape(v) for v in sources.values()}
    if len(shapes) != 1:
        raise ValueError(f"all `sources` must have one shape, got {shapes}")
    shape = shapes.pop()
    size = tuple(min(s, n) for s, n in zip(roi_size, shape, strict=True))
    rois = random_rois(shape, size=size, n=n_rois, seed=seed)
    rows = []
    for name, vol in sources.items():
        solid = ~vol if vol.dtype == bool else _segment(vol)  # a boolean source is a pore mask
        for i, sl in enumerate(rois):
            t = tortuosity(~solid[sl], axis=axis)
            rows.append({"source": name, "roi": i, "porosity": porosity(~solid[sl]),
                         "tortuosity": t.tau})
    return pd.DataFrame(rows)


def size_distributions(sources: dict, *, voxel_um: float, bin_um: float = 1.0, h_um: float | None = None):
    """Particle size distributions (watershed on each source's segmentation), Fig. 6.

    Returns
    -------
    dict of str -> SizeDistribution
    """

    out = {}
    for name, vol in sources.items():
        solid = ~vol if vol.dtype == bool else _segment(vol)  # a boolean source is a pore mask
        parts = separate_particles(solid, voxel_um=voxel_um, h_um=h_um)
        out[name] = particle_sizes(parts.instances, voxel_um=voxel_um, bin_um=bin_um)
    return out


def morphology_errors(micro_table, psds: dict, *, reference: str = "HR", truth: str | None = "truth"):
    """How far each source's porosity, tortuosity and size distribution lie from a reference.

    Parameters
    ----------
    micro_table : pandas.DataFrame
        From :func:`microstructure_table`.
    psds : dict of str -> SizeDistribution
        From :func:`size_distributions`.
    reference : str
        Source every other one is compared with (paper 000: the HR scan).
    truth : str, optional
        Also compare with this source (the virtual lab's truth).

    Returns
    -------
    pandas.DataFrame
        Per source: mean porosity and tortuosity, their mean absolute difference from the reference
        over matched ROIs, the median particle diameter and the L1 distance between number-weighted
        PSDs (0 = identical, 2 = disjoint), against the reference and the truth.
    """
    import pandas as pd

    piv_p = micro_table.pivot(index="roi", columns="source", values="porosity")
    piv_t = micro_table.pivot(index="roi", columns="source", values="tortuosity")

    def l1(a, b):
        n = max(a.number_fraction.size, b.number_fraction.size)
        pa = np.pad(a.number_fraction, (0, n - a.number_fraction.size))
        pb = np.pad(b.number_fraction, (0, n - b.number_fraction.size))
        return float(np.abs(pa - pb).sum())

    rows = []
    for src in piv_p.columns:
        row = {"source": src, "porosity_mean": piv_p[src].mean(), "porosity_sd": piv_p[src].std(),
               "tortuosity_mean": piv_t[src].mean(), "tortuosity_sd": piv_t[src].std(),
               "porosity_mad_vs_" + reference: (piv_p[src] - piv_p[reference]).abs().mean(),
               "tortuosity_mad_vs_" + reference: (piv_t[src] - piv_t[reference]).abs().mean()}
        if src in psds:
            row["psd_median_um"] = psds[src].median_um
            row["psd_l1_vs_" + reference] = l1(psds[src], psds[reference]) if reference in psds else np.nan
        if truth is not None and truth in piv_p.columns:
            row["porosity_mad_vs_" + truth] = (piv_p[src] - piv_p[truth]).abs().mean()
            row["tortuosity_mad_vs_" + truth] = (piv_t[src] - piv_t[truth]).abs().mean()
            if src in psds and truth in psds:
                row["psd_l1_vs_" + truth] = l1(psds[src], psds[truth])
        rows.append(row)
    return pd.DataFrame(rows)
