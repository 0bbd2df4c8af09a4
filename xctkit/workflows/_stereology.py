"""A virtual version of paper 003's study: specimens per operating temperature, true sections, SEM
image pairs and 3-D truth; the tables that compare estimates with that truth; and the SEM
super-resolution chain (cut-outs, tiled ×2 inference)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import as_grey, as_rng, check_int
from ..imaging import sem_pair
from ..sr import Normalisation, PatchSet, SplitRecord
from ..stereology import SectionAnalysis, surface_density
from ..synth import SEM_CONDITIONS, SEM_HR_PIXEL_UM, sem_specimen, SEMCondition
from ._study import StudyError


__all__ = ["ConditionData", "virtual_study", "validation_table", "local_table", "size_distances",
           "sem_patch_set", "super_resolve_sem", "LabelledSections", "analyse_labelled_sections"]


@dataclass(frozen=True)
class ConditionData:
    """One synthetic condition of :func:`virtual_study`.

    Attributes
    ----------
    label : str
        E.g. ``'20 °C'``.
    specimen : xctkit.synth.SEMSpecimen
    sections : list of xctkit.synth.SEMSection
        True sections (14.3 nm), one per image.
    pairs : list of xctkit.imaging.SEMPair
        HR / LR SEM images of those sections.
    truth : xctkit.synth.SEMTruth or None
    """

    label: str
    specimen: object
    sections: list
    pairs: list
    truth: object

    @property
    def phases(self) -> list:
        return [s.phase for s in self.sections]

    @property
    def oracle(self) -> list:
        return [s.rel_distance for s in self.sections]


def virtual_study(conditions=(20, 30, 40, 50), *, n_images: int = 3, shape_px=(1120, 1120), shape: str = "sphere",
                  truth: bool = True, truth_kw: dict | None = None, pair_kw: dict | None = None, seed=0,
                  progress: bool = False) -> dict:
    """Specimens, true sections, SEM pairs and 3-D truth for each synthetic condition.

    Each condition gets its own specimen whose periodic box is exactly one image wide
    (``shape_px`` × 14.3 nm) and tall enough to hold ``n_images`` sections more than a particle
    diameter apart (stratified heights), so the images of a condition are nearly independent.

    Parameters
    ----------
    conditions : sequence of int or SEMCondition
        Keys of :data:`xctkit.synth.SEM_CONDITIONS` or condition objects.
    n_images : int
        Images (sections) per condition (paper 003: 12 at 20 °C).
    shape_px : (2,) tuple of int
        Image size at 14.3 nm; multiples of 70 px keep HR/LR/SR grids exactly aligned.
    shape : {'sphere', 'star'}
    truth : bool
        Compute :meth:`SEMSpecimen.truth`.
    truth_kw, pair_kw : dict, optional
        Keywords for the truth and for :func:`xctkit.imaging.sem_pair`.
    seed : int
    progress : bool
        tqdm over conditions.

    Returns
    -------
    dict of label -> ConditionData
        Labels ``'<T> °C'`` (or the condition's name).
    """

    n_images = check_int(n_images, "n_images", min_value=1)
    ny, nx = (check_int(v, "shape_px", min_value=70) for v in shape_px)
    rng = as_rng(seed)
    out = {}
    items = list(conditions)
    if progress:
        from tqdm.auto import tqdm

        items = tqdm(items, desc="conditions")
    for cond in items:
        c = cond if isinstance(cond, SEMCondition) else SEM_CONDITIONS.get(cond)
        if c is None:
            raise ValueError(f"`conditions` holds an unknown condition {cond!r}; use {sorted(SEM_CONDITIONS)}")
        label = f"{c.temperature_c:g} °C"
        extent = (13.0 * n_images + 13.0, ny * SEM_HR_PIXEL_UM, nx * SEM_HR_PIXEL_UM)
        sp = sem_specimen(c, extent_um=extent, shape=shape, seed=rng)
        secs = [sp.section(z, shape_px=(ny, nx)) for z in sp.section_heights(n_images, margin_um=6.5, seed=rng)]
        pairs = [sem_pair(s.phase, grain=s.grain, seed=rng, **(pair_kw or {})) for s in secs]
        tr = sp.truth(seed=rng, **(truth_kw or {})) if truth else None
        out[label] = ConditionData(label, sp, secs, pairs, tr)
    return out


def validation_table(analyses: dict, truths: dict):
    """Estimates of every route and condition next to the 3-D truth.

    Parameters
    ----------
    analyses : dict of route -> dict of label -> SectionAnalysis
        E.g. ``{'true sections': {...}, 'HR classical': {...}}``.
    truths : dict of label -> xctkit.synth.SEMTruth

    Returns
    -------
    pandas.DataFrame
        One row per route and condition: ``route``, ``condition``, ``rho``, ``rho_truth``,
        ``rho_rel_error``, ``rho_z`` (difference over its standard error: jackknife over images and
        the truth's Monte Carlo error), ``a_pooled_per_um`` ((4/π) Σ perimeter / Σ area over the particles used,
        Eq. 21 aggregated), ``sv_intercepts_per_um`` (2 P_L over whole images), ``sv_truth_per_um``,
        ``a_rel_error``, ``sv_rel_error``, ``lambda_per_um2``, ``n_cracks``, ``n_particles``.
    """
    import pandas as pd


    rows = []
    for route, by_cond in analyses.items():
        for label, a in by_cond.items():
            if not isinstance(a, SectionAnalysis):
                raise TypeError(f"`analyses[{route!r}][{label!r}]` must be a SectionAnalysis")
            t = truths[label]
            used = a.particles[a.particles.used] if len(a.particles) else a.particles
            a_pooled = surface_density(used) if len(used) else np.nan
            sv = a.sv_intercepts_per_um
            rows.append({"route": route, "condition": label, "rho": a.rho, "rho_truth": t.crack_fraction,
                         "rho_rel_error": a.rho / t.crack_fraction - 1,
                         "rho_z": (a.rho - t.crack_fraction) / np.hypot(a.rho_se, t.crack_fraction_se),
                         "a_pooled_per_um": a_pooled,
                         "sv_intercepts_per_um": sv, "sv_truth_per_um": t.surface_density_per_um,
                         "a_rel_error": a_pooled / t.surface_density_per_um - 1,
                         "sv_rel_error": sv / t.surface_density_per_um - 1,
                         "lambda_per_um2": a.lambda_per_um2, "n_cracks": int(a.images.n_cracks.sum()),
                         "n_particles": int(used.shape[0])})
    return pd.DataFrame(rows)


def local_table(analyses: dict, truths: dict | None = None):
    """All local-porosity estimates (and the 3-D radial truth) in one long table.

    Parameters
    ----------
    analyses : dict of route -> dict of label -> SectionAnalysis
    truths : dict of label -> SEMTruth, optional

    Returns
    -------
    pandas.DataFrame
        ``route``, ``condition``, ``estimator``, ``bin_lo``, ``bin_hi``, ``bin_mid``, ``rho_local``
        (the truth rows have route and estimator ``'3-D truth'``).
    """
    import pandas as pd

    frames = []
    for route, by_cond in analyses.items():
        for label, a in by_cond.items():
            if len(a.local):
                frames.append(a.local[["estimator", "bin_lo", "bin_hi", "bin_mid", "rho_local"]]
                              .assign(route=route, condition=label))
    for label, t in (truths or {}).items():
        r = t.radial
        frames.append(pd.DataFrame({"estimator": "3-D truth", "bin_lo": r.bin_lo, "bin_hi": r.bin_hi,
                                    "bin_mid": 0.5 * (r.bin_lo + r.bin_hi), "rho_local": r.rho_3d,
                                    "route": "3-D truth", "condition": label}))
    cols = ["route", "condition", "estimator", "bin_lo", "bin_hi", "bin_mid", "rho_local"]
    return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)


def size_distances(samples: dict, *, reference: str, value: str = "d_um"):
    """Distances between crack-size distributions (paper 003 Fig. 2 in numbers).

    Parameters
    ----------
    samples : dict of label -> pandas.DataFrame
        Crack descriptors per source.
    reference : str
        The key to compare with.
    value : str

    Returns
    -------
    pandas.DataFrame
        ``source``, ``n``, ``median_um``, ``ks`` (two-sample Kolmogorov-Smirnov statistic),
        ``wasserstein_log`` (1-Wasserstein distance of ``ln d``).
    """
    import pandas as pd
    from scipy.stats import ks_2samp, wasserstein_distance

    if reference not in samples:
        raise ValueError(f"`reference` {reference!r} is not a key of `samples`")
    ref = samples[reference][value].to_numpy()
    rows = []
    for label, f in samples.items():
        v = f[value].to_numpy()
        ok = v.size > 0 and ref.size > 0
        rows.append({"source": label, "n": int(v.size), "median_um": float(np.median(v)) if v.size else np.nan,
                     "ks": float(ks_2samp(v, ref).statistic) if ok else np.nan,
                     "wasserstein_log": float(wasserstein_distance(np.log(v), np.log(ref))) if ok else np.nan})
    return pd.DataFrame(rows)


def sem_patch_set(pairs, *, val_pairs, patch_hr: int = 70, n_patches: int = 256, n_val_patches: int = 64,
                  seed=0):
    """Co-located LR/HR cut-outs of SEM pairs as an :class:`xctkit.sr.PatchSet` for the ×2 generator.

    Inputs are cut from ``SEMPair.lr_resized`` (the 35/26-resized LR, ``patch_hr/2`` px) and targets
    from ``SEMPair.hr`` (``patch_hr`` px) at twice the offset, which is exact for HR images whose
    edge is a multiple of 70 px. Validation cut-outs come from separate pairs (paper 003: 15
    training and 3 validation pairs).

    Parameters
    ----------
    pairs, val_pairs : sequence of xctkit.imaging.SEMPair
    patch_hr : int
        HR cut-out edge, pixels, even (paper 003: 258 for a 96-px LR cut-out).
    n_patches, n_val_patches : int
    seed : int

    Returns
    -------
    xctkit.sr.PatchSet
        Identity normalisation (SEM grey levels are already in [0, 1]).
    """
    patch_hr = check_int(patch_hr, "patch_hr", min_value=8)
    if patch_hr % 2:
        raise ValueError(f"`patch_hr` must be even, got {patch_hr}")
    rng = as_rng(seed)
    half = patch_hr // 2

    def cut(ps, n, tag):
        xs, ys, src = [], [], []
        for _ in range(n):
            k = int(rng.integers(len(ps)))
            lr, hr = ps[k].lr_resized, ps[k].hr
            if 2 * lr.shape[0] != hr.shape[0] or 2 * lr.shape[1] != hr.shape[1]:
                raise ValueError("SEM pairs must have HR edges that are multiples of 70 px (lr_resized = HR/2)")
            y0, x0 = int(rng.integers(lr.shape[0] - half + 1)), int(rng.integers(lr.shape[1] - half + 1))
            xs.append(lr[y0:y0 + half, x0:x0 + half])
            ys.append(hr[2 * y0:2 * y0 + patch_hr, 2 * x0:2 * x0 + patch_hr])
            src.append(f"{tag}{k}")
        return np.stack(xs)[..., None].astype(np.float32), np.stack(ys)[..., None].astype(np.float32), np.array(src)

    pairs, val_pairs = list(pairs), list(val_pairs)
    if not pairs or not val_pairs:
        raise ValueError("`pairs` and `val_pairs` must not be empty")
    x, y, s = cut(pairs, check_int(n_patches, "n_patches", min_value=1), "train")
    xv, yv, sv = cut(val_pairs, check_int(n_val_patches, "n_val_patches", min_value=1), "val")
    split = SplitRecord(tuple(f"train{i}" for i in range(len(pairs))), (), 0.0, patch_hr, len(x), len(xv),
                        ("section",), int(seed) if isinstance(seed, int | np.integer) else 0)
    return PatchSet(x, y, xv, yv, s, sv, split, Normalisation(0.0, 1.0))


def super_resolve_sem(generator, lr_resized, *, tile: int = 256, overlap: int = 16) -> np.ndarray:
    """Apply a ×2 generator to a 35/26-resized LR image, in overlapping tiles.

    Parameters
    ----------
    generator : keras.Model
        ``(B, h, w, 1) -> (B, 2h, 2w, 1)`` (e.g. ``xctkit.sr.srgan_generator(upscale=2)``).
    lr_resized : (h, w) ndarray of float
        From :func:`xctkit.imaging.resize_for_shuffle`.
    tile : int
        Input tile edge, pixels.
    overlap : int
        Input pixels discarded at interior tile edges (at least the receptive radius).

    Returns
    -------
    (2h, 2w) ndarray of float32
        Clipped to [0, 1].
    """
    x = as_grey(lr_resized, "lr_resized", ndim=2)
    tile = check_int(tile, "tile", min_value=8)
    overlap = check_int(overlap, "overlap", min_value=0)
    if 2 * overlap >= tile:
        raise ValueError(f"`overlap` ({overlap}) must be below half of `tile` ({tile})")
    h, w = x.shape
    out = np.zeros((2 * h, 2 * w), np.float32)
    step = tile - 2 * overlap
    for y0 in range(0, h, step):
        for x0 in range(0, w, step):
            a0, b0 = max(y0 - overlap, 0), max(x0 - overlap, 0)
            a1, b1 = min(y0 + step + overlap, h), min(x0 + step + overlap, w)
            pred = np.asarray(generator.predict_on_batch(x[None, a0:a1, b0:b1, None]))[0, ..., 0]
            ya, xa = min(y0 + step, h), min(x0 + step, w)
            out[2 * y0:2 * ya, 2 * x0:2 * xa] = pred[2 * (y0 - a0):2 * (ya - a0), 2 * (x0 - b0):2 * (xa - b0)]
    return np.clip(out, 0.0, 1.0)


# --------------------------------------------------------------------------- a user's SEM sections
@dataclass(frozen=True)
class LabelledSections:
    """Result of :func:`analyse_labelled_sections`: paper 003's descriptors of a user's segmented SEM
    sections, per condition.

    Attributes
    ----------
    analyses : dict of str -> xctkit.stereology.SectionAnalysis
        Condition label -> descriptors of its sections.
    sections : pandas.DataFrame
        One row per section used: ``id``, ``condition``, ``pixel_um``, ``shape``, ``particle_share``
        (non-background pixels), ``crack_share`` (crack pixels of the particle pixels).
    skipped : pandas.DataFrame
        Sections left out (``id``, ``reason``): no ``labels:`` in the manifest.
    """

    analyses: dict
    sections: object
    skipped: object

    def conditions(self):
        """ρ and λ per condition (:func:`xctkit.stereology.condition_table`)."""
        from ..stereology import condition_table

        return condition_table(self.analyses)

    def cracks(self):
        """Every kept crack with its ``condition``: size d, length ℓ, width b (µm)."""
        import pandas as pd

        return pd.concat([a.cracks.assign(condition=k) for k, a in self.analyses.items()], ignore_index=True)

    def particles(self):
        """Every particle section with its ``condition``: particle porosity ρ_p, specific surface a."""
        import pandas as pd

        return pd.concat([a.particles.assign(condition=k) for k, a in self.analyses.items()], ignore_index=True)

    def describe(self) -> str:
        """The chapter-06 sentence for a user study, generated from :meth:`conditions`: sections used
        and left out, ρ (± jackknife SE where there are several sections) and λ per condition, and the
        condition with the highest ρ."""
        cond = self.conditions()
        parts = []
        for r in cond.itertuples():
            se = f" ± {r.rho_pooled_se:.4f}" if np.isfinite(r.rho_pooled_se) else ""
            parts.append(f"{r.condition}: ρ = {r.rho_pooled:.4f}{se}, λ = {r.lambda_pooled:.3f} µm⁻²")
        text = f"**This run:** {len(self.sections)} labelled section(s) in {len(cond)} condition(s)"
        if len(self.skipped):
            text += f" ({len(self.skipped)} without labels left out)"
        text += "; " + "; ".join(parts)
        if len(cond) > 1:
            text += f". The highest global porosity: {cond.loc[cond.rho_pooled.idxmax(), 'condition']}."
        return text + ("" if len(cond) > 1 else ".")

    def medians(self):
        """Per condition: crack count and the medians of d, ℓ, b and of ρ_p and a over particle sections."""
        import pandas as pd

        rows = []
        for k, a in self.analyses.items():
            c, p = a.cracks, a.particles
            rows.append({"condition": k, "n_sections": len(a.images), "n_cracks": len(c),
                         "d_median_um": c.d_um.median() if len(c) else np.nan,
                         "length_median_um": c.length_um.median() if len(c) else np.nan,
                         "width_median_um": c.width_um.median() if len(c) else np.nan,
                         "n_particles": len(p),
                         "rho_p_median": p.rho_p.median() if len(p) and "rho_p" in p else np.nan,
                         "a_median_per_um": p.a_per_um.median() if len(p) and "a_per_um" in p else np.nan})
        return pd.DataFrame(rows)


def _condition_label(sample, by):
    if by is None:
        return sample.state
    if by not in sample.condition:
        raise StudyError(f"SEM section {sample.id!r} has no condition {by!r} (its conditions: "
                         f"{sorted(sample.condition) or 'none'}); add `condition: {{{by}: ...}}` to the manifest row")
    return f"{by} = {sample.condition[by]}"


def analyse_labelled_sections(study, *, by: str | None = None, marker_um: float | None = None,
                              min_particle_um2: float = 1.0) -> LabelledSections:
    """Paper 003's crack and particle descriptors on the segmentations a user attached to SEM sections.

    Every ``modality: sem`` row with a ``labels:`` image (phases ``PORE`` = background, ``NMC`` =
    solid, ``CRACK`` = crack, as in :mod:`xctkit.phases`) is analysed with
    :func:`xctkit.stereology.analyse_sections`; sections are grouped by ``condition[by]`` of the
    manifest (e.g. ``by='temperature_c'``) or, by default, by ``state``. A user study has no 3-D truth:
    the descriptors are those of the user's own segmentation.

    Parameters
    ----------
    study : Study
    by : str, optional
        Condition key that groups the sections.
    marker_um : float, optional
        Watershed marker distance, µm (default paper 003's 50 px × 14.3 nm).
    min_particle_um2 : float
        Smallest particle section kept, µm².

    Returns
    -------
    LabelledSections

    Raises
    ------
    StudyError
        If no SEM section has labels, a section lacks the ``by`` condition, or the sections of one
        condition differ in pixel size.

    Examples
    --------
    >>> study = Study.from_manifest("my_scans/manifest.yaml")                # doctest: +SKIP
    >>> analyse_labelled_sections(study, by="temperature_c").conditions()    # doctest: +SKIP
    """
    import pandas as pd

    from ..phases import CRACK, PORE
    from ..stereology import analyse_sections
    from ._study import Study

    if not isinstance(study, Study):
        raise TypeError(f"`study` must be a xctkit.workflows.Study, got {type(study).__name__}")
    groups, rows, skipped = {}, [], []
    for s in study.sem_sections():
        if s.labels is None:
            skipped.append({"id": s.id, "reason": "no `labels:` (a segmentation of the section) in the manifest"})
            continue
        lab = study.reference_labels(s.id)
        phases = np.asarray(lab.array)
        if phases.ndim == 3 and phases.shape[0] == 1:
            phases = phases[0]
        if phases.ndim != 2:
            raise StudyError(f"labels of SEM section {s.id!r} must be a 2-D image, got shape {phases.shape}")
        label = _condition_label(s, by)
        group = groups.setdefault(label, {"phases": [], "pixel_um": s.voxel_um})
        if not np.isclose(group["pixel_um"], s.voxel_um, rtol=0.01):
            raise StudyError(f"SEM sections of {label!r} differ in pixel size: {s.id!r} has {s.voxel_um} µm, "
                             f"others {group['pixel_um']} µm")
        group["phases"].append(phases.astype(np.uint8))
        part = int(np.count_nonzero(phases != PORE))
        rows.append({"id": s.id, "condition": label, "pixel_um": s.voxel_um, "shape": phases.shape,
                     "particle_share": part / phases.size,
                     "crack_share": int(np.count_nonzero(phases == CRACK)) / part if part else np.nan})
    if not groups:
        raise StudyError("no SEM section with labels: give `modality: sem` rows a `labels:` image "
                         "(PORE background, NMC solid, CRACK crack; xctkit.phases)")
    kw = {} if marker_um is None else {"marker_um": marker_um}
    analyses = {k: analyse_sections(g["phases"], pixel_um=g["pixel_um"], min_particle_um2=min_particle_um2, **kw)
                for k, g in groups.items()}
    return LabelledSections(analyses, pd.DataFrame(rows), pd.DataFrame(skipped, columns=["id", "reason"]))
