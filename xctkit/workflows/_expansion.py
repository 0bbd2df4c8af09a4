"""Paper 000's pristine-vs-cycled chain: the state comparison of every electrode, the Table 2
analogue beside the paper and the truth, grey-level shifts, particle sizes against the generator's
particles, and crack detection against the true cracks.

The measuring functions (:func:`xctkit.micro.characterise`, :func:`xctkit.micro.expansion`, ...)
take segmentation results as arguments; the segmentations come from
:func:`xctkit.workflows.segment_states`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._validate import as_labels
from ..micro import (  # noqa: F401  (types in StateComparison)
    Expansion,
    Microstructure,
    SizeShift,
    expansion,
    intensity_shift,
    particle_sizes,
    size_shift,
    solid_mask,
)
from ..papers import table2
from ..phases import CRACK, NMC, PORE
from ..segment import crack_scores, find_cracks, match_instances, separate_particles
from ._segmentation import StateSegmentations, compare_segmentations, segment_and_measure
from ._study import Study, StudyError

__all__ = ["segment_and_measure", "compare_segmentations", "StateComparison", "compare_states",
           "ExpansionStudy", "expansion_study", "SizeStudy", "particle_size_study", "FIG_S3_PEAK_UM",
           "CrackStudy", "crack_study", "describe_states", "EXPANSION_MODELS", "regression_frame",
           "fit_expansion_models", "describe_user_regression"]

FIG_S3_PEAK_UM = {("dry1", "pristine"): "3–4", ("dry1", "cycled"): "4–5"}
"""Paper 000, Fig. S3 (Dry coated 1): the particle-size histogram's peak bin, µm, pristine and after
100 cycles."""


@dataclass(frozen=True)
class StateComparison:
    """Result of :func:`compare_states`: one electrode, pristine vs after cycling.

    Attributes
    ----------
    pristine, cycled : Microstructure
        Metric sets of the two states.
    expansion : Expansion
        Both expansion definitions.
    sizes : SizeShift
        Particle size distribution shift.
    cracks_pristine, cracks_cycled : Cracks
        Crack detection in both states (the pristine one measures false detections).
    intensity : IntensityShift or None
        Grey-level histogram shift (Fig. 10) when the scans were given.
    """

    pristine: Microstructure
    cycled: Microstructure
    expansion: Expansion
    sizes: SizeShift
    cracks_pristine: object
    cracks_cycled: object
    intensity: object = None

    def to_frame(self):
        """One row: the Table 2 quantities, PSD shift, cracks and grey-level shift."""
        import pandas as pd

        row = {"porosity_pristine": self.pristine.porosity, "tortuosity_pristine": self.pristine.tortuosity,
               "porosity_cycled": self.cycled.porosity, "tortuosity_cycled": self.cycled.tortuosity,
               "expansion_pp": self.expansion.expansion_pp,
               "solid_volume_change_pct": self.expansion.solid_volume_change_pct,
               "ssa_pristine_per_um": self.pristine.ssa_per_um, "ssa_cycled_per_um": self.cycled.ssa_per_um,
               "psd_peak_pristine_um": self.pristine.psd_peak_label,
               "psd_peak_cycled_um": self.cycled.psd_peak_label,
               "psd_median_pristine_um": self.sizes.median_before_um,
               "psd_median_cycled_um": self.sizes.median_after_um,
               "n_particles_pristine": self.sizes.n_before, "n_particles_cycled": self.sizes.n_after,
               "intra_cracks_pristine": self.cracks_pristine.n_intra,
               "intra_cracks_cycled": self.cracks_cycled.n_intra,
               "intra_crack_fraction_pristine": self.cracks_pristine.intra_fraction,
               "intra_crack_fraction_cycled": self.cracks_cycled.intra_fraction,
               "cracked_particle_share_cycled": self.cracks_cycled.cracked_particle_share,
               "inter_void_fraction_pristine": self.cracks_pristine.inter_fraction,
               "inter_void_fraction_cycled": self.cracks_cycled.inter_fraction}
        if self.intensity is not None:
            row.update({"grey_mean_shift": self.intensity.mean_shift,
                        "grey_median_shift": self.intensity.median_shift})
        return pd.DataFrame([row])


def compare_states(pristine, cycled, *, voxel_um: float, grey_pristine=None, grey_cycled=None,
                   solid=NMC, axis: int = 0, particle_kw: dict | None = None,
                   crack_kw: dict | None = None) -> StateComparison:
    """Everything paper 000 compares between a pristine and a cycled electrode.

    Parameters
    ----------
    pristine, cycled : (Z, Y, X) ndarray of uint8, or bool
        Segmented phase labels (or pore masks, True = pore) of the two states, same voxel size.
    voxel_um : float
        Voxel edge, µm.
    grey_pristine, grey_cycled : (Z, Y, X) ndarray, optional
        The scans, for the grey-level histogram shift (Fig. 10).
    solid : int or sequence of int
        Solid label(s).
    axis : int
        Tortuosity axis.
    particle_kw : dict, optional
        Keywords for the particle separation.
    crack_kw : dict, optional
        Keywords for :func:`xctkit.segment.find_cracks`.

    Returns
    -------
    StateComparison

    Raises
    ------
    ValueError
        On non-3-D labels or a non-positive voxel size; if only one scan is given.
    """
    if (grey_pristine is None) != (grey_cycled is None):
        raise ValueError("give both `grey_pristine` and `grey_cycled`, or neither")
    m0 = segment_and_measure(pristine, voxel_um=voxel_um, solid=solid, axis=axis, particle_kw=particle_kw)
    m1 = segment_and_measure(cycled, voxel_um=voxel_um, solid=solid, axis=axis, particle_kw=particle_kw)
    s0 = solid_mask(as_labels(pristine, "pristine", ndim=3), solid=solid)
    s1 = solid_mask(as_labels(cycled, "cycled", ndim=3), solid=solid)
    c0 = find_cracks(s0, voxel_um=voxel_um, **(crack_kw or {}))
    c1 = find_cracks(s1, voxel_um=voxel_um, **(crack_kw or {}))
    shift = None
    if grey_pristine is not None:
        shift = intensity_shift(grey_pristine, grey_cycled)
    return StateComparison(m0, m1, expansion(m0.porosity, m1.porosity), size_shift(m0.psd, m1.psd),
                           c0, c1, shift)


# --------------------------------------------------------------------------- every electrode
def _check(study, segs):
    if not isinstance(study, Study):
        raise TypeError(f"`study` must be a xctkit.workflows.Study, got {type(study).__name__}")
    if not isinstance(segs, StateSegmentations):
        raise TypeError(f"`segs` must be the StateSegmentations of segment_states, got {type(segs).__name__}")
    return study, segs


@dataclass(frozen=True)
class ExpansionStudy:
    """Result of :func:`expansion_study`: :func:`compare_states` of every electrode.

    Attributes
    ----------
    comparisons : dict of str -> StateComparison
        Electrode -> pristine vs cycled (forest segmentation, NMC vs the rest).
    truth : pandas.DataFrame or None
        The virtual laboratory's measurements of every state (truth porosity and TauFactor τ on the
        scan grid, :meth:`VirtualLab.measurements`), None for a user study.
    """

    comparisons: dict
    truth: pd.DataFrame | None = field(default=None, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per electrode (:meth:`StateComparison.to_frame` with a ``sample`` column)."""
        return pd.concat([c.to_frame().assign(sample=sid) for sid, c in self.comparisons.items()],
                         ignore_index=True)

    def table2(self) -> pd.DataFrame:
        """Table 2 analogue: per electrode the paper's value, the truth and xctkit's measurement of
        porosity and tortuosity in both states, and the expansion both ways.

        ``expansion_pct_paper`` is Table 2's column; ``expansion_pp_*`` = 100 × (φ_pristine −
        φ_cycled); ``solid_volume_change_pct_*`` = that over the pristine NMC fraction (1 − φ_pristine).
        Truth columns are NaN without a virtual laboratory; the paper's columns are NaN for an
        electrode not in Table 2.
        """
        t2 = table2().set_index("sample_id")
        meas = None if self.truth is None else self.truth.set_index(["sample", "state"])

        def paper(sid, col):
            return t2.loc[sid, col] if sid in t2.index else np.nan

        def truth(sid, state, col):
            return meas.loc[(sid, state), col] if meas is not None and (sid, state) in meas.index else np.nan

        rows = []
        for sid, c in self.comparisons.items():
            rows.append({
                "sample": paper(sid, "sample") if sid in t2.index else sid,
                "porosity_pristine_paper": paper(sid, "porosity_pristine"),
                "porosity_pristine_truth": truth(sid, "pristine", "porosity_xctkit"),
                "porosity_pristine_xctkit": c.pristine.porosity,
                "tortuosity_pristine_paper": paper(sid, "tortuosity_pristine"),
                "tortuosity_pristine_truth": truth(sid, "pristine", "tortuosity_xctkit"),
                "tortuosity_pristine_xctkit": c.pristine.tortuosity,
                "porosity_cycled_paper": paper(sid, "porosity_cycled"),
                "porosity_cycled_truth": truth(sid, "cycled", "porosity_xctkit"),
                "porosity_cycled_xctkit": c.cycled.porosity,
                "tortuosity_cycled_paper": paper(sid, "tortuosity_cycled"),
                "tortuosity_cycled_truth": truth(sid, "cycled", "tortuosity_xctkit"),
                "tortuosity_cycled_xctkit": c.cycled.tortuosity,
                "expansion_pct_paper": paper(sid, "expansion_pct"),
                "expansion_pp_truth": expansion(truth(sid, "pristine", "porosity_xctkit"),
                                                truth(sid, "cycled", "porosity_xctkit")).expansion_pp
                if meas is not None else np.nan,
                "expansion_pp_xctkit": c.expansion.expansion_pp,
                "solid_volume_change_pct_from_paper": expansion(paper(sid, "porosity_pristine"),
                                                                paper(sid, "porosity_cycled")).solid_volume_change_pct
                if sid in t2.index else np.nan,
                "solid_volume_change_pct_xctkit": c.expansion.solid_volume_change_pct,
            })
        return pd.DataFrame(rows)

    def expansion_error(self) -> pd.DataFrame:
        """Per electrode: measured minus true expansion (``error_pp``, percentage points) and that
        error relative to the true expansion (``rel_error``); NaN without truth."""
        t = self.table2()
        err = (t.expansion_pp_xctkit - t.expansion_pp_truth).to_numpy()
        return pd.DataFrame({"sample": list(self.comparisons), "error_pp": err,
                             "rel_error": err / t.expansion_pp_truth.to_numpy()})

    def intensity(self) -> pd.DataFrame:
        """Grey-level shift (Fig. 10) per electrode beside the NMC fraction gained (percentage points)."""
        return pd.DataFrame([{"sample": sid, "mean_pristine": c.intensity.mean_before,
                              "mean_cycled": c.intensity.mean_after, "mean_shift": c.intensity.mean_shift,
                              "median_shift": c.intensity.median_shift,
                              "nmc_fraction_gain_pp": c.expansion.expansion_pp}
                             for sid, c in self.comparisons.items()])


