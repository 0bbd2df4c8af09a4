"""Keras 3 super-resolution networks: one factory function per network.

Every generator is fully convolutional on ``(None, None, 1)`` inputs, so it runs on patches in
training and on whole slices or tiles at inference. For XCT the networks work on the LR scan
already upscaled onto the HR grid (the non-integer factor 2.3/0.74 rules out pixel shuffle);
``srgan_generator`` and ``edsr`` also take ``upscale=2`` (pixel shuffle) for the SEM task.
"""

from __future__ import annotations

from .._validate import check_int, check_positive

__all__ = [
    "srcnn_residual",
    "paper_gan_generator",
    "paper_gan_discriminator",
    "srgan_generator",
    "srgan_discriminator",
    "edsr",
    "bicubic_baseline",
    "receptive_radius",
    "PAPER_PARAMETERS",
]

PAPER_PARAMETERS = "approximately one million"
"""Paper 000's stated trainable-parameter count for both its models (Sec. 2.7)."""


def _keras():
    try:
        import keras
    except ImportError as exc:  # pragma: no cover - keras is a core dependency
        raise ImportError("xctkit.sr needs keras 3: pip install 'keras>=3'") from exc
    return keras


def srcnn_residual(*, filters: int = 64, n_blocks: int = 3, name: str = "srcnn_residual"):
    """Paper 000's enhanced SRCNN (Fig. 2): feature extraction, residual blocks, reconstruction.

    Conv 64@9×9 ReLU → ``n_blocks`` × [Conv 64@3×3 ReLU → Conv 64@3×3, identity skip, ReLU] →
    Conv 32@5×5 ReLU → Conv 1@5×5 linear; 'same' padding throughout (not stated in the paper; needed
    to keep 128×128 in and out). With the defaults it has 278 849 parameters, against the paper's
    "approximately one million".

    Parameters
    ----------
    filters : int
        Width of the feature and residual convolutions (64 in the paper).
    n_blocks : int
        Residual blocks (3 in the paper).
    name : str

    Returns
    -------
    keras.Model
        ``(B, H, W, 1) -> (B, H, W, 1)``, float32 grey levels in [0, 1].
    """
    keras = _keras()
    from keras import layers

    filters = check_int(filters, "filters", min_value=1)
    n_blocks = check_int(n_blocks, "n_blocks", min_value=0)
    inp = keras.Input((None, None, 1), name="lr_upscaled")
    x = layers.Conv2D(filters, 9, padding="same", activation="relu", name="extract")(inp)
    for i in range(n_blocks):
        y = layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"res{i}_a")(x)
        y = layers.Conv2D(filters, 3, padding="same", name=f"res{i}_b")(y)
        x = layers.Activation("relu", name=f"res{i}_relu")(layers.Add(name=f"res{i}_add")([x, y]))
    x = layers.Conv2D(32, 5, padding="same", activation="relu", name="refine")(x)
    out = layers.Conv2D(1, 5, padding="same", name="reconstruct")(x)
    return keras.Model(inp, out, name=name)


def paper_gan_generator(*, name: str = "paper_gan_generator"):
    """Paper 000's GAN generator (Fig. 3a): Conv 64@3×3 ReLU → Conv 128@3×3 ReLU → Conv 1@3×3 linear.

    The second kernel size is not stated in the paper; 3×3 as implied. 75 649 parameters.

    Returns
    -------
    keras.Model
        ``(B, H, W, 1) -> (B, H, W, 1)``.
    """
    keras = _keras()
    from keras import layers

    inp = keras.Input((None, None, 1), name="lr_upscaled")
    x = layers.Conv2D(64, 3, padding="same", activation="relu")(inp)
    x = layers.Conv2D(128, 3, padding="same", activation="relu")(x)
    out = layers.Conv2D(1, 3, padding="same")(x)
    return keras.Model(inp, out, name=name)


