"""Constant-current discharges of a PyBaMM cell with a measured positive electrode, and the
sensitivity of the simulated capacity to each measured quantity.

Capacities are reported per gram of NMC (mA h g⁻¹, as paper 000 reports them) and per electrode area
(mA h cm⁻²). The C-rate is relative to the base set's nominal capacity scaled by the positive
electrode's active-material loading (ε_am × thickness), so 1C of PyBaMM's own Chen2020 electrode is
its 5 A h nominal current and a thinner or less dense electrode is discharged at a proportionally
smaller current. The structure enters only through transport, kinetics (area) and particle size:
no side reactions, no loss of lithium or of active material.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._validate import check_choice, check_int, check_positive
from ._parameters import NMC811_DENSITY_G_CM3, CellParameters

__all__ = ["Discharge", "simulate_discharge", "rate_table", "one_at_a_time", "global_sensitivity",
           "measured_ranges", "MODELS", "COARSE_MESH", "SENSITIVITY_QUANTITIES"]

log = logging.getLogger(__name__)

MODELS = ("SPMe", "DFN", "SPM")
COARSE_MESH = {"x_n": 8, "x_s": 5, "x_p": 8, "r_n": 8, "r_p": 8}
"""Finite-volume points per domain: coarse enough for a report sweep (PyBaMM's default is 20 / 20 / 20 / 20 / 20)."""

SENSITIVITY_QUANTITIES = ("porosity", "tortuosity", "solid_conductivity_factor", "particle_radius_um",
                          "specific_area_per_um", "thickness_um")
"""Measured quantities the sensitivity study varies (ε_am follows 1 − ε in a two-phase measurement)."""


@dataclass(frozen=True)
class Discharge:
    """One simulated constant-current discharge.

    Attributes
    ----------
    model : str
    c_rate : float
    current_a : float
        Applied current, A.
    capacity_ah : float
        Charge delivered down to the cut-off, A h.
    capacity_mah_g : float
        Per gram of NMC, mA h g⁻¹.
    capacity_mah_cm2 : float
        Per electrode area, mA h cm⁻².
    curve : pandas.DataFrame
        ``capacity_mah_g``, ``voltage_v``, ``time_h``.
    termination : str
        PyBaMM's reason for stopping (``"event: Minimum voltage [V]"`` when the cut-off was reached).
    seconds : float
        Wall time of build + solve, s.
    """

    model: str
    c_rate: float
    current_a: float
    capacity_ah: float
    capacity_mah_g: float
    capacity_mah_cm2: float
    curve: pd.DataFrame
    termination: str
    seconds: float


def _one_c_current(pv, params: CellParameters, base_pv) -> float:
    # 1C: the base set's nominal current scaled by the positive electrode's active loading
    load = params.active_fraction * params.thickness_um * 1e-6
    load0 = base_pv["Positive electrode active material volume fraction"] * base_pv["Positive electrode thickness [m]"]
    return float(base_pv["Nominal cell capacity [A.h]"]) * load / load0


def simulate_discharge(params, *, c_rate: float = 1.0, model: str = "SPMe", base: str = "Chen2020",
                       v_min: float = 3.0, var_pts: dict | None = None, n_points: int = 100,
                       density_g_cm3: float = NMC811_DENSITY_G_CM3) -> Discharge:
    """Discharge a cell with the measured positive electrode at constant current down to ``v_min``.

    Parameters
    ----------
    params : CellParameters or pybamm.ParameterValues
        The measured electrode (mapped with :meth:`CellParameters.to_pybamm`), or a PyBaMM parameter
        set used as it is (its own positive electrode; for reference runs).
    c_rate : float
        Discharge rate, 1/h (see the module docstring for the 1C current).
    model : {'SPMe', 'DFN', 'SPM'}
        PyBaMM lithium-ion model: the DFN (Doyle–Fuller–Newman) for headline curves, the SPMe (single
        particle with electrolyte) as the fast check and for sweeps.
    base : {'Chen2020'}
        PyBaMM parameter set for everything not measured.
    v_min : float
        Lower cut-off voltage, V (paper 000 cycles between 3.0 and 4.3 V).
    var_pts : dict, optional
        Mesh points (default :data:`COARSE_MESH`).
    n_points : int
        Points of the returned curve.
    density_g_cm3 : float
        NMC density for the per-gram capacity, g cm⁻³.

    Returns
    -------
    Discharge

    Examples
    --------
    >>> from xctkit import cell
    >>> d = cell.simulate_discharge(cell.chen2020_parameters(), c_rate=0.2)   # doctest: +SKIP
    >>> round(d.capacity_ah, 2)                                               # doctest: +SKIP
    4.86
    """
    import pybamm

    model = check_choice(model, "model", MODELS)
    c_rate = check_positive(c_rate, "c_rate")
    v_min = check_positive(v_min, "v_min")
    n_points = check_int(n_points, "n_points", min_value=2)
    base_pv = pybamm.ParameterValues(base)
    if isinstance(params, CellParameters):
        pv = params.to_pybamm(base)
        cp = params
    elif isinstance(params, pybamm.ParameterValues):
        pv = params.copy()
        eps = pv["Positive electrode porosity"]
        cp = CellParameters(porosity=eps, tortuosity=float("nan"), bruggeman_electrolyte=float("nan"),
                            solid_conductivity_factor=float("nan"), bruggeman_electrode=float("nan"),
                            particle_radius_um=pv["Positive particle radius [m]"] * 1e6,
                            specific_area_per_um=float("nan"), area_factor=1.0,
                            thickness_um=pv["Positive electrode thickness [m]"] * 1e6,
                            active_fraction=pv["Positive electrode active material volume fraction"])
    else:
        raise TypeError(f"`params` must be CellParameters or pybamm.ParameterValues, got {type(params).__name__}")
    current = c_rate * _one_c_current(pv, cp, base_pv)
    pv.update({"Current function [A]": current, "Lower voltage cut-off [V]": v_min})
    t0 = time.perf_counter()
    m = getattr(pybamm.lithium_ion, model)()
    sim = pybamm.Simulation(m, parameter_values=pv, var_pts=dict(var_pts or COARSE_MESH))
    sol = sim.solve([0.0, 3600.0 * 1.5 / c_rate])
    seconds = time.perf_counter() - t0
    q = np.asarray(sol["Discharge capacity [A.h]"].entries)
    v = np.asarray(sol["Voltage [V]"].entries)
    t = np.asarray(sol["Time [h]"].entries)
    area_cm2 = pv["Electrode height [m]"] * pv["Electrode width [m]"] * 1e4
    area_cm2 *= pv["Number of electrodes connected in parallel to make a cell"]
    mass_g = cp.active_fraction * cp.thickness_um * 1e-4 * area_cm2 * density_g_cm3
    cap = float(q[-1])
    grid = np.linspace(0.0, t[-1], n_points)
    curve = pd.DataFrame({"capacity_mah_g": np.interp(grid, t, q) * 1e3 / mass_g,
                          "voltage_v": np.interp(grid, t, v), "time_h": grid})
    term = str(sol.termination)
    if "Minimum voltage" not in term:
        log.warning("discharge at %.2gC stopped by %s, not the cut-off", c_rate, term)
    return Discharge(model, c_rate, current, cap, cap * 1e3 / mass_g, cap * 1e3 / area_cm2, curve, term, seconds)


def rate_table(electrodes: dict, *, c_rates=(0.2, 0.5, 1.0, 2.0), model: str = "SPMe", base: str = "Chen2020",
               v_min: float = 3.0, var_pts: dict | None = None, curves: bool = False, progress: bool = False):
    """Capacities of several electrodes at several C-rates.

    Parameters
    ----------
    electrodes : dict of key -> CellParameters
        Keys are names or tuples ``(electrode, state)``.
    c_rates : sequence of float
    model, base, v_min, var_pts
        As :func:`simulate_discharge`.
    curves : bool
        Also return the discharge curves (long table).
    progress : bool
        Show a tqdm bar.

    Returns
    -------
    pandas.DataFrame or (pandas.DataFrame, pandas.DataFrame)
        One row per electrode and rate: ``electrode``, ``state`` (or ``source``), ``model``, ``c_rate``,
        ``current_a``, ``capacity_ah``, ``capacity_mah_g``, ``capacity_mah_cm2``, ``retention``
        (capacity over the same electrode's lowest-rate capacity), ``seconds``; with ``curves`` also the
        curves (same keys plus ``capacity_mah_g``, ``voltage_v``, ``time_h``).
    """
    from tqdm.auto import tqdm

    if not isinstance(electrodes, dict) or not electrodes:
        raise TypeError("`electrodes` must be a non-empty dict of key -> CellParameters")
    rates = sorted(check_positive(c, "c_rates") for c in c_rates)
    rows, curve_rows = [], []
    jobs = [(k, p, c) for k, p in electrodes.items() for c in rates]
    for key, p, c in tqdm(jobs, disable=not progress, desc=f"{model} discharges"):
        ident = {"electrode": key[0], "state": key[1]} if isinstance(key, tuple) else {"source": key}
        d = simulate_discharge(p, c_rate=c, model=model, base=base, v_min=v_min, var_pts=var_pts)
        rows.append({**ident, "model": model, "c_rate": c, "current_a": d.current_a, "capacity_ah": d.capacity_ah,
                     "capacity_mah_g": d.capacity_mah_g, "capacity_mah_cm2": d.capacity_mah_cm2,
                     "seconds": d.seconds})
        if curves:
            curve_rows.append(d.curve.assign(**ident, model=model, c_rate=c))
    out = pd.DataFrame(rows)
    keys = [k for k in ("electrode", "state", "source") if k in out]
    low = out.loc[out.c_rate == rates[0]].set_index(keys).capacity_mah_g
    out["retention"] = out.capacity_mah_g.to_numpy() / low.loc[pd.MultiIndex.from_frame(out[keys])
                                                               if len(keys) > 1 else out[keys[0]]].to_numpy()
    if curves:
        return out, pd.concat(curve_rows, ignore_index=True)
    return out


def measured_ranges(electrodes, quantities=SENSITIVITY_QUANTITIES) -> pd.DataFrame:
    """Low, median and high of each quantity over a set of measured electrodes.

    Parameters
    ----------
    electrodes : dict of key -> CellParameters, or sequence of CellParameters
    quantities : sequence of str
        Attributes of :class:`CellParameters`.

    Returns
    -------
    pandas.DataFrame
        ``quantity``, ``low``, ``median``, ``high``.
    """
    ps = list(electrodes.values()) if isinstance(electrodes, dict) else list(electrodes)
    if not ps:
        raise ValueError("`electrodes` must not be empty")
    rows = []
    for q in quantities:
        vals = np.array([getattr(p, q) for p in ps], dtype=float)
        rows.append({"quantity": q, "low": float(vals.min()), "median": float(np.median(vals)),
                     "high": float(vals.max())})
    return pd.DataFrame(rows)


def _vary(p: CellParameters, values: dict) -> CellParameters:
    values = dict(values)
    if "porosity" in values and abs(p.porosity + p.active_fraction - 1.0) < 1e-6:
        # two-phase measurement: the NMC fraction is 1 − ε; the interface per NMC volume is kept
        am = 1.0 - values["porosity"]
        values["active_fraction"] = am
        values.setdefault("specific_area_per_um", p.specific_area_per_um * am / p.active_fraction)
    return p.with_values(**values)


def _ranges(ranges) -> pd.DataFrame:
    r = ranges if isinstance(ranges, pd.DataFrame) else pd.DataFrame(
        [{"quantity": k, "low": v[0], "high": v[1]} for k, v in dict(ranges).items()])
    bad = sorted(set(r.quantity) - set(SENSITIVITY_QUANTITIES))
    if bad:
        raise ValueError(f"`ranges` quantities must be among {SENSITIVITY_QUANTITIES}, got {bad}")
    if (r.high < r.low).any():
        raise ValueError("`ranges` needs low <= high for every quantity")
    return r.reset_index(drop=True)


def one_at_a_time(params: CellParameters, ranges, *, c_rate: float = 1.0, model: str = "SPMe",
                  base: str = "Chen2020", v_min: float = 3.0, var_pts: dict | None = None) -> pd.DataFrame:
    """Simulated capacity with one measured quantity at a time moved to the low and high ends of its range.

    Parameters
    ----------
    params : CellParameters
        The reference electrode (all other quantities held at its values).
    ranges : pandas.DataFrame or dict
        :func:`measured_ranges` output (``quantity``, ``low``, ``high``) or ``{quantity: (low, high)}``.
    c_rate, model, base, v_min, var_pts
        As :func:`simulate_discharge`.

    Returns
    -------
    pandas.DataFrame
        ``quantity``, ``low``, ``high``, ``capacity_low_mah_g``, ``capacity_high_mah_g``,
        ``capacity_reference_mah_g``, ``swing_mah_g`` (|high − low|), sorted by swing, largest first.
    """
    r = _ranges(ranges)
    kw = dict(c_rate=c_rate, model=model, base=base, v_min=v_min, var_pts=var_pts)
    ref = simulate_discharge(params, **kw).capacity_mah_g
    rows = []
    for q, lo, hi in zip(r.quantity, r.low, r.high, strict=True):
        c_lo = simulate_discharge(_vary(params, {q: lo}), **kw).capacity_mah_g
        c_hi = simulate_discharge(_vary(params, {q: hi}), **kw).capacity_mah_g
        rows.append({"quantity": q, "low": lo, "high": hi, "capacity_low_mah_g": c_lo,
                     "capacity_high_mah_g": c_hi, "capacity_reference_mah_g": ref,
                     "swing_mah_g": abs(c_hi - c_lo)})
    return pd.DataFrame(rows).sort_values("swing_mah_g", ascending=False, ignore_index=True)


def global_sensitivity(params: CellParameters, ranges, *, n_samples: int = 24, seed: int = 0,
                       c_rate: float = 1.0, model: str = "SPMe", base: str = "Chen2020", v_min: float = 3.0,
                       var_pts: dict | None = None, progress: bool = False):
    """A Latin-hypercube design over the measured ranges and standardised regression coefficients.

    Every quantity of ``ranges`` is drawn jointly (scipy's Latin hypercube); the simulated capacity is
    regressed on the standardised inputs, so each coefficient is the capacity change (mA h g⁻¹) per
    standard deviation of that quantity over the design, and R² says how much a linear model explains.

    Parameters
    ----------
    params : CellParameters
        Values of the quantities not in ``ranges``.
    ranges : pandas.DataFrame or dict
        As :func:`one_at_a_time`.
    n_samples : int
        Design points (simulations).
    seed : int
        Seed of the design.
    c_rate, model, base, v_min, var_pts
        As :func:`simulate_discharge`.
    progress : bool
        Show a tqdm bar.

    Returns
    -------
    design : pandas.DataFrame
        One row per design point: the quantities and ``capacity_mah_g``.
    coefficients : pandas.DataFrame
        ``quantity``, ``src_mah_g`` (capacity change per standard deviation), ``abs_src_mah_g``, ``r2``,
        sorted by ``abs_src_mah_g``, largest first; quantities with ``low == high`` are not sampled
        and get NaN.
    """
    from scipy.stats import qmc
    from tqdm.auto import tqdm

    r_all = _ranges(ranges)
    r = r_all[r_all.high > r_all.low].reset_index(drop=True)  # a quantity that does not vary has no effect to find
    if r.empty:
        raise ValueError("`ranges` must have at least one quantity with low < high")
    n = check_int(n_samples, "n_samples", min_value=len(r) + 2)
    u = qmc.LatinHypercube(d=len(r), seed=np.random.default_rng(seed)).random(n)
    x = r.low.to_numpy() + u * (r.high - r.low).to_numpy()
    caps = []
    for row in tqdm(x, disable=not progress, desc="global design"):
        p = _vary(params, dict(zip(r.quantity, map(float, row), strict=True)))
        caps.append(simulate_discharge(p, c_rate=c_rate, model=model, base=base, v_min=v_min,
                                       var_pts=var_pts).capacity_mah_g)
    y = np.asarray(caps)
    design = pd.DataFrame(x, columns=list(r.quantity)).assign(capacity_mah_g=y)
    sd = x.std(axis=0)
    z = np.where(sd > 0, (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0), 0.0)
    a = np.column_stack([np.ones(n), z])
    coef, *_ = np.linalg.lstsq(a, y, rcond=None)
    resid = y - a @ coef
    ss = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - float((resid ** 2).sum()) / ss if ss > 0 else float("nan")
    fixed = r_all[~(r_all.high > r_all.low)].quantity
    coefs = pd.DataFrame({"quantity": [*r.quantity, *fixed], "src_mah_g": [*coef[1:], *[np.nan] * len(fixed)],
                          "r2": r2})
    coefs["abs_src_mah_g"] = coefs.src_mah_g.abs()
    return design, coefs.sort_values("abs_src_mah_g", ascending=False, ignore_index=True)