def expansion_study(study, segs, *, source: str | None = None, axis: int = 0, particle_kw: dict | None = None,
                    crack_kw: dict | None = None) -> ExpansionStudy:
    """:func:`compare_states` of every electrode of ``segs``, with the grey-level shift of its scans.

    Parameters
    ----------
    study : Study
    segs : StateSegmentations
    source : {'forest', 'otsu', 'truth'}, optional
        Which segmentation is compared; default :attr:`StateSegmentations.best` (the forest's with
        pore and CBD merged when a classifier was trained, else Otsu's).
    axis : int
        Tortuosity axis.
    particle_kw, crack_kw : dict, optional
        Keywords of the particle separation and the crack detector.

    Returns
    -------
    ExpansionStudy
    """
    study, segs = _check(study, segs)
    source = segs.best if source is None else source
    if source not in ("forest", "otsu", "truth"):
        raise ValueError(f"`source` must be 'forest', 'otsu' or 'truth', got {source!r}")

    def labels(key):
        if source == "forest":
            return segs.forest_two_phase(key)
        if source == "otsu":
            return segs.otsu[key]
        if key not in segs.truth:
            raise StudyError(f"state {key} has no reference labels")
        return segs.truth[key]

    comparisons = {e: compare_states(labels((e, "pristine")), labels((e, "cycled")), voxel_um=segs.voxel_um,
                                     grey_pristine=segs.grey[(e, "pristine")], grey_cycled=segs.grey[(e, "cycled")],
                                     axis=axis, particle_kw=particle_kw, crack_kw=crack_kw)
                   for e in segs.electrodes}
    truth = study.lab.measurements() if study.has_truth else None
    return ExpansionStudy(comparisons, truth)


