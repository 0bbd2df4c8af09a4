"""Keras models, saving, adversarial training steps (Keras 3 on the torch backend)."""

import numpy as np
import pytest

from xctkit import sr

keras = pytest.importorskip("keras")


def test_backend_is_torch():
    assert keras.backend.backend() == "torch"


@pytest.mark.parametrize("factory, expected", [
    (sr.srcnn_residual, 278_849),          # paper 000 Fig. 2, 64-filter residual blocks
    (sr.paper_gan_generator, 75_649),      # Fig. 3a
    (lambda: sr.paper_gan_discriminator(128), 598_785),  # Fig. 3b at 128 x 128
])
def test_paper_architectures_have_the_derived_parameter_counts(factory, expected):
    assert factory().count_params() == expected


@pytest.mark.parametrize("factory", [sr.srcnn_residual, sr.paper_gan_generator, sr.bicubic_baseline,
                                     lambda: sr.edsr(filters=8, n_blocks=2),
                                     lambda: sr.srgan_generator(filters=8, n_blocks=2)])
def test_generators_keep_any_input_size(factory):
    m = factory()
    for shape in ((1, 24, 40, 1), (2, 33, 17, 1)):
        assert tuple(np.asarray(m.predict_on_batch(np.zeros(shape, np.float32))).shape) == shape


def test_pixel_shuffle_variants_double_the_size():
    x = np.zeros((1, 12, 20, 1), np.float32)
    for m in (sr.srgan_generator(filters=8, n_blocks=1, upscale=2), sr.edsr(filters=8, n_blocks=1, upscale=2)):
        assert tuple(np.asarray(m.predict_on_batch(x)).shape) == (1, 24, 40, 1)


def test_bicubic_baseline_is_the_identity():
    x = np.random.default_rng(0).random((2, 9, 11, 1)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(sr.bicubic_baseline().predict_on_batch(x)), x)


def test_receptive_radius_of_the_paper_cnn():
    # 9x9 (4) + six 3x3 (6) + two 5x5 (4) = 14 pixels
    assert sr.receptive_radius(sr.srcnn_residual()) == 14


def test_save_load_round_trip_keeps_weights_split_and_normalisation(tmp_path):
    m = sr.edsr(filters=8, n_blocks=2)
    split = sr.SplitRecord(("a", "b"), ("c",), 0.2, 32, 80, 20, ("xy",), 3)
    info = sr.SRModelInfo("EDSR", split, sr.Normalisation(-0.02, 1.0), {"best_epoch": 4})
    path = sr.save_sr_model(m, tmp_path / "edsr.keras", info)
    back, meta = sr.load_sr_model(path)  # safe mode: no lambdas or custom code needed
    x = np.random.default_rng(1).random((1, 16, 16, 1)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(back.predict_on_batch(x)), np.asarray(m.predict_on_batch(x)), atol=1e-6)
    assert meta.split == split
    assert meta.normalisation == sr.Normalisation(-0.02, 1.0)
    assert meta.training["best_epoch"] == 4
    assert [p.name for p in tmp_path.iterdir()] == ["edsr.keras"]  # atomic: no temporaries left
    with pytest.raises(ValueError, match=".keras"):
        sr.save_sr_model(m, tmp_path / "edsr.h5", info)
    # an existing model is never replaced by default
    with pytest.raises(FileExistsError):
        sr.save_sr_model(sr.edsr(filters=4, n_blocks=1), path, info)
    sr.save_sr_model(m, path, info, overwrite=True)


def _weights(model):
    return [np.array(w.numpy() if hasattr(w, "numpy") else w) for w in model.get_weights()]


def test_discriminator_is_frozen_during_the_generator_step_and_trains_in_its_own():
    import torch

    gan = sr.make_adversarial(sr.paper_gan_generator(), sr.paper_gan_discriminator(16), adv_weight=1.0)
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.random((4, 16, 16, 1)), dtype=torch.float32)
    y = torch.tensor(rng.random((4, 16, 16, 1)), dtype=torch.float32)
    g0, d0 = _weights(gan.generator), _weights(gan.discriminator)
    gan.generator_step(x, y)
    g1, d1 = _weights(gan.generator), _weights(gan.discriminator)
    assert all(np.array_equal(a, b) for a, b in zip(d0, d1, strict=True)), "D changed in the G step"
    assert any(not np.array_equal(a, b) for a, b in zip(g0, g1, strict=True)), "G did not train"
    gan.discriminator_step(x, y)
    g2, d2 = _weights(gan.generator), _weights(gan.discriminator)
    assert all(np.array_equal(a, b) for a, b in zip(g1, g2, strict=True)), "G changed in the D step"
    assert any(not np.array_equal(a, b) for a, b in zip(d1, d2, strict=True)), "D did not train"


def test_fit_trains_both_networks_over_epochs():
    gan = sr.make_adversarial(sr.paper_gan_generator(), sr.paper_gan_discriminator(16))
    rng = np.random.default_rng(1)
    x = rng.random((32, 16, 16, 1)).astype(np.float32)
    y = (0.5 * x + 0.2).astype(np.float32)
    d0 = _weights(gan.discriminator)
    hist = gan.fit(x, y, batch_size=8, epochs=2, validation_data=(x[:8], y[:8]), verbose=0)
    assert {"loss", "mae", "d_loss", "adv_loss", "g_loss", "val_loss", "val_mae"} <= set(hist.history)
    assert any(not np.array_equal(a, b) for a, b in zip(d0, _weights(gan.discriminator), strict=True))
    assert hist.history["val_loss"][-1] < hist.history["val_loss"][0]


def test_custom_content_loss_replaces_the_pixel_loss():
    import torch
    from keras import ops

    def zero_loss(y_true, y_pred):  # differentiable, but with zero gradient
        return 0.0 * ops.mean(y_pred)

    gan = sr.make_adversarial(sr.paper_gan_generator(), sr.paper_gan_discriminator(16), adv_weight=0.0,
                              content_loss=zero_loss)
    x = torch.rand(2, 16, 16, 1)
    g0 = _weights(gan.generator)
    gan.generator_step(x, x * 0.5)
    assert all(np.array_equal(a, b) for a, b in zip(g0, _weights(gan.generator), strict=True))
