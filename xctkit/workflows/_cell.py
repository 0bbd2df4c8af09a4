"""From a Study to cell simulations: measure every electrode state, map it to PyBaMM, compare.

The measuring is done by :mod:`xctkit.micro` (and :mod:`xctkit.segment` for a user's scans), the
mapping and simulations by :mod:`xctkit.cell`; this chain is where they meet.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import cell
from ..micro import particle_sizes, surface_area, tortuosity
from ..papers import ECHEM, SOURCES
from ..phases import CBD, NMC
from ..segment import labels_on_grid, threshold
from ._expansion import segment_and_measure

__all__ = ["CellStructures", "cell_structures", "capacity_vs_paper", "structure_only_loss"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CellStructures:
    """Result of :func:`cell_structures`.

    Attributes
    ----------
    parameters : dict of (electrode, state) -> xctkit.cell.CellParameters
    measured : pandas.DataFrame
        One row per electrode state: the measured quantities, the mapped parameters, ``kind``,
        ``source`` (how the labels were obtained) and ``seconds``.
    """

    parameters: dict
    measured: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.measured.copy()


def _kind(study, electrode: str) -> str:
    kinds = [s.kind for s in study.manifest if s.electrode == electrode and getattr(s, "kind", "")]
    return kinds[0] if kinds else ""


def cell_structures(study, *, electrodes=None, solid_tortuosity: bool = True, solid_voxel_um: float | None = 1.11,
                    thickness_um: float | None = None, progress: bool = False) -> CellStructures:
    """Measure every pristine / cycled electrode of a study and map it to cell-model parameters.

    Virtual laboratory: the truth phase labels and particle instances of each HR scan state, the
    porosity and electrolyte tortuosity factor measured when the lab was built
    (``lab.measurements()``). User study: the HR scan's ``labels:`` when the manifest has them, else a
    two-phase Otsu segmentation; :func:`segment_and_measure` (watershed particles, tortuosity,
    surface area) on it.

    Parameters
    ----------
    study : Study
        Must provide ``cycled_states`` (HR scans of pristine and cycled states of one electrode).
    electrodes : sequence of str, optional
        Subset of ``study.states()`` (default all, in manifest order).
    solid_tortuosity : bool
        Solve the tortuosity factor of the conducting solid (NMC + carbon-binder) for the solid
        conductivity factor ε_s / τ_s; False keeps PyBaMM's no-correction default (factor 1).
    solid_voxel_um : float, optional
        Grid of that solve, µm (labels coarse-grained with :func:`xctkit.segment.labels_on_grid`;
        None: the labels' own grid). The solve is the slowest step.
    thickness_um : float, optional
        Electrode thickness, µm; default the volume's extent along z (the scanned region, which may
        be a crop of the electrode: say so when reporting).
    progress : bool
        Log each state.

    Returns
    -------
    CellStructures

    Raises
    ------
    xctkit.workflows.StudyError
        If the study has no pristine / cycled pair.
    """
    from ._study import StudyError

    states = study.states()
    if not states:
        raise StudyError("the study has no electrode scanned pristine and cycled: " + "; ".join(
            study.missing(["cycled_states"])))
    names = list(states) if electrodes is None else list(electrodes)
    unknown = sorted(set(names) - set(states))
    if unknown:
        raise ValueError(f"`electrodes` {unknown} have no pristine/cycled HR scans; the study has {list(states)}")
    lab_meas = study.lab.measurements().set_index(["sample", "state"]) if study.lab is not None else None
    params, rows = {}, []
    for e in names:
        for state in ("pristine", "cycled"):
            t0 = time.perf_counter()
            sample = states[e][state]
            if study.lab is not None:
                lab = study.lab.labels(sample.id)
                labels, vox = lab.array, lab.voxel_um
                inst = study.lab.instances(sample.id)
                psd = particle_sizes(inst.array, voxel_um=inst.voxel_um)
                m = lab_meas.loc[(e, state)]
                eps, tau = float(m["porosity_xctkit"]), float(m["tortuosity_xctkit"])
                source = "virtual-lab truth labels and instances; ε, τ from lab.measurements()"
            else:
                ref = study.reference_labels(sample.id)
                scan = study.read(sample.id)
                vox = scan.voxel_um
                labels = ref.array if ref is not None else threshold(scan.array).labels
                ms = segment_and_measure(labels, voxel_um=vox)
                psd, eps, tau = ms.psd, ms.porosity, ms.tortuosity
                source = "manifest labels" if ref is not None else "Otsu two-phase segmentation of the HR scan"
            nmc = labels == NMC
            sa = surface_area(nmc, voxel_um=vox)
            am = float(nmc.mean())
            f_s, tau_s, eps_s = 1.0, float("nan"), float("nan")
            if solid_tortuosity:
                lab_s = labels if solid_voxel_um is None or solid_voxel_um <= vox else \
                    labels_on_grid(labels, voxel_um=vox, target_um=solid_voxel_um)
                ts = tortuosity(lab_s, phase=(NMC, CBD), axis=0)
                tau_s, eps_s = float(ts.tau), float(np.isin(lab_s, (NMC, CBD)).mean())
                f_s = min(1.0, eps_s / tau_s) if np.isfinite(tau_s) else 1.0
            L = float(labels.shape[0] * vox) if thickness_um is None else float(thickness_um)
            p = cell.electrode_parameters(
                porosity=eps, tortuosity=tau, radii_um=psd.diameters_um / 2, specific_area_per_um=sa.ssa_per_um,
                thickness_um=L, active_fraction=min(am, 1.0 - eps), solid_conductivity_factor=f_s,
                provenance={"thickness_um": "given" if thickness_um is not None else "volume extent along z",
                            "specific_area_per_um": "measured NMC surface / volume (marching cubes)"})
            params[(e, state)] = p
            rows.append({"electrode": e, "state": state, "kind": _kind(study, e), **p.to_dict(),
                         "solid_tortuosity": tau_s, "solid_fraction": eps_s, "n_particles": psd.n_particles,
                         "source": source, "seconds": time.perf_counter() - t0})
            if progress:
                log.info("%s %s measured in %.1f s", e, state, rows[-1]["seconds"])
    return CellStructures(params, pd.DataFrame(rows))


def structure_only_loss(rates: pd.DataFrame) -> pd.DataFrame:
    """Capacity and rate capability lost between pristine and cycled structures, per electrode and rate.

    This is the loss attributable to structure alone (the cycled electrode's porosity, tortuosity,
    particle sizes and area, simulated with fresh chemistry: no side reactions, no lithium or
    active-material loss).

    Parameters
    ----------
    rates : pandas.DataFrame
        :func:`xctkit.cell.rate_table` output with ``electrode`` and ``state`` columns.

    Returns
    -------
    pandas.DataFrame
        ``electrode``, ``model``, ``c_rate``, ``capacity_pristine_mah_g``, ``capacity_cycled_mah_g``,
        ``structure_only_loss_pct``, ``retention_pristine``, ``retention_cycled``.
    """
    need = {"electrode", "state", "model", "c_rate", "capacity_mah_g", "retention"}
    if not need <= set(rates):
        raise ValueError(f"`rates` must have columns {sorted(need)}")
    w = rates.pivot_table(index=["electrode", "model", "c_rate"], columns="state",
                          values=["capacity_mah_g", "retention"], aggfunc="first")
    out = pd.DataFrame({
        "capacity_pristine_mah_g": w[("capacity_mah_g", "pristine")],
        "capacity_cycled_mah_g": w[("capacity_mah_g", "cycled")],
        "retention_pristine": w[("retention", "pristine")], "retention_cycled": w[("retention", "cycled")]})
    out["structure_only_loss_pct"] = 100 * (1 - out.capacity_cycled_mah_g / out.capacity_pristine_mah_g)
    return out.reset_index()


def capacity_vs_paper(rates: pd.DataFrame, kinds: dict, *, c_rate: float = 0.2) -> pd.DataFrame:
    """Simulated (structure-only) 0.2C capacities next to paper 000's measured ones.

    Parameters
    ----------
    rates : pandas.DataFrame
        :func:`xctkit.cell.rate_table` output with ``electrode`` and ``state``.
    kinds : dict of electrode -> {'dry', 'dit'}
        The processing route of each electrode (paper 000 reports one dry and one DIT cell).
    c_rate : float
        The rate compared (paper 000: 0.2C).

    Returns
    -------
    pandas.DataFrame
        ``electrode``, ``kind``, ``simulated_pristine_mah_g``, ``simulated_cycled_mah_g``,
        ``simulated_retention_pct`` (structure only), ``paper_cycle1_mah_g``, ``paper_cycle100_mah_g``,
        ``paper_retention_pct`` (measured by the paper's authors), ``paper_source``.
    """
    sel = rates[np.isclose(rates.c_rate, c_rate)]
    if sel.empty:
        raise ValueError(f"`rates` has no rows at c_rate {c_rate}")
    rows = []
    for e, g in sel.groupby("electrode", sort=False):
        by = g.set_index("state").capacity_mah_g
        k = kinds.get(e, "")
        paper = ECHEM.get(k, {})
        c1, c100 = paper.get("cycle1_mah_g", np.nan), paper.get("cycle100_mah_g", np.nan)
        rows.append({"electrode": e, "kind": k, "simulated_pristine_mah_g": by["pristine"],
                     "simulated_cycled_mah_g": by["cycled"],
                     "simulated_retention_pct": 100 * by["cycled"] / by["pristine"],
                     "paper_cycle1_mah_g": c1, "paper_cycle100_mah_g": c100,
                     "paper_retention_pct": 100 * c100 / c1 if paper else np.nan,
                     "paper_source": SOURCES["echem"] + ", measured by the authors" if paper else ""})
    return pd.DataFrame(rows)
