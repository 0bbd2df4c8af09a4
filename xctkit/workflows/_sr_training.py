"""Paper 000's SR chapter as chains of a :class:`~xctkit.workflows.Study`: train every model on the
study's training electrodes, and load them back for evaluation on its test electrodes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import time

import numpy as np
import pandas as pd

from .._validate import check_int, check_positive
from ..imaging import upscale_to
from ..micro import porosity
from ..papers import SR_CURVES, SR_TABLE1
from ..phases import NMC
from ..segment import threshold
from ..sr import (
    MODEL_NAMES,
    PAPER_PARAMETERS,
    PatchSet,
    bicubic_baseline,
    build_model,
    enhance_lr_zarr,
    load_pairs,
    load_sr_model,
    make_patch_set,
    receptive_radius,
    train,
)
from ..synth import coarsen_solid
from ._study import Study

__all__ = ["SRTraining", "train_sr_models", "load_sr_models", "models_dir", "quality_vs_paper",
           "morphology_sources", "LargeField", "enhance_large_field"]


def models_dir(study: Study, data_dir, *, profile: str, seed: int) -> Path:
    """Where a study's trained models live: ``<data_dir>/models/<study.name>-<profile>-seed<seed>``
    (the virtual lab keeps the historical ``<profile>-seed<seed>``)."""
    seed = check_int(seed, "seed", min_value=0)
    tag = f"{profile}-seed{seed}" if study.source == "virtual_lab" else f"{study.name}-{profile}-seed{seed}"
    return Path(data_dir) / "models" / tag


@dataclass(frozen=True)
class SRTraining:
    """Result of :func:`train_sr_models`.

    Attributes
    ----------
    patches : xctkit.sr.PatchSet
        The training and validation cut-outs (never from a test electrode).
    runs : dict of str -> xctkit.sr.TrainingRun
        Per model name, in training order.
    models : dict of str -> keras.Model
        The built models (adversarial ones wrapped), for parameter counts.
    models_dir : Path
        Where each ``<name>.keras`` and ``<name>_history.csv`` was written.
    patch : int
        Training patch edge, pixels.
    """

    patches: PatchSet
    runs: dict
    models: dict = field(repr=False)
    models_dir: Path
    patch: int

    def split_frame(self) -> pd.Series:
        """The split record, with the electrodes the patches actually came from."""
        s = pd.Series(self.patches.split.to_dict())
        s["patch_electrodes_train"] = sorted(set(self.patches.electrode_train))
        s["patch_electrodes_val"] = sorted(set(self.patches.electrode_val))
        return s

    def parameters_frame(self) -> pd.DataFrame:
        """Parameters of every generator and discriminator, receptive radius, the paper's count."""
        rows = []
        for name, m in self.models.items():
            gen = getattr(m, "generator", m)
            disc = getattr(m, "discriminator", None)
            rows.append({"model": name, "generator_parameters": gen.count_params(),
                         "discriminator_parameters": None if disc is None else disc.count_params(),
                         "receptive_radius_px": receptive_radius(gen),
                         "paper_parameters": PAPER_PARAMETERS if name in ("CNN", "GAN") else "—"})
        out = pd.DataFrame(rows)
        out.loc[out.model == "GAN", "note"] = f"discriminator counted at {self.patch} px patches (paper: 128)"
        return out

    def training_frame(self) -> pd.DataFrame:
        """Epochs run, best epoch and validation losses, wall time per model."""
        return pd.DataFrame([{"model": r.name, "epochs_run": len(r.history), "best_epoch": r.best_epoch,
                              "best_at_last_epoch": r.best_epoch == len(r.history),
                              "best_val_mse": r.best_val_loss,
                              "val_mae_at_best": float(r.history.val_mae[r.best_epoch - 1]),
                              "train_seconds": r.seconds, "seconds_per_epoch": r.seconds / len(r.history)}
                             for r in self.runs.values()])

    def curves_frame(self) -> pd.DataFrame:
        """Final training losses next to paper 000's (Fig. 4)."""
        rows = []
        for n, r in self.runs.items():
            paper = SR_CURVES.get(n, {})
            rows.append({"model": n, "xctkit_train_mse": float(r.history.loss.iloc[-1]),
                         "xctkit_train_mae": float(r.history.mae.iloc[-1]), "xctkit_val_mse": r.best_val_loss,
                         "paper_train_mse": paper.get("train_mse", float("nan")),
                         "paper_train_mae": paper.get("train_mae", float("nan"))})
        return pd.DataFrame(rows)

    def histories(self) -> dict:
        """Model name -> per-epoch history (for :func:`xctkit.plots.learning_curves`)."""
        return {n: r.history for n, r in self.runs.items()}


