"""Tortuosity factor: analytic cases, a clear 'no percolating path', and TauFactor vs PoreSpy."""

import numpy as np
import pytest

from xctkit import micro, synth
from xctkit.phases import NMC, PORE


@pytest.mark.parametrize("method", ["taufactor", "porespy"])
def test_straight_channels_have_tortuosity_factor_one(method):
    vol = np.full((24, 12, 12), NMC, np.uint8)
    vol[:, 2:5, 2:5] = PORE
    vol[:, 7:10, 6:11] = PORE  # a second, wider channel: still straight
    res = micro.tortuosity(vol, phase=PORE, axis=0, method=method)
    assert res.percolates and res.method == method
    # exact answer 1; tolerance covers the solvers' convergence criteria
    assert res.tau == pytest.approx(1.0, abs=2e-3)
    assert res.volume_fraction == pytest.approx((9 + 15) / 144)
    assert res.d_eff_rel == pytest.approx(res.volume_fraction, rel=2e-3)  # D_eff/D0 = ε / τ


def test_open_box_has_tortuosity_factor_one_along_every_axis():
    vol = np.ones((10, 12, 14), dtype=bool)
    for axis in range(3):
        assert micro.tortuosity(vol, axis=axis).tau == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("method", ["taufactor", "porespy"])
def test_disconnected_pore_space_reports_no_percolating_path(method):
    vol = np.full((20, 16, 16), PORE, np.uint8)
    vol[9:11] = NMC  # a solid wall across the transport axis
    res = micro.tortuosity(vol, phase=PORE, axis=0, method=method)
    assert res.percolates is False
    assert np.isnan(res.tau) and res.d_eff_rel == 0.0 and res.percolating_fraction == 0.0
    # the same wall is no obstacle along the other axes
    assert micro.tortuosity(vol, phase=PORE, axis=1, method=method).tau == pytest.approx(1.0, abs=2e-3)


def test_isolated_pores_do_not_percolate():
    vol = np.full((16, 16, 16), NMC, np.uint8)
    vol[4:7, 4:7, 4:7] = PORE
    vol[10:13, 9:12, 3:6] = PORE
    res = micro.tortuosity(vol, phase=PORE)
    assert not res.percolates and res.volume_fraction == pytest.approx(54 / 16**3)


def test_taufactor_and_porespy_agree_on_an_electrode():
    """Independent implementations (TauFactor SOR vs OpenPNM/PyAMG) on the same 32³ volume.

    Tolerance 3 %: the acceptance asks for agreement within a few percent.
    """
    e = synth.dry_electrode((64, 64, 64), porosity=0.49, seed=3)
    pore = ~e.solid_at(0.74)
    tf = micro.tortuosity(pore, axis=0, conv_crit=1e-3)
    ps = micro.tortuosity(pore, axis=0, method="porespy")
    assert tf.percolates and ps.percolates
    assert 1.2 < tf.tau < 6.0
    assert ps.tau == pytest.approx(tf.tau, rel=0.03)
    assert ps.volume_fraction == tf.volume_fraction


def test_tortuosity_rejects_bad_input():
    with pytest.raises(ValueError, match="labels"):
        micro.tortuosity(np.zeros((8, 8), np.uint8))
    with pytest.raises(ValueError, match="method"):
        micro.tortuosity(np.full((8, 8, 8), 2, np.uint8), method="fem")
    with pytest.raises(TypeError, match="labels"):
        micro.tortuosity(np.zeros((8, 8, 8), np.float32))
