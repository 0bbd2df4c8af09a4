"""Label semantics are checked in one place (xctkit._validate.as_phases) and mean the same everywhere."""

import numpy as np
import pytest

from xctkit import micro
from xctkit._validate import PhaseWarning
from xctkit.phases import CBD, NMC, PORE


@pytest.fixture
def half():
    """Solid (NMC) in the lower half of a 10³ box: porosity exactly 0.5."""
    lab = np.full((10, 10, 10), PORE, np.uint8)
    lab[:5] = NMC
    return lab


def test_a_boolean_mask_is_the_pore_phase_in_every_metric(half):
    pore = half == PORE
    assert micro.porosity(half) == micro.porosity(pore) == 0.5
    assert np.array_equal(micro.solid_mask(pore), half == NMC)
    # tortuosity's transporting phase is the same mask: the pore half is a straight slab along y
    assert micro.tortuosity(pore, axis=1).percolates


def test_a_grey_image_passed_as_labels_is_refused():
    grey = (np.arange(1000).reshape(10, 10, 10) % 256).astype(np.uint8)
    with pytest.raises(ValueError, match="not xctkit phases.*Segment first"):
        micro.porosity(grey)


def test_a_zero_one_mask_given_as_labels_is_refused(half):
    with pytest.raises(ValueError, match="0 and 1.*boolean"):
        micro.porosity((half == NMC).astype(np.uint8))


def test_an_absent_requested_phase_warns(half):
    lab = np.where(half == NMC, CBD, PORE).astype(np.uint8)
    lab[0, 0, 0] = 3  # a crack voxel: not a 0/1 mask, so a warning rather than an error
    with pytest.warns(PhaseWarning, match="nmc"):
        assert micro.porosity(lab) == 1.0


def test_phase_fractions_refuse_a_boolean_mask(half):
    assert micro.phase_fractions(half)["nmc"] == 0.5
    with pytest.raises(TypeError, match="phase labels"):
        micro.phase_fractions(half == PORE)
