"""SEM forward model: HR 14.3 nm / LR 38.5 nm acquisitions of one clean signal."""

import numpy as np
import pytest

from xctkit import imaging
from xctkit.phases import CRACK, NMC, PORE


@pytest.fixture
def phase():
    y, x = np.ogrid[:280, :280]
    ph = np.full((280, 280), PORE, np.uint8)
    ph[(y - 140) ** 2 + (x - 140) ** 2 < 110**2] = NMC
    ph[135:140, 80:200] = CRACK
    return ph


def test_pair_geometry_matches_the_paper_factor(phase):
    pair = imaging.sem_pair(phase, seed=0)
    assert pair.hr.shape == (280, 280)
    assert pair.lr.shape == (104, 104)  # 280 · 13/35
    assert pair.lr_resized.shape == (140, 140)  # 104 · 35/26, the ×2 shuffle gives 280 again
    assert imaging.SEM_FACTOR == pytest.approx(38.5 / 14.3)
    assert pair.hr.dtype == np.float32 and pair.hr.min() >= 0 and pair.hr.max() <= 1


def test_lr_is_the_area_average_of_the_same_signal(phase):
    sig = imaging.sem_signal(phase, texture=0.0, edge_gain=0.0, seed=0)
    lr = imaging.acquire_sem(sig, pixel_um=0.0143, out_pixel_um=0.0385, psf_um=0.0, photons=np.inf, read_sigma=0.0,
                             out_shape=(104, 104))
    assert lr.mean() == pytest.approx(sig.mean(), abs=0.01)  # grey level is conserved by pixel integration
    const = imaging.acquire_sem(np.full((70, 70), 0.4, np.float32), pixel_um=0.0143, out_pixel_um=0.0385,
                                photons=np.inf, read_sigma=0.0)
    np.testing.assert_allclose(const, 0.4, atol=1e-6)


def test_signal_contrast_and_seeding(phase):
    sig = imaging.sem_signal(phase, grain=np.where(phase > 0, 0, -1), seed=1)
    assert sig[phase == NMC].mean() > sig[phase == CRACK].mean() + 0.3
    assert sig[phase == NMC].mean() > sig[phase == PORE].mean() + 0.3
    a = imaging.sem_pair(phase, seed=5)
    b = imaging.sem_pair(phase, seed=5)
    assert np.array_equal(a.lr, b.lr)
    with pytest.raises(ValueError, match="grain"):
        imaging.sem_signal(phase, grain=np.zeros((3, 3), int))


def test_resize_for_shuffle_rounds_like_the_paper():
    # paper 003: a 96-px LR cut-out becomes round(96 · 35/26) = 129 px, then 258 after the shuffle
    assert imaging.resize_for_shuffle(np.zeros((96, 96), np.float32)).shape == (129, 129)
    assert imaging.resize_for_shuffle(np.zeros((3, 26, 52), np.float32)).shape == (3, 35, 70)
