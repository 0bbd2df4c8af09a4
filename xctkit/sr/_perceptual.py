"""Content losses for SRGAN training, and the substitute for paper 003's VGG19 perceptual loss.

Paper 003 (Eq. 5) trains its SRGAN with ``PL(I1, I2) = MSE(VGG(I1), VGG(I2))``, VGG being the
activation of ``block2_conv2`` of an ImageNet-trained VGG19 (Ledig et al. 2017). Those weights
are an ~550 MB download that this project cannot make (no network at run time, nothing fetched
behind the user's back), so the paper's option is kept by name and raises an explanatory error
unless a local weights file is given. Two substitutes need no download:

``'gradient'`` (default substitute)
    Pixel MSE plus the MSE of finite-difference gradients at several scales (average-pooled by
    1, 2, 4). Like the VGG loss it rewards sharp, correctly placed edges (crack walls) rather than
    the blurred mean that pixel MSE favours; it has no weights, so it cannot encode ImageNet
    texture statistics, which do not describe SEM sections anyway.
``'encoder'``
    MSE between the features of a small VGG-like encoder (conv-conv-pool-conv-conv, the same
    position as ``block2_conv2``) trained as a denoising auto-encoder on HR SEM patches of this
    study (:func:`train_sem_encoder`): a learned perceptual space, but learned from synthetic
    data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._validate import as_grey, as_rng, check_choice, check_int, check_nonnegative, check_positive
from ..imaging import random_cutouts
from ._models import _keras

__all__ = [
    "CONTENT_LOSSES",
    "content_loss",
    "gradient_loss",
    "feature_loss",
    "sem_encoder",
    "train_sem_encoder",
    "EncoderRun",
    "vgg19_features",
]

CONTENT_LOSSES = ("mse", "gradient", "encoder", "vgg19_block2_conv2")
"""Names accepted by :func:`content_loss`; ``'vgg19_block2_conv2'`` is paper 003's."""

_VGG_UNAVAILABLE = (
    "paper 003's perceptual loss needs ImageNet-trained VGG19 weights (keras.applications.VGG19, "
    "'block2_conv2' features). xctkit never downloads weights and this environment has no network, so "
    "the option is unavailable here. Pass vgg_weights='path/to/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5' "
    "(a file you obtained yourself) to use it, or use content_loss('gradient') / content_loss('encoder', "
    "extractor=...), the documented substitutes."
)


def gradient_loss(*, scales=(1, 2, 4), pixel_weight: float = 1.0, gradient_weight: float = 1.0):
    """Pixel MSE plus multi-scale gradient MSE, as a Keras-ops loss ``loss(y_true, y_pred)``.

    ``L = w_p MSE(y, ŷ) + w_g Σ_s [MSE(∂_y P_s y, ∂_y P_s ŷ) + MSE(∂_x P_s y, ∂_x P_s ŷ)]`` with
    ``P_s`` average pooling by ``s`` and ``∂`` forward differences.

    Parameters
    ----------
    scales : sequence of int
        Pooling factors (1 = full resolution).
    pixel_weight, gradient_weight : float
        Term weights (>= 0).

    Returns
    -------
    callable
        ``(y_true, y_pred) -> scalar`` on ``(B, H, W, 1)`` tensors, differentiable.
    """
    from keras import ops

    scales = tuple(check_int(s, "scales", min_value=1) for s in scales)
    wp = check_nonnegative(pixel_weight, "pixel_weight")
    wg = check_nonnegative(gradient_weight, "gradient_weight")

    def multiscale_gradient_loss(y_true, y_pred):
        total = wp * ops.mean(ops.square(y_true - y_pred))
        for s in scales:
            a = y_true if s == 1 else ops.average_pool(y_true, s, strides=s, padding="valid")
            b = y_pred if s == 1 else ops.average_pool(y_pred, s, strides=s, padding="valid")
            for ax in (1, 2):
                n = ops.shape(a)[ax]
                da = ops.take(a, ops.arange(1, n), axis=ax) - ops.take(a, ops.arange(0, n - 1), axis=ax)
                db = ops.take(b, ops.arange(1, n), axis=ax) - ops.take(b, ops.arange(0, n - 1), axis=ax)
                total = total + wg * ops.mean(ops.square(da - db))
        return total

    return multiscale_gradient_loss


