"""Error bars of the phase-aware SR model across held-out electrodes and training seeds (issue 14).

Chapter 03's main tables hold one electrode out and train once; the spread between ROIs of that one
electrode says nothing about another electrode or another training run. :func:`cross_validate_morph`
repeats the whole chain of the measurement comparison for every held-out electrode ("fold", leave one
electrode out) and every training seed: the histogram baseline and the shared segmentation are refitted
on the fold's training electrodes, the phase-aware model is retrained, and every source is measured on
the held-out electrode's volumes exactly as in the main table (:func:`microstructure_table`,
:func:`size_distributions`, :func:`morphology_errors`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ._sr import microstructure_table, morphology_errors, predict_test_set, size_distributions
from ._sr_training import (
    HISTMATCH_NAME,
    MORPH_NAME,
    fit_histogram_match,
    fit_shared_segmentation,
    grid_truth,
    morph_settings,
    train_morph_model,
    volume_preserving_mask,
)
from ._study import Study, StudyError

__all__ = ["MorphCrossValidation", "cross_validate_morph", "CV_QUANTITIES", "describe_single_design"]

CV_QUANTITIES = ("porosity", "tortuosity", "psd_median_um")
"""Quantities whose errors :class:`MorphCrossValidation` summarises (the issue's acceptance triple)."""


def _identity(volume):
    return np.asarray(volume, dtype=np.float32)


@dataclass(frozen=True)
class MorphCrossValidation:
    """Result of :func:`cross_validate_morph`.

    Attributes
    ----------
    errors : pandas.DataFrame
        One row per (fold, seed, test volume, source): ``fold`` (the held-out electrode), ``seed``,
        ``electrode``, ``state``, ``source`` and the columns of :func:`morphology_errors` (means over
        the ROIs and signed errors against ``HR`` and, in the virtual lab, ``truth``). Baseline rows
        (``bicubic``, ``bicubic+histmatch``, ``HR``, ``truth``) do not depend on the seed and repeat
        under every seed of their fold.
    training : pandas.DataFrame
        One row per (fold, seed): the phase-aware model's training record (``epochs_run``,
        ``best_epoch``, ``stopped_early``, ``best_val_loss``, ``seconds``), the electrodes its
        patches came from (``train_electrodes``, comma-separated) and whether a model of the study's
        own split was reused (``reused``).
    candidate : str
        The source judged against the baselines (the phase head's segmentation).
    references : tuple of str
        ``("HR",)`` or ``("HR", "truth")``.
    """

    errors: pd.DataFrame = field(repr=False)
    training: pd.DataFrame = field(repr=False)
    candidate: str
    references: tuple

    @property
    def n_runs(self) -> int:
        """Trainings evaluated (folds × seeds)."""
        return len(self.training)

    def summary(self) -> pd.DataFrame:
        """Per source and reference: mean, SD and count over folds × seeds × volumes of each signed
        error of :data:`CV_QUANTITIES`, and of its absolute value.

        Returns
        -------
        pandas.DataFrame
            Columns ``source``, ``reference``, ``quantity``, ``mean_error``, ``sd_error``,
            ``mean_abs_error``, ``n``.
        """
        rows = []
        for ref in self.references:
            for q in CV_QUANTITIES:
                col = f"{q}_err_vs_{ref}"
                for src, g in self.errors.groupby("source", sort=False):
                    if src == ref:
                        continue
                    e = g[col].astype(float).dropna()
                    rows.append({"source": src, "reference": ref, "quantity": q,
                                 "mean_error": float(e.mean()) if len(e) else np.nan,
                                 "sd_error": float(e.std(ddof=1)) if len(e) > 1 else np.nan,
                                 "mean_abs_error": float(e.abs().mean()) if len(e) else np.nan,
                                 "n": int(len(e))})
        return pd.DataFrame(rows)

    def wins(self, baseline: str = "bicubic") -> pd.DataFrame:
        """How often the candidate is closer to each reference than ``baseline``, per quantity.

        Every (fold, seed, volume) is one comparison of |candidate − reference| with
        |baseline − reference| (the same ROIs and the same segmentation).

        Returns
        -------
        pandas.DataFrame
            Columns ``reference``, ``quantity``, ``closer`` (comparisons the candidate wins), ``n``.
        """
        key = ["fold", "seed", "electrode", "state"]
        cand = self.errors[self.errors.source == self.candidate].set_index(key)
        base = self.errors[self.errors.source == baseline].set_index(key)
        if base.empty:
            raise ValueError(f"`baseline` {baseline!r} is not a source of this cross-validation; "
                             f"sources: {sorted(set(self.errors.source))}")
        rows = []
        for ref in self.references:
            for q in CV_QUANTITIES:
                col = f"{q}_err_vs_{ref}"
                a, b = cand[col].abs().align(base[col].abs(), join="inner")
                ok = a.notna() & b.notna()
                rows.append({"reference": ref, "quantity": q, "closer": int((a[ok] < b[ok]).sum()),
                             "n": int(ok.sum())})
        return pd.DataFrame(rows)


    def describe(self, baseline: str = "bicubic") -> str:
        """Markdown sentences for chapter 03, generated from :meth:`summary` and :meth:`wins`.

        Examples
        --------
        >>> cv.describe()                                                     # doctest: +SKIP
        'Over 3 held-out electrodes × 3 training seeds (9 trainings, 9 volumes) ...'
        """
        summary = self.summary().set_index(["source", "reference", "quantity"])
        wins = self.wins(baseline).set_index(["reference", "quantity"])
        folds = sorted(set(self.training.fold))
        seeds = sorted(set(self.training.seed))
        n_vol = int(wins.n.max()) if len(wins) else 0
        units = {"porosity": "", "tortuosity": "", "psd_median_um": " µm"}
        label = {"porosity": "porosity", "tortuosity": "τ", "psd_median_um": "PSD median"}
        lines = [f"Over {len(folds)} held-out electrode(s) ({', '.join(folds)}) × {len(seeds)} training "
                 f"seed(s) ({self.n_runs} trainings, {n_vol} volume measurements):"]
        for ref in self.references:
            parts = []
            for q in CV_QUANTITIES:
                c, b = summary.loc[(self.candidate, ref, q)], summary.loc[(baseline, ref, q)]
                w = wins.loc[(ref, q)]
                parts.append(f"{label[q]} error {_pm(c, units[q])} ({baseline}: {_pm(b, units[q])}), "
                             f"closer than {baseline} in {int(w.closer)} of {int(w.n)}")
            lines.append(f"- against {'the truth' if ref == 'truth' else 'the HR scan'}, {self.candidate}: "
                         + "; ".join(parts) + ".")
        return "\n".join(lines)


def describe_single_design(test_electrodes, n_seeds: int, profile: str) -> str:
    """Chapter 03's sentence when a run affords no cross-validation (one held-out design point).

    Examples
    --------
    >>> describe_single_design(["dry2"], 1, "default")[:40]
    'This run (default profile) affords one h'
    """
    return (f"This run ({profile} profile) affords one held-out electrode set ({', '.join(test_electrodes)}) and "
            f"{int(n_seeds)} training seed(s): the tables above are that single design point, so their "
            "intervals are the spread over ROIs, not over electrodes or trainings. The `full` profile holds out "
            "each dry electrode in turn with three seeds; `-p morph_folds=[dry1,dry2,dry3]` runs that design "
            "in any profile.")


def _pm(row, unit: str) -> str:
    """``mean ± SD unit`` (no SD from a single value)."""
    if not np.isfinite(row.mean_error):
        return "not measured"
    sd = f" ± {row.sd_error:.2g}" if np.isfinite(row.sd_error) else ""
    return f"{row.mean_error:+.3g}{sd}{unit}"


def _reusable(trained, seed: int, study: Study, fold: Study, config: dict):
    """The run of ``trained`` for ``seed`` if it is the one this fold would train, else None."""
    run = (trained or {}).get(seed)
    if run is None or tuple(fold.test_electrodes) != tuple(study.test_electrodes):
        return None
    same_data = set(run.sr.train_electrodes) <= set(fold.train_electrodes)
    same_limit = run.sr.training.get("max_epochs") == config.get("epochs")
    return run if same_data and same_limit else None


def _fold_study(study: Study, electrode: str) -> Study:
    return dataclasses.replace(study, test_electrodes=(electrode,),
                               val_electrodes=tuple(v for v in study.val_electrodes if v != electrode))


def cross_validate_morph(study: Study, pairs, models_dir, *, folds=(), seeds=(), profile: str = "quick",
                         n_rois: int = 4, roi_size=(24, 32, 32), axes: str = "z", seed: int = 0,
                         ssa: bool = False, trained: dict | None = None, **settings) -> MorphCrossValidation:
    """Leave one electrode out × training seeds for the phase-aware model and the baselines.

    For every electrode in ``folds``: the histogram-matched baseline and the shared random-forest
    segmentation are fitted on the other electrodes (validation electrodes stay out as in the study),
    then for every seed the phase-aware model is trained on them with the profile's settings
    (:data:`MORPH_PROFILES`, early stopping included) and written to
    ``<models_dir>/folds/<electrode>-seed<s>/``; each of the held-out electrode's volumes is measured
    from HR, bicubic, histogram-matched bicubic, the model's grey output and its phase head, all through
    the fold's shared segmentation, on the same random ROIs.

    Parameters
    ----------
    study : Study
    pairs : list of xctkit.sr.RegisteredPair
        Every pair of the study (training and held-out).
    models_dir : path
        Parent of the per-fold model folders.
    folds : sequence of str
        Electrodes held out one at a time; empty: the study's test electrodes.
    seeds : sequence of int
        Training seeds; empty: the profile's.
    profile : str
        Key of :data:`MORPH_PROFILES`.
    n_rois : int
        ROIs per held-out volume.
    roi_size : (3,) tuple of int
        ROI edges, HR voxels (clipped to the volume; chapter 03 passes the measured REV).
    axes : {'z', 'orthogonal'}
        Inference of the grey baselines (as :func:`predict_test_set`).
    seed : int
        Seed of the ROIs and the random forest.
    ssa : bool
        Also measure the specific surface area.
    trained : dict of int -> xctkit.sr.MorphRun, optional
        Models already trained on the study's own split (:func:`train_morph_seeds` with the same
        profile and settings, as chapter 03 does): for the fold that holds out exactly the study's test
        electrodes, a seed found here is evaluated instead of trained again (``reused`` in
        :attr:`MorphCrossValidation.training`). A run trained on other electrodes or for another
        epoch limit is not reused.
    **settings
        Override single training settings of the profile (``epochs``, ``n_patches``, ...).

    Returns
    -------
    MorphCrossValidation

    Raises
    ------
    ValueError
        On an unknown profile, repeated seeds or folds, or a fold electrode without pairs.

    Examples
    --------
    >>> cv = cross_validate_morph(study, pairs, "models", folds=["dry1", "dry2", "dry3"],
    ...                           seeds=[0, 1, 2], profile="full")                      # doctest: +SKIP
    >>> cv.summary()                                                                     # doctest: +SKIP
    """
    config, chosen_seeds = morph_settings(profile, seeds, settings)
    chosen_folds = [str(e) for e in folds] or list(study.test_electrodes)
    if len(set(chosen_folds)) != len(chosen_folds):
        raise ValueError(f"`folds` must not repeat, got {chosen_folds}")
    with_pairs = {p.electrode for p in pairs}
    missing = [e for e in chosen_folds if e not in with_pairs]
    if missing:
        raise ValueError(f"`folds` {missing} have no LR/HR pair; electrodes with pairs: {sorted(with_pairs)}")
    root = Path(models_dir) / "folds"
    candidate = f"{MORPH_NAME} phase head"
    errors, training = [], []
    for electrode in chosen_folds:
        fold = _fold_study(study, electrode)
        if not fold.train_electrodes:
            raise StudyError(f"fold {electrode!r} leaves no training electrode")
        test = [p for p in pairs if p.electrode == electrode]
        histmatch = fit_histogram_match(fold, pairs)
        shared = fit_shared_segmentation(fold, pairs, seed=seed)
        base = predict_test_set({"bicubic": _identity, HISTMATCH_NAME: histmatch}, test, axes=axes)
        fixed = []
        for k, p in enumerate(test):
            srcs, fracs = {}, {}
            truth = grid_truth(fold, p)
            if truth is not None:
                srcs["truth"], fracs["truth"] = truth.pore, truth.fraction
            srcs["HR"] = p.hr
            srcs.update({n: v[k] for n, v in base.outputs.items()})
            fixed.append((microstructure_table(srcs, voxel_um=p.voxel_um, segment=shared, fractions=fracs,
                                               n_rois=n_rois, roi_size=roi_size, seed=seed, ssa=ssa),
                          size_distributions(srcs, voxel_um=p.voxel_um, segment=shared)))
        for s in chosen_seeds:
            run = _reusable(trained, s, study, fold, config)
            reused = run is not None
            if not reused:
                out = root / f"{electrode}-seed{s}"
                out.mkdir(parents=True, exist_ok=True)
                run = train_morph_model(fold, pairs, out, seed=s, **config)
            training.append({"fold": electrode, **run.sr.training, "seed": s, "reused": reused,
                             "train_electrodes": ",".join(run.sr.train_electrodes)})
            for k, p in enumerate(test):
                grey, prob = run.sr.predict(p.lr_up)
                srcs = {MORPH_NAME: np.clip(grey, base.window.lo, base.window.hi),
                        candidate: volume_preserving_mask(prob)}
                micro = microstructure_table(srcs, voxel_um=p.voxel_um, segment=shared,
                                             fractions={candidate: prob}, n_rois=n_rois, roi_size=roi_size,
                                             seed=seed, ssa=ssa)
                psds = {**fixed[k][1], **size_distributions(srcs, voxel_um=p.voxel_um, segment=shared)}
                table = morphology_errors(pd.concat([fixed[k][0], micro], ignore_index=True), psds,
                                          reference="HR", truth="truth" if "truth" in psds else None)
                errors.append(table.assign(fold=electrode, seed=s, electrode=p.electrode, state=p.state))
    frame = pd.concat(errors, ignore_index=True)
    lead = ["fold", "seed", "electrode", "state", "source"]
    frame = frame[lead + [c for c in frame.columns if c not in lead]]
    refs = ("HR", "truth") if "truth" in set(frame.source) else ("HR",)
    return MorphCrossValidation(frame, pd.DataFrame(training), candidate, refs)