# --------------------------------------------------------------------------- particle sizes
@dataclass(frozen=True)
class SizeStudy:
    """Result of :func:`particle_size_study`.

    Attributes
    ----------
    distributions : dict of (electrode, state) -> dict of str -> SizeDistribution
        Per state, source -> particle size distribution (``truth`` first where known).
    table : pandas.DataFrame
        ``sample``, ``state``, ``source``, ``n_particles``, ``peak_um`` (the peak bin as text),
        ``median_um``, ``merged_share`` (share of true particles the watershed fused with a
        neighbour; 0 for the truth, NaN without truth instances), ``paper_peak_um`` (Fig. S3).
    """

    distributions: dict
    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def shift(self, electrode: str) -> pd.DataFrame:
        """Peak, median and merged share, pristine and cycled, per source of one electrode."""
        t = self.table[self.table["sample"] == electrode]
        return t.pivot_table(index="source", columns="state", values=["peak_um", "median_um", "merged_share"],
                             aggfunc="first", sort=False)


def particle_size_study(study, segs, *, snow_electrodes=("dry1",), bin_um: float = 1.0) -> SizeStudy:
    """Particle sizes of every state: the generator's particles against watershed separations.

    Sources: ``truth`` (the virtual laboratory's particle instances at the truth voxel), and a
    distance-transform watershed on the perfect segmentation (the reference labels' NMC), on Otsu's
    threshold (paper 000's route) and on the forest's segmentation; for ``snow_electrodes`` also
    PoreSpy's SNOW on the perfect segmentation. Measured particles are matched voxel by voxel with
    the true ones (:func:`~xctkit.segment.match_instances`) to count merges.

    Parameters
    ----------
    study : Study
    segs : StateSegmentations
    snow_electrodes : sequence of str
        Electrodes also separated by SNOW (slow).
    bin_um : float
        Histogram bin width, µm.

    Returns
    -------
    SizeStudy
    """
    study, segs = _check(study, segs)
    vx = segs.voxel_um
    dists, rows = {}, []
    for key in segs.keys:
        inst = study.lab.instances(segs.ids[key]) if study.has_truth else None
        measured = {}
        if key in segs.truth:
            measured["perfect segmentation + watershed"] = separate_particles(segs.truth[key] == NMC, voxel_um=vx)
        measured["Otsu + watershed"] = separate_particles(segs.otsu[key] == NMC, voxel_um=vx)
        if segs.forest:
            measured["random forest + watershed"] = separate_particles(segs.forest[key] == NMC, voxel_um=vx)
        if key[0] in snow_electrodes and key in segs.truth:
            measured["perfect segmentation + SNOW"] = separate_particles(segs.truth[key] == NMC, voxel_um=vx,
                                                                         method="snow")
        d = {} if inst is None else {"truth": particle_sizes(inst.array, voxel_um=inst.voxel_um, bin_um=bin_um)}
        d.update({src: particle_sizes(p.instances, voxel_um=p.voxel_um, bin_um=bin_um) for src, p in measured.items()})
        dists[key] = d
        for source, dist in d.items():
            if source == "truth":
                merged = 0.0
            elif inst is None:
                merged = np.nan
            else:
                merged = match_instances(measured[source].instances, inst.array).merged_share
            rows.append({"sample": key[0], "state": key[1], "source": source, "n_particles": dist.n_particles,
                         "peak_um": f"{dist.peak_bin_um[0]:g}–{dist.peak_bin_um[1]:g}",
                         "median_um": dist.median_um, "merged_share": merged,
                         "paper_peak_um": FIG_S3_PEAK_UM.get(key, "")})
    return SizeStudy(dists, pd.DataFrame(rows))