def train_sr_models(study: Study, *, models_dir, names=MODEL_NAMES, patch: int = 128,
                    n_patches: int = 2000, epochs: int = 28, learning_rate: float = 1e-4, filters: int = 64,
                    n_blocks: int = 16, adv_weight: float = 1e-3, seed: int = 0) -> SRTraining:
    """Cut patches from the study's training pairs and train every named model on them.

    Parameters
    ----------
    study : Study
        Its test electrodes are excluded from the patches (split by electrode).
    models_dir : str or Path
        Where every model (``<name>.keras`` with its split and normalisation) is written.
    names : sequence of str
        Models of :data:`xctkit.sr.MODEL_NAMES`.
    patch, n_patches : int
        Patch edge (pixels) and number of training cut-outs.
    epochs, learning_rate, filters, n_blocks, adv_weight
        As :func:`xctkit.sr.build_model` and :func:`xctkit.sr.train`.
    seed : int

    Returns
    -------
    SRTraining
    """
    if not study.pairs():
        raise ValueError("the study has no LR/HR XCT pairs to train on (manifest fields: "
                         "`resolution: lr/hr` and `pair:`)")
    check_positive(learning_rate, "learning_rate")
    pairs = load_pairs(study.manifest)
    patches = make_patch_set(pairs, test_electrodes=list(study.test_electrodes), patch=patch,
                             n_patches=n_patches, seed=seed)
    built = {n: build_model(n, patch=patch, filters=filters, n_blocks=n_blocks, adv_weight=adv_weight,
                            learning_rate=learning_rate) for n in names}
    root = Path(models_dir)
    # a chapter re-run retrains into the same folder: its own earlier models are replaced
    runs = {n: train(m, patches, epochs=epochs, learning_rate=learning_rate, out_path=root / f"{n}.keras",
                     overwrite=True, seed=seed, name=n) for n, m in built.items()}
    return SRTraining(patches, runs, built, root, int(patch))


def load_sr_models(study: Study, models_dir, *, names=MODEL_NAMES) -> tuple[dict, dict]:
    """Load trained models for evaluation, refusing any trained on one of the study's test electrodes.

    Returns
    -------
    models : dict of str -> (keras.Model, Normalisation or None)
        ``bicubic`` (no model) first, then ``names``.
    infos : dict of str -> xctkit.sr.SRModelInfo

    Raises
    ------
    ValueError
        If a model's training electrodes include a test electrode (leakage).
    """
    root = Path(models_dir)
    models, infos = {"bicubic": (bicubic_baseline(), None)}, {}
    for n in names:
        m, info = load_sr_model(root / f"{n}.keras")
        models[n], infos[n] = (m, info.normalisation), info
    leaks = {n: sorted(set(i.split.train_electrodes) & set(study.test_electrodes)) for n, i in infos.items()}
    if any(leaks.values()):
        raise ValueError(f"test electrodes used in training: {leaks}")
    return models, infos


_PAPER_ROWS = {"bicubic": "no model", "GAN": "GAN", "CNN": "CNN"}


def quality_vs_paper(summary: pd.DataFrame) -> pd.DataFrame:
    """Table 1 of paper 000 beside a :func:`~xctkit.workflows.summarize_quality` table.

    Adds ``paper_ssim``, ``paper_psnr_db`` (NaN for models the paper did not train) and the gains over
    the bicubic baseline, ``psnr_gain_db`` and ``ssim_gain``.

    Raises
    ------
    ValueError
        If the table has no ``bicubic`` row (the gains are relative to it).
    """
    out = summary.copy()
    if "bicubic" not in set(out.model):
        raise ValueError("`summary` needs a 'bicubic' row: gains are measured against the baseline")
    for col in ("ssim", "psnr_db"):
        out[f"paper_{col}"] = [SR_TABLE1[_PAPER_ROWS[m]][col] if m in _PAPER_ROWS else np.nan for m in out.model]
    base = out.set_index("model").loc["bicubic"]
    out["psnr_gain_db"] = out.psnr_db - base.psnr_db
    out["ssim_gain"] = out.ssim - base.ssim
    return out