def paper_gan_discriminator(patch: int = 128, *, name: str = "paper_gan_discriminator"):
    """Paper 000's GAN discriminator (Fig. 3b): Conv 64@3×3 ReLU → MaxPool 2×2 → Conv 128@3×3 ReLU →
    Flatten → Dense 1 (linear "realness" logit).

    The dense layer fixes the input size to ``patch``; pool size and second kernel are not stated
    in the paper (2×2 and 3×3 as implied). 598 785 parameters at 128×128.

    Parameters
    ----------
    patch : int
        Square input size (the training patch size).

    Returns
    -------
    keras.Model
        ``(B, patch, patch, 1) -> (B, 1)`` logits.
    """
    keras = _keras()
    from keras import layers

    patch = check_int(patch, "patch", min_value=4)
    inp = keras.Input((patch, patch, 1), name="image")
    x = layers.Conv2D(64, 3, padding="same", activation="relu")(inp)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(128, 3, padding="same", activation="relu")(x)
    x = layers.Flatten()(x)
    out = layers.Dense(1)(x)
    return keras.Model(inp, out, name=name)


def _pixel_shuffle(x, factor: int, filters: int, name: str):
    from keras import layers, ops

    x = layers.Conv2D(filters * factor * factor, 3, padding="same", name=f"{name}_conv")(x)
    return layers.Lambda(lambda t: ops.depth_to_space(t, factor), name=f"{name}_shuffle",
                         output_shape=lambda s: (s[0], None, None, s[3] // (factor * factor)))(x)


def srgan_generator(*, filters: int = 64, n_blocks: int = 16, upscale: int = 1, name: str = "srgan_generator"):
    """SRGAN-style residual generator (Ledig et al. 2017), without batch normalisation.

    Conv 9×9 PReLU → ``n_blocks`` × [Conv 3×3 PReLU Conv 3×3 + skip] → Conv 3×3 + long skip →
    (``upscale`` 2: pixel shuffle ×2, PReLU) → Conv 1@9×9 linear. With ``upscale=1`` it works on the
    upscaled grid (XCT); with ``upscale=2`` its output is twice the input size (SEM, paper 003).
    Batch normalisation is removed, as in ESRGAN (Wang et al. 2018): its running statistics from
    small training patches misrepresent whole slices at inference, which ruined short runs here.

    Parameters
    ----------
    filters, n_blocks : int
        Width and depth (64 and 16 in SRGAN).
    upscale : {1, 2}
    name : str

    Returns
    -------
    keras.Model
    """
    keras = _keras()
    from keras import layers

    filters = check_int(filters, "filters", min_value=1)
    n_blocks = check_int(n_blocks, "n_blocks", min_value=1)
    upscale = check_int(upscale, "upscale", min_value=1, max_value=2)
    inp = keras.Input((None, None, 1), name="lr")
    x = layers.Conv2D(filters, 9, padding="same")(inp)
    x = head = layers.PReLU(shared_axes=[1, 2])(x)
    for i in range(n_blocks):
        y = layers.Conv2D(filters, 3, padding="same", name=f"b{i}_c1")(x)
        y = layers.PReLU(shared_axes=[1, 2], name=f"b{i}_act")(y)
        y = layers.Conv2D(filters, 3, padding="same", name=f"b{i}_c2")(y)
        x = layers.Add(name=f"b{i}_add")([x, y])
    x = layers.Conv2D(filters, 3, padding="same")(x)
    x = layers.Add()([head, x])
    if upscale == 2:
        x = _pixel_shuffle(x, 2, filters, "up")
        x = layers.PReLU(shared_axes=[1, 2])(x)
    out = layers.Conv2D(1, 9, padding="same")(x)
    return keras.Model(inp, out, name=name)


def srgan_discriminator(patch: int = 96, *, filters: int = 64, name: str = "srgan_discriminator"):
    """SRGAN discriminator: strided conv blocks with LeakyReLU, dense 1024, dense 1 logit.

    Parameters
    ----------
    patch : int
        Square input size.
    filters : int
        Width of the first block (doubles every second block, as in SRGAN).

    Returns
    -------
    keras.Model
        ``(B, patch, patch, 1) -> (B, 1)`` logits.
    """
    keras = _keras()
    from keras import layers

    patch = check_int(patch, "patch", min_value=16)
    inp = keras.Input((patch, patch, 1), name="image")
    x = layers.LeakyReLU(0.2)(layers.Conv2D(filters, 3, padding="same")(inp))
    spec = [(filters, 2), (2 * filters, 1), (2 * filters, 2), (4 * filters, 1), (4 * filters, 2)]
    for f, s in spec:
        x = layers.Conv2D(f, 3, strides=s, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.GlobalAveragePooling2D()(x)  # keeps the parameter count independent of patch size
    x = layers.LeakyReLU(0.2)(layers.Dense(4 * filters)(x))
    out = layers.Dense(1)(x)
    return keras.Model(inp, out, name=name)


def edsr(*, filters: int = 64, n_blocks: int = 16, res_scale: float = 0.1, upscale: int = 1,
         name: str = "edsr"):
    """EDSR (Lim et al. 2017): residual blocks without batch normalisation, scaled residuals.

    Conv 3×3 → ``n_blocks`` × [Conv 3×3 ReLU Conv 3×3, × ``res_scale``, + skip] → Conv 3×3 + long
    skip → (``upscale`` 2: pixel shuffle) → Conv 1@3×3. With ``upscale=1`` it works on the upscaled
    grid (XCT) and adds the input back (it learns the residual to the bicubic image).

    Returns
    -------
    keras.Model
    """
    keras = _keras()
    from keras import layers

    filters = check_int(filters, "filters", min_value=1)
    n_blocks = check_int(n_blocks, "n_blocks", min_value=1)
    res_scale = check_positive(res_scale, "res_scale")
    upscale = check_int(upscale, "upscale", min_value=1, max_value=2)
    inp = keras.Input((None, None, 1), name="lr")
    x = head = layers.Conv2D(filters, 3, padding="same")(inp)
    for i in range(n_blocks):
        y = layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"b{i}_c1")(x)
        y = layers.Conv2D(filters, 3, padding="same", name=f"b{i}_c2")(y)
        y = layers.Rescaling(res_scale, name=f"b{i}_scale")(y)
        x = layers.Add(name=f"b{i}_add")([x, y])
    x = layers.Conv2D(filters, 3, padding="same")(x)
    x = layers.Add()([head, x])
    if upscale == 2:
        x = _pixel_shuffle(x, 2, filters, "up")
        out = layers.Conv2D(1, 3, padding="same")(x)
    else:
        out = layers.Add(name="global_skip")([inp, layers.Conv2D(1, 3, padding="same")(x)])
    return keras.Model(inp, out, name=name)


def bicubic_baseline(*, name: str = "bicubic"):
    """The "no model" baseline: returns its input, the LR scan upscaled by cubic interpolation.

    Wrapping it as a Keras model sends it through exactly the same inference and evaluation path
    as the trained networks.
    """
    keras = _keras()
    from keras import layers

    inp = keras.Input((None, None, 1), name="lr_upscaled")
    out = layers.Identity(name="identity")(inp)
    return keras.Model(inp, out, name=name)


def receptive_radius(model) -> int:
    """Upper bound of the receptive-field radius (pixels) of a fully convolutional model.

    Sums ``dilation · (kernel - 1) / 2`` over every Conv2D layer (the longest path through a chain
    with skips) and multiplies by the strides of any pooling/strided layers met on the way.
    """
    keras = _keras()
    radius = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            k = layer.kernel_size[0]
            d = layer.dilation_rate[0]
            radius += d * (k - 1) // 2
    return int(radius)
