"""Bad input, class 'what labels mean': one convention for masks, label volumes checked against phases.

Structures are written here (not by xctkit's generators): a random pore mask and a layered volume whose
porosity is known by construction.
"""

import warnings

import numpy as np
import pytest

from xctkit import micro
from xctkit._validate import PhaseWarning
from xctkit.phases import CBD, CRACK, NMC, PORE

SHAPE = (12, 14, 16)


@pytest.fixture
def pore_mask():
    return np.random.default_rng(7).random(SHAPE) < 0.45


@pytest.fixture
def layered():
    """NMC everywhere, a pore slab of 4 of the 16 columns and a CBD slab of 2: porosity 6/16 exactly."""
    lab = np.full(SHAPE, NMC, np.uint8)
    lab[:, :, :4] = PORE
    lab[:, :, 4:6] = CBD
    return lab


# -- a boolean mask is the pore (transporting) phase everywhere ---------------------------------------
BOOL_READERS = {
    "porosity": lambda m: micro.porosity(m),
    "tortuosity.volume_fraction": lambda m: micro.tortuosity(m).volume_fraction,
    "pore_sizes.phase_fraction": lambda m: micro.pore_sizes(m, voxel_um=1.0).phase_fraction,
    "1 - solid_mask": lambda m: 1.0 - micro.solid_mask(m).mean(),
}


@pytest.mark.parametrize("reader", sorted(BOOL_READERS))
def test_boolean_mask_is_pore_everywhere(reader, pore_mask, untouched):
    assert BOOL_READERS[reader](pore_mask) == pytest.approx(pore_mask.mean(), abs=1e-12)


@pytest.mark.parametrize("reader", ["porosity", "tortuosity.volume_fraction"])
def test_phase_labels_agree_with_the_layered_truth(reader, layered, untouched):
    # transporting phase = not NMC (pore + CBD): 6 of 16 columns
    assert BOOL_READERS[reader](layered) == pytest.approx(6 / 16, abs=1e-12)


# -- a 0/1 volume given as phase labels, where solid is NMC = 2 ----------------------------------------
ZERO_ONE_CALLS = {
    "porosity": lambda a: micro.porosity(a),
    "solid_mask": lambda a: micro.solid_mask(a),
    "surface_area": lambda a: micro.surface_area(a, voxel_um=1.0),
    "tortuosity": lambda a: micro.tortuosity(a),
    "pore_sizes": lambda a: micro.pore_sizes(a, voxel_um=1.0),
}


@pytest.mark.parametrize("call", sorted(ZERO_ONE_CALLS))
def test_zero_one_uint8_is_refused(call, pore_mask, untouched):
    with pytest.raises(ValueError, match=r"`labels` holds only 0 and 1.*boolean"):
        ZERO_ONE_CALLS[call](pore_mask.astype(np.uint8))


# -- a grey image (or instance labels) passed as phases -------------------------------------------------
GREY_CALLS = dict(ZERO_ONE_CALLS, phase_fractions=lambda a: micro.phase_fractions(a))


@pytest.mark.parametrize("call", sorted(GREY_CALLS))
def test_grey_image_is_not_labels(call, untouched):
    grey = np.random.default_rng(1).integers(0, 256, SHAPE).astype(np.uint8)
    with pytest.raises(ValueError, match=r"`labels` holds values .* not xctkit phases"):
        GREY_CALLS[call](grey)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_labels_are_refused(dtype, layered, untouched):
    with pytest.raises(TypeError, match="`labels` must hold integer phase labels"):
        micro.porosity(layered.astype(dtype))


def test_negative_labels_are_refused(layered, untouched):
    with pytest.raises(ValueError, match="`labels` must hold non-negative labels"):
        micro.porosity(layered.astype(np.int16) - 1)


# -- requested labels that are not phases, or absent from the volume ----------------------------------
@pytest.mark.parametrize("kw", [{"phase": 7}, {"phase": [PORE, 9]}, {"solid": 5}])
def test_phase_or_solid_that_is_not_a_phase(kw, layered, untouched):
    (name,) = kw
    with pytest.raises(ValueError, match=f"`{name}` must name xctkit phases"):
        micro.tortuosity(layered, **kw)


@pytest.mark.parametrize("kw", [{"phase": "pore"}, {"phase": 1.5}])
def test_phase_of_the_wrong_type(kw, layered, untouched):
    with pytest.raises(TypeError, match="`phase` must be a phase label"):
        micro.tortuosity(layered, **kw)


@pytest.mark.parametrize("call", ["tortuosity", "surface_area"])
def test_absent_requested_phase_warns(call, layered, untouched):
    with pytest.warns(PhaseWarning, match="none of the requested phase.*crack"):
        if call == "tortuosity":
            res = micro.tortuosity(layered, phase=CRACK)
            assert res.volume_fraction == 0.0 and np.isnan(res.tau)
        else:
            assert micro.surface_area(layered, voxel_um=1.0, phase=CRACK).area_um2 == 0.0


def test_present_phase_does_not_warn(layered, untouched):
    with warnings.catch_warnings():
        warnings.simplefilter("error", PhaseWarning)
        assert micro.tortuosity(layered, phase=PORE).volume_fraction == pytest.approx(4 / 16)