def feature_loss(extractor, *, pixel_weight: float = 0.0):
    """``MSE(F(ŷ), F(y))`` for a frozen feature extractor ``F`` (the form of paper 003's Eq. 5).

    Parameters
    ----------
    extractor : keras.Model
        ``(B, H, W, 1) -> (B, H', W', C)``; its weights are frozen here.
    pixel_weight : float
        Optional pixel-MSE term added.

    Returns
    -------
    callable
    """
    from keras import ops

    extractor.trainable = False
    wp = check_nonnegative(pixel_weight, "pixel_weight")

    def perceptual_feature_loss(y_true, y_pred):
        loss = ops.mean(ops.square(extractor(y_true, training=False) - extractor(y_pred, training=False)))
        if wp:
            loss = loss + wp * ops.mean(ops.square(y_true - y_pred))
        return loss

    return perceptual_feature_loss


def sem_encoder(*, filters: int = 16, name: str = "sem_encoder"):
    """A VGG-like feature extractor: [conv 3×3 ReLU] ×2, max-pool 2, [conv 3×3 ReLU] ×2.

    Its output sits where VGG19's ``block2_conv2`` does (second conv before the second pooling).

    Parameters
    ----------
    filters : int
        Maps of the first block (the second has twice as many; VGG19: 64).

    Returns
    -------
    keras.Model
        ``(B, H, W, 1) -> (B, H/2, W/2, 2·filters)``.
    """
    keras = _keras()
    from keras import layers

    filters = check_int(filters, "filters", min_value=1)
    inp = keras.Input((None, None, 1), name="image")
    x = layers.Conv2D(filters, 3, padding="same", activation="relu", name="block1_conv1")(inp)
    x = layers.Conv2D(filters, 3, padding="same", activation="relu", name="block1_conv2")(x)
    x = layers.MaxPooling2D(2, name="block1_pool")(x)
    x = layers.Conv2D(2 * filters, 3, padding="same", activation="relu", name="block2_conv1")(x)
    x = layers.Conv2D(2 * filters, 3, padding="same", activation="relu", name="block2_conv2")(x)
    return keras.Model(inp, x, name=name)


@dataclass(frozen=True)
class EncoderRun:
    """Result of :func:`train_sem_encoder`.

    Attributes
    ----------
    encoder : keras.Model
        The trained extractor (use with :func:`feature_loss`).
    history : pandas.DataFrame
        ``epoch``, ``loss``, ``val_loss`` (reconstruction MSE of the auto-encoder).
    """

    encoder: object
    history: object


