"""A synthetic series of electrodes for structure → expansion regression, with the mechanism stated.

Paper 000 regresses the "expansion" of four electrodes on their pristine porosity and tortuosity.
With four rows and predictors correlated at r ≈ −0.999, that regression can neither test nor
separate anything. This module builds a larger series in the virtual laboratory where

* the design is chosen: porosity and particle flatness (``aspect``, which sets the tortuosity at a
  given porosity) can be varied independently (:func:`factorial_design`) or coupled as in Table 2
  (:func:`table2_design`);
* the ageing **mechanism is an explicit argument**, and the porosity drop *emerges* from particle
  growth in the 3-D structure — it is never imposed, so the regression of expansion on structure
  is a check that can fail.

Mechanisms
----------
``'uniform'``
    Every particle grows by the same linear factor ``growth`` (purely mechanical growth, no role
    for transport). The solid volume added scales with the solid present, so the porosity drop
    tends to *fall* as porosity rises.
``'transport'``
    A modelling assumption that follows paper 000's *explanation* (lower tortuosity → better Li⁺
    transport → higher active-material utilisation → larger expansion), not its data: particle
    ``i`` at depth ``z_i`` below the separator face (z = 0) has utilisation
    ``u_i = exp(-z_i / L)`` with penetration length ``L = λ · Z · D_eff/D₀`` (λ is the
    ``penetration`` argument), where
    ``Z`` is the electrode thickness and ``D_eff/D₀ = ε/τ`` the pristine pore phase's relative
    effective diffusivity measured on the HR grid; its volume grows by ``(growth³ − 1) · u_i``
    (so ``u = 1`` recovers the uniform case). It is a first-order stand-in for the reaction
    penetration depth of porous-electrode theory, not a validated electrochemical model.

Cracks are switched off (``crack_fraction=0``, no inter-particle fissures) so that the porosity
drop is due to growth alone.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd

from .._validate import as_rng, check_fraction, check_positive, check_shape3
from ..micro import expansion
from ..synth import cycle, dit_electrode, dry_electrode, HR_VOXEL_UM, TRUTH_VOXEL_UM
from ._calibrate import measure


__all__ = ["MECHANISMS", "factorial_design", "table2_design", "electrode_series", "utilisation"]

log = logging.getLogger(__name__)

MECHANISMS = ("uniform", "transport")
"""Ageing mechanisms :func:`electrode_series` knows (see the module docstring)."""

_DESIGN_COLUMNS = ("electrode", "design", "kind", "porosity_target", "aspect", "wall_fraction")


def _values(v, name: str, low: float, high: float) -> list[float]:
    arr = np.atleast_1d(np.asarray(v, dtype=float))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"`{name}` must be a non-empty sequence of numbers, got {v!r}")
    for x in arr:
        check_fraction(float(x), name, low=low, high=high)
    return [float(x) for x in arr]


def factorial_design(*, porosities=(0.45, 0.58, 0.72, 0.85), aspects=(0.4, 0.65, 0.9, 1.2)) -> pd.DataFrame:
    """Dry-type electrodes on a full porosity × particle-flatness grid (decorrelated predictors).

    Flatter particles (lower ``aspect`` = a_z / a_xy) lengthen through-thickness paths, so at a
    fixed porosity the tortuosity varies with ``aspect``: the grid breaks the porosity-tortuosity
    coupling of Table 2.

    Parameters
    ----------
    porosities : sequence of float
        Target pristine porosities, each in [0.4, 0.95] (the packing reaches about 0.44 at least).
    aspects : sequence of float
        Particle ``a_z / a_xy``, each in [0.2, 2].

    Returns
    -------
    pandas.DataFrame
        One row per electrode: ``electrode`` (``'f00'``, ...), ``design`` (``'factorial'``),
        ``kind`` (``'dry'``), ``porosity_target``, ``aspect``, ``wall_fraction`` (NaN).

    Raises
    ------
    ValueError
        If a value is out of range or a sequence is empty.
    """
    por = _values(porosities, "porosities", 0.4, 0.95)
    asp = _values(aspects, "aspects", 0.2, 2.0)
    rows = [(p, a) for p in por for a in asp]
    return pd.DataFrame({"electrode": [f"f{i:02d}" for i in range(len(rows))], "design": "factorial",
                         "kind": "dry", "porosity_target": [r[0] for r in rows],
                         "aspect": [r[1] for r in rows], "wall_fraction": np.nan})


def table2_design(*, dry_porosities=(0.46, 0.48, 0.50, 0.52), dit_porosities=(0.82, 0.85, 0.88),
                  dry_aspect: float = 0.72, dit_wall_fraction: float = 0.35) -> pd.DataFrame:
    """Dry electrodes of one particle shape plus DIT electrodes: porosity and tortuosity coupled.

    Like paper 000's Table 2, the dry electrodes cluster at low porosity and high tortuosity and
    the DIT electrodes at high porosity and low tortuosity, so the two predictors move together.

    Parameters
    ----------
    dry_porosities : sequence of float
        Target porosities of the dry electrodes, each in [0.4, 0.95] (may be empty if
        ``dit_porosities`` is not).
    dit_porosities : sequence of float
        Target porosities of the DIT electrodes, each in [0.78, 0.95] (the lamellar walls reach
        about 0.78 at ``dit_wall_fraction`` 0.35).
    dry_aspect : float
        Particle ``a_z / a_xy`` of every dry electrode (0.72 is the dry presets' order).
    dit_wall_fraction : float
        Lamella thickness / spacing of the DIT electrodes, in [0.05, 0.95].

    Returns
    -------
    pandas.DataFrame
        As :func:`factorial_design`, ``design`` = ``'table2-like'``, electrodes ``'t00'``, ...

    Raises
    ------
    ValueError
        If a value is out of range.
    """
    dry = _values(dry_porosities, "dry_porosities", 0.4, 0.95) if np.size(dry_porosities) else []
    dit = _values(dit_porosities, "dit_porosities", 0.78, 0.95) if np.size(dit_porosities) else []
    if not dry and not dit:
        raise ValueError("`dry_porosities` and `dit_porosities` are both empty")
    dry_aspect = check_fraction(dry_aspect, "dry_aspect", low=0.2, high=2.0)
    dit_wall_fraction = check_fraction(dit_wall_fraction, "dit_wall_fraction", low=0.05, high=0.95)
    n = len(dry) + len(dit)
    return pd.DataFrame({"electrode": [f"t{i:02d}" for i in range(n)], "design": "table2-like",
                         "kind": ["dry"] * len(dry) + ["dit"] * len(dit),
                         "porosity_target": dry + dit,
                         "aspect": [dry_aspect] * len(dry) + [np.nan] * len(dit),
                         "wall_fraction": [np.nan] * len(dry) + [dit_wall_fraction] * len(dit)})


def _check_design(design) -> pd.DataFrame:
    if not isinstance(design, pd.DataFrame):
        raise TypeError(f"`design` must be a pandas DataFrame (see factorial_design), got {type(design).__name__}")
    missing = [c for c in _DESIGN_COLUMNS if c not in design.columns]
    if missing:
        raise ValueError(f"`design` lacks columns {missing}; build it with factorial_design / table2_design")
    if design.empty:
        raise ValueError("`design` has no rows")
    if design["electrode"].duplicated().any():
        raise ValueError("`design` repeats an electrode name; concatenate designs with distinct names")
    bad = set(design["kind"]) - {"dry", "dit"}
    if bad:
        raise ValueError(f"`design` kind must be 'dry' or 'dit', found {sorted(bad)}")
    return design.reset_index(drop=True)


def _mechanisms(mechanisms) -> tuple[str, ...]:
    mech = (mechanisms,) if isinstance(mechanisms, str) else tuple(mechanisms)
    if not mech or any(m not in MECHANISMS for m in mech) or len(set(mech)) != len(mech):
        raise ValueError(f"`mechanisms` must be distinct names from {set(MECHANISMS)}, got {mechanisms!r}")
    return mech


def utilisation(depth_um, *, penetration_um: float) -> np.ndarray:
    """Active-material utilisation ``exp(-depth / L)`` of the ``'transport'`` mechanism (0..1)."""
    depth = np.clip(np.asarray(depth_um, dtype=float), 0.0, None)
    if penetration_um <= 0:
        return np.where(depth == 0, 1.0, 0.0)
    return np.exp(-depth / penetration_um)


def electrode_series(design, *, mechanisms=MECHANISMS, growth: float = 1.10, penetration=1.0,
                     shape=(64, 96, 96), voxel_um: float | None = None,
                     measure_voxel_um: float | None = None, seed=0, progress: bool = False) -> pd.DataFrame:
    """Generate, age and measure every electrode of ``design`` under each mechanism.

    Each electrode is generated pristine (porosity hit by construction, tortuosity an outcome of
    the structure), measured on the HR grid, then aged by :func:`xctkit.synth.cycle` with a fixed
    per-particle growth factor set by the mechanism, and measured again. The porosity drop is an
    outcome: nothing is tuned to a target.

    Parameters
    ----------
    design : pandas.DataFrame
        From :func:`factorial_design`, :func:`table2_design` or their concatenation.
    mechanisms : str or sequence of {'uniform', 'transport'}
        Ageing mechanisms (module docstring); the pristine electrodes are shared.
    growth : float
        Linear growth factor of a fully utilised particle's semi-axes, in [1, 1.5].
    penetration : float or sequence of float
        ``'transport'`` only: penetration length in units of ``Z · D_eff/D₀`` (each > 0); with
        several values, the transport mechanism is run once per value.
    shape : (3,) tuple of int
        Truth shape ``(Z, Y, X)`` of every electrode (z through the thickness, separator at z = 0).
    voxel_um : float, optional
        Truth voxel, µm (default :data:`xctkit.synth.TRUTH_VOXEL_UM`, 0.37).
    measure_voxel_um : float, optional
        Grid of the porosity/tortuosity measurement, µm (default the HR voxel, 0.74).
    seed : int or numpy Generator
        Draws one integer seed per electrode (recorded in the ``seed`` column).
    progress : bool
        Show a tqdm bar over electrodes.

    Returns
    -------
    pandas.DataFrame
        Tidy, one row per electrode and scenario (mechanism, and penetration for
        ``'transport'``): the design columns, ``seed``, ``n_particles``, ``porosity_pristine``,
        ``tortuosity_pristine``, ``d_eff_rel_pristine`` (ε/τ), ``mechanism``, ``scenario``
        (e.g. ``'uniform'``, ``'transport λ=1'``), ``growth``, ``penetration`` (NaN for
        ``'uniform'``), ``penetration_um`` (L in µm; NaN for ``'uniform'``),
        ``mean_utilisation`` (particle-volume weighted, 0–1), ``nominal_volume_growth_pct``
        (volume-weighted particle growth before overlaps, %), ``porosity_cycled``,
        ``tortuosity_cycled``, ``expansion`` (φ_pristine − φ_cycled, Table 2's definition, a
        fraction of the electrode volume), ``expansion_pct`` (100 × expansion, percentage points),
        ``relative_solid_growth_pct`` (100 × expansion / (1 − φ_pristine)), ``seconds``.
        Porosities are non-NMC fractions on the ``measure_voxel_um`` grid; tortuosity factors
        are TauFactor's along z (NaN where the pore phase does not percolate).
        ``attrs['parameters']`` records the arguments.

    Raises
    ------
    TypeError, ValueError
        For a malformed design or out-of-range options; a porosity the generator cannot reach
        raises the generator's ``ValueError``.
    """
    from tqdm import tqdm  # plain text bar: renders in notebooks without ipywidgets


    design = _check_design(design)
    mechs = _mechanisms(mechanisms)
    growth = check_fraction(growth, "growth", low=1.0, high=1.5)
    pens = [check_positive(float(p), "penetration") for p in np.atleast_1d(np.asarray(penetration, dtype=float))]
    if not pens:
        raise ValueError("`penetration` must hold at least one value")
    scenarios = [(m, p) for m in mechs for p in ([float("nan")] if m == "uniform" else pens)]
    shape = check_shape3(shape, "shape", min_size=16)
    voxel_um = TRUTH_VOXEL_UM if voxel_um is None else check_positive(voxel_um, "voxel_um")
    mvox = HR_VOXEL_UM if measure_voxel_um is None else check_positive(measure_voxel_um, "measure_voxel_um")
    rng = as_rng(seed)
    seeds = rng.integers(0, 2**31 - 1, size=len(design))

    rows = []
    for i, d in tqdm(design.iterrows(), total=len(design), disable=not progress, desc="series"):
        t0 = time.perf_counter()
        s = int(seeds[i])
        common = {"voxel_um": voxel_um, "porosity": float(d.porosity_target),
                  "measure_voxel_um": mvox, "name": str(d.electrode), "seed": s}
        if d.kind == "dry":
            e = dry_electrode(shape, aspect=float(d.aspect), **common)
        else:
            e = dit_electrode(shape, wall_fraction=float(d.wall_fraction), **common)
        phi0, tau0 = measure(e, voxel_um=mvox)
        d_eff = phi0 / tau0 if np.isfinite(tau0) and tau0 > 0 else 0.0
        z_um = e.extent_um[0]
        depth = e.particles.centres_um[:, 0]
        vol = np.prod(e.particles.semi_axes_um, axis=1)
        for mech, pen in scenarios:
            if mech == "uniform":
                u = np.ones(len(e.particles))
                pen_um = float("nan")
                scenario = "uniform"
            else:
                pen_um = pen * z_um * d_eff
                u = utilisation(depth, penetration_um=pen_um)
                scenario = f"transport λ={pen:g}"
            vol_growth = (growth**3 - 1.0) * u
            g = np.cbrt(1.0 + vol_growth)
            c = cycle(e, growth=g, crack_fraction=0.0, inter_cracks=0, measure_voxel_um=mvox, seed=s)
            phi1, tau1 = measure(c, voxel_um=mvox)
            exp = expansion(phi0, phi1)  # Table 2's reading and the relative one
            rows.append({
                **{k: d[k] for k in _DESIGN_COLUMNS}, "seed": s, "n_particles": len(e.particles),
                "porosity_pristine": phi0, "tortuosity_pristine": tau0, "d_eff_rel_pristine": d_eff,
                "mechanism": mech, "scenario": scenario, "growth": growth, "penetration": pen,
                "penetration_um": pen_um,
                "mean_utilisation": float(np.average(u, weights=vol)),
                "nominal_volume_growth_pct": 100.0 * float(np.average(vol_growth, weights=vol)),
                "porosity_cycled": phi1, "tortuosity_cycled": tau1,
                "expansion": phi0 - phi1, "expansion_pct": exp.expansion_pp,
                "relative_solid_growth_pct": exp.solid_volume_change_pct,
                "seconds": np.nan,
            })
        dt = time.perf_counter() - t0
        for r in rows[-len(scenarios):]:
            r["seconds"] = dt / len(scenarios)
        log.info("%s: φ %.3f τ %.3f, %.1f s", d.electrode, phi0, tau0, dt)
    out = pd.DataFrame(rows)
    out.attrs["parameters"] = {"mechanisms": list(mechs), "growth": growth, "penetration": pens,
                               "shape": list(shape), "voxel_um": voxel_um, "measure_voxel_um": mvox,
                               "separator_face": "z = 0", "cracks": "off"}
    return out