# --------------------------------------------------------------------------- cracks
@dataclass(frozen=True)
class CrackStudy:
    """Result of :func:`crack_study`.

    Attributes
    ----------
    found : dict of (electrode, state) -> xctkit.segment.Cracks
        Cracks found on the truth's NMC at the truth voxel.
    truth : dict of (electrode, state) -> (Z, Y, X) ndarray of uint8
        Truth phase labels at the truth voxel.
    voxel_um : float
        Truth voxel, µm.
    table : pandas.DataFrame
        Per state: ``truth_crack_fraction``, ``found_at_0.37um``, ``precision_0.37um``,
        ``recall_0.37um``, ``n_intra_0.37um`` (at the truth voxel), and ``found_at_0.74um_rf``,
        ``n_intra_0.74um_rf``, ``inter_void_fraction_0.74um_rf`` (on the forest's segmentation of
        the scan, from the :class:`ExpansionStudy`).
    """

    found: dict
    truth: dict
    voxel_um: float
    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def marked(self, key) -> np.ndarray:
        """Truth labels of one state with the true cracks shown as pore and the found cracks as
        ``CRACK`` (for a label figure)."""
        t = self.truth[tuple(key)]
        return self.found[tuple(key)].annotate(np.where(t == CRACK, PORE, t))


