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
           "microstructure_table", "size_distributions", "morphology_errors", "GridTruth", "truth_on_grid",
           "SharedSegmentation", "measurement_ranking", "QUANTITIES", "describe_ranking", "acceptance_table"]


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
    models : dict of str -> (keras.Model, Normalisation or None), or str -> callable
        Keras models with their normalisation, or a baseline ``f(lr_up) -> volume`` working in scan
        units (e.g. a fitted :class:`xctkit.sr.HistogramMatch`); every output is clipped to the
        models' window.
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
    tuples = [v for v in models.values() if isinstance(v, tuple)]
    windows = {(n.lo, n.hi) for _, n in tuples if n is not None}
    if len(windows) > 1:
        raise ValueError(f"the models were trained with different intensity windows {sorted(windows)}: "
                         "compare models trained on the same scans")
    window = Normalisation(*windows.pop()) if windows else Normalisation.fit(*[p.hr for p in pairs])
    outputs, seconds = {}, {}
    for name, entry in models.items():
        t0 = time.perf_counter()
        if isinstance(entry, tuple):
            model, norm = entry
            outs = [super_resolve(model, p.lr_up, normalisation=norm, axes=axes, tile=tile, overlap=overlap,
                                  progress=progress) for p in pairs]
        elif callable(entry):
            outs = [np.asarray(entry(p.lr_up), dtype=np.float32) for p in pairs]
        else:
            raise TypeError(f"`models[{name!r}]` must be (keras.Model, Normalisation) or a callable, "
                            f"got {type(entry).__name__}")
        outputs[name] = [np.clip(o, window.lo, window.hi) for o in outs]
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


QUANTITIES = ("porosity", "tortuosity", "psd_median_um", "ssa_per_um")
"""The measurements chapter 03 ranks sources by (columns of :func:`morphology_errors`)."""


@dataclass(frozen=True)
class GridTruth:
    """The 3-D truth on the HR grid (:func:`truth_on_grid`).

    Attributes
    ----------
    fraction : (Z, Y, X) ndarray of float32
        Pore (non-NMC) volume fraction of every HR voxel, in [0, 1] (partial volume): the porosity
        reference (its mean is the truth's porosity, without any rounding convention).
    pore : (Z, Y, X) ndarray of bool
        A binary truth for tortuosity, sizes and surface: ``fraction > 0.5``, and exact ties
        (``fraction == 0.5``) decided by the mean fraction of their 3×3×3 neighbourhood, so ties no
        longer all become pore.
    tie_rule_pore : (Z, Y, X) ndarray of bool
        The former convention (solid where the block mean of NMC > 0.5, so every tie is pore).
    tie_fraction : float
        Share of HR voxels that are exact ties.
    """

    fraction: np.ndarray = field(repr=False)
    pore: np.ndarray = field(repr=False)
    tie_rule_pore: np.ndarray = field(repr=False)
    tie_fraction: float

    def conventions_frame(self):
        """Porosity of the same volume under each convention (the tie rule's effect, shown once)."""
        import pandas as pd

        vf = float(self.fraction.mean())
        return pd.DataFrame([
            {"convention": "volume fraction (partial volume; reference)", "porosity": vf, "minus_reference": 0.0},
            {"convention": "binary, ties by neighbourhood (used for τ, PSD, SSA)",
             "porosity": float(self.pore.mean()), "minus_reference": float(self.pore.mean()) - vf},
            {"convention": "binary, block mean > 0.5 (ties → pore; former rule)",
             "porosity": float(self.tie_rule_pore.mean()), "minus_reference": float(self.tie_rule_pore.mean()) - vf},
            {"convention": "share of voxels that are exact ties", "porosity": self.tie_fraction,
             "minus_reference": np.nan}])


