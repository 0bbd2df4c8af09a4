"""Training: Adam 1e-4, batch 32, ReduceLROnPlateau, best-on-validation checkpoint, early stopping,
CSV history, a tqdm progress display; models saved as ``.keras`` with their split and normalisation."""

from __future__ import annotations

import json
import logging
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._validate import check_int, check_positive
from ..io import atomic_path
from ._data import Normalisation, PatchSet, SplitRecord
from ._models import _keras

__all__ = ["TrainingRun", "train", "save_sr_model", "load_sr_model", "SRModelInfo"]

log = logging.getLogger(__name__)
keras = _keras()

_META_NAME = "xctkit_sr.json"


@dataclass(frozen=True)
class SRModelInfo:
    """What travels with a saved model.

    Attributes
    ----------
    name : str
    split : SplitRecord or None
    normalisation : Normalisation or None
    training : dict
        Epochs run, best epoch, best validation loss, seconds, learning rate, batch size, seed.
    """

    name: str
    split: SplitRecord | None
    normalisation: Normalisation | None
    training: dict

    def to_dict(self) -> dict:
        return {"name": self.name, "split": None if self.split is None else self.split.to_dict(),
                "normalisation": None if self.normalisation is None else self.normalisation.to_dict(),
                "training": self.training}


def save_sr_model(model, path, info: SRModelInfo, *, overwrite: bool = False) -> Path:
    """Save a generator as ``.keras`` with its :class:`SRModelInfo` embedded in the same archive.

    The model is written to a temporary file, the metadata added, and the file renamed into place;
    an existing file is replaced only with ``overwrite=True``.
    """
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"`path` must end in .keras, got {str(path)!r}")
    with atomic_path(path, overwrite=overwrite) as tmp:
        tmp_keras = tmp.with_suffix(".keras")
        model.save(tmp_keras)
        with zipfile.ZipFile(tmp_keras, "a") as zf:
            zf.writestr(_META_NAME, json.dumps(info.to_dict(), indent=1))
        tmp_keras.rename(tmp)
    return path