def crack_study(study, expansion_result, *, electrodes=("dry1", "dit")) -> CrackStudy:
    """Intra-particle crack detection against the generator's cracks (virtual laboratory only).

    At the truth voxel (0.37 µm) the one-voxel cracks are resolved and :func:`find_cracks` on the
    truth's NMC is scored against the true crack voxels; beside it the detections on the forest's
    segmentation of the 0.74 µm scan (from ``expansion_result``).

    Parameters
    ----------
    study : Study
        Must have truth (:attr:`Study.has_truth`).
    expansion_result : ExpansionStudy
    electrodes : sequence of str
        Electrodes scored at the truth voxel (both states).

    Returns
    -------
    CrackStudy

    Raises
    ------
    StudyError
        Without a virtual laboratory's truth.
    """
    if not isinstance(study, Study):
        raise TypeError(f"`study` must be a xctkit.workflows.Study, got {type(study).__name__}")
    if not isinstance(expansion_result, ExpansionStudy):
        raise TypeError(f"`expansion_result` must be an ExpansionStudy, got {type(expansion_result).__name__}")
    if not study.has_truth:
        raise StudyError("crack detection against the truth needs the virtual laboratory's 3-D truth (`truth`)")
    unknown = sorted(set(electrodes) - set(expansion_result.comparisons))
    if unknown:
        raise ValueError(f"`electrodes` {unknown} are not in the expansion study {list(expansion_result.comparisons)}")
    found, truth, rows, voxel = {}, {}, [], None
    for sid in electrodes:
        c = expansion_result.comparisons[sid]
        for state in ("pristine", "cycled"):
            fine = study.lab.labels(f"{sid}_{state}_hr")
            voxel = fine.voxel_um
            lab = as_labels(fine.array, "truth labels", ndim=3)
            f = found[(sid, state)] = find_cracks(lab == NMC, voxel_um=fine.voxel_um)
            truth[(sid, state)] = lab
            sc = crack_scores(f, lab == CRACK)
            hr = c.cracks_pristine if state == "pristine" else c.cracks_cycled
            rows.append({"sample": sid, "state": state, "truth_crack_fraction": sc.truth_fraction,
                         "found_at_0.37um": f.intra_fraction, "precision_0.37um": sc.precision,
                         "recall_0.37um": sc.recall, "n_intra_0.37um": f.n_intra,
                         "found_at_0.74um_rf": hr.intra_fraction, "n_intra_0.74um_rf": hr.n_intra,
                         "inter_void_fraction_0.74um_rf": hr.inter_fraction})
    return CrackStudy(found, truth, voxel, pd.DataFrame(rows))


