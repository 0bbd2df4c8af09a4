"""SEM super-resolution for paper 003: patch geometry, ×2 inference, content losses (VGG19 substitute)."""

import numpy as np
import pytest

from xctkit import imaging, sr, workflows
from xctkit import stereology as st
from xctkit.phases import NMC, PORE


@pytest.fixture(scope="module")
def pairs():
    y, x = np.ogrid[:140, :140]
    ph = np.full((140, 140), PORE, np.uint8)
    ph[(y - 70) ** 2 + (x - 70) ** 2 < 50**2] = NMC
    return [imaging.sem_pair(ph, seed=k) for k in range(3)]


def test_patch_set_is_co_located(pairs):
    ps = workflows.sem_patch_set(pairs[:2], val_pairs=pairs[2:], patch_hr=70, n_patches=8, n_val_patches=2, seed=0)
    assert ps.x_train.shape == (8, 35, 35, 1) and ps.y_train.shape == (8, 70, 70, 1)
    # the 35/26-resized LR is the HR grid halved: its 2×2-block averages track the HR image
    hr_half = ps.y_train[..., 0].reshape(8, 35, 2, 35, 2).mean(axis=(2, 4))
    assert np.corrcoef(hr_half.ravel(), ps.x_train.ravel())[0, 1] > 0.8
    with pytest.raises(ValueError, match="patch_hr"):
        workflows.sem_patch_set(pairs, val_pairs=pairs, patch_hr=71)


def test_tiled_x2_inference_equals_whole_image(pairs):
    g = sr.srgan_generator(filters=4, n_blocks=1, upscale=2)
    lr = pairs[0].lr_resized
    whole = np.clip(np.asarray(g.predict_on_batch(lr[None, ..., None]))[0, ..., 0], 0, 1)
    tiled = workflows.super_resolve_sem(g, lr, tile=40, overlap=12)  # overlap > receptive radius (4 + 1 + 1 + 1 + 4)
    assert tiled.shape == (140, 140)
    np.testing.assert_allclose(tiled, whole, atol=1e-5)


def test_content_losses():
    from keras import ops

    rng = np.random.default_rng(0)
    y = rng.random((2, 16, 16, 1)).astype("float32")
    shifted = np.roll(y, 1, axis=2)
    grad = sr.content_loss("gradient")
    assert float(ops.convert_to_numpy(grad(y, y))) == pytest.approx(0.0, abs=1e-12)
    mse = float(np.mean((y - shifted) ** 2))
    assert float(ops.convert_to_numpy(grad(y, shifted))) > mse  # edges misplaced cost more than pixels alone
    assert sr.content_loss("mse") is None
    enc = sr.sem_encoder(filters=4)
    assert tuple(enc(y).shape) == (2, 8, 8, 8)
    feat = sr.content_loss("encoder", extractor=enc)
    assert float(ops.convert_to_numpy(feat(y, y))) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(RuntimeError, match="download"):
        sr.content_loss("vgg19_block2_conv2")
    with pytest.raises(ValueError, match="extractor"):
        sr.content_loss("encoder")
    with pytest.raises(ValueError, match="kind"):
        sr.content_loss("ssim")
