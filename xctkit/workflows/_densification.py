"""Which ageing mechanism reproduces Table 2's DIT row: particle growth, or densification (pore collapse)?

Paper 000's DIT electrode goes from porosity 0.85 to 0.59 in 100 cycles. Read as particle growth (what the
virtual lab's cycled DIT does), the NMC volume grows by ``(1 - 0.59) / (1 - 0.85) - 1 = 173 %``, far beyond
NMC811's few-percent lattice breathing. The alternative is densification: the lamellar walls close in on
the channels between them with the particles unchanged, so the solid volume is conserved and the electrode
volume shrinks to ``(1 - φ_pristine) / (1 - φ_cycled)`` of its pristine value. :func:`dit_mechanisms` builds
both (and densification with buckled walls) at one shape and seed and measures porosity and the
through-thickness tortuosity factor on the 0.74 µm grid, next to Table 2.
"""

from __future__ import annotations

from dataclasses import dataclass

from .._validate import check_positive, check_shape3
from ..micro import particle_sizes
from ..papers import table2
from ..synth import HR_VOXEL_UM, dit_electrode, preset_electrode
from ._calibrate import measure

__all__ = ["DITMechanisms", "dit_mechanisms", "describe_mechanisms"]

_PRISTINE_WALLS = {"wall_spacing_um": 30.0, "wall_fraction": 0.25}  # dit_electrode's defaults


@dataclass(frozen=True)
class DITMechanisms:
    """Result of :func:`dit_mechanisms`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per mechanism: ``mechanism``, ``porosity``, ``tortuosity``, ``tortuosity_paper``,
        ``tortuosity_rel_error``, ``solid_volume_change_pct`` (NMC volume, relative to pristine),
        ``electrode_volume_change_pct``, ``median_particle_um`` (equivalent diameter).
    shape : tuple of int
        Truth shape ``(Z, Y, X)`` at 0.37 µm.
    seed : int
    """

    table: object
    shape: tuple
    seed: int

    def to_frame(self):
        return self.table.copy()


def dit_mechanisms(*, shape, seed: int = 0, buckled_waviness_um: float = 20.0) -> DITMechanisms:
    """Build the cycled DIT electrode by growth and by densification and measure both.

    Rows: the pristine preset; **growth** (the lab's cycled preset: particles grow, electrode volume
    fixed); **densification** (walls close in laterally, spacing and wall fraction scaled so that the
    same particles fill the smaller volume at the cycled porosity); **densification, buckled walls**
    (the same with the walls' meander raised to ``buckled_waviness_um``, what a through-thickness squeeze
    would add).

    Parameters
    ----------
    shape : (3,) tuple of int
        Truth shape ``(Z, Y, X)`` at 0.37 µm (the lab's ``dit_shape``).
    seed : int
    buckled_waviness_um : float
        Wall meander amplitude of the buckled variant, µm (pristine preset: 12 µm).

    Returns
    -------
    DITMechanisms

    Examples
    --------
    >>> res = dit_mechanisms(shape=(48, 64, 64))  # doctest: +SKIP
    >>> res.to_frame()[["mechanism", "porosity", "tortuosity"]]  # doctest: +SKIP
    """
    import pandas as pd

    shape = check_shape3(shape, "shape", min_size=16)
    buckled_waviness_um = check_positive(buckled_waviness_um, "buckled_waviness_um")
    row = table2().set_index("sample_id").loc["dit"]
    phi_p, phi_c = float(row.porosity_pristine), float(row.porosity_cycled)
    shrink = (1.0 - phi_p) / (1.0 - phi_c)  # electrode volume after / before at conserved solid
    pristine = preset_electrode("dit", shape=shape, seed=seed)
    waviness = float(pristine.params.get("waviness_um", 12.0))
    spacing = float(pristine.params.get("wall_spacing_um", _PRISTINE_WALLS["wall_spacing_um"]))
    fraction = float(pristine.params.get("wall_fraction", _PRISTINE_WALLS["wall_fraction"]))
    # walls keep their thickness and close the channels: spacing × shrink, wall share / shrink
    walls = {"wall_spacing_um": spacing * shrink, "wall_fraction": min(fraction / shrink, 0.95)}
    built = {
        "pristine": (pristine, 0.0, 0.0),
        "growth": (preset_electrode("dit", state="cycled", shape=shape, seed=seed, pristine=pristine),
                   100.0 * (1.0 / shrink - 1.0), 0.0),
        "densification": (dit_electrode(shape, porosity=phi_c, waviness_um=waviness, seed=seed, **walls),
                          0.0, 100.0 * (shrink - 1.0)),
        "densification, buckled walls": (dit_electrode(shape, porosity=phi_c, waviness_um=buckled_waviness_um,
                                                       seed=seed, **walls), 0.0, 100.0 * (shrink - 1.0)),
    }
    rows = []
    for name, (e, solid_pct, volume_pct) in built.items():
        phi, tau = measure(e, voxel_um=HR_VOXEL_UM)
        target = float(row.tortuosity_pristine if name == "pristine" else row.tortuosity_cycled)
        sizes = particle_sizes(e.particle_ids, voxel_um=e.voxel_um)
        rows.append({"mechanism": name, "porosity": round(phi, 4), "tortuosity": round(tau, 4),
                     "tortuosity_paper": target, "tortuosity_rel_error": round((tau - target) / target, 4),
                     "solid_volume_change_pct": round(solid_pct, 1),
                     "electrode_volume_change_pct": round(volume_pct, 1),
                     "median_particle_um": round(sizes.median_um, 3)})
    return DITMechanisms(pd.DataFrame(rows), shape, int(seed))