def train_sem_encoder(images, *, filters: int = 16, patch: int = 64, n_patches: int = 512, epochs: int = 5,
                      noise_sigma: float = 0.05, learning_rate: float = 1e-3, seed=0) -> EncoderRun:
    """Train :func:`sem_encoder` as a denoising auto-encoder on HR SEM images.

    Parameters
    ----------
    images : sequence of (Y, X) ndarray of float
        HR images (the SR training targets; never the test images).
    filters : int
    patch : int
        Cut-out edge, pixels (even).
    n_patches : int
        Random cut-outs; 10 % are held out for validation.
    epochs : int
    noise_sigma : float
        Gaussian noise added to the inputs (the target is the clean cut-out).
    learning_rate : float
    seed : int

    Returns
    -------
    EncoderRun
    """
    import pandas as pd

    keras = _keras()
    from keras import layers

    imgs = [as_grey(g, f"images[{i}]", ndim=2) for i, g in enumerate(images)]
    if not imgs:
        raise ValueError("`images` must not be empty")
    patch = check_int(patch, "patch", min_value=4)
    if patch % 2:
        raise ValueError(f"`patch` must be even, got {patch}")
    n_patches = check_int(n_patches, "n_patches", min_value=10)
    rng = as_rng(seed)
    small = [g.shape for g in imgs if min(g.shape) < patch]
    if small:
        raise ValueError(f"images must be at least `patch` = {patch} px, got shape {small[0]}")
    (cut,), _ = random_cutouts(imgs, size=patch, n=n_patches, seed=rng)
    y = cut[..., None].astype(np.float32)
    x = (y + rng.normal(0.0, check_nonnegative(noise_sigma, "noise_sigma"), y.shape)).astype(np.float32)
    n_val = max(n_patches // 10, 1)
    keras.utils.set_random_seed(int(rng.integers(2**31 - 1)))
    enc = sem_encoder(filters=filters)
    inp = keras.Input((None, None, 1))
    h = enc(inp)
    h = layers.Conv2DTranspose(filters, 2, strides=2, activation="relu")(h)
    out = layers.Conv2D(1, 3, padding="same")(h)
    ae = keras.Model(inp, out, name="sem_autoencoder")
    ae.compile(optimizer=keras.optimizers.Adam(check_positive(learning_rate, "learning_rate")), loss="mse")
    hist = ae.fit(x[n_val:], y[n_val:], validation_data=(x[:n_val], y[:n_val]),
                  epochs=check_int(epochs, "epochs", min_value=1), batch_size=16, verbose=0)
    history = pd.DataFrame(hist.history)
    history.insert(0, "epoch", np.arange(1, len(history) + 1))
    return EncoderRun(enc, history)


def vgg19_features(*, weights=None):
    """Paper 003's feature extractor: VGG19 up to ``block2_conv2`` on grey input (replicated to RGB).

    Parameters
    ----------
    weights : path, optional
        A local Keras VGG19 ``notop`` weights file. Without it the ImageNet weights would have to be
        downloaded, which xctkit never does.

    Returns
    -------
    keras.Model
        ``(B, H, W, 1) -> (B, H/2, W/2, 128)``.

    Raises
    ------
    RuntimeError
        Without ``weights`` (the reason is in the message).
    FileNotFoundError
        If ``weights`` does not exist.
    """
    if weights is None:
        raise RuntimeError(_VGG_UNAVAILABLE)
    path = Path(os.fspath(weights))
    if not path.is_file():
        raise FileNotFoundError(f"`weights` {str(path)!r} does not exist")
    keras = _keras()
    from keras import layers, ops

    base = keras.applications.VGG19(include_top=False, weights=str(path), input_shape=(None, None, 3))
    feat = keras.Model(base.input, base.get_layer("block2_conv2").output)
    inp = keras.Input((None, None, 1))
    mean = np.array([103.939, 116.779, 123.68], "float32")  # 'caffe' preprocessing of keras' VGG19
    x = layers.Lambda(lambda t: ops.concatenate([t, t, t], axis=-1) * 255.0 - mean)(inp)
    return keras.Model(inp, feat(x), name="vgg19_block2_conv2")


def content_loss(kind: str = "gradient", *, extractor=None, vgg_weights=None, **kwargs):
    """The generator's content loss by name (``content_loss=`` of :func:`xctkit.sr.make_adversarial`).

    Parameters
    ----------
    kind : {'mse', 'gradient', 'encoder', 'vgg19_block2_conv2'}
        ``'mse'``: pixel MSE (returns ``None``, the default of ``AdversarialSR``);
        ``'gradient'``: :func:`gradient_loss`; ``'encoder'``: :func:`feature_loss` of
        ``extractor`` (from :func:`train_sem_encoder`); ``'vgg19_block2_conv2'``: paper 003's
        perceptual loss, which needs ``vgg_weights`` (see :func:`vgg19_features`).
    extractor : keras.Model, optional
        Needed for ``'encoder'``.
    vgg_weights : path, optional
        Local VGG19 weights for the paper's option.
    **kwargs
        Passed to :func:`gradient_loss` or :func:`feature_loss`.

    Returns
    -------
    callable or None

    Raises
    ------
    RuntimeError
        For ``'vgg19_block2_conv2'`` without local weights.
    ValueError
        For an unknown kind or ``'encoder'`` without an extractor.
    """
    check_choice(kind, "kind", CONTENT_LOSSES)
    if kind == "mse":
        return None
    if kind == "gradient":
        return gradient_loss(**kwargs)
    if kind == "encoder":
        if extractor is None:
            raise ValueError("`extractor` is needed for kind='encoder' (see train_sem_encoder)")
        return feature_loss(extractor, **kwargs)
    return feature_loss(vgg19_features(weights=vgg_weights), **kwargs)
