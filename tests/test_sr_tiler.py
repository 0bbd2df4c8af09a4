"""The one tiler (sr.predict_image): seam-free for same-size and ×2 models, refusal of too-small overlaps."""

import keras
import numpy as np
import pytest

from xctkit import sr


def _upsampling_model(seed=0):
    """A ×2 model built here: 3×3 conv, nearest ×2 upsampling, 3×3 conv (receptive radius 2 px)."""
    keras.utils.set_random_seed(seed)
    x = keras.Input((None, None, 1))
    y = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(x)
    y = keras.layers.UpSampling2D(2)(y)
    y = keras.layers.Conv2D(1, 3, padding="same")(y)
    return keras.Model(x, y)


def test_tiled_x2_inference_equals_whole_image_inference():
    m = _upsampling_model()
    img = np.random.default_rng(1).random((70, 90)).astype(np.float32)
    whole = np.asarray(m.predict_on_batch(img[None, ..., None]))[0, ..., 0]
    tiled = sr.predict_image(m, img, tile=32, overlap=12, upscale=2)
    assert tiled.shape == (140, 180)
    # every output pixel comes from tiles that saw its whole receptive field: equal to float rounding
    np.testing.assert_allclose(tiled, whole, atol=1e-5)


def test_a_wrong_upscale_and_a_too_small_overlap_are_refused():
    m = _upsampling_model()
    img = np.zeros((40, 40), np.float32)
    with pytest.raises(ValueError, match="upscale"):
        sr.predict_image(m, img, tile=32, overlap=12, upscale=1)
    with pytest.raises(ValueError, match="overlap"):
        sr.predict_image(m, img, tile=32, overlap=2, upscale=2)
