"""Segmentation of a study's HR scans by several methods, judged against reference labels.

The chain of chapter 04's first part: train the random-forest pixel classifier on annotated voxels
of electrodes that are not evaluated, segment every pristine and cycled HR scan by a global Otsu
threshold, multi-Otsu and the forest, score each against the reference labels on the scan grid,
propagate the segmentation error into the microstructure metrics, cross-check TauFactor with
PoreSpy, and measure the representative volume.

In the virtual laboratory the reference labels are the generator's truth; in a user study they are
the manual segmentations attached to the manifest's ``labels:`` column.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._validate import as_grey, as_labels, check_int, check_positive
from ..imaging import xct_pair
from ..micro import Microstructure, characterise, rev_analysis, solid_mask, tortuosity
from ..papers import table2
from ..phases import NMC, PORE
from ..segment import (
    PixelClassifier,
    denoise,
    labels_on_grid,
    segmentation_scores,
    separate_particles,
    sharpen,
    sparse_annotations,
    threshold,
)
from ..synth import preset_electrode
from ._study import Study, StudyError

__all__ = [
    "segment_and_measure", "compare_segmentations",
    "TRAINING_STATES", "ClassifierTraining", "training_scans", "train_classifier",
    "StateSegmentations", "segment_states", "StateScores", "score_states",
    "ErrorPropagation", "error_propagation", "TortuosityCrosscheck", "tortuosity_crosscheck",
    "RepresentativeVolume", "representative_volume", "two_phase",
]

TRAINING_STATES = (("dry1", "cycled"), ("dit", "pristine"))
"""Electrode states (preset, state) of the fresh virtual electrodes the classifier is trained on in
the virtual laboratory; they are generated with new seeds, so no evaluated scan is trained on."""

_TRAINING_SEED_OFFSET = 1000  # seeds of the training electrodes: seed + 1000 + k (never a lab seed)


def two_phase(labels) -> np.ndarray:
    """NMC vs everything else: ``NMC`` where the labels are NMC, ``PORE`` elsewhere (uint8)."""
    lab = as_labels(labels, "labels")
    return np.where(lab == NMC, NMC, PORE).astype(np.uint8)


def _check_study(study) -> Study:
    if not isinstance(study, Study):
        raise TypeError(f"`study` must be a xctkit.workflows.Study, got {type(study).__name__}")
    return study


# --------------------------------------------------------------------------- segment + measure
def segment_and_measure(labels, *, voxel_um: float, solid=NMC, axis: int = 0, tortuosity: bool = True,
                        pores: bool = False, particle_kw: dict | None = None,
                        bin_um: float = 1.0) -> Microstructure:
    """Separate the particles of a phase volume, then measure everything :func:`~xctkit.micro.characterise` does.

    Parameters
    ----------
    labels : (Z, Y, X) ndarray of uint8, or bool
        Phase labels, or a pore mask (True = pore).
    voxel_um : float
        Voxel edge, µm.
    solid : int or sequence of int
        Solid label(s).
    axis : int
        Tortuosity axis (0 = through-thickness).
    tortuosity, pores : bool
        Compute the tortuosity factor / the pore local thickness.
    particle_kw : dict, optional
        Keywords for :func:`xctkit.segment.separate_particles` (default: watershed).
    bin_um : float
        Bin width of the particle size distribution, µm.

    Returns
    -------
    xctkit.micro.Microstructure

    Examples
    --------
    >>> import numpy as np
    >>> from xctkit import workflows
    >>> pore = np.ones((12, 12, 12), bool); pore[3:9, 3:9, 3:9] = False
    >>> m = workflows.segment_and_measure(pore, voxel_um=1.0, tortuosity=False)
    >>> m.n_particles, round(m.porosity, 3)
    (1, 0.875)
    """
    lab = as_labels(labels, "labels", ndim=3)
    s = solid_mask(lab, solid=solid)
    parts = separate_particles(s, voxel_um=voxel_um, **(particle_kw or {}))
    return characterise(lab, voxel_um=voxel_um, particles=parts.instances, solid=solid, axis=axis,
                        tortuosity=tortuosity, pores=pores, bin_um=bin_um)


def compare_segmentations(truth, segmentations: dict, *, voxel_um: float, axis: int = 0,
                          particle_kw: dict | None = None, tortuosity: bool = True):
    """How segmentation error propagates into the microstructure metrics.

    Every segmentation (and the truth) goes through the same :func:`segment_and_measure`
    (porosity, tortuosity factor, surface area, particle sizes from a watershed); each row reports
    the metrics, their error against the truth, and the NMC IoU and interface-band errors.

    Parameters
    ----------
    truth : (Z, Y, X) ndarray of uint8
        Truth on the scan grid (:func:`labels_on_grid`).
    segmentations : dict of str -> (Z, Y, X) ndarray of uint8
        Name -> phase labels on the same grid.
    voxel_um : float
        Voxel edge, µm.
    axis : int
        Tortuosity axis (0 = through-thickness).
    particle_kw : dict, optional
        Keywords for :func:`separate_particles` (same for all).
    tortuosity : bool
        Compute the tortuosity factor (the slowest metric).

    Returns
    -------
    pandas.DataFrame
        One row per source (``truth`` first): ``porosity``, ``porosity_error``, ``tortuosity``,
        ``tortuosity_rel_error``, ``ssa_per_um``, ``ssa_rel_error``, ``psd_median_um``,
        ``psd_median_error_um``, ``psd_peak_um``, ``n_particles``, ``iou_nmc``, ``accuracy_2phase``,
        ``error_rate_band``, ``error_rate_interior``.

    Raises
    ------
    TypeError
        If ``segmentations`` is not a non-empty dict.
    ValueError
        If a segmentation's shape differs from the truth's.
    """
    t = as_labels(truth, "truth", ndim=3)
    if not isinstance(segmentations, dict) or not segmentations:
        raise TypeError("`segmentations` must be a non-empty dict of name -> label volume")
    kw = dict(particle_kw or {})
    ref = segment_and_measure(t, voxel_um=voxel_um, axis=axis, tortuosity=tortuosity, particle_kw=kw)
    t2 = np.where(t == NMC, NMC, PORE).astype(np.uint8)
    rows = []
    for name, seg in {"truth": t, **segmentations}.items():
        s = as_labels(seg, f"segmentations[{name!r}]", ndim=3)
        if s.shape != t.shape:
            raise ValueError(f"`segmentations[{name!r}]` must have shape {t.shape}, got {s.shape}")
        m = ref if name == "truth" else segment_and_measure(s, voxel_um=voxel_um, axis=axis,
                                                            tortuosity=tortuosity, particle_kw=kw)
        sc = segmentation_scores(np.where(s == NMC, NMC, PORE).astype(np.uint8), t2,
                                 phases=(PORE, NMC))
        rows.append({"source": name, "porosity": m.porosity,
                     "porosity_error": m.porosity - ref.porosity,
                     "tortuosity": m.tortuosity, "tortuosity_rel_error": m.tortuosity / ref.tortuosity - 1,
                     "ssa_per_um": m.ssa_per_um, "ssa_rel_error": m.ssa_per_um / ref.ssa_per_um - 1,
                     "psd_median_um": m.psd_median_um,
                     "psd_median_error_um": m.psd_median_um - ref.psd_median_um,
                     "psd_peak_um": m.psd_peak_label, "n_particles": m.n_particles,
                     "iou_nmc": sc.iou_of(NMC), "accuracy_2phase": sc.accuracy,
                     "error_rate_band": sc.error_rate_band,
                     "error_rate_interior": sc.error_rate_interior})
    return pd.DataFrame(rows)



# --------------------------------------------------------------------------- classifier
@dataclass(frozen=True)
class ClassifierTraining:
    """Result of :func:`train_classifier`.

    Attributes
    ----------
    classifier : xctkit.segment.PixelClassifier
        The fitted forest.
    fit : xctkit.segment.ClassifierFit
        Training summary (classes, annotated voxels per class, out-of-bag accuracy, importances).
    scans : tuple of str
        What was trained on (``'<preset>_<state> (seed N)'`` in the lab, scan ids in a user study).
    """

    classifier: PixelClassifier
    fit: object
    scans: tuple[str, ...] = ()

    @property
    def n_annotated(self) -> int:
        """Annotated voxels in total."""
        return int(sum(self.fit.samples_per_class))

    def to_frame(self) -> pd.DataFrame:
        """Feature importances, largest first (:meth:`ClassifierFit.to_frame`)."""
        return self.fit.to_frame()


def training_scans(study, *, seed: int = 0) -> tuple[list, list, list]:
    """Grey scans and reference labels (on the scan grid) to train a pixel classifier on.

    Virtual laboratory: two fresh electrodes (:data:`TRAINING_STATES`, seeds ``seed + 1000 + k``,
    the lab's truth shapes) scanned with the lab's HR forward model, so no evaluated electrode is
    trained on (a sample-level split). User study: the HR scans of the training electrodes that have
    reference labels.

    Returns
    -------
    greys : list of (Z, Y, X) ndarray of float32
    labels : list of (Z, Y, X) ndarray of uint8
    names : list of str

    Raises
    ------
    StudyError
        If a user study has no training-split HR scan with reference labels.
    """
    study = _check_study(study)
    seed = check_int(seed, "seed", min_value=0)
    greys, labels, names = [], [], []
    if study.has_truth:
        config = study.lab.info["config"]
        kinds = table2().set_index("sample_id")["kind"]
        for k, (sid, state) in enumerate(TRAINING_STATES):
            shape = config["dry_shape"] if kinds[sid] == "dry" else config["dit_shape"]
            grey, lab, name = _training_scan(sid=sid, state=state, shape=shape, seed=seed + _TRAINING_SEED_OFFSET + k)
            greys.append(grey)
            labels.append(lab)
            names.append(name)
        return greys, labels, names
    for s in study.scans(modality="xct", resolution="hr", split="train"):
        if s.labels is None:
            continue
        grey = study.read(s.id)
        ref = study.reference_labels(s.id)
        greys.append(grey.array)
        labels.append(labels_on_grid(ref.array, voxel_um=ref.voxel_um or grey.voxel_um, target_um=grey.voxel_um))
        names.append(s.id)
    if not greys:
        raise StudyError("no training scan with reference labels: give some `resolution: hr` scans of "
                         "training electrodes a `labels:` path in the manifest")
    return greys, labels, names


def _training_scan(*, sid: str, state: str, shape, seed: int):
    """One fresh electrode of :func:`training_scans`, scanned: (HR grey, labels on its grid, name)."""
    e = preset_electrode(sid, shape=shape, state=state, seed=seed)
    pair = xct_pair(e.labels, voxel_um=e.voxel_um, seed=seed)
    return (pair.hr.grey, labels_on_grid(e.labels, voxel_um=e.voxel_um, target_um=pair.hr.voxel_um),
            f"{sid}_{state} (seed {seed})")


def has_training_labels(study) -> bool:
    """Whether :func:`train_classifier` can run: the virtual laboratory (it scans fresh training
    electrodes), or a user study with a training-split HR XCT scan that has a ``labels:`` path.

    Examples
    --------
    >>> study = Study.virtual_lab("quick", 0, data_dir="data/generated")  # doctest: +SKIP
    >>> has_training_labels(study)                                         # doctest: +SKIP
    True
    """
    study = _check_study(study)
    return study.has_truth or any(s.labels is not None
                                  for s in study.scans(modality="xct", resolution="hr", split="train"))


def train_classifier(study, *, annotated_voxels: int = 4000, seed: int = 0, n_jobs: int | None = 2,
                     **classifier_kw) -> ClassifierTraining:
    """Train the random-forest pixel classifier on sparse annotations of :func:`training_scans`.

    Parameters
    ----------
    study : Study
    annotated_voxels : int
        Voxels "annotated" (their reference phase revealed) per training scan, drawn uniformly
        with seed ``seed + i`` for scan ``i``, as a user brushes labels in Trainable Weka.
    seed : int
        Seed of the training scans, the annotations and the forest.
    n_jobs : int or None
        Forest threads.
    **classifier_kw
        Further :class:`~xctkit.segment.PixelClassifier` options.

    Returns
    -------
    ClassifierTraining

    Examples
    --------
    >>> study = Study.virtual_lab("quick", 0, data_dir="data/generated")  # doctest: +SKIP
    >>> train_classifier(study).fit.oob_accuracy                           # doctest: +SKIP
    0.9...
    """
    annotated_voxels = check_int(annotated_voxels, "annotated_voxels", min_value=1)
    greys, labels, names = training_scans(study, seed=seed)
    clf = PixelClassifier(seed=seed, n_jobs=n_jobs, **classifier_kw)
    masks = [sparse_annotations(t, n_voxels=annotated_voxels, seed=seed + i) for i, t in enumerate(labels)]
    fit = clf.fit(greys, labels, mask=masks)
    return ClassifierTraining(clf, fit, tuple(names))


# --------------------------------------------------------------------------- segmentation
@dataclass(frozen=True)
class StateSegmentations:
    """Every pristine / cycled HR scan of a study, segmented by each method.

    Keys of the dicts are ``(electrode, state)``, in manifest order, pristine before cycled.

    Attributes
    ----------
    keys : tuple of (str, str)
    voxel_um : float
        Voxel edge of the HR scans, µm.
    grey : dict of key -> (Z, Y, X) ndarray of float
        The scans.
    truth : dict of key -> (Z, Y, X) ndarray of uint8
        Reference labels on the scan grid (:func:`~xctkit.segment.labels_on_grid`: NMC where more
        than half of the voxel is NMC, cracks count as pore); empty where the study has none.
    otsu, multiotsu, forest : dict of key -> (Z, Y, X) ndarray of uint8
        Global Otsu (NMC / pore), three-class multi-Otsu (pore / CBD / NMC) and the forest's
        three-phase prediction (``forest`` is empty when no classifier was given: a user study
        without reference labels to train one).
    ids : dict of key -> str
        Scan id of each state.
    """

    keys: tuple
    voxel_um: float
    grey: dict
    truth: dict
    otsu: dict
    multiotsu: dict
    forest: dict
    ids: dict = field(default_factory=dict)

    @property
    def electrodes(self) -> list[str]:
        """Electrodes, in order."""
        return list(dict.fromkeys(k[0] for k in self.keys))

    def forest_two_phase(self, key) -> np.ndarray:
        """The forest's segmentation with pore and carbon-binder merged (NMC vs the rest)."""
        if not self.forest:
            raise StudyError("no random-forest segmentation: segment_states ran without a classifier "
                             "(the study has no reference labels to train one)")
        return two_phase(self.forest[key])

    @property
    def best(self) -> str:
        """The segmentation the measurements use: ``'forest'`` when a classifier was trained, else
        ``'otsu'`` (paper 000's global threshold)."""
        return "forest" if self.forest else "otsu"

    def best_two_phase(self, key) -> np.ndarray:
        """NMC vs the rest from :attr:`best`."""
        return self.forest_two_phase(key) if self.forest else self.otsu[key]

    def methods(self, key) -> dict:
        """Method name -> three-phase (or two-phase) labels of one state, for figures."""
        out = {"Otsu": self.otsu[key], "multi-Otsu": self.multiotsu[key]}
        if self.forest:
            out["random forest"] = self.forest[key]
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per state: id, shape and the NMC fraction of each segmentation (and the truth)."""
        rows = []
        for k in self.keys:
            row = {"sample": k[0], "state": k[1], "id": self.ids.get(k, ""), "shape": self.grey[k].shape}
            if k in self.truth:
                row["nmc_fraction_truth"] = float((self.truth[k] == NMC).mean())
            for name, seg in self.methods(k).items():
                row[f"nmc_fraction_{name}"] = float((seg == NMC).mean())
            rows.append(row)
        return pd.DataFrame(rows)


def segment_states(study, classifier=None, *, electrodes=None) -> StateSegmentations:
    """Segment every HR scan of the electrodes scanned pristine and cycled (:meth:`Study.states`).

    Parameters
    ----------
    study : Study
    classifier : ClassifierTraining or xctkit.segment.PixelClassifier, optional
        A fitted forest (:func:`train_classifier`). None: Otsu and multi-Otsu only (a study without
        reference labels), and :attr:`StateSegmentations.best` is Otsu.
    electrodes : sequence of str, optional
        A subset of the study's cycled electrodes (default: all).

    Returns
    -------
    StateSegmentations

    Raises
    ------
    StudyError
        If the study has no electrode scanned in both states, or ``electrodes`` names another.
    """
    study = _check_study(study)
    clf = classifier.classifier if isinstance(classifier, ClassifierTraining) else classifier
    if clf is not None and not isinstance(clf, PixelClassifier):
        raise TypeError(f"`classifier` must be a ClassifierTraining or PixelClassifier, got {type(clf).__name__}")
    states = study.states()
    if not states:
        raise StudyError("the study has no electrode scanned both pristine and cycled (`cycled_states`)")
    if electrodes is not None:
        unknown = sorted(set(electrodes) - set(states))
        if unknown:
            raise StudyError(f"`electrodes` {unknown} are not scanned in both states; the study has {list(states)}")
        states = {e: states[e] for e in electrodes}
    keys, voxel, grey, truth, otsu, mo, rf, ids = [], None, {}, {}, {}, {}, {}, {}
    for e, by_state in states.items():
        for state in ("pristine", "cycled"):
            key, sample = (e, state), by_state[state]
            vol = study.read(sample.id)
            voxel = vol.voxel_um if voxel is None else voxel
            if not np.isclose(vol.voxel_um, voxel):
                raise StudyError(f"HR scans must share one voxel size: {sample.id!r} has {vol.voxel_um} µm, "
                                 f"others {voxel} µm")
            g = as_grey(vol.array, f"scan {sample.id!r}", ndim=3)
            keys.append(key)
            ids[key] = sample.id
            grey[key] = g
            ref = study.reference_labels(sample.id)
            if ref is not None:
                truth[key] = labels_on_grid(ref.array, voxel_um=ref.voxel_um or voxel, target_um=voxel)
            otsu[key] = threshold(g).labels
            mo[key] = threshold(g, method="multiotsu", classes=3).labels
            if clf is not None:
                rf[key] = clf.predict(g)
    return StateSegmentations(tuple(keys), float(voxel), grey, truth, otsu, mo, rf, ids)


def _truth(segs: StateSegmentations, key) -> np.ndarray:
    if key not in segs.truth:
        raise StudyError(f"state {key} has no reference labels (`reference_labels`): a score needs them")
    return segs.truth[key]


def _check_segs(segs) -> StateSegmentations:
    if not isinstance(segs, StateSegmentations):
        raise TypeError(f"`segs` must be the StateSegmentations of segment_states, got {type(segs).__name__}")
    return segs


# --------------------------------------------------------------------------- scores
@dataclass(frozen=True)
class StateScores:
    """Result of :func:`score_states`.

    Attributes
    ----------
    two_phase : pandas.DataFrame
        Per state and method (``Otsu``, ``random forest``), NMC vs the rest: ``iou_nmc``,
        ``porosity_truth``, ``porosity_error`` (truth − segmentation), ``band_share``,
        ``error_rate_band``, ``error_rate_interior``, ``errors_in_band``.
    phase_iou : pandas.DataFrame
        Per state, three-phase method (``multi-Otsu``, ``random forest``) and phase: IoU, Dice,
        fractions and error rates (:meth:`SegmentationScores.to_frame`).
    """

    two_phase: pd.DataFrame
    phase_iou: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """Mean, min and max of the two-phase scores per method."""
        cols = ["iou_nmc", "porosity_error", "error_rate_band", "error_rate_interior", "errors_in_band",
                "band_share"]
        return self.two_phase.groupby("method")[cols].agg(["mean", "min", "max"])

    def to_frame(self) -> pd.DataFrame:
        """The two-phase table."""
        return self.two_phase


def score_states(segs) -> StateScores:
    """Score every state's segmentations against its reference labels.

    Two-phase scores (Otsu and the forest with pore and CBD merged, vs the truth's NMC) and the
    per-phase IoU of the three-phase segmentations (multi-Otsu, forest). The interface band is the
    voxels within one voxel of a true interface.

    Returns
    -------
    StateScores

    Only states with reference labels are scored (in a user study, those with a ``labels:`` path).

    Raises
    ------
    StudyError
        If no state has reference labels.
    """
    segs = _check_segs(segs)
    if not segs.truth:
        raise StudyError("no state has reference labels (`reference_labels`): scores need them")
    rows, iou_rows = [], []
    for k in (k for k in segs.keys if k in segs.truth):
        t = _truth(segs, k)
        t2 = two_phase(t)
        two = [("Otsu", segs.otsu[k])] + ([("random forest", segs.forest_two_phase(k))] if segs.forest else [])
        for method, seg in two:
            sc = segmentation_scores(seg, t2, phases=(PORE, NMC))
            i_nmc = sc.phases.index(NMC)
            rows.append({"sample": k[0], "state": k[1], "method": method, "iou_nmc": sc.iou_of(NMC),
                         "porosity_truth": 1 - sc.fraction_truth[i_nmc],
                         "porosity_error": sc.fraction_truth[i_nmc] - sc.fraction_pred[i_nmc],
                         "band_share": sc.band_share, "error_rate_band": sc.error_rate_band,
                         "error_rate_interior": sc.error_rate_interior, "errors_in_band": sc.errors_in_band})
        for method, seg in (("multi-Otsu", segs.multiotsu[k]),) + ((("random forest", segs.forest[k]),)
                                                                    if segs.forest else ()):
            df = segmentation_scores(seg, t).to_frame()
            iou_rows += [{"sample": k[0], "state": k[1], "method": method, **r} for r in df.to_dict("records")]
    return StateScores(pd.DataFrame(rows), pd.DataFrame(iou_rows))


# --------------------------------------------------------------------------- error propagation
@dataclass(frozen=True)
class ErrorPropagation:
    """Result of :func:`error_propagation`.

    Attributes
    ----------
    key : (str, str)
        The state analysed.
    table : pandas.DataFrame
        :func:`compare_segmentations`' table (truth first).
    filtered : (Z, Y, X) ndarray of float
        The pre-filtered scan (non-local means + unsharp mask).
    segmentations : dict of str -> (Z, Y, X) ndarray of uint8
        Method -> labels compared.
    """

    key: tuple
    table: pd.DataFrame
    filtered: np.ndarray
    segmentations: dict

    def to_frame(self) -> pd.DataFrame:
        return self.table


def error_propagation(segs, *, state=("dry1", "cycled"), unsharp_radius: float = 1.0,
                      unsharp_amount: float = 0.7, tortuosity: bool = True) -> ErrorPropagation:
    """How each segmentation's error propagates into porosity, tortuosity, surface area and sizes.

    On one state: Otsu, paper 001's pre-filter (non-local means, then an unsharp mask) followed by
    Otsu, multi-Otsu's NMC class and the forest, all through :func:`compare_segmentations`.

    Parameters
    ----------
    segs : StateSegmentations
    state : (str, str)
        ``(electrode, state)``.
    unsharp_radius, unsharp_amount : float
        Unsharp mask of the pre-filter (voxels, gain).
    tortuosity : bool
        Compute the tortuosity factor (the slowest metric).

    Returns
    -------
    ErrorPropagation
    """
    segs = _check_segs(segs)
    key = tuple(state)
    if key not in segs.keys:
        raise ValueError(f"`state` must be one of {list(segs.keys)}, got {state!r}")
    g = segs.grey[key]
    filtered = sharpen(denoise(g, method="nlm"), radius=unsharp_radius, amount=unsharp_amount)
    seg = {"Otsu": segs.otsu[key], "NLM + unsharp + Otsu": threshold(filtered).labels,
           "multi-Otsu (NMC class)": segs.multiotsu[key], "random forest": segs.forest[key]}
    table = compare_segmentations(_truth(segs, key), seg, voxel_um=segs.voxel_um, tortuosity=tortuosity)
    return ErrorPropagation(key, table, filtered, seg)


# --------------------------------------------------------------------------- TauFactor vs PoreSpy
@dataclass(frozen=True)
class TortuosityCrosscheck:
    """Result of :func:`tortuosity_crosscheck`: per state ``tau_taufactor``, ``tau_porespy``,
    ``rel_difference`` (PoreSpy / TauFactor − 1) and ``seconds_porespy``."""

    table: pd.DataFrame

    @property
    def max_abs_rel_difference(self) -> float:
        return float(self.table["rel_difference"].abs().max())

    def to_frame(self) -> pd.DataFrame:
        return self.table


def tortuosity_crosscheck(study, segs, *, axis: int = 0) -> TortuosityCrosscheck:
    """TauFactor against PoreSpy's ``tortuosity_fd`` on the reference labels of every state.

    The non-NMC phase through ``axis``. In the virtual laboratory TauFactor's value is the one the
    lab measured on every truth volume (chapter 01); in a user study it is computed here.

    Returns
    -------
    TortuosityCrosscheck
    """
    study, segs = _check_study(study), _check_segs(segs)
    lab_tau = {}
    if study.has_truth:
        meas = study.lab.measurements()
        lab_tau = {(r["sample"], r["state"]): r["tortuosity_xctkit"] for r in meas.to_dict("records")}
    rows = []
    for key in segs.keys:
        pore = _truth(segs, key) != NMC
        t0 = time.perf_counter()
        ps = tortuosity(pore, axis=axis, method="porespy")
        seconds = time.perf_counter() - t0
        tau_tf = lab_tau[key] if key in lab_tau else tortuosity(pore, axis=axis).tau
        rows.append({"sample": key[0], "state": key[1], "tau_taufactor": tau_tf, "tau_porespy": ps.tau,
                     "rel_difference": ps.tau / tau_tf - 1, "seconds_porespy": seconds})
    return TortuosityCrosscheck(pd.DataFrame(rows))


# --------------------------------------------------------------------------- REV
@dataclass(frozen=True)
class RepresentativeVolume:
    """Result of :func:`representative_volume`.

    Attributes
    ----------
    key : (str, str)
    analyses : dict of str -> xctkit.micro.REVAnalysis
        Metric -> spread against cube edge.
    """

    key: tuple
    analyses: dict

    def rev_size_um(self, metric: str) -> float:
        """REV edge of one metric, µm (NaN if the spread never falls below the tolerance)."""
        return float(self.analyses[metric].rev_size_um)

    def describe(self, scan_edge_um: float) -> str:
        """One sentence per metric: its REV edge beside the scan's shortest edge (µm), or that the
        spread never fell below the tolerance (the scan is below its REV).

        Examples
        --------
        >>> rv = RepresentativeVolume(("a", "pristine"), {})
        >>> rv.describe(30.0)
        ''
        """
        scan_edge_um = check_positive(scan_edge_um, "scan_edge_um")
        out = []
        for m in self.analyses:
            edge = self.rev_size_um(m)
            if np.isfinite(edge):
                out.append(f"{m}: REV edge {edge:.1f} µm (the scan's shortest edge is {scan_edge_um:.1f} µm).")
            else:
                out.append(f"{m}: the spread stays above the tolerance up to the largest cube, so the scan "
                           f"({scan_edge_um:.1f} µm) is below its REV for {m}.")
        return " ".join(out)

    def to_frame(self) -> pd.DataFrame:
        """Every analysis' table with a ``metric`` column, stacked."""
        return pd.concat([a.to_frame().assign(metric=m) for m, a in self.analyses.items()])


def representative_volume(segs, *, state=("dry1", "pristine"), metrics=("porosity", "ssa"),
                          n_samples: int = 20, tolerance: float = 0.05, seed: int = 0,
                          source: str = "truth") -> RepresentativeVolume:
    """Spread of porosity and surface area over random cubes of one state against the cube edge.

    Parameters
    ----------
    segs : StateSegmentations
    state : (str, str)
    metrics : sequence of str
        :func:`~xctkit.micro.rev_analysis` metrics.
    n_samples : int
        Cubes per edge.
    tolerance : float
        Relative spread regarded as representative.
    seed : int
        Cube positions (the same seed for every metric).
    source : {'truth', 'forest', 'otsu'}
        Reference labels, the forest's three-phase segmentation or Otsu's threshold.

    Returns
    -------
    RepresentativeVolume
    """
    segs = _check_segs(segs)
    key = tuple(state)
    if key not in segs.keys:
        raise ValueError(f"`state` must be one of {list(segs.keys)}, got {state!r}")
    if source not in ("truth", "forest", "otsu"):
        raise ValueError(f"`source` must be 'truth', 'forest' or 'otsu', got {source!r}")
    if source == "forest" and not segs.forest:
        raise StudyError("`source='forest'`: no random-forest segmentation (segment_states ran without a classifier)")
    lab = _truth(segs, key) if source == "truth" else (segs.forest[key] if source == "forest" else segs.otsu[key])
    return RepresentativeVolume(key, {m: rev_analysis(lab, voxel_um=segs.voxel_um, metric=m, n_samples=n_samples,
                                                      tolerance=tolerance, seed=seed) for m in metrics})