def describe_states(frame) -> str:
    """One sentence per electrode, generated from :meth:`ExpansionStudy.to_frame`: porosity,
    tortuosity factor, solid volume and median particle diameter, pristine → cycled, and the
    direction of each change.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``ExpansionStudy.to_frame()`` (columns ``sample``, ``porosity_pristine``, ``porosity_cycled``,
        ``tortuosity_pristine``, ``tortuosity_cycled``, ``expansion_pp``, ``solid_volume_change_pct``,
        ``psd_median_pristine_um``, ``psd_median_cycled_um``).

    Returns
    -------
    str
        Markdown text; a non-finite value is written as "not measurable" (e.g. τ of a pore space
        that does not percolate), never as ``nan``.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"sample": ["cellA"], "porosity_pristine": [0.50], "porosity_cycled": [0.45],
    ...                   "tortuosity_pristine": [1.60], "tortuosity_cycled": [1.90], "expansion_pp": [5.0],
    ...                   "solid_volume_change_pct": [10.0], "psd_median_pristine_um": [5.0],
    ...                   "psd_median_cycled_um": [5.5]})
    >>> print(describe_states(f))
    **cellA**: porosity 0.500 → 0.450 (−5.0 points), tortuosity factor 1.60 → 1.90 (up), NMC volume +10.0 %, median particle diameter 5.00 → 5.50 µm (up).
    """
    need = {"sample", "porosity_pristine", "porosity_cycled", "tortuosity_pristine", "tortuosity_cycled",
            "expansion_pp", "solid_volume_change_pct", "psd_median_pristine_um", "psd_median_cycled_um"}
    if not isinstance(frame, pd.DataFrame) or not need <= set(frame.columns):
        raise TypeError(f"`frame` must be ExpansionStudy.to_frame() with columns {sorted(need)}")
    if frame.empty:
        raise ValueError("`frame` has no electrode")

    def pair(a, b, fmt, unit=""):
        if not (np.isfinite(a) and np.isfinite(b)):
            return "not measurable"
        way = "up" if b > a else ("down" if b < a else "unchanged")
        return f"{a:{fmt}} → {b:{fmt}}{unit} ({way})"

    def signed(x):
        return f"{x:+.1f}".replace("-", "−")

    lines = []
    for r in frame.itertuples():
        d_pp = r.porosity_cycled - r.porosity_pristine
        lines.append(f"**{r.sample}**: porosity {r.porosity_pristine:.3f} → {r.porosity_cycled:.3f} "
                     f"({signed(100 * d_pp)} points), tortuosity factor "
                     f"{pair(r.tortuosity_pristine, r.tortuosity_cycled, '.2f')}, NMC volume "
                     f"{signed(r.solid_volume_change_pct)} %, median particle diameter "
                     f"{pair(r.psd_median_pristine_um, r.psd_median_cycled_um, '.2f', ' µm')}.")
    return "\n\n".join(lines)


