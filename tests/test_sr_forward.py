"""The channels-last torch forward (xctkit.sr.TorchForward) against Keras' own predict_on_batch on every
model xctkit builds, the tiler with it (seam-free against a whole-image Keras forward), the fallback to
Keras for layers it does not reproduce, and the tile fitting."""

import numpy as np
import pytest

from xctkit import sr


@pytest.fixture(scope="module")
def keras():
    import keras

    keras.utils.set_random_seed(0)
    return keras


@pytest.mark.parametrize("build", [sr.srcnn_residual, sr.paper_gan_generator, sr.edsr, sr.srgan_generator])
def test_torch_forward_equals_keras(keras, build):
    model = build()
    x = np.random.default_rng(0).random((3, 37, 50), dtype=np.float32)  # odd sizes: padding on every side
    ref = np.asarray(model.predict_on_batch(x[..., None]))[..., 0]
    got = sr.TorchForward(model)(x)
    assert got.shape == ref.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, ref, atol=1e-5 + 1e-5 * float(np.abs(ref).max()))


def test_weights_are_read_when_built(keras):
    model = sr.paper_gan_generator()
    x = np.random.default_rng(1).random((1, 24, 24), dtype=np.float32)
    before = sr.TorchForward(model)
    model.set_weights([w * 0.5 for w in model.get_weights()])  # "training" changed them
    ref = np.asarray(model.predict_on_batch(x[..., None]))[..., 0]
    np.testing.assert_allclose(sr.TorchForward(model)(x), ref, atol=1e-6)
    assert np.abs(before(x) - ref).max() > 1e-3  # an old forward keeps the old weights


def test_tiled_torch_inference_is_seam_free(keras):
    model = sr.srcnn_residual()
    img = np.random.default_rng(2).random((2, 150, 190), dtype=np.float32)
    whole = np.asarray(model.predict_on_batch(img[..., None]))[..., 0]
    tiled = sr.predict_image(model, img, tile=72, engine="torch")  # several tiles per axis
    np.testing.assert_allclose(tiled, whole, atol=2e-5)
    np.testing.assert_allclose(sr.predict_image(model, img, tile=72, engine="keras"), whole, atol=2e-5)


def test_unsupported_layers_fall_back_to_keras(keras):
    from keras import layers

    inp = keras.Input((None, None, 1))
    x = layers.Conv2D(4, 3, padding="same")(inp)
    x = layers.BatchNormalization(name="bn")(x)
    model = keras.Model(inp, layers.Conv2D(1, 3, padding="same")(x))
    with pytest.raises(sr.UnsupportedModel, match="'bn' of type BatchNormalization"):
        sr.TorchForward(model)
    with pytest.raises(sr.UnsupportedModel, match="bn"):
        sr.forward_fn(model, engine="torch")
    img = np.random.default_rng(3).random((1, 30, 30), dtype=np.float32)
    ref = np.asarray(model.predict_on_batch(img[..., None]))[..., 0]
    np.testing.assert_allclose(sr.predict_image(model, img), ref, atol=1e-5)  # 'auto' used Keras
    even = keras.Model(inp, layers.Conv2D(1, 4, padding="same", name="even")(inp))
    with pytest.raises(sr.UnsupportedModel, match="even kernel"):
        sr.TorchForward(even)
    with pytest.raises(ValueError, match="engine"):
        sr.forward_fn(model, engine="onnx")


def test_fit_tile_uses_the_fewest_and_smallest_tiles():
    assert sr.fit_tile((256, 256), tile=256, overlap=36) == 256  # one tile, no halo
    assert sr.fit_tile((384, 384), tile=256, overlap=36) == 210  # two per axis: 2·210 − 36 = 384
    assert sr.fit_tile((40, 60), tile=256, overlap=36) == 60
    for n in (300, 512, 1000):
        t = sr.fit_tile((n, n), tile=256, overlap=36)
        count = -(-(n - 36) // (256 - 36))
        assert t <= 256 and count * t - (count - 1) * 36 >= n