def load_sr_model(path, *, safe_mode: bool = True):
    """Load a model saved by :func:`save_sr_model` (Keras safe mode on by default).

    Returns
    -------
    (keras.Model, SRModelInfo)
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"`path` {str(path)!r} does not exist")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"`path` {str(path)!r} is not a .keras archive (not a zip file: corrupt or truncated?)")
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        if "config.json" not in names:
            raise ValueError(f"`path` {str(path)!r} is not a Keras model archive (no config.json inside)")
        try:
            meta = json.loads(zf.read(_META_NAME)) if _META_NAME in names else {}
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"`path` {str(path)!r}: its xctkit metadata is not valid JSON ({exc})") from None
    try:
        model = keras.saving.load_model(path, safe_mode=safe_mode, compile=False)
    except Exception as exc:  # Keras raises many types for damaged archives; name the file and the cause
        raise ValueError(f"`path` {str(path)!r} could not be loaded as a Keras model: "
                         f"{type(exc).__name__}: {exc}") from exc
    info = SRModelInfo(
        meta.get("name", model.name),
        SplitRecord.from_dict(meta["split"]) if meta.get("split") else None,
        Normalisation(**meta["normalisation"]) if meta.get("normalisation") else None,
        meta.get("training", {}),
    )
    return model, info


@dataclass(frozen=True)
class TrainingRun:
    """Outcome of :func:`train`.

    Attributes
    ----------
    name : str
    model : keras.Model
        The generator with the best validation weights restored.
    history : pandas.DataFrame
        One row per epoch: ``epoch``, ``loss`` (MSE), ``mae``, ``val_loss``, ``val_mae``, ``lr`` and,
        for adversarial runs, ``d_loss``, ``adv_loss``, ``g_loss``.
    best_epoch : int
        1-based epoch of the lowest validation loss.
    best_val_loss : float
    seconds : float
        Wall time of training.
    n_parameters : int
        Trainable parameters of the generator (the discriminator is reported separately).
    path : Path or None
        Where the model was saved.
    """

    name: str
    model: object
    history: object
    best_epoch: int
    best_val_loss: float
    seconds: float
    n_parameters: int
    path: Path | None


class _TqdmEpochs(keras.callbacks.Callback):
    """A tqdm bar over epochs showing the latest losses (silenced with ``progress=False``)."""

    def __init__(self, total: int, desc: str, enabled: bool):
        super().__init__()
        from tqdm import tqdm  # text bars: no ipywidgets needed in executed notebooks

        self.bar = tqdm(total=total, desc=desc, disable=not enabled, leave=False)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items() if k in ("loss", "val_loss")})
        self.bar.update(1)

    def on_train_end(self, logs=None):
        self.bar.close()


class _DiscriminatorFollowsLR(keras.callbacks.Callback):
    """Give an :class:`AdversarialSR`'s discriminator the generator's (plateau-reduced) learning rate."""

    def on_epoch_end(self, epoch, logs=None):
        self.model.d_optimizer.learning_rate = float(keras.ops.convert_to_numpy(self.model.g_optimizer.learning_rate))


def train(model, patches: PatchSet, *, epochs: int = 28, batch_size: int = 32, learning_rate: float = 1e-4,
          lr_patience: int = 3, stop_patience: int = 8, out_path=None, overwrite: bool = False,
          seed: int = 0, progress: bool = False, name: str | None = None) -> TrainingRun:
    """Train a super-resolution model on a :class:`PatchSet` (paper 000's configuration by default).

    Parameters
    ----------
    model : keras.Model or AdversarialSR
        A generator (trained with MSE loss and MAE metric) or an adversarial wrapper from
        :func:`make_adversarial` (already compiled).
    patches : PatchSet
    epochs : int
        Maximum epochs (paper 000: 28).
    batch_size : int
        Paper 000: 32.
    learning_rate : float
        Adam learning rate for a plain generator (paper 000: 1e-4).
    lr_patience : int
        ReduceLROnPlateau patience (factor 0.5) on the validation loss.
    stop_patience : int
        EarlyStopping patience; the best weights are restored.
    out_path : path, optional
        Save the trained generator here (``.keras``), with split, normalisation and the history CSV
        beside it (``<name>_history.csv``).
    overwrite : bool
        Replace an existing model file at ``out_path`` (refused by default).
    seed : int
        Seeds Keras/torch weight initialisation and shuffling (``keras.utils.set_random_seed``).
    progress : bool
        tqdm bar over epochs.
    name : str, optional

    Returns
    -------
    TrainingRun
    """
    import pandas as pd

    from ._gan import AdversarialSR

    if not isinstance(patches, PatchSet):
        raise TypeError(f"`patches` must be an xctkit.sr.PatchSet, got {type(patches).__name__}")
    epochs = check_int(epochs, "epochs", min_value=1)
    batch_size = check_int(batch_size, "batch_size", min_value=1)
    learning_rate = check_positive(learning_rate, "learning_rate")
    if len(patches.x_val) == 0:
        raise ValueError("`patches` has no validation patches; use val_fraction > 0")
    keras.utils.set_random_seed(int(seed))
    adversarial = isinstance(model, AdversarialSR)
    generator = model.generator if adversarial else model
    name = name or generator.name
    if not adversarial:
        model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse", metrics=["mae"])
    callbacks = [
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=lr_patience, min_lr=1e-6),
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=stop_patience, restore_best_weights=True),
        _TqdmEpochs(epochs, name, progress),
    ]
    if adversarial:  # after ReduceLROnPlateau: the discriminator follows the generator's rate
        callbacks.insert(1, _DiscriminatorFollowsLR())
    t0 = time.perf_counter()
    hist = model.fit(patches.x_train, patches.y_train, validation_data=(patches.x_val, patches.y_val),
                     epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0, callbacks=callbacks)
    seconds = time.perf_counter() - t0
    history = pd.DataFrame(hist.history)
    history.insert(0, "epoch", np.arange(1, len(history) + 1))
    if "learning_rate" in history:
        history = history.rename(columns={"learning_rate": "lr"})
    best = int(history.val_loss.idxmin())
    info = SRModelInfo(name, patches.split, patches.normalisation, {
        "epochs_run": int(len(history)), "best_epoch": best + 1, "best_val_loss": float(history.val_loss[best]),
        "seconds": round(seconds, 2), "batch_size": batch_size, "learning_rate": learning_rate,
        "seed": int(seed), "adversarial": adversarial,
        "adv_weight": getattr(model, "adv_weight", None)})
    path = None
    if out_path is not None:
        path = save_sr_model(generator, out_path, info, overwrite=overwrite)
        history_csv = Path(out_path).with_name(f"{Path(out_path).stem}_history.csv")
        with atomic_path(history_csv, overwrite=True) as tmp:  # belongs to the model just written
            history.to_csv(tmp, index=False)
    n_params = int(sum(np.prod(w.shape) for w in generator.trainable_weights))
    log.info("%s: %d epochs in %.1f s, best val_loss %.5f at epoch %d", name, len(history), seconds,
             history.val_loss[best], best + 1)
    return TrainingRun(name, generator, history, best + 1, float(history.val_loss[best]), seconds, n_params, path)