EXPANSION_MODELS = {"porosity + tortuosity": ("porosity", "tortuosity"), "porosity only": ("porosity",),
                    "tortuosity only": ("tortuosity",)}
"""Paper 000's Eq. (1) and its one-predictor reductions: name -> predictors of the expansion."""


def regression_frame(states, *, kinds=None) -> pd.DataFrame:
    """Chapter 04's per-electrode measurements in the layout of :func:`xctkit.stats.table2_frame`.

    Parameters
    ----------
    states : ExpansionStudy or pandas.DataFrame
        An :class:`ExpansionStudy`, or its ``to_frame()`` (e.g. read back from chapter 04's
        ``04_nmc_expansion__pristine_vs_cycled.csv``).
    kinds : mapping of str -> str, optional
        Electrode -> kind (the manifest's ``kind:``, e.g. ``dry``/``dit``); default ``""``.

    Returns
    -------
    pandas.DataFrame
        ``sample``, ``kind``, ``porosity``, ``tortuosity`` (pristine), ``porosity_cycled``,
        ``tortuosity_cycled``, ``expansion`` (φ_pristine − φ_cycled, a fraction, as Table 2's column
        read in chapter 05) and ``expansion_pct``.

    Examples
    --------
    >>> f = pd.DataFrame({"sample": ["a"], "porosity_pristine": [0.5], "porosity_cycled": [0.45],
    ...                   "tortuosity_pristine": [1.6], "tortuosity_cycled": [1.9]})
    >>> regression_frame(f).expansion.round(3).tolist()
    [0.05]
    """
    frame = states.to_frame() if isinstance(states, ExpansionStudy) else states
    need = {"sample", "porosity_pristine", "porosity_cycled", "tortuosity_pristine", "tortuosity_cycled"}
    if not isinstance(frame, pd.DataFrame) or not need <= set(frame.columns):
        raise TypeError(f"`states` must be an ExpansionStudy or its to_frame() with columns {sorted(need)}")
    kinds = dict(kinds or {})
    phi0 = frame.porosity_pristine.to_numpy(float)
    phi1 = frame.porosity_cycled.to_numpy(float)
    return pd.DataFrame({
        "sample": frame["sample"].astype(str).to_numpy(),
        "kind": [str(kinds.get(s, "")) for s in frame["sample"].astype(str)],
        "porosity": phi0, "tortuosity": frame.tortuosity_pristine.to_numpy(float),
        "porosity_cycled": phi1, "tortuosity_cycled": frame.tortuosity_cycled.to_numpy(float),
        "expansion": phi0 - phi1, "expansion_pct": 100.0 * (phi0 - phi1)})