def truth_on_grid(solid, *, voxel_um: float, target_um: float, crop=None) -> GridTruth:
    """Partial-volume truth on a coarser grid: the pore volume fraction of every coarse voxel.

    Parameters
    ----------
    solid : (Z, Y, X) ndarray of bool
        Fine truth, True = NMC (everything else counts as pore space, as in chapter 01's porosity).
    voxel_um, target_um : float
        Fine and coarse voxel edges, µm (``target_um >= voxel_um``). Integer factors average whole
        blocks (``skimage.measure.block_reduce``); other factors resample the occupancy with
        anti-aliasing (``skimage.transform.resize``).
    crop : tuple of slice, optional
        Applied to the coarse result (e.g. the faces :func:`xctkit.sr.load_pairs` cropped).

    Returns
    -------
    GridTruth

    Examples
    --------
    >>> import numpy as np
    >>> solid = np.zeros((4, 4, 4), bool); solid[:1] = True     # one fine slab: 1/2 of the first block
    >>> t = truth_on_grid(solid, voxel_um=1.0, target_um=2.0)
    >>> float(t.fraction.mean())
    0.75
    """
    from scipy.ndimage import uniform_filter

    solid = np.asarray(solid)
    if solid.dtype != bool or solid.ndim != 3:
        raise TypeError(f"`solid` must be a 3-D boolean NMC mask, got {solid.dtype} of shape {solid.shape}")
    voxel_um = float(voxel_um)
    target_um = float(target_um)
    if not (voxel_um > 0 and target_um >= voxel_um * (1 - 1e-9)):
        raise ValueError(f"need 0 < voxel_um <= target_um, got {voxel_um} and {target_um}")
    factor = target_um / voxel_um
    occ = solid.astype(np.float32)
    if abs(factor - round(factor)) < 1e-6:
        from skimage.measure import block_reduce

        f = int(round(factor))
        cut = tuple(slice(0, (n // f) * f) for n in occ.shape)
        solid_frac = block_reduce(occ[cut], (f, f, f), np.mean) if f > 1 else occ
    else:
        from skimage.transform import resize

        shape = tuple(max(1, int(round(n / factor))) for n in occ.shape)
        solid_frac = np.clip(resize(occ, shape, order=1, anti_aliasing=True, preserve_range=True), 0, 1)
    frac = (1.0 - solid_frac).astype(np.float32)
    if crop is not None:
        frac = frac[crop]
    ties = np.isclose(frac, 0.5, atol=1e-6)
    neighbourhood = uniform_filter(frac, size=3, mode="nearest")
    pore = (frac > 0.5 + 1e-6) | (ties & (neighbourhood > 0.5))
    tie_rule = frac >= 0.5 - 1e-6
    return GridTruth(frac, pore, tie_rule, float(ties.mean()))


class SharedSegmentation:
    """One segmentation for every source: a random forest on multiscale features, trained on HR scans
    of the training electrodes only, then applied unchanged to HR, bicubic, histogram-matched bicubic
    and every SR output (so differences between sources are the sources', not the thresholds').

    Parameters
    ----------
    n_voxels : int
        Annotated voxels drawn per training volume (:func:`xctkit.segment.sparse_annotations`).
    n_estimators, max_depth : int
        Forest size (see :class:`xctkit.segment.PixelClassifier`).
    seed : int

    Examples
    --------
    >>> seg = SharedSegmentation(seed=0).fit([hr_train], [pore_train])   # doctest: +SKIP
    >>> pore = seg(sr_output)                                             # bool, True = pore
    """

    def __init__(self, *, n_voxels: int = 20000, n_estimators: int = 40, max_depth: int | None = 14,
                 seed: int = 0):
        from ..segment import PixelClassifier

        self.n_voxels = check_int(n_voxels, "n_voxels", min_value=10)
        self.classifier = PixelClassifier(n_estimators=n_estimators, max_depth=max_depth, seed=seed)
        self.seed = seed
        self.fit_result = None

    def fit(self, hr_volumes, pore_labels, *, exclude=None) -> SharedSegmentation:
        """Train on HR scans with pore labels on their grid.

        Parameters
        ----------
        hr_volumes : sequence of (Z, Y, X) ndarray
        pore_labels : sequence of (Z, Y, X) ndarray of bool
            True = pore (virtual lab: the HR-grid truth; a user study: an HR segmentation).
        exclude : sequence of (Z, Y, X) bool ndarray or None, optional
            Voxels never used as annotations (e.g. partial-volume ties).

        Returns
        -------
        SharedSegmentation
            ``self``.
        """
        from ..phases import NMC, PORE
        from ..segment import sparse_annotations

        hrs, pores = list(hr_volumes), list(pore_labels)
        if len(hrs) != len(pores) or not hrs:
            raise ValueError("`hr_volumes` and `pore_labels` must hold as many volumes (at least one)")
        excl = list(exclude) if exclude is not None else [None] * len(hrs)
        rng = as_rng(self.seed)
        labels, masks = [], []
        for h, p, e in zip(hrs, pores, excl, strict=True):
            p = np.asarray(p)
            if p.dtype != bool or p.shape != np.shape(h):
                raise ValueError(f"every pore label must be a bool array of the HR shape {np.shape(h)}, "
                                 f"got {p.dtype} {p.shape}")
            lab = np.where(p, PORE, NMC).astype(np.uint8)
            labels.append(lab)
            masks.append(sparse_annotations(lab, n_voxels=min(self.n_voxels, lab.size // 2), seed=rng, exclude=e))
        self.fit_result = self.classifier.fit(hrs, labels, mask=masks)
        return self

    def pore_probability(self, volume) -> np.ndarray:
        """P(pore) of every voxel, float32 in [0, 1]."""
        from ..phases import PORE

        proba = self.classifier.predict_proba(volume)
        return proba[..., list(self.classifier.classes).index(PORE)]

    def __call__(self, volume) -> np.ndarray:
        """Pore mask (bool, True = pore) of a grey-level volume."""
        return self.pore_probability(volume) > 0.5


def _pore_mask(vol, segment) -> np.ndarray:
    if vol.dtype == bool:
        return vol
    return segment(vol) if segment is not None else ~threshold(vol).solid


def microstructure_table(sources: dict, *, voxel_um: float, segment=None, fractions=None, n_rois: int = 6,
                         roi_size=(24, 32, 32), seed: int = 0, axis: int = 0, ssa: bool = True):
    """Porosity, tortuosity and specific surface area of matched ROIs of several sources (Fig. 7).

    Parameters
    ----------
    sources : dict of str -> (Z, Y, X) ndarray
        Same shape. Boolean arrays are pore masks used as they are (a truth, or a model's phase head);
        grey-level arrays are segmented by ``segment``.
    voxel_um : float
    segment : callable, optional
        ``f(grey) -> pore mask``, the same for every grey source (e.g. :class:`SharedSegmentation`);
        default: each source's own Otsu threshold (paper 000's per-dataset choice).
    fractions : dict of str -> (Z, Y, X) ndarray of float, optional
        Pore volume fractions replacing the mask's porosity of that source (partial-volume truth).
    n_rois : int
    roi_size : (3,) tuple of int
        ROI edges, HR voxels (clipped to the volume).
    seed : int
    axis : int
        Tortuosity axis (0 = through-thickness).
    ssa : bool
        Also measure the solid's specific surface area (µm⁻¹, :func:`xctkit.micro.surface_area`).

    Returns
    -------
    pandas.DataFrame
        ``source``, ``roi``, ``porosity``, ``tortuosity`` (NaN where nothing percolates),
        ``ssa_per_um``.
    """
    import pandas as pd

    from ..micro import surface_area

    shapes = {np.shape(v) for v in sources.values()}
    if len(shapes) != 1:
        raise ValueError(f"all `sources` must have one shape, got {shapes}")
    shape = shapes.pop()
    fractions = fractions or {}
    size = tuple(min(s, n) for s, n in zip(roi_size, shape, strict=True))
    rois = random_rois(shape, size=size, n=n_rois, seed=seed)
    rows = []
    for name, vol in sources.items():
        pore = _pore_mask(np.asarray(vol), segment)
        for i, sl in enumerate(rois):
            t = tortuosity(pore[sl], axis=axis)
            phi = float(np.mean(fractions[name][sl])) if name in fractions else porosity(pore[sl])
            row = {"source": name, "roi": i, "porosity": phi, "tortuosity": t.tau}
            if ssa:
                row["ssa_per_um"] = surface_area(~pore[sl], voxel_um=voxel_um).ssa_per_um
            rows.append(row)
    return pd.DataFrame(rows)


def size_distributions(sources: dict, *, voxel_um: float, segment=None, bin_um: float = 1.0,
                       h_um: float | None = None):
    """Particle size distributions (watershed on each source's segmentation), Fig. 6.

    ``segment`` as in :func:`microstructure_table` (boolean sources are pore masks).

    Returns
    -------
    dict of str -> SizeDistribution
    """

    out = {}
    for name, vol in sources.items():
        solid = ~_pore_mask(np.asarray(vol), segment)
        parts = separate_particles(solid, voxel_um=voxel_um, h_um=h_um)
        out[name] = particle_sizes(parts.instances, voxel_um=voxel_um, bin_um=bin_um)
    return out


def morphology_errors(micro_table, psds: dict, *, reference: str = "HR", truth: str | None = "truth"):
    """How far each source's porosity, tortuosity, SSA and size distribution lie from a reference.

    Parameters
    ----------
    micro_table : pandas.DataFrame
        From :func:`microstructure_table`.
    psds : dict of str -> SizeDistribution
        From :func:`size_distributions`.
    reference : str
        Source every other one is compared with (paper 000: the HR scan, with the same segmentation).
    truth : str, optional
        Also compare with this source (the virtual lab's truth).

    Returns
    -------
    pandas.DataFrame
        One row per source: ``<q>_mean`` (mean over ROIs) for q in :data:`QUANTITIES` (the PSD median is
        of the whole volume), ``<q>_err_vs_<ref>`` (signed difference of the means, source − ref),
        ``porosity_mad_vs_<ref>`` and ``tortuosity_mad_vs_<ref>`` (mean absolute difference over matched
        ROIs) and ``psd_l1_vs_<ref>`` (L1 distance between number-weighted PSDs, 0 = identical,
        2 = disjoint), for the reference and the truth.
    """
    import pandas as pd

    quantities = [q for q in ("porosity", "tortuosity", "ssa_per_um") if q in micro_table.columns]
    piv = {q: micro_table.pivot(index="roi", columns="source", values=q) for q in quantities}

    def l1(a, b):
        n = max(a.number_fraction.size, b.number_fraction.size)
        pa = np.pad(a.number_fraction, (0, n - a.number_fraction.size))
        pb = np.pad(b.number_fraction, (0, n - b.number_fraction.size))
        return float(np.abs(pa - pb).sum())

    refs = [reference] + ([truth] if truth is not None and truth in piv["porosity"].columns else [])
    rows = []
    for src in piv["porosity"].columns:
        row = {"source": src}
        for q in quantities:
            row[f"{q}_mean"] = piv[q][src].mean()
            row[f"{q}_sd"] = piv[q][src].std()
        row["psd_median_um_mean"] = psds[src].median_um if src in psds else np.nan
        for ref in refs:
            for q in quantities:
                row[f"{q}_err_vs_{ref}"] = piv[q][src].mean() - piv[q][ref].mean()
            for q in ("porosity", "tortuosity"):
                row[f"{q}_mad_vs_{ref}"] = (piv[q][src] - piv[q][ref]).abs().mean()
            ok = src in psds and ref in psds
            row[f"psd_median_um_err_vs_{ref}"] = psds[src].median_um - psds[ref].median_um if ok else np.nan
            row[f"psd_l1_vs_{ref}"] = l1(psds[src], psds[ref]) if ok else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def measurement_ranking(errors, *, against: str, quantities=QUANTITIES, exclude=()):
    """Which source measures each quantity best: sources ordered by |error| against a reference.

    Chapter 03's sentences are generated from this ranking, and a test checks them against it.

    Parameters
    ----------
    errors : pandas.DataFrame
        From :func:`morphology_errors`.
    against : str
        The reference (``"truth"`` or ``"HR"``); it and ``exclude`` are not ranked.
    quantities : sequence of str
    exclude : sequence of str
        Sources left out of the ranking (e.g. the HR scan when ranking against the truth).

    Returns
    -------
    pandas.DataFrame
        One row per quantity: ``quantity``, ``best`` (source), ``best_abs_error``, ``order`` (all ranked
        sources, best first, as a list) and ``abs_errors`` (in that order).

    Raises
    ------
    ValueError
        If ``errors`` has no error column of a quantity against ``against``.
    """
    import pandas as pd

    skip = {against, *exclude}
    rows = []
    for q in quantities:
        col = f"{q}_err_vs_{against}"
        if col not in errors.columns:
            raise ValueError(f"`errors` has no column {col!r}: give morphology_errors(..., reference or truth="
                             f"{against!r})")
        e = errors[~errors.source.isin(skip)][["source", col]].dropna()
        e = e.assign(abs_err=e[col].abs()).sort_values(["abs_err", "source"], kind="stable")
        rows.append({"quantity": q, "best": e.source.iloc[0] if len(e) else None,
                     "best_abs_error": float(e.abs_err.iloc[0]) if len(e) else np.nan,
                     "order": e.source.tolist(), "abs_errors": e.abs_err.round(6).tolist()})
    return pd.DataFrame(rows)


_LABELS = {"porosity": "porosity", "tortuosity": "tortuosity factor τ", "psd_median_um": "PSD median",
           "ssa_per_um": "specific surface area"}


def describe_ranking(ranking, *, baselines=("bicubic", "bicubic+histmatch"), against: str = "the truth") -> str:
    """One sentence per quantity stating which source measures it best, generated from
    :func:`measurement_ranking` (chapter 03's outcome text; the order it states is the table's).

    Parameters
    ----------
    ranking : pandas.DataFrame
        From :func:`measurement_ranking`.
    baselines : sequence of str
        Non-learned sources; a sentence says so when one of them ranks first.
    against : str
        How the reference is named in the text.

    Returns
    -------
    str
        Markdown; sources appear in ranking order, separated by " > ".
    """
    base = set(baselines)
    lines = []
    for r in ranking.itertuples():
        if not r.order:
            continue
        order = " > ".join(r.order)
        tail = (" — no SR model beats the baseline here." if r.best in base else
                " — an SR model beats every baseline here.")
        lines.append(f"- **{_LABELS.get(r.quantity, r.quantity)}** (closest to {against} first, "
                     f"|error| {r.best_abs_error:.3g}): {order}{tail}")
    return "\n".join(lines)


def acceptance_table(errors, quality_summary, *, candidate: str, baseline: str = "bicubic",
                     histmatch: str = "bicubic+histmatch", reference: str = "HR", truth: str | None = "truth",
                     field_porosity: dict | None = None):
    """Issue 14's acceptance figures for one candidate source, measured, with pass/fail.

    Parameters
    ----------
    errors : pandas.DataFrame
        From :func:`morphology_errors` (with ``reference`` and ``truth``).
    quality_summary : pandas.DataFrame
        From :func:`summarize_quality` (``model``, ``psnr_db``); the candidate's image row is looked up by
        its name without a `` phase head`` suffix.
    candidate : str
        A source of ``errors`` (e.g. the phase-aware model's phase head).
    baseline : str
        Bicubic + the same segmentation (the "closer to the truth than" comparison) and the PSNR base.
    histmatch : str
    reference, truth : str
    field_porosity : dict, optional
        From :class:`LargeField` (``porosity``): truth and the candidate's entry.

    Returns
    -------
    pandas.DataFrame
        ``criterion``, ``measured``, ``target``, ``passed``.
    """
    import pandas as pd

    e = errors.set_index("source")
    c = e.loc[candidate]
    rows = [
        ("porosity vs HR (same segmentation)", c[f"porosity_err_vs_{reference}"], "|·| ≤ 0.02",
         abs(c[f"porosity_err_vs_{reference}"]) <= 0.02),
        ("τ vs HR, relative", c[f"tortuosity_err_vs_{reference}"] / e.loc[reference, "tortuosity_mean"],
         "|·| ≤ 10 %", abs(c[f"tortuosity_err_vs_{reference}"] / e.loc[reference, "tortuosity_mean"]) <= 0.10),
        ("PSD median vs HR (µm)", c[f"psd_median_um_err_vs_{reference}"], "|·| ≤ 0.5",
         abs(c[f"psd_median_um_err_vs_{reference}"]) <= 0.5),
    ]
    if truth is not None and f"porosity_err_vs_{truth}" in e.columns:
        for q, label in (("porosity", "porosity"), ("tortuosity", "τ"), ("psd_median_um", "PSD median")):
            a, b = abs(c[f"{q}_err_vs_{truth}"]), abs(e.loc[baseline, f"{q}_err_vs_{truth}"])
            rows.append((f"{label}: |error vs truth| vs bicubic + segmentation ({b:.3g})", a, f"< {b:.3g}", a < b))
        rows.append(("porosity vs volume-fraction truth", c[f"porosity_err_vs_{truth}"], "|·| ≤ 0.03",
                     abs(c[f"porosity_err_vs_{truth}"]) <= 0.03))
    if field_porosity:
        t = next((v for k, v in field_porosity.items() if k.startswith("truth")), None)
        v = field_porosity.get(candidate)
        if t is not None and v is not None:
            rows.append(("large field: porosity vs truth", v - t, "|·| ≤ 0.03", abs(v - t) <= 0.03))
    q = quality_summary.set_index("model").psnr_db
    image = candidate.replace(" phase head", "")
    if image in q:
        for base, target in ((histmatch, 2.0), (baseline, 4.0)):
            if base in q:
                gain = q[image] - q[base]
                rows.append((f"PSNR gain of {image} over {base} (dB)", gain, f"≥ {target:g}", gain >= target))
    return pd.DataFrame(rows, columns=["criterion", "measured", "target", "passed"])