def morphology_sources(study: Study, pred, k: int = 0, *, crop_vox: int = 3) -> dict:
    """The volumes paper 000's Figs 6–7 compare for one test pair: truth (virtual lab only, as a pore
    mask on the HR grid), the HR scan, the bicubic LR and every model's output.

    Parameters
    ----------
    study : Study
    pred : xctkit.workflows.TestPredictions
    k : int
        Index of the test pair.
    crop_vox : int
        HR voxels :func:`xctkit.sr.load_pairs` cropped from every face (to align the truth).

    Returns
    -------
    dict of str -> ndarray
        ``truth`` (bool pore mask) first when the study has truth, then ``HR``, ``LR`` and the models.
    """
    p = pred.pairs[k]
    out = {}
    if study.has_truth:
        labels = study.reference_labels(p.hr_id)
        solid = coarsen_solid(labels.array == NMC, labels.voxel_um, p.voxel_um)
        sl = tuple(slice(crop_vox, crop_vox + n) for n in p.hr.shape)
        out["truth"] = ~solid[sl]
    out["HR"] = p.hr
    out["LR"] = pred.outputs["bicubic"][k]
    out.update({n: v[k] for n, v in pred.outputs.items() if n != "bicubic"})
    return out


@dataclass(frozen=True)
class LargeField:
    """Result of :func:`enhance_large_field`.

    Attributes
    ----------
    bicubic, enhanced : (Z, Y, X) ndarray of float32
        The LR field upscaled onto the HR grid, and the model's output.
    seconds : float
        Wall time of the chunked enhancement.
    porosity_truth : float
        Porosity of the 3-D truth on the HR grid (NaN without truth).
    porosity_bicubic, porosity_enhanced : float
        Porosity after an Otsu threshold of each.
    source_id : str
        The manifest id of the LR field.
    """

    bicubic: np.ndarray = field(repr=False)
    enhanced: np.ndarray = field(repr=False)
    seconds: float
    porosity_truth: float
    porosity_bicubic: float
    porosity_enhanced: float
    source_id: str

    def to_frame(self) -> pd.DataFrame:
        n = float(np.prod(self.enhanced.shape))
        return pd.DataFrame([
            {"quantity": "voxels enhanced", "value": n},
            {"quantity": "enhancement time (s)", "value": self.seconds},
            {"quantity": "throughput (voxels/s)", "value": n / self.seconds},
            {"quantity": "porosity, truth", "value": self.porosity_truth},
            {"quantity": "porosity, bicubic + Otsu", "value": self.porosity_bicubic},
            {"quantity": "porosity, CNN + Otsu", "value": self.porosity_enhanced},
        ])


def enhance_large_field(study: Study, model, normalisation, out_path, *, hr_voxel_um: float) -> LargeField:
    """Super-resolve a whole LR field of view out of core (paper 000 Fig. 8).

    The field is the virtual lab's unseen large scan (``fov_lr``), or in a user study the LR scan of
    the first test pair (its HR partner covers only part of it).
    """
    ids = [s.id for s in study.manifest]
    if "fov_lr" in ids:
        source = "fov_lr"
    else:
        tests = study.pairs(split="test") or study.pairs()
        if not tests:
            raise ValueError("the study has no LR scan to enhance")
        source = tests[0][0].id
    lr = study.read(source)
    t0 = time.perf_counter()
    enhanced = enhance_lr_zarr(model, lr, out_path, hr_voxel_um=hr_voxel_um, normalisation=normalisation,
                               overwrite=True)
    seconds = time.perf_counter() - t0
    lo, hi = (0.0, 1.0) if normalisation is None else (normalisation.lo, normalisation.hi)
    enh = np.clip(np.asarray(enhanced.array), lo, hi)  # the model's intensity window, scan units
    bicubic = upscale_to(lr.array, lr_voxel_um=lr.voxel_um, hr_voxel_um=hr_voxel_um, out_shape=enh.shape)
    phi_truth = float("nan")
    labels = study.reference_labels(source) if study.has_truth else None
    if labels is not None:
        solid = coarsen_solid(labels.array == NMC, labels.voxel_um, hr_voxel_um)
        n = tuple(min(a, b) for a, b in zip(solid.shape, enh.shape, strict=True))
        phi_truth = porosity(~solid[: n[0], : n[1], : n[2]])
    return LargeField(bicubic, enh, seconds, phi_truth, porosity(~threshold(bicubic).solid),
                      porosity(~threshold(enh).solid), source)

