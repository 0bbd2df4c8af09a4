"""A U-Net for the phase-wise segmentation of SEM sections (paper 003, Sec. 2.3.2).

The paper uses a modular U-Net of depth 5 with 32 filters in the first layer, dilation 4 in the
convolutions, 'same' padding and a 3-class softmax (background / solid / crack), trained with
Adam (1e-4) and a weighted categorical cross-entropy on 1024 × 1024 cut-outs, early stopping on
the validation loss; ``t`` (Eq. 7) is then chosen by accuracy. Depth, width, dilation and the
training sizes are parameters here, so a tiny network trains on a CPU for tests and the quick
report; the paper's sizes belong to a GPU.

Class order of the network output (the paper's): 0 background (``PORE``), 1 solid (``NMC``),
2 crack (``CRACK``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from .._validate import as_grey, as_labels, as_rng, check_int, check_positive
from ..imaging import random_cutouts
from ..phases import CRACK, NMC, PORE
from ._sem import CrackThreshold

__all__ = ["unet", "train_unet", "UNetRun", "predict_proba", "probs_to_phase", "select_crack_threshold",
           "UNET_CLASSES"]

log = logging.getLogger(__name__)

UNET_CLASSES = (PORE, NMC, CRACK)
"""Phase label of each output channel (background, solid, crack)."""


def _keras():
    import os

    os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        import keras
    except ImportError as exc:  # pragma: no cover - keras is a core dependency
        raise ImportError("xctkit.segment.unet needs keras 3: pip install 'keras>=3'") from exc
    return keras


def unet(*, depth: int = 5, filters: int = 32, dilation: int = 4, n_classes: int = 3, name: str = "unet"):
    """U-Net factory (Ronneberger et al. 2015), fully convolutional, dilated convolutions.

    Each of the ``depth`` levels has two 3×3 convolutions (ReLU, dilation ``dilation``, 'same'
    padding) with ``filters · 2^level`` maps; levels are joined by 2×2 max pooling on the way down
    and 2×2 transposed convolutions plus skip concatenation on the way up; a 1×1 convolution with
    softmax gives the class certainties ``Ŷ(x, k)``, which sum to 1.

    Parameters
    ----------
    depth : int
        Number of resolution levels (paper 003: 5; the original U-Net: 5 levels = 4 poolings).
    filters : int
        Maps of the first level (paper: 32).
    dilation : int
        Dilation rate of every 3×3 convolution (paper: 4).
    n_classes : int
        Output channels (3).
    name : str

    Returns
    -------
    keras.Model
        ``(B, H, W, 1) -> (B, H, W, n_classes)``; ``H`` and ``W`` must be multiples of
        ``2^(depth-1)`` (:func:`predict_proba` pads).
    """
    keras = _keras()
    from keras import layers

    depth = check_int(depth, "depth", min_value=1, max_value=8)
    filters = check_int(filters, "filters", min_value=1)
    dilation = check_int(dilation, "dilation", min_value=1)
    n_classes = check_int(n_classes, "n_classes", min_value=2)

    def block(x, f, tag):
        for k in range(2):
            x = layers.Conv2D(f, 3, padding="same", dilation_rate=dilation, activation="relu",
                              name=f"{tag}_conv{k}")(x)
        return x

    inp = keras.Input((None, None, 1), name="sem")
    x = inp
    skips = []
    for lvl in range(depth):
        x = block(x, filters * 2**lvl, f"down{lvl}")
        if lvl < depth - 1:
            skips.append(x)
            x = layers.MaxPooling2D(2, name=f"pool{lvl}")(x)
    for lvl in range(depth - 2, -1, -1):
        x = layers.Conv2DTranspose(filters * 2**lvl, 2, strides=2, name=f"up{lvl}")(x)
        x = layers.Concatenate(name=f"skip{lvl}")([x, skips[lvl]])
        x = block(x, filters * 2**lvl, f"dec{lvl}")
    out = layers.Conv2D(n_classes, 1, activation="softmax", name="certainty")(x)
    return keras.Model(inp, out, name=name)


def _onehot(phase):
    lab = np.asarray(phase)
    return np.stack([(lab == c) for c in UNET_CLASSES], axis=-1).astype(np.float32)


def _weighted_cce(weights):
    from keras import ops

    w = np.asarray(weights, dtype="float32")

    def weighted_cce(y_true, y_pred):
        pix_w = ops.sum(y_true * ops.convert_to_tensor(w), axis=-1)
        ce = -ops.sum(y_true * ops.log(ops.clip(y_pred, 1e-7, 1.0)), axis=-1)
        return ops.mean(pix_w * ce)

    return weighted_cce


def _patches(images, phases, n, patch, rng):
    (xs, labs), _ = random_cutouts(list(zip(images, phases, strict=True)), size=patch, n=n, seed=rng)
    return xs[..., None].astype(np.float32), np.stack([_onehot(lab) for lab in labs])


@dataclass(frozen=True)
class UNetRun:
    """Result of :func:`train_unet`.

    Attributes
    ----------
    model : keras.Model
        Best-validation weights restored.
    history : pandas.DataFrame
        Per epoch: ``epoch``, ``loss``, ``val_loss``.
    class_weights : (3,) ndarray of float
        Loss weight of background, solid, crack.
    seconds : float
        Training wall time.
    """

    model: object
    history: object
    class_weights: np.ndarray
    seconds: float


def train_unet(images, phases, *, val_images, val_phases, depth: int = 5, filters: int = 32, dilation: int = 4,
               patch: int = 1024, n_patches: int = 200, n_val_patches: int = 50, epochs: int = 50,
               batch_size: int = 1, learning_rate: float = 1e-4, class_weights="balanced", patience: int = 10,
               seed=0, progress: bool = False) -> UNetRun:
    """Train :func:`unet` on labelled SEM images (paper 003's recipe, sizes as parameters).

    Parameters
    ----------
    images, val_images : sequence of (Y, X) ndarray of float
        Training and validation images (grey levels in [0, 1]).
    phases, val_phases : sequence of (Y, X) ndarray of uint8
        Their phase labels (``PORE``/``NMC``/``CRACK``); the paper annotates 3 + 1 images by hand.
    depth, filters, dilation : int
        Network size (paper: 5, 32, 4).
    patch : int
        Cut-out edge, pixels (paper: 1024), a multiple of ``2^(depth-1)``.
    n_patches, n_val_patches : int
        Random cut-outs drawn once for training and validation (paper: a fresh one per step,
        50 for validation).
    epochs : int
        Passes over the training cut-outs.
    batch_size : int
        Paper: 1.
    learning_rate : float
        Adam step (paper: 1e-4).
    class_weights : 'balanced' or (3,) sequence of float
        Weights of the cross-entropy per class; ``'balanced'`` uses inverse class frequencies of
        the training labels normalised to mean 1 (the paper's weights are not stated).
    patience : int
        Early stopping on the validation loss, best weights restored.
    seed : int
        Seeds the cut-outs and Keras/torch.
    progress : bool
        Keras progress output.

    Returns
    -------
    UNetRun

    Raises
    ------
    ValueError
        On mismatched lists, images smaller than ``patch`` or a ``patch`` the depth cannot halve.
    """
    import time

    import pandas as pd

    keras = _keras()
    images = [as_grey(g, f"images[{i}]", ndim=2) for i, g in enumerate(images)]
    phases = [as_labels(p, f"phases[{i}]", ndim=2) for i, p in enumerate(phases)]
    val_images = [as_grey(g, f"val_images[{i}]", ndim=2) for i, g in enumerate(val_images)]
    val_phases = [as_labels(p, f"val_phases[{i}]", ndim=2) for i, p in enumerate(val_phases)]
    if len(images) != len(phases) or not images or len(val_images) != len(val_phases) or not val_images:
        raise ValueError("`images`/`phases` and `val_images`/`val_phases` must be equally long, non-empty lists")
    depth = check_int(depth, "depth", min_value=1, max_value=8)
    patch = check_int(patch, "patch", min_value=2 ** (depth - 1))
    if patch % 2 ** (depth - 1):
        raise ValueError(f"`patch` must be a multiple of 2^(depth-1) = {2 ** (depth - 1)}, got {patch}")
    for g in images + val_images:
        if min(g.shape) < patch:
            raise ValueError(f"every image must be at least `patch` = {patch} px, got shape {g.shape}")
    rng = as_rng(seed)
    x, y = _patches(images, phases, check_int(n_patches, "n_patches", min_value=1), patch, rng)
    xv, yv = _patches(val_images, val_phases, check_int(n_val_patches, "n_val_patches", min_value=1), patch, rng)
    if isinstance(class_weights, str):
        if class_weights != "balanced":
            raise ValueError(f"`class_weights` must be 'balanced' or three numbers, got {class_weights!r}")
        freq = np.array([sum(np.count_nonzero(p == c) for p in phases) for c in UNET_CLASSES], float)
        cw = 1.0 / np.maximum(freq / freq.sum(), 1e-6)
        cw = cw / cw.mean()
    else:
        cw = np.asarray(class_weights, float)
        if cw.shape != (3,) or np.any(cw <= 0):
            raise ValueError(f"`class_weights` must be three positive numbers, got {class_weights!r}")
    keras.utils.set_random_seed(int(rng.integers(2**31 - 1)))
    model = unet(depth=depth, filters=filters, dilation=dilation)
    model.compile(optimizer=keras.optimizers.Adam(check_positive(learning_rate, "learning_rate")),
                  loss=_weighted_cce(cw))
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=check_int(patience, "patience", min_value=1),
                                         restore_best_weights=True)
    t0 = time.perf_counter()
    hist = model.fit(x, y, validation_data=(xv, yv), epochs=check_int(epochs, "epochs", min_value=1),
                     batch_size=check_int(batch_size, "batch_size", min_value=1), shuffle=True,
                     verbose=1 if progress else 0, callbacks=[stop])
    seconds = time.perf_counter() - t0
    history = pd.DataFrame(hist.history)
    history.insert(0, "epoch", np.arange(1, len(history) + 1))
    log.info("U-Net trained for %d epochs in %.1f s", len(history), seconds)
    return UNetRun(model, history, cw, seconds)


def predict_proba(model, image, *, batch_size: int = 1) -> np.ndarray:
    """Class certainties ``Ŷ`` of one image (padded by reflection to the network's multiple).

    Parameters
    ----------
    model : keras.Model
        From :func:`unet` / :func:`train_unet`.
    image : (Y, X) ndarray of float
    batch_size : int

    Returns
    -------
    (Y, X, 3) ndarray of float32
        Certainties of background, solid, crack (sum 1).
    """
    img = as_grey(image, "image", ndim=2)
    n_pool = sum(1 for layer in model.layers if layer.__class__.__name__ == "MaxPooling2D")
    m = 2**n_pool
    py, px = (-img.shape[0]) % m, (-img.shape[1]) % m
    padded = np.pad(img, ((0, py), (0, px)), mode="reflect") if (py or px) else img
    out = np.asarray(model.predict(padded[None, ..., None], batch_size=batch_size, verbose=0))[0]
    return out[: img.shape[0], : img.shape[1]].astype(np.float32)


def probs_to_phase(probs, *, t: float = 0.5) -> np.ndarray:
    """Phase-wise segmentation from certainties (paper 003, Eq. 7).

    Crack where ``Ŷ(x, crack) ≥ t``; otherwise solid where ``Ŷ(x, solid) ≥ Ŷ(x, background)``;
    otherwise background.

    Parameters
    ----------
    probs : (Y, X, 3) ndarray of float
    t : float
        Crack threshold in (0, 1].

    Returns
    -------
    (Y, X) ndarray of uint8
        ``PORE``/``NMC``/``CRACK``.
    """
    p = np.asarray(probs, dtype=np.float32)
    if p.ndim != 3 or p.shape[-1] != 3:
        raise ValueError(f"`probs` must have shape (Y, X, 3), got {p.shape}")
    t = check_positive(t, "t")
    out = np.where(p[..., 1] >= p[..., 0], NMC, PORE).astype(np.uint8)
    out[p[..., 2] >= t] = CRACK
    return out


def select_crack_threshold(probs, truths, *, grid=None) -> CrackThreshold:
    """The ``t`` of Eq. 7 with the highest pixel accuracy against labelled images (paper 003).

    Parameters
    ----------
    probs : sequence of (Y, X, 3) ndarray of float
        Certainties from :func:`predict_proba`.
    truths : sequence of (Y, X) ndarray of uint8
        True phases.
    grid : (K,) array_like of float, optional
        Candidates (default 0.02, 0.03, ..., 0.99).

    Returns
    -------
    CrackThreshold
    """
    probs, truths = list(probs), list(truths)
    if len(probs) != len(truths) or not probs:
        raise ValueError("`probs` and `truths` must be equally long non-empty lists")
    grid = np.arange(2, 100) / 100 if grid is None else np.asarray(grid, float)
    acc = np.zeros(grid.size)
    n = 0
    for i, (p, tr) in enumerate(zip(probs, truths, strict=True)):
        tr = as_labels(tr, f"truths[{i}]", ndim=2)
        for k, t in enumerate(grid):
            acc[k] += np.count_nonzero(probs_to_phase(p, t=t) == tr)
        n += tr.size
    acc /= n
    return CrackThreshold(float(grid[int(np.argmax(acc))]), grid, acc)
