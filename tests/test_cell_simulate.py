"""xctkit.cell simulations: rate tables, sensitivity designs (small SPMe runs)."""

import numpy as np
import pytest

from xctkit import cell


@pytest.fixture(scope="module")
def electrodes():
    dense = cell.electrode_parameters(porosity=0.3, tortuosity=4.0, particle_radius_um=4.0, thickness_um=80.0)
    open_ = cell.electrode_parameters(porosity=0.5, tortuosity=1.5, particle_radius_um=4.0, thickness_um=80.0)
    return {("dense", "pristine"): dense, ("open", "pristine"): open_}


def test_rate_table_capacity_falls_with_rate_and_open_structure_retains_more(electrodes):
    t = cell.rate_table(electrodes, c_rates=(0.2, 3.0), model="SPMe")
    assert set(t.columns) >= {"electrode", "state", "c_rate", "capacity_mah_g", "retention"}
    w = t.pivot(index="electrode", columns="c_rate", values="capacity_mah_g")
    assert (w[3.0] < w[0.2]).all()
    # same chemistry, same loading per area scaled: more porous and less tortuous retains more at 3C
    r = t[t.c_rate == 3.0].set_index("electrode").retention
    assert r["open"] > r["dense"]
    assert np.allclose(t[t.c_rate == 0.2].retention, 1.0)
    # per-gram capacity at low rate ~ theoretical window of Chen2020's positive (190-230 mA h/g)
    assert ((w[0.2] > 170) & (w[0.2] < 240)).all()


def test_measured_ranges_and_one_at_a_time(electrodes):
    r = cell.measured_ranges(electrodes, quantities=("porosity", "tortuosity"))
    assert list(r.quantity) == ["porosity", "tortuosity"]
    assert r.loc[0, "low"] == 0.3 and r.loc[0, "high"] == 0.5
    oat = cell.one_at_a_time(electrodes[("dense", "pristine")], r, c_rate=3.0)
    assert set(oat.quantity) == {"porosity", "tortuosity"}
    assert (oat.swing_mah_g >= 0).all()
    # lowering τ at fixed ε can only help transport
    tau = oat.set_index("quantity").loc["tortuosity"]
    assert tau.capacity_low_mah_g > tau.capacity_high_mah_g


def test_global_design_recovers_a_dominant_quantity(electrodes):
    # τ swept over a wide range, particle radius over a negligible one: τ must rank first
    ranges = {"tortuosity": (1.2, 8.0), "particle_radius_um": (3.99, 4.01), "thickness_um": (80.0, 80.0)}
    design, coefs = cell.global_sensitivity(electrodes[("dense", "pristine")], ranges, n_samples=6, seed=1,
                                            c_rate=3.0)
    assert len(design) == 6 and "capacity_mah_g" in design
    assert coefs.quantity[0] == "tortuosity"
    assert coefs.loc[0, "src_mah_g"] < 0
    # a quantity that does not vary is not sampled and has no coefficient
    assert np.isnan(coefs.set_index("quantity").loc["thickness_um", "src_mah_g"])
    assert "thickness_um" not in design


def test_bad_ranges_rejected(electrodes):
    with pytest.raises(ValueError, match="quantities"):
        cell.one_at_a_time(electrodes[("dense", "pristine")], {"colour": (0, 1)})
    with pytest.raises(TypeError, match="params"):
        cell.simulate_discharge({"porosity": 0.3})
    with pytest.raises(ValueError, match="model"):
        cell.simulate_discharge(electrodes[("dense", "pristine")], model="P2D")
