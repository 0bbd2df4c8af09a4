"""Measured electrode structure -> the positive-electrode parameters of a PyBaMM cell model.

One documented mapping, :func:`electrode_parameters`, turns what xctkit measures on an XCT volume
(porosity, tortuosity factors, particle sizes, surface area, thickness, phase fractions) into a
:class:`CellParameters` record with units and provenance; :meth:`CellParameters.to_pybamm` writes it
into a copy of a shipped PyBaMM parameter set (``Chen2020``: an NMC811 / graphite-SiOx cell, bundled
with PyBaMM, so nothing is downloaded).

The mapping (PyBaMM's Bruggeman transport efficiency is ``ε^b`` for the electrolyte and ``(1 − ε)^b``
for the solid, so the tortuosity factor τ = ε D₀ / D_eff of TauFactor / :func:`xctkit.micro.tortuosity`
corresponds to):

=====================================  ======================================================
PyBaMM parameter                       from the measurement
=====================================  ======================================================
porosity                               ε = electrolyte (non-NMC) volume fraction
Bruggeman coefficient (electrolyte)    b_e = 1 − ln τ_e / ln ε            (τ_e = ε^(1 − b_e))
Bruggeman coefficient (electrode)      b_s = ln f_s / ln(1 − ε), f_s = ε_s / τ_s the solid
                                       conductivity factor of the conducting phases
active material volume fraction        ε_am = NMC volume fraction
particle radius                        Sauter mean radius R₃₂ = Σr³ / Σr² of the PSD
surface area (via j₀)                  a_meas / (3 ε_am / R₃₂) multiplies the exchange current
                                       density (PyBaMM computes a = 3 ε_am / R for spheres)
thickness                              electrode extent along the transport axis
=====================================  ======================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from .._validate import check_fraction, check_positive

__all__ = [
    "CellParameters",
    "electrode_parameters",
    "bruggeman_exponent",
    "chen2020_parameters",
    "NMC811_DENSITY_G_CM3",
    "BASE_SETS",
]

NMC811_DENSITY_G_CM3 = 4.75
"""Crystal density of NMC811 (LiNi0.8Mn0.1Co0.1O2), g cm⁻³ (literature range 4.7–4.8); used only to
express capacities per gram of active material, as paper 000 does."""

BASE_SETS = ("Chen2020",)
"""PyBaMM parameter sets :meth:`CellParameters.to_pybamm` accepts (bundled with PyBaMM)."""


def bruggeman_exponent(fraction: float, tau: float) -> float:
    """Bruggeman exponent b with τ = ε^(1 − b) for a phase of volume fraction ε and tortuosity factor τ.

    Parameters
    ----------
    fraction : float
        Volume fraction ε of the transporting phase, in (0, 1).
    tau : float
        Tortuosity factor τ = ε D₀ / D_eff (≥ 1 for a connected phase; 1 for straight channels).

    Returns
    -------
    float
        b = 1 − ln τ / ln ε; the effective transport factor is then D_eff / D₀ = ε^b.

    Examples
    --------
    >>> from xctkit.cell import bruggeman_exponent
    >>> bruggeman_exponent(0.4, 1.0)            # straight channels
    1.0
    >>> round(bruggeman_exponent(0.4, 0.4 ** -0.5), 6)   # the classical Bruggeman sphere packing
    1.5
    """
    eps = check_fraction(fraction, "fraction", low=0.0, high=1.0, inclusive=False)
    tau = check_positive(tau, "tau")
    if not math.isfinite(tau):
        raise ValueError(f"`tau` must be finite (a percolating phase), got {tau}")
    return 1.0 - math.log(tau) / math.log(eps)


@dataclass(frozen=True)
class CellParameters:
    """Positive-electrode parameters of a cell model, from a measured structure.

    Attributes
    ----------
    porosity : float
        Electrolyte volume fraction ε (dimensionless).
    tortuosity : float
        Electrolyte tortuosity factor τ_e (dimensionless).
    bruggeman_electrolyte : float
        b_e with τ_e = ε^(1 − b_e).
    solid_conductivity_factor : float
        σ_eff / σ of the conducting solid (1 = no correction, PyBaMM Chen2020's choice).
    bruggeman_electrode : float
        b_s with σ_eff / σ = (1 − ε)^b_s.
    particle_radius_um : float
        Sauter mean particle radius R₃₂, µm.
    specific_area_per_um : float
        Measured NMC / electrolyte interface per electrode volume, µm⁻¹.
    area_factor : float
        ``specific_area_per_um / (3 ε_am / R₃₂)``: the measured area over the spherical-particle area
        PyBaMM uses; multiplies the exchange current density.
    thickness_um : float
        Electrode thickness, µm.
    active_fraction : float
        NMC volume fraction ε_am.
    radii_um, radius_weights : (K,) ndarray
        The measured particle radii (µm) and their number fractions (kept for PyBaMM's
        particle-size-distribution models; :meth:`to_pybamm` uses the Sauter mean only).
    provenance : dict of str -> str
        Where each value came from (measurement, method, or the base set's default).
    """

    porosity: float
    tortuosity: float
    bruggeman_electrolyte: float
    solid_conductivity_factor: float
    bruggeman_electrode: float
    particle_radius_um: float
    specific_area_per_um: float
    area_factor: float
    thickness_um: float
    active_fraction: float
    radii_um: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    radius_weights: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    provenance: dict = field(default_factory=dict, repr=False)

    UNITS = {"porosity": "1", "tortuosity": "1", "bruggeman_electrolyte": "1",
             "solid_conductivity_factor": "1", "bruggeman_electrode": "1", "particle_radius_um": "µm",
             "specific_area_per_um": "µm⁻¹", "area_factor": "1", "thickness_um": "µm",
             "active_fraction": "1"}

    def to_frame(self):
        """One row per parameter: ``parameter``, ``value``, ``unit``, ``provenance``."""
        import pandas as pd

        return pd.DataFrame([{"parameter": k, "value": float(getattr(self, k)), "unit": u,
                              "provenance": self.provenance.get(k, "")} for k, u in self.UNITS.items()])

    def to_dict(self) -> dict:
        """The scalar parameters as a flat dict."""
        return {k: float(getattr(self, k)) for k in self.UNITS}

    def with_values(self, **values) -> CellParameters:
        """A copy with some quantities replaced, the dependent ones recomputed.

        Accepts ``porosity``, ``tortuosity``, ``solid_conductivity_factor``, ``particle_radius_um``,
        ``specific_area_per_um``, ``thickness_um``, ``active_fraction`` (the measured quantities);
        the Bruggeman exponents and the area factor follow from them. Used by the sensitivity study.
        """
        allowed = {"porosity", "tortuosity", "solid_conductivity_factor", "particle_radius_um",
                   "specific_area_per_um", "thickness_um", "active_fraction"}
        bad = sorted(set(values) - allowed)
        if bad:
            raise ValueError(f"`with_values` accepts {sorted(allowed)}, got {bad}")
        d = {k: getattr(self, k) for k in allowed}
        d.update(values)
        prov = dict(self.provenance)
        prov.update({k: "set by with_values" for k in values})
        return electrode_parameters(porosity=d["porosity"], tortuosity=d["tortuosity"],
                                    solid_conductivity_factor=d["solid_conductivity_factor"],
                                    particle_radius_um=d["particle_radius_um"],
                                    specific_area_per_um=d["specific_area_per_um"],
                                    thickness_um=d["thickness_um"], active_fraction=d["active_fraction"],
                                    radii_um=self.radii_um, radius_weights=self.radius_weights,
                                    provenance=prov)

    def active_mass_g_per_m2(self, density_g_cm3: float = NMC811_DENSITY_G_CM3) -> float:
        """NMC mass per electrode area, g m⁻²."""
        return self.active_fraction * self.thickness_um * 1e-6 * density_g_cm3 * 1e6

    def to_pybamm(self, base: str = "Chen2020", *, balance: bool = True):
        """The base PyBaMM parameter set with this positive electrode written in.

        Parameters
        ----------
        base : {'Chen2020'}
            A parameter set bundled with PyBaMM (no download).
        balance : bool
            Keep the base cell's negative-to-positive capacity ratio: the negative electrode's
            thickness is scaled by the positive electrode's active loading (ε_am × thickness) relative
            to the base's. Without it a thin or porous positive electrode sits against the base's full
            negative electrode, and the per-gram capacity rises from cell balancing, not structure.

        Returns
        -------
        pybamm.ParameterValues
            Positive electrode porosity, Bruggeman coefficients (electrolyte, electrode), particle
            radius, active-material volume fraction and thickness replaced, and the exchange current
            density scaled by :attr:`area_factor`, the negative electrode's thickness scaled when
            ``balance``. Everything else (negative electrode, separator,
            electrolyte, kinetics, geometry) is the base set's.
        """
        import pybamm

        if base not in BASE_SETS:
            raise ValueError(f"`base` must be one of {BASE_SETS}, got {base!r}")
        pv = pybamm.ParameterValues(base)
        j0 = pv["Positive electrode exchange-current density [A.m-2]"]
        f = float(self.area_factor)
        if callable(j0):
            def j0_scaled(c_e, c_s_surf, c_s_max, T, _j0=j0, _f=f):
                return _f * _j0(c_e, c_s_surf, c_s_max, T)
        else:
            j0_scaled = f * j0
        if balance:
            load0 = (pv["Positive electrode active material volume fraction"]
                     * pv["Positive electrode thickness [m]"])
            scale = self.active_fraction * self.thickness_um * 1e-6 / load0
            pv.update({"Negative electrode thickness [m]": pv["Negative electrode thickness [m]"] * scale})
        pv.update({
            "Positive electrode porosity": self.porosity,
            "Positive electrode active material volume fraction": self.active_fraction,
            "Positive electrode Bruggeman coefficient (electrolyte)": self.bruggeman_electrolyte,
            "Positive electrode Bruggeman coefficient (electrode)": self.bruggeman_electrode,
            "Positive particle radius [m]": self.particle_radius_um * 1e-6,
            "Positive electrode thickness [m]": self.thickness_um * 1e-6,
            "Positive electrode exchange-current density [A.m-2]": j0_scaled,
        })
        return pv


def electrode_parameters(*, porosity: float, tortuosity: float, particle_radius_um: float | None = None,
                         radii_um=None, radius_weights=None, specific_area_per_um: float | None = None,
                         thickness_um: float, active_fraction: float | None = None,
                         solid_conductivity_factor: float = 1.0, provenance: dict | None = None) -> CellParameters:
    """Map measured structure to the positive-electrode parameters of a cell model.

    Parameters
    ----------
    porosity : float
        Electrolyte (non-NMC) volume fraction ε, in (0, 1).
    tortuosity : float
        Electrolyte tortuosity factor τ_e along the through-thickness axis (TauFactor convention,
        τ = ε D₀ / D_eff); must be finite.
    particle_radius_um : float, optional
        Particle radius, µm. Default: the Sauter mean Σr³ / Σr² of ``radii_um``.
    radii_um : (N,) array_like, optional
        Particle (equivalent-sphere) radii, µm, or bin centres when ``radius_weights`` is given.
    radius_weights : (N,) array_like, optional
        Number fraction of each entry of ``radii_um`` (default: one particle each).
    specific_area_per_um : float, optional
        Measured NMC / electrolyte interface per electrode volume, µm⁻¹
        (:attr:`xctkit.micro.SurfaceArea.ssa_per_um`). Default: the spherical value 3 ε_am / R.
    thickness_um : float
        Electrode thickness, µm.
    active_fraction : float, optional
        NMC volume fraction ε_am (default 1 − ε: a two-phase NMC / rest segmentation).
    solid_conductivity_factor : float
        σ_eff / σ of the conducting solid, ε_s / τ_s from a tortuosity solve of the solid phases
        (default 1: no correction, as PyBaMM's Chen2020 set).
    provenance : dict, optional
        Where each quantity came from; merged into the result's provenance.

    Returns
    -------
    CellParameters

    Raises
    ------
    ValueError
        On a fraction outside (0, 1), a non-positive or non-finite size, ε + ε_am > 1, or no radius.

    Examples
    --------
    >>> from xctkit import cell
    >>> p = cell.electrode_parameters(porosity=0.335, tortuosity=0.335 ** -0.5, particle_radius_um=5.22,
    ...                               thickness_um=75.6, active_fraction=0.665)
    >>> round(p.bruggeman_electrolyte, 6), round(p.area_factor, 6), p.bruggeman_electrode
    (1.5, 1.0, 0.0)
    """
    eps = check_fraction(porosity, "porosity", low=0.0, high=1.0, inclusive=False)
    b_e = bruggeman_exponent(eps, tortuosity)
    am = 1.0 - eps if active_fraction is None else check_fraction(active_fraction, "active_fraction",
                                                                 low=0.0, high=1.0, inclusive=False)
    if eps + am > 1.0 + 1e-9:
        raise ValueError(f"`porosity` + `active_fraction` must not exceed 1, got {eps} + {am}")
    thickness_um = check_positive(thickness_um, "thickness_um")
    f_s = check_positive(solid_conductivity_factor, "solid_conductivity_factor")
    if f_s > 1.0 + 1e-9:
        raise ValueError(f"`solid_conductivity_factor` must be in (0, 1], got {f_s}")
    b_s = 0.0 if abs(f_s - 1.0) < 1e-12 else math.log(f_s) / math.log(1.0 - eps)
    prov = {"porosity": "measured", "tortuosity": "measured (τ = ε D₀/D_eff)",
            "bruggeman_electrolyte": "from τ = ε^(1−b)", "thickness_um": "measured",
            "active_fraction": "measured" if active_fraction is not None else "1 − porosity (two-phase)",
            "solid_conductivity_factor": "measured (ε_s/τ_s)" if f_s != 1.0 else "1 (no correction)",
            "bruggeman_electrode": "from σ_eff/σ = (1−ε)^b"}
    r = np.zeros(0) if radii_um is None else np.asarray(radii_um, dtype=float).ravel()
    if r.size and (not np.all(np.isfinite(r)) or np.any(r <= 0)):
        raise ValueError("`radii_um` must be positive and finite")
    w = np.ones_like(r) if radius_weights is None else np.asarray(radius_weights, dtype=float).ravel()
    if w.shape != r.shape or np.any(w < 0) or (w.size and w.sum() <= 0):
        raise ValueError(f"`radius_weights` must be non-negative, not all zero, and match `radii_um` "
                         f"({r.shape}), got {w.shape}")
    if w.size:
        w = w / w.sum()
    if particle_radius_um is None:
        if not r.size:
            raise ValueError("give `particle_radius_um` or `radii_um`")
        R = float(np.sum(w * r ** 3) / np.sum(w * r ** 2))
        prov["particle_radius_um"] = "Sauter mean Σr³/Σr² of the measured PSD"
    else:
        R = check_positive(particle_radius_um, "particle_radius_um")
        prov["particle_radius_um"] = "given"
    a_sphere = 3.0 * am / R
    if specific_area_per_um is None:
        a = a_sphere
        prov["specific_area_per_um"] = "3 ε_am / R (spheres)"
    else:
        a = check_positive(specific_area_per_um, "specific_area_per_um")
        prov["specific_area_per_um"] = "measured"
    prov["area_factor"] = "a_measured / (3 ε_am / R), scales j₀"
    prov.update(provenance or {})
    return CellParameters(porosity=eps, tortuosity=float(tortuosity), bruggeman_electrolyte=b_e,
                          solid_conductivity_factor=f_s, bruggeman_electrode=b_s, particle_radius_um=R,
                          specific_area_per_um=a, area_factor=a / a_sphere, thickness_um=thickness_um,
                          active_fraction=am, radii_um=r, radius_weights=w, provenance=prov)


def chen2020_parameters() -> CellParameters:
    """PyBaMM's own Chen2020 positive electrode expressed as measured quantities (for round trips).

    τ_e = ε^(1 − 1.5) (its Bruggeman coefficient 1.5), no solid correction, spherical area.
    """
    import pybamm

    pv = pybamm.ParameterValues("Chen2020")
    eps = pv["Positive electrode porosity"]
    b = pv["Positive electrode Bruggeman coefficient (electrolyte)"]
    b_s = pv["Positive electrode Bruggeman coefficient (electrode)"]
    return replace(electrode_parameters(
        porosity=eps, tortuosity=eps ** (1 - b), particle_radius_um=pv["Positive particle radius [m]"] * 1e6,
        thickness_um=pv["Positive electrode thickness [m]"] * 1e6,
        active_fraction=pv["Positive electrode active material volume fraction"],
        solid_conductivity_factor=(1 - eps) ** b_s if b_s else 1.0,
        provenance={k: "PyBaMM Chen2020" for k in CellParameters.UNITS}))
