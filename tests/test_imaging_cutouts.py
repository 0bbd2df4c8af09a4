"""The one 2-D cut-out sampler: co-location across scales, uniform coverage, clear refusals."""

import numpy as np
import pytest

from xctkit.imaging import random_cutouts


def test_partners_are_cut_at_their_scale_of_the_same_place():
    lr = np.arange(30 * 40, dtype=np.float64).reshape(30, 40)
    hr = np.kron(lr, np.ones((2, 2)))  # an exact ×2 partner: every LR pixel is a 2×2 HR block
    (x, y), src = random_cutouts([(lr, hr)], size=6, n=50, scales=(1, 2), seed=3)
    assert x.shape == (50, 6, 6) and y.shape == (50, 12, 12) and (src == 0).all()
    np.testing.assert_array_equal(y[:, ::2, ::2], x)


def test_corners_cover_the_image_uniformly():
    img = np.zeros((12, 12))
    img[0, 0] = 1.0  # only the window with corner (0, 0) contains it: 1 of 7 × 7 corners
    (x,), _ = random_cutouts([img], size=6, n=9800, seed=0)
    share = (x[:, 0, 0] == 1).mean()
    assert share == pytest.approx(1 / 49, abs=4 * np.sqrt((1 / 49) * (48 / 49) / 9800))


def test_items_are_drawn_and_recorded_and_bad_input_is_refused():
    items = [(np.full((8, 8), i),) for i in range(3)]
    (x,), src = random_cutouts(items, size=4, n=30, seed=1)
    np.testing.assert_array_equal(x[:, 0, 0], src)
    with pytest.raises(ValueError, match="at least"):
        random_cutouts([np.zeros((3, 8))], size=4, n=1)
    with pytest.raises(ValueError, match="2× the first"):
        random_cutouts([(np.zeros((8, 8)), np.zeros((15, 16)))], size=4, n=1, scales=(1, 2))
    with pytest.raises(ValueError, match="empty"):
        random_cutouts([], size=4, n=1)
