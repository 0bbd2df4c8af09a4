"""xctkit.cell: the structure -> PyBaMM mapping on analytic structures and PyBaMM's own parameters."""

import math

import numpy as np
import pytest

from xctkit import cell, micro


def test_straight_channels_give_tau_one_and_bruggeman_one():
    # straight pore slabs along z, built here: τ = 1 exactly, so b = 1 − ln τ / ln ε = 1
    pore = np.zeros((16, 16, 16), bool)
    pore[:, ::4, :] = True
    t = micro.tortuosity(pore, axis=0)
    eps = micro.porosity(pore)
    assert eps == pytest.approx(0.25)
    assert t.tau == pytest.approx(1.0, abs=1e-5)  # the solver stops at relative residual 1e-6
    p = cell.electrode_parameters(porosity=eps, tortuosity=t.tau, particle_radius_um=5.0, thickness_um=16.0)
    assert p.bruggeman_electrolyte == pytest.approx(1.0, abs=1e-5)
    assert cell.bruggeman_exponent(eps, 1.0) == 1.0


@pytest.mark.parametrize("eps,b", [(0.2, 1.5), (0.35, 2.0), (0.8, 3.2)])
def test_bruggeman_inverts_tau_eps_power(eps, b):
    assert cell.bruggeman_exponent(eps, eps ** (1 - b)) == pytest.approx(b, rel=1e-12)


def test_sauter_radius_and_spherical_area():
    # radii 1, 2, 3 µm one particle each: R32 = (1 + 8 + 27) / (1 + 4 + 9) = 36 / 14
    p = cell.electrode_parameters(porosity=0.4, tortuosity=2.0, radii_um=[1.0, 2.0, 3.0], thickness_um=50.0)
    assert p.particle_radius_um == pytest.approx(36 / 14)
    assert p.active_fraction == pytest.approx(0.6)
    assert p.area_factor == pytest.approx(1.0)  # no measured area: spheres
    q = cell.electrode_parameters(porosity=0.4, tortuosity=2.0, radii_um=[1.0, 2.0, 3.0], thickness_um=50.0,
                                  specific_area_per_um=2 * 3 * 0.6 / (36 / 14))
    assert q.area_factor == pytest.approx(2.0)


def test_solid_factor_gives_electrode_bruggeman():
    p = cell.electrode_parameters(porosity=0.4, tortuosity=2.0, particle_radius_um=3.0, thickness_um=50.0,
                                  solid_conductivity_factor=0.6 ** 1.5)
    assert p.bruggeman_electrode == pytest.approx(1.5)


def test_to_pybamm_writes_the_measured_values():
    p = cell.electrode_parameters(porosity=0.45, tortuosity=3.0, particle_radius_um=2.5, thickness_um=40.0,
                                  solid_conductivity_factor=0.3, specific_area_per_um=0.5)
    pv = p.to_pybamm("Chen2020")
    assert pv["Positive electrode porosity"] == 0.45
    assert pv["Positive electrode Bruggeman coefficient (electrolyte)"] == pytest.approx(1 - math.log(3) / math.log(0.45))
    assert pv["Positive particle radius [m]"] == pytest.approx(2.5e-6)
    assert pv["Positive electrode thickness [m]"] == pytest.approx(40e-6)
    assert (0.55) ** pv["Positive electrode Bruggeman coefficient (electrode)"] == pytest.approx(0.3)
    j0 = pv["Positive electrode exchange-current density [A.m-2]"]
    base = cell.chen2020_parameters().to_pybamm()["Positive electrode exchange-current density [A.m-2]"]
    args = (1000.0, 30000.0, 63104.0, 298.15)
    assert float(j0(*args).evaluate()) == pytest.approx(p.area_factor * float(base(*args).evaluate()))


@pytest.mark.parametrize("kw,match", [
    ({"porosity": 1.2}, "porosity"),
    ({"tortuosity": float("inf")}, "tau"),
    ({"thickness_um": -1.0}, "thickness_um"),
    ({"solid_conductivity_factor": 1.5}, "solid_conductivity_factor"),
    ({"particle_radius_um": None}, "radii_um"),
    ({"active_fraction": 0.9}, "active_fraction"),
])
def test_bad_input_names_the_argument(kw, match):
    args = dict(porosity=0.4, tortuosity=2.0, particle_radius_um=3.0, thickness_um=50.0)
    args.update(kw)
    with pytest.raises(ValueError, match=match):
        cell.electrode_parameters(**args)


def test_chen2020_round_trip_capacity_within_2_percent():
    # PyBaMM's own Chen2020 values through the mapping vs PyBaMM run directly (its 5 A h nominal, 0.2C)
    import pybamm

    pv = pybamm.ParameterValues("Chen2020")
    pv.update({"Current function [A]": 0.2 * pv["Nominal cell capacity [A.h]"], "Lower voltage cut-off [V]": 3.0})
    sol = pybamm.Simulation(pybamm.lithium_ion.DFN(), parameter_values=pv).solve([0, 3600 * 6])
    ref = float(sol["Discharge capacity [A.h]"].entries[-1])
    ours = cell.simulate_discharge(cell.chen2020_parameters(), c_rate=0.2, model="DFN")
    assert ours.current_a == pytest.approx(1.0)
    assert "Minimum voltage" in ours.termination
    assert ours.capacity_ah == pytest.approx(ref, rel=0.02)