def describe_mechanisms(frame, *, rtol: float = 0.10, plausible_solid_pct: float = 10.0) -> str:
    """One paragraph, generated from :func:`dit_mechanisms`'s table: which mechanism comes closest to
    Table 2's cycled τ, whether any is within ``rtol``, what solid growth each needs, and whether a
    mechanism with plausible solid growth (at most ``plausible_solid_pct`` % more NMC volume; NMC811's
    lattice breathes by a few percent) reproduces the row.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"mechanism": ["pristine", "growth", "densification"], "tortuosity": [1.2, 2.0, 1.7],
    ...                   "tortuosity_paper": [1.24, 2.07, 2.07], "tortuosity_rel_error": [-0.03, -0.03, -0.18],
    ...                   "solid_volume_change_pct": [0.0, 173.3, 0.0], "electrode_volume_change_pct": [0, 0, -63.4]})
    >>> print(describe_mechanisms(f).split(";")[0])
    Closest to Table 2's cycled τ (2.07): growth (τ 2.00, -3 %)
    """
    import pandas as pd

    need = {"mechanism", "tortuosity", "tortuosity_paper", "tortuosity_rel_error", "solid_volume_change_pct",
            "electrode_volume_change_pct"}
    if not isinstance(frame, pd.DataFrame) or not need <= set(frame.columns):
        raise TypeError(f"`frame` must be dit_mechanisms(...).to_frame() with columns {sorted(need)}")
    rtol = check_positive(rtol, "rtol")
    plausible_solid_pct = check_positive(plausible_solid_pct, "plausible_solid_pct")
    cyc = frame[frame.mechanism != "pristine"].reset_index(drop=True)
    if cyc.empty or cyc.tortuosity_rel_error.isna().all():
        raise ValueError("`frame` holds no aged mechanism with a finite tortuosity error")
    best = cyc.loc[cyc.tortuosity_rel_error.abs().idxmin()]
    within = cyc[cyc.tortuosity_rel_error.abs() <= rtol]
    parts = [f"Closest to Table 2's cycled τ ({best.tortuosity_paper:.2f}): {best.mechanism} "
             f"(τ {best.tortuosity:.2f}, {100 * best.tortuosity_rel_error:+.0f} %)"]
    parts.append("within ±{:.0f} %: {}".format(100 * rtol, ", ".join(within.mechanism) if len(within) else "none"))
    for r in cyc.itertuples():
        parts.append(f"{r.mechanism} needs {r.solid_volume_change_pct:+.0f} % NMC volume and "
                     f"{r.electrode_volume_change_pct:+.0f} % electrode volume (τ {r.tortuosity:.2f})")
    plausible = within[within.solid_volume_change_pct <= plausible_solid_pct]
    if len(plausible):
        verdict = ("Table 2's DIT row is reproduced with plausible solid growth by "
                   + ", ".join(plausible.mechanism) + ".")
    else:
        verdict = (f"No mechanism with plausible solid growth (≤ {plausible_solid_pct:.0f} % NMC volume) reproduces "
                   f"Table 2's cycled DIT τ within ±{100 * rtol:.0f} %" +
                   (f"; only {', '.join(within.mechanism)} does, with growth NMC811 cannot undergo." if len(within)
                    else "."))
    return "; ".join(parts) + ". " + verdict
