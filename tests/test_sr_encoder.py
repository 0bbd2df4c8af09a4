"""SEM encoder (paper 003's VGG19 substitute): shapes, training that lowers the reconstruction loss,
and the feature loss it defines, on images built in the test."""

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from xctkit.sr import content_loss, sem_encoder, train_sem_encoder


def _images(n=3, size=48, seed=0):
    """Smooth random grey images in [0, 1] (blobs with edges, learnable by a small auto-encoder)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        g = gaussian_filter(rng.normal(size=(size, size)), 2.0)
        out.append((g > 0).astype(np.float32) * 0.6 + 0.2)
    return out


def test_sem_encoder_output_shape():
    enc = sem_encoder(filters=4)
    y = np.asarray(enc.predict_on_batch(np.zeros((2, 16, 24, 1), np.float32)))
    assert y.shape == (2, 8, 12, 8)  # H/2, W/2, 2·filters
    assert enc.get_layer("block2_conv2").output.shape[-1] == 8


def test_train_sem_encoder_lowers_loss_and_gives_a_feature_loss():
    imgs = _images()
    run = train_sem_encoder(imgs, filters=4, patch=16, n_patches=320, epochs=6, noise_sigma=0.05,
                            learning_rate=1e-2, seed=0)
    h = run.history
    assert list(h.columns[:3]) == ["epoch", "loss", "val_loss"] and list(h.epoch) == [1, 2, 3, 4, 5, 6]
    assert np.isfinite(h.loss).all() and np.isfinite(h.val_loss).all()
    # the denoising auto-encoder learns the images, not just their mean: the held-out reconstruction
    # MSE ends below half the grey-level variance (the MSE of predicting the mean; measured ~0.24 of it)
    assert h.loss.iloc[-1] < 0.5 * h.loss.iloc[0]
    assert h.val_loss.iloc[-1] < 0.5 * float(np.var(np.stack(imgs)))
    x = np.stack(_images(2, 32, seed=5))[..., None]
    f = np.asarray(run.encoder.predict_on_batch(x))
    assert f.shape == (2, 16, 16, 8)
    # the encoder's feature loss: zero between identical images, positive between different ones
    loss = content_loss("encoder", extractor=run.encoder)
    assert float(loss(x, x)) == pytest.approx(0.0, abs=1e-12)
    assert float(loss(x, x[::-1])) > 0.0


def test_train_sem_encoder_rejects_bad_input():
    with pytest.raises(ValueError, match="patch"):
        train_sem_encoder(_images(1), patch=15, n_patches=10, epochs=1)
    with pytest.raises(ValueError, match="patch"):
        train_sem_encoder(_images(1, size=8), patch=16, n_patches=10, epochs=1)
    with pytest.raises(ValueError, match="images"):
        train_sem_encoder([], patch=16, n_patches=10, epochs=1)
