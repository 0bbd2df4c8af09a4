"""A morphology-faithful SR model beyond paper 000: 2.5-D context and a phase-probability head.

Paper 000's CNN sees one upscaled LR slice and is trained on grey-level MSE only, so nothing in its
loss asks for the pore/solid boundary to be where the HR scan has it. This model

* takes neighbouring upscaled-LR slices as input channels (2.5-D context: the LR voxel spans about
  three HR slices, so the slices around the one predicted carry real information about it);
* has two heads on one shared residual body: the HR grey level (residual on the centre slice,
  MSE) and the pore probability per HR voxel, trained against the HR-grid phase labels a user has
  (an HR segmentation, or the virtual lab's truth volume fractions as soft labels) with
  Dice + binary cross-entropy, a boundary-sensitive loss (Milletari et al. 2016; the combination of
  nnU-Net, Isensee et al. 2021).

Keras 3 functional model; the Dice term is hand-written (Keras ships no Dice loss for soft targets).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._validate import as_grey, as_rng, check_fraction, check_int, check_positive
from ._data import Normalisation

__all__ = ["MorphPatches", "MorphSR", "MorphRun", "morph_sr_model", "dice_bce", "stack_context", "make_morph_patches",
           "train_morph_sr", "load_morph_sr"]


def _keras():
    import keras

    return keras


def dice_bce(y_true, y_pred, *, smooth: float = 1.0):
    """Soft Dice loss + binary cross-entropy of a pore-probability map (labels may be fractions).

    Parameters
    ----------
    y_true, y_pred : (N, H, W, 1) tensors in [0, 1]
    smooth : float
        Added to numerator and denominator (keeps empty patches finite).

    Returns
    -------
    tensor
        Per-sample loss, shape (N,).
    """
    keras = _keras()
    ops = keras.ops
    y_true = ops.convert_to_tensor(y_true, dtype="float32")
    y_pred = ops.clip(ops.convert_to_tensor(y_pred, dtype="float32"), 1e-6, 1 - 1e-6)
    axes = (1, 2, 3)
    inter = ops.sum(y_true * y_pred, axis=axes)
    dice = 1.0 - (2.0 * inter + smooth) / (ops.sum(y_true, axis=axes) + ops.sum(y_pred, axis=axes) + smooth)
    bce = -ops.mean(y_true * ops.log(y_pred) + (1 - y_true) * ops.log(1 - y_pred), axis=axes)
    return dice + bce


_CENTRE = None


def _centre_layer():
    """A serialisable layer picking the centre channel (a Lambda would not reload safely)."""
    global _CENTRE
    if _CENTRE is None:
        keras = _keras()

        @keras.saving.register_keras_serializable(package="xctkit")
        class CentreSlice(keras.layers.Layer):
            def __init__(self, index: int, **kwargs):
                super().__init__(**kwargs)
                self.index = int(index)

            def call(self, x):
                return x[..., self.index:self.index + 1]

            def compute_output_shape(self, shape):
                return (*shape[:-1], 1)

            def get_config(self):
                return {**super().get_config(), "index": self.index}

        _CENTRE = CentreSlice
    return _CENTRE


def morph_sr_model(*, context: int = 2, filters: int = 32, n_blocks: int = 4, name: str = "SR25D"):
    """The 2.5-D, two-headed network.

    Parameters
    ----------
    context : int
        Neighbouring slices on each side (input channels ``2 * context + 1``; 0 = a 2-D model).
    filters, n_blocks : int
        Width and depth of the residual body (3×3 convolutions).
    name : str

    Returns
    -------
    keras.Model
        Input ``(None, None, 2 * context + 1)`` (normalised upscaled-LR slices, centre in the middle);
        outputs ``{"grey": (None, None, 1), "pore": (None, None, 1)}`` (normalised HR grey level, pore
        probability).
    """
    keras = _keras()
    layers = keras.layers
    context = check_int(context, "context", min_value=0)
    filters = check_int(filters, "filters", min_value=1)
    n_blocks = check_int(n_blocks, "n_blocks", min_value=1)
    c = 2 * context + 1
    inp = keras.Input((None, None, c), name="lr_slices")
    centre = _centre_layer()(context, name="centre")(inp)
    x = layers.Conv2D(filters, 3, padding="same", activation="relu", name="head_conv")(inp)
    skip = x
    for i in range(n_blocks):
        y = layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"block{i}_a")(x)
        y = layers.Conv2D(filters, 3, padding="same", name=f"block{i}_b")(y)
        x = layers.Add(name=f"block{i}_add")([x, y])
    x = layers.Add(name="body_skip")([x, skip])
    g = layers.Conv2D(filters, 3, padding="same", activation="relu", name="grey_conv")(x)
    g = layers.Conv2D(1, 3, padding="same", name="grey_residual")(g)
    grey = layers.Add(name="grey")([centre, g])
    p = layers.Conv2D(filters, 3, padding="same", activation="relu", name="pore_conv")(x)
    pore = layers.Conv2D(1, 1, activation="sigmoid", name="pore")(p)
    return keras.Model(inp, {"grey": grey, "pore": pore}, name=name)


def stack_context(volume, z, context: int) -> np.ndarray:
    """Slices ``z - context … z + context`` of a volume as channels (edges repeated).

    Parameters
    ----------
    volume : (Z, Y, X) ndarray
    z : int or (K,) array of int
    context : int

    Returns
    -------
    (K, Y, X, 2 * context + 1) ndarray of float32
    """
    v = np.asarray(volume, dtype=np.float32)
    zs = np.atleast_1d(np.asarray(z, dtype=np.int64))
    idx = np.clip(zs[:, None] + np.arange(-context, context + 1)[None, :], 0, v.shape[0] - 1)
    return np.moveaxis(v[idx], 1, -1)


@dataclass(frozen=True)
class MorphPatches:
    """Training cut-outs for :func:`train_morph_sr` (x: context slices; grey and pore targets)."""

    x_train: np.ndarray = field(repr=False)
    grey_train: np.ndarray = field(repr=False)
    pore_train: np.ndarray = field(repr=False)
    x_val: np.ndarray = field(repr=False)
    grey_val: np.ndarray = field(repr=False)
    pore_val: np.ndarray = field(repr=False)
    normalisation: Normalisation
    context: int
    train_electrodes: tuple


def make_morph_patches(lr_up, hr, pore, *, electrodes, context: int = 2, patch: int = 32, n_patches: int = 800,
                       val_fraction: float = 0.2, seed: int = 0) -> MorphPatches:
    """Random x–y patches with their context slices from training volumes.

    Parameters
    ----------
    lr_up, hr : sequence of (Z, Y, X) ndarray
        Upscaled LR and HR of the training volumes (scan units).
    pore : sequence of (Z, Y, X) ndarray
        Pore labels on the HR grid in [0, 1] (bool, or volume fractions as soft labels).
    electrodes : sequence of str
        Electrode of each volume (recorded; none may be a test electrode — the caller's split).
    context, patch, n_patches : int
    val_fraction : float
    seed : int

    Returns
    -------
    MorphPatches
    """
    if not (len(lr_up) == len(hr) == len(pore) == len(electrodes)) or not lr_up:
        raise ValueError("`lr_up`, `hr`, `pore` and `electrodes` must hold as many volumes (at least one)")
    patch = check_int(patch, "patch", min_value=4)
    n_patches = check_int(n_patches, "n_patches", min_value=2)
    val_fraction = check_fraction(val_fraction, "val_fraction", low=0.01, high=0.9)
    rng = as_rng(seed)
    norm = Normalisation.fit(*lr_up, *hr)
    per = np.full(len(lr_up), n_patches // len(lr_up))
    per[: n_patches - per.sum()] += 1
    xs, gs, ps = [], [], []
    for i, (lo, h, lab, k) in enumerate(zip(lr_up, hr, pore, per, strict=True)):
        if not (np.shape(lo) == np.shape(h) == np.shape(lab)):
            raise ValueError(f"volume {i}: `lr_up`, `hr` and `pore` must share a shape, got "
                             f"{np.shape(lo)}, {np.shape(h)}, {np.shape(lab)}")
        zn, yn, xn = np.shape(h)
        p = min(patch, yn, xn)
        lo_n, h_n, lab_f = norm.apply(lo), norm.apply(h), np.asarray(lab, dtype=np.float32)
        z = rng.integers(0, zn, int(k))
        r = rng.integers(0, yn - p + 1, int(k))
        c = rng.integers(0, xn - p + 1, int(k))
        for zz, rr, cc in zip(z, r, c, strict=True):
            xs.append(stack_context(lo_n[:, rr:rr + p, cc:cc + p], zz, context)[0])
            gs.append(h_n[zz, rr:rr + p, cc:cc + p, None])
            ps.append(lab_f[zz, rr:rr + p, cc:cc + p, None])
    x, g, pl = np.stack(xs), np.stack(gs), np.stack(ps)
    order = rng.permutation(len(x))
    n_val = max(1, int(round(val_fraction * len(x))))
    va, tr = order[:n_val], order[n_val:]
    return MorphPatches(x[tr], g[tr], pl[tr], x[va], g[va], pl[va], norm, int(context),
                        tuple(sorted(set(electrodes))))


@dataclass(frozen=True)
class MorphSR:
    """A trained 2.5-D phase-aware model with what it needs at inference.

    Attributes
    ----------
    model : keras.Model
    normalisation : Normalisation
    context : int
    train_electrodes : tuple of str
    training : dict
        ``epochs_run``, ``best_epoch``, ``best_val_loss``, ``seconds``, ``stopped_early``.
    name : str
    """

    model: object = field(repr=False)
    normalisation: Normalisation
    context: int
    train_electrodes: tuple
    training: dict
    name: str = "SR25D"

    def predict(self, lr_up, *, batch: int = 8) -> tuple[np.ndarray, np.ndarray]:
        """Grey level (scan units) and pore probability of every HR voxel, slice by slice along z.

        Parameters
        ----------
        lr_up : (Z, Y, X) ndarray
            Upscaled LR on the HR grid.
        batch : int
            Slices per forward pass.

        Returns
        -------
        grey : (Z, Y, X) ndarray of float32
        pore_probability : (Z, Y, X) ndarray of float32 in [0, 1]
        """
        v = self.normalisation.apply(as_grey(lr_up, "lr_up", ndim=3))
        grey = np.empty(v.shape, np.float32)
        prob = np.empty(v.shape, np.float32)
        for z0 in range(0, v.shape[0], batch):
            zs = np.arange(z0, min(z0 + batch, v.shape[0]))
            out = self.model.predict(stack_context(v, zs, self.context), verbose=0)
            grey[zs], prob[zs] = out["grey"][..., 0], out["pore"][..., 0]
        return self.normalisation.invert(grey), prob

    def __call__(self, lr_up) -> np.ndarray:
        """Grey-level output only (the baseline-callable protocol of ``predict_test_set``)."""
        return self.predict(lr_up)[0]

    def save(self, path) -> Path:
        """Write ``<path>`` (.keras) and ``<path>.json`` (normalisation, context, split, training)."""
        from ..io import atomic_path

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path, overwrite=True) as tmp:
            tmp_keras = tmp.with_suffix(".keras")  # Keras insists on the suffix
            self.model.save(tmp_keras)
            tmp_keras.rename(tmp)
        meta = {"name": self.name, "normalisation": self.normalisation.to_dict(), "context": self.context,
                "train_electrodes": list(self.train_electrodes), "training": self.training}
        with atomic_path(path.with_suffix(".json"), overwrite=True) as tmp:
            Path(tmp).write_text(json.dumps(meta, indent=1))
        return path


@dataclass(frozen=True)
class MorphRun:
    """Result of :func:`train_morph_sr`: the model and its per-epoch history (pandas.DataFrame)."""

    sr: MorphSR
    history: object = field(repr=False)


def train_morph_sr(patches: MorphPatches, *, filters: int = 32, n_blocks: int = 4, epochs: int = 30,
                   batch_size: int = 32, learning_rate: float = 5e-4, pore_weight: float = 1.0,
                   stop_patience: int = 5, seed: int = 0, name: str = "SR25D") -> MorphRun:
    """Train :func:`morph_sr_model` with MSE (grey) + ``pore_weight`` × Dice-BCE (pore), early stopping.

    Parameters
    ----------
    patches : MorphPatches
    filters, n_blocks : int
    epochs : int
        Maximum epochs; training stops when the validation loss has not improved for
        ``stop_patience`` epochs (best weights restored).
    batch_size : int
    learning_rate : float
        Adam; halved after 2 epochs without improvement.
    pore_weight : float
    stop_patience : int
    seed : int
    name : str

    Returns
    -------
    MorphRun
    """
    import pandas as pd

    keras = _keras()
    if not isinstance(patches, MorphPatches):
        raise TypeError(f"`patches` must be MorphPatches, got {type(patches).__name__}")
    epochs = check_int(epochs, "epochs", min_value=1)
    learning_rate = check_positive(learning_rate, "learning_rate")
    keras.utils.set_random_seed(int(seed))
    model = morph_sr_model(context=patches.context, filters=filters, n_blocks=n_blocks, name=name)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss={"grey": "mse", "pore": dice_bce},
                  loss_weights={"grey": 1.0, "pore": float(pore_weight)})
    cbs = [keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, min_lr=1e-6),
           keras.callbacks.EarlyStopping(monitor="val_loss", patience=int(stop_patience),
                                         restore_best_weights=True)]
    t0 = time.perf_counter()
    hist = model.fit(patches.x_train, {"grey": patches.grey_train, "pore": patches.pore_train},
                     validation_data=(patches.x_val, {"grey": patches.grey_val, "pore": patches.pore_val}),
                     epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0, callbacks=cbs)
    seconds = time.perf_counter() - t0
    history = pd.DataFrame(hist.history)
    history.insert(0, "epoch", np.arange(1, len(history) + 1))
    best = int(history.val_loss.idxmin())
    training = {"epochs_run": int(len(history)), "max_epochs": epochs, "best_epoch": best + 1,
                "best_val_loss": float(history.val_loss[best]), "seconds": round(seconds, 2),
                "stopped_early": bool(len(history) < epochs), "seed": int(seed),
                "pore_weight": float(pore_weight)}
    sr = MorphSR(model, patches.normalisation, patches.context, patches.train_electrodes, training, name)
    return MorphRun(sr, history)


def load_morph_sr(path) -> MorphSR:
    """Read a model written by :meth:`MorphSR.save`.

    Raises
    ------
    FileNotFoundError
        If the model or its ``.json`` is missing.
    """
    keras = _keras()
    path = Path(path)
    meta_path = path.with_suffix(".json")
    if not path.is_file() or not meta_path.is_file():
        raise FileNotFoundError(f"`path` {str(path)!r} or its {meta_path.name} does not exist")
    meta = json.loads(meta_path.read_text())
    _centre_layer()  # registers the custom layer
    model = keras.models.load_model(path, compile=False)
    return MorphSR(model, Normalisation(**meta["normalisation"]), int(meta["context"]),
                   tuple(meta["train_electrodes"]), meta["training"], meta["name"])