def fit_expansion_models(table, *, models=None, min_df_resid: int = 1):
    """Least-squares fits of expansion on pristine porosity and/or tortuosity, as far as the data allow.

    A model is fitted only when its residual degrees of freedom (electrodes − coefficients) reach
    ``min_df_resid`` and its predictors are finite and not constant; the others are listed with the
    reason, so a study with three electrodes gets the one-predictor fits and is told why the joint
    model (Eq. (1), three coefficients) needs a fourth.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`regression_frame`'s layout.
    models : mapping of str -> sequence of str, optional
        Name -> predictors; default :data:`EXPANSION_MODELS`.
    min_df_resid : int
        Residual degrees of freedom a fit needs (1: one residual, inference rests on it alone).

    Returns
    -------
    fits : dict of str -> xctkit.stats.OLSFit
    skipped : pandas.DataFrame
        ``model``, ``predictors``, ``n``, ``needs`` (electrodes), ``reason``.

    Examples
    --------
    >>> t = pd.DataFrame({"sample": list("abc"), "porosity": [0.4, 0.5, 0.6], "tortuosity": [2.0, 1.9, 1.5],
    ...                   "expansion": [0.05, 0.06, 0.08]})
    >>> fits, skipped = fit_expansion_models(t)
    >>> sorted(fits), skipped.model.tolist()
    (['porosity only', 'tortuosity only'], ['porosity + tortuosity'])
    """
    import warnings

    from ..stats import RegressionWarning, fit_ols
    from .._validate import check_int

    if not isinstance(table, pd.DataFrame) or not {"sample", "expansion"} <= set(table.columns):
        raise TypeError("`table` must be regression_frame(...) with columns 'sample' and 'expansion'")
    models = dict(EXPANSION_MODELS if models is None else models)
    min_df_resid = check_int(min_df_resid, "min_df_resid", min_value=0)
    fits, skipped = {}, []
    n = len(table)
    for name, predictors in models.items():
        k = len(predictors) + 1
        reason = ""
        if n - k < min_df_resid:
            reason = f"{n} electrode(s); {k} coefficients and {min_df_resid} residual degree(s) of freedom need {k + min_df_resid}"
        else:
            constant = [p for p in predictors if np.ptp(table[p].to_numpy(float)) == 0]
            if constant:
                reason = f"{', '.join(constant)} is the same for every electrode"
        if reason:
            skipped.append({"model": name, "predictors": ", ".join(predictors), "n": n, "needs": k + min_df_resid,
                            "reason": reason})
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("always", RegressionWarning)
            fits[name] = fit_ols(table, response="expansion", predictors=list(predictors), label="sample")
    return fits, pd.DataFrame(skipped, columns=["model", "predictors", "n", "needs", "reason"])


def describe_user_regression(table, fits: dict, skipped, applied) -> str:
    """The chapter-05 sentence for a user study, generated from its tables: how many electrodes, which
    models were fitted (R², residual degrees of freedom) or not (and why), and whether Eq. (1) as
    published predicts the measured expansion better than the electrodes' mean would (RMSE against
    the SD of the measured expansion).

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`regression_frame`.
    fits, skipped
        :func:`fit_expansion_models`' results.
    applied : pandas.DataFrame
        :func:`xctkit.stats.predict_published` on ``table`` (column ``error``).

    Examples
    --------
    >>> t = pd.DataFrame({"sample": ["a", "b"], "expansion": [0.05, 0.07]})
    >>> s = pd.DataFrame(columns=["model", "needs", "reason"])
    >>> a = pd.DataFrame({"error": [0.001, -0.001]})
    >>> describe_user_regression(t, {}, s, a).split(";")[0]
    '**This run:** 2 electrode(s) with both states'
    """
    for name, frame, cols in (("table", table, {"expansion"}), ("skipped", skipped, {"model", "needs", "reason"}),
                              ("applied", applied, {"error"})):
        if not isinstance(frame, pd.DataFrame) or not cols <= set(frame.columns):
            raise TypeError(f"`{name}` must be a DataFrame with columns {sorted(cols)}")
    rmse = float(np.sqrt((applied.error.to_numpy(float) ** 2).mean()))
    spread = float(table.expansion.std(ddof=0)) if len(table) > 1 else float("nan")
    fitted = ", ".join(f"{n} (R² {f.r2:.3f}, {f.df_resid} residual degree(s) of freedom)" for n, f in fits.items())
    text = f"**This run:** {len(table)} electrode(s) with both states; fitted: " + (fitted or "**no model** (too few electrodes)")
    if len(skipped):
        text += "; not fitted: " + "; ".join(f"{r.model} (needs {r.needs} electrodes: {r.reason})"
                                            for r in skipped.itertuples())
    text += f". Eq. (1) as published predicts your expansion with RMSE {rmse:.4f}"
    if np.isfinite(spread):
        verdict = "predicts" if rmse < spread else "does not predict"
        text += (f" against a spread (SD) of {spread:.4f} in the measured expansion: it {verdict} better than "
                 "the mean of your electrodes would.")
    else:
        text += " (one electrode: no spread to compare with)."
    return text
