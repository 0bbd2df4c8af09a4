"""dit_mechanisms: growth vs densification of the DIT electrode, checked by mass balance (known answers)."""

import pandas as pd
import pytest

from xctkit.workflows import describe_mechanisms, dit_mechanisms


@pytest.fixture(scope="module")
def table():
    return dit_mechanisms(shape=(48, 64, 64), seed=0).to_frame().set_index("mechanism")


def test_mass_balance_of_both_mechanisms(table):
    # Table 2 DIT: porosity 0.85 -> 0.59
    assert table.loc["growth", "porosity"] == pytest.approx(0.59, abs=0.01)
    assert table.loc["densification", "porosity"] == pytest.approx(0.59, abs=0.01)
    assert table.loc["growth", "solid_volume_change_pct"] == pytest.approx(100 * (0.41 / 0.15 - 1), abs=0.1)
    assert table.loc["densification", "electrode_volume_change_pct"] == pytest.approx(100 * (0.15 / 0.41 - 1), abs=0.1)
    # densification keeps the particles: median size within 5 % of pristine; growth enlarges them
    assert table.loc["densification", "median_particle_um"] == pytest.approx(table.loc["pristine", "median_particle_um"], rel=0.05)
    assert table.loc["growth", "median_particle_um"] > 1.2 * table.loc["pristine", "median_particle_um"]
    assert (table.tortuosity.drop("pristine") > table.loc["pristine", "tortuosity"]).all()


def test_description_follows_the_table():
    f = pd.DataFrame({"mechanism": ["pristine", "growth", "densification"], "tortuosity": [1.2, 2.0, 1.7],
                      "tortuosity_paper": [1.24, 2.07, 2.07], "tortuosity_rel_error": [-0.03, -0.034, -0.18],
                      "solid_volume_change_pct": [0.0, 173.3, 0.0], "electrode_volume_change_pct": [0.0, 0.0, -63.4]})
    text = describe_mechanisms(f)
    assert text.startswith("Closest to Table 2's cycled τ (2.07): growth") and "within ±10 %: growth;" in text
    broken = f.assign(tortuosity_rel_error=[-0.03, -0.30, -0.05])  # the run contradicting the sentence
    assert describe_mechanisms(broken).startswith("Closest to Table 2's cycled τ (2.07): densification")
    assert "within ±10 %: densification;" in describe_mechanisms(broken)
    assert text.endswith("No mechanism with plausible solid growth (≤ 10 % NMC volume) reproduces Table 2's "
                         "cycled DIT τ within ±10 %; only growth does, with growth NMC811 cannot undergo.")
    assert describe_mechanisms(broken).endswith("reproduced with plausible solid growth by densification.")


def test_description_refuses_a_foreign_table():
    with pytest.raises(TypeError, match="`frame` must be dit_mechanisms"):
        describe_mechanisms(pd.DataFrame({"mechanism": ["growth"]}))


def test_description_checks_its_tolerances():
    f = pd.DataFrame({"mechanism": ["growth"], "tortuosity": [2.0], "tortuosity_paper": [2.07],
                      "tortuosity_rel_error": [-0.03], "solid_volume_change_pct": [173.3],
                      "electrode_volume_change_pct": [0.0]})
    with pytest.raises(ValueError, match="`rtol` must be > 0"):
        describe_mechanisms(f, rtol=-0.1)
    with pytest.raises(ValueError, match="`plausible_solid_pct` must be > 0"):
        describe_mechanisms(f, plausible_solid_pct=0)
