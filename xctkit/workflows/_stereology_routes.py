"""Paper 003's experimental design as one chain: the radius prior, the virtual study, SEM
super-resolution, the segmentation routes (LR / SR / HR, classical and U-Net, true sections),
the descriptors of every route and their validation against the 3-D truth.

Chapter 06 calls these functions; each returns a frozen result with ``to_frame()``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .._validate import check_int
from ..imaging import SEM_FACTOR, SEM_LR_PIXEL_UM, resize_for_shuffle
from ..papers import PAPER003, table1_003
from ..phases import CRACK
from ..segment import (
    Cracks,
    crack_scores,
    fit_crack_threshold,
    phase_accuracy,
    predict_proba,
    probs_to_phase,
    segment_sem,
    select_crack_threshold,
    train_unet,
)
from ..sr import (
    content_loss,
    image_quality,
    make_adversarial,
    srgan_discriminator,
    srgan_generator,
    train,
    train_sem_encoder,
)
from ..stereology import (
    MARKER_UM,
    adjust_for_pristine,
    analyse_sections,
    centre_distance_bias,
    centre_distance_table,
    condition_table,
    fit_lognormal_percentiles,
    fit_lognormal_sections,
    local_porosity_points,
    pool_distance_bias,
    pristine_crack_count,
    simulate_sphere_sections,
    unfold_section_radii,
    volume_to_number_weighted,
)
from ..synth import SEM_HR_PIXEL_UM
from ._stereology import (
    local_table,
    sem_patch_set,
    size_distances,
    super_resolve_sem,
    virtual_study,
)

__all__ = [
    "MAIN_ROUTE", "TRUE_ROUTE", "TRUE_LR_ROUTE", "CLASSICAL_ROUTES", "MIN_PARTICLE_UM2", "FIG4_CROP_PX",
    "RadiusPrior", "radius_prior", "SEMStudy", "sem_study", "SEMSuperResolution", "train_sem_sr",
    "SEMRoutes", "sem_routes", "classical_route", "unet_route", "analyse_route", "route_scores", "run_sem_study", "fig4_crop", "table1_analogue", "table1_display",
    "describe_trend", "CrackDatasets", "crack_datasets", "local_figure_frames", "crack_size_comparison",
    "centre_distance_validation", "PointSectionErrors", "point_section_errors", "RadiusUnfolding",
    "radius_unfolding", "StarTest", "star_test", "sem_key_numbers", "sem_findings", "validation_summary",
]

ETA, ETA_LR = SEM_HR_PIXEL_UM, SEM_LR_PIXEL_UM  # paper 003's HR and LR pixel edges, µm (14.3 nm, 38.5 nm)
MAIN_ROUTE = "SR, U-Net (paper)"
"""Paper 003's pipeline: LR image → SRGAN → U-Net (Secs. 2.3.1-2.3.2)."""
TRUE_ROUTE = "true sections"
"""True phases of the sections at 14.3 nm, with the oracle (true relative centre distance)."""
TRUE_LR_ROUTE = "true sections, 38.5 nm"
"""True phases on the LR pixel grid: stereology and digitisation at 38.5 nm, no imaging."""
CLASSICAL_ROUTES = {"HR, classical": "HR", "LR, classical": "LR", "SR, classical": "SR"}
"""Classical (threshold) routes and the image kind each one's crack threshold is fitted on."""
MIN_PARTICLE_UM2 = 1.0
"""Smallest particle section kept, µm². Paper 003 removes "small particles" without a threshold;
below 1 µm² they are mostly slivers at the image frame (xctkit's choice)."""
FIG4_CROP_PX = 280
"""Edge of the Fig. 4 analogue cut-out at 14.3 nm: 280 px = 4.0 µm, a multiple of 70 px so that it
maps onto exactly 104 LR pixels (xctkit's choice; paper 003 Fig. 4 shows ×2.5 magnified insets)."""
LR_PER_HR = (13, 35)
"""LR pixels per HR pixel as a fraction, 14.3 nm / 38.5 nm = 13/35 (paper 003 Sec. 2.3.1: SR factor 35/13)."""
SR_BATCH, UNET_BATCH = 16, 8  # mini-batch sizes of the SRGAN and the U-Net (paper: not stated for the SRGAN)
UNET_VAL_PATCHES = 32  # U-Net validation cut-outs from the validation section
BIAS_MIN_N = 1000  # bins with fewer pixels/points are left out of the centre-distance bias criterion
LOCAL_MIN_POINTS = 2000  # bins with fewer points are left out of the point-section local-porosity summary
POINT_DENSITY_PER_UM2 = 20  # random points per µm² of each point section (stereology-only validation)
PLANE_MARGIN_UM = 7.0  # point-section planes keep this distance to the specimen box faces (≈ a max radius)
RADIUS_BIN_EDGES_UM = np.arange(0.0, 11.0, 1.0)  # Wicksell unfolding bins, µm (radii of the generator < 10 µm)
MIN_FIT_SECTIONS = 30  # fewest segmented particle sections for a log-normal fit


def _frame(rows=None, **kw):
    import pandas as pd

    return pd.DataFrame(rows, **kw)


# --------------------------------------------------------------------------------------------- 1. prior


@dataclass(frozen=True)
class RadiusPrior:
    """Paper 003's radius prior (Sec. 2.5, Eqs. 32-33) and the centre-distance estimators built on it.

    Attributes
    ----------
    volume : xctkit.stereology.LogNormal
        Least-squares fit to the volume-weighted percentiles (Eq. 32).
    number : xctkit.stereology.LogNormal
        Number-weighted density (Eq. 33, ``μ_N = μ_V − 3σ²``).
    tables : dict of str -> CentreDistanceTable
        ``'paper'`` (prior ``f_R``) and ``'size-biased'`` (prior ``∝ r f_R``, not in the paper).
    percentiles : dict of int -> float
        The percentiles fitted, µm.
    """

    volume: object
    number: object
    tables: dict
    percentiles: dict

    def to_frame(self):
        """The fits next to the paper's values (chapter table ``lognormal_fit``)."""
        import pandas as pd

        psd = pd.concat([self.volume.to_frame(), self.number.to_frame()], ignore_index=True)
        psd["paper_mu"] = [PAPER003["lognormal_mu"], np.nan]
        psd["paper_sigma"] = [PAPER003["lognormal_sigma"], np.nan]
        psd["fitted_r10_r50_r90_um"] = [np.round(self.volume.ppf([0.1, 0.5, 0.9]), 3).tolist(), ""]
        return psd

    def grid(self, r_tilde_um=(1.0, 2.0, 3.0, 4.0, 5.0, 6.0), ratios=(0.0, 0.5, 1.0)):
        """Estimated relative centre distance on a grid of section radius and ``d_b / r̃``
        (chapter table ``centre_distance_grid``)."""
        return _frame([(name, rt, q, float(t(rt, q * rt))) for name, t in self.tables.items()
                       for rt in r_tilde_um for q in ratios],
                      columns=["prior", "r_tilde_um", "d_b_over_r_tilde", "d_center"])


def radius_prior(percentiles_um: dict | None = None) -> RadiusPrior:
    """Fit paper 003's log-normal to radius percentiles and tabulate both centre-distance priors.

    Parameters
    ----------
    percentiles_um : dict of {10, 50, 90} -> float, optional
        Volume-weighted radius percentiles, µm (default: the paper's manufacturer values,
        ``xctkit.papers.PAPER003['radius_percentiles_um']``).

    Returns
    -------
    RadiusPrior

    Examples
    --------
    >>> prior = radius_prior()
    >>> round(prior.volume.mu, 2)  # paper 003: 1.53
    1.53
    """
    pct = dict(PAPER003["radius_percentiles_um"] if percentiles_um is None else percentiles_um)
    missing = {10, 50, 90} - set(pct)
    if missing:
        raise ValueError(f"`percentiles_um` must hold the 10th, 50th and 90th percentiles; missing {sorted(missing)}")
    f_v = fit_lognormal_percentiles([pct[10], pct[50], pct[90]])
    f_r = volume_to_number_weighted(f_v)
    tables = {"paper": centre_distance_table(f_r), "size-biased": centre_distance_table(f_r, size_biased=True)}
    return RadiusPrior(f_v, f_r, tables, pct)


# --------------------------------------------------------------------------------------------- 2. study


@dataclass(frozen=True)
class SEMStudy:
    """Test and training sections of the virtual paper-003 study.

    Attributes
    ----------
    test : dict of label -> ConditionData
        Test sections per condition, with 3-D truth.
    train : dict of label -> ConditionData
        Training sections (no truth); the last section of the last condition validates.
    image_px : int
        Image edge at 14.3 nm.
    """

    test: dict
    train: dict
    image_px: int

    @property
    def train_data(self) -> list:
        """All training ``(section, pair)`` tuples, condition by condition."""
        return [(s, p) for d in self.train.values() for s, p in zip(d.sections, d.pairs, strict=True)]

    @property
    def fit_data(self) -> list:
        return self.train_data[:-1]

    @property
    def val_data(self) -> list:
        return self.train_data[-1:]

    @property
    def truths(self) -> dict:
        return {k: d.truth for k, d in self.test.items()}

    def lr_phases(self, which: str = "test") -> dict:
        """True phases on the 38.5 nm grid (pixel centres of the LR images), per condition."""
        data = {"test": self.test, "train": self.train}[which]
        return {k: [d.specimen.section(s.z_um, pixel_um=ETA_LR, shape_px=p.lr.shape).phase
                    for s, p in zip(d.sections, d.pairs, strict=True)] for k, d in data.items()}

    def to_frame(self):
        """3-D truth per condition (chapter table ``truth_3d``)."""
        import pandas as pd

        return pd.concat([d.truth.to_frame().assign(condition=k, mean_radius_um=d.specimen.radii_um.mean(),
                                                    image_um=self.image_px * ETA)
                          for k, d in self.test.items()], ignore_index=True)


def sem_study(conditions=(20, 30, 40, 50), *, n_images: int = 3, image_px: int = 1120, n_train: int = 1,
              truth_kw: dict | None = None, seed: int = 0) -> SEMStudy:
    """Virtual test sections (with 3-D truth, seed ``seed``) and training sections (seed ``seed + 1``).

    Parameters
    ----------
    conditions : sequence of int
        Keys of :data:`xctkit.synth.SEM_CONDITIONS` (synthetic temperatures, °C).
    n_images : int
        Test sections per condition.
    image_px : int
        Image edge at 14.3 nm, a multiple of 70 px.
    n_train : int
        Training sections per condition (the very last one validates).
    truth_kw : dict, optional
        Keywords of :meth:`xctkit.synth.SEMSpecimen.truth`.
    seed : int

    Returns
    -------
    SEMStudy
    """
    image_px = check_int(image_px, "image_px", min_value=70)
    if image_px % 70:
        raise ValueError(f"`image_px` must be a multiple of 70 px (HR/LR/SR grids align), got {image_px}")
    test = virtual_study(conditions, n_images=n_images, shape_px=(image_px,) * 2, truth_kw=truth_kw, seed=seed)
    tr = virtual_study(conditions, n_images=n_train, shape_px=(image_px,) * 2, truth=False, seed=seed + 1)
    if sum(len(d.sections) for d in tr.values()) < 2:
        raise ValueError("the training sections must be at least two (one fits, one validates)")
    return SEMStudy(test, tr, image_px)


def fig4_crop(study: SEMStudy, condition: str | None = None, *, image: int = 0, edge_px: int = FIG4_CROP_PX):
    """The ``edge_px`` block (14.3 nm grid) with the most crack pixels, and the same block on the LR grid.

    Returns
    -------
    (crop, crop_lr) : tuple of (slice, slice)
    """
    k = next(iter(study.test)) if condition is None else condition
    phase = study.test[k].sections[image].phase
    nb = phase.shape[0] // edge_px
    nbx = phase.shape[1] // edge_px
    blocks = (phase[:nb * edge_px, :nbx * edge_px] == CRACK).reshape(nb, edge_px, nbx, edge_px).sum(axis=(1, 3))
    by, bx = np.unravel_index(np.argmax(blocks), blocks.shape)
    crop = (slice(edge_px * by, edge_px * by + edge_px), slice(edge_px * bx, edge_px * bx + edge_px))
    a, b = LR_PER_HR
    crop_lr = tuple(slice(round(c.start * a / b), round(c.stop * a / b)) for c in crop)
    return crop, crop_lr


# --------------------------------------------------------------------------------------------- 3. SR


@dataclass(frozen=True)
class SEMSuperResolution:
    """The trained SEM generator and its images.

    Attributes
    ----------
    run : xctkit.sr.TrainingRun
    n_patches : int
        Training cut-outs.
    sr : dict of label -> list of (Y, X) ndarray
        SR images of the test sections.
    bicubic : dict of label -> list of (Y, X) ndarray
        Bicubic ×35/13 of the same LR images.
    train_sr : list of (Y, X) ndarray
        SR images of the training sections (order of :attr:`SEMStudy.train_data`).
    quality : pandas.DataFrame
        ``condition``, ``image``, ``method``, image-quality metrics against HR.
    """

    run: object
    n_patches: int
    sr: dict
    bicubic: dict
    train_sr: list
    quality: object

    def to_frame(self):
        """Image quality per test image and method (chapter table ``sr_quality``)."""
        return self.quality


def train_sem_sr(study: SEMStudy, *, filters: int = 16, n_blocks: int = 2, epochs: int = 4, n_patches: int = 384,
                 patch_px: int = 70, learning_rate: float = 5e-4, adv_weight: float = 1e-3,
                 content: str = "gradient", seed: int = 0) -> SEMSuperResolution:
    """Train paper 003's ×35/13 generator (35/26 resize + ×2 SRGAN) and super-resolve every section.

    Parameters
    ----------
    study : SEMStudy
    filters, n_blocks : int
        Generator width and residual blocks (paper: SRGAN, 64 and 16).
    epochs, n_patches, patch_px : int
        Training length, cut-outs, HR cut-out edge (px, even).
    learning_rate, adv_weight : float
        Adam learning rate; adversarial weight relative to the content loss.
    content : str
        Content loss of :func:`xctkit.sr.content_loss` (``'encoder'`` trains a small SEM encoder).
    seed : int
        Seeds the cut-outs, the initial weights (``keras.utils.set_random_seed``) and training.

    Returns
    -------
    SEMSuperResolution
    """
    if not isinstance(study, SEMStudy):
        raise TypeError(f"`study` must be a SEMStudy, got {type(study).__name__}")
    fit, val = study.fit_data, study.val_data
    patches = sem_patch_set([p for _, p in fit], val_pairs=[p for _, p in val], patch_hr=patch_px,
                            n_patches=n_patches, n_val_patches=max(n_patches // 6, 16), seed=seed)
    extractor = train_sem_encoder([p.hr for _, p in fit], seed=seed).encoder if content == "encoder" else None
    import keras

    # the layers draw unseeded initialisers from Python's global `random` (Keras 3), so without this the
    # initial weights, hence the whole chapter after section 3, differed from run to run
    keras.utils.set_random_seed(int(seed))
    generator = srgan_generator(filters=filters, n_blocks=n_blocks, upscale=2, name="sem_srgan")
    gan = make_adversarial(generator, srgan_discriminator(patch_px, filters=filters), adv_weight=adv_weight,
                           learning_rate=learning_rate, content_loss=content_loss(content, extractor=extractor))
    run = train(gan, patches, epochs=epochs, batch_size=SR_BATCH, seed=seed)
    sr_images = {k: [super_resolve_sem(run.model, p.lr_resized) for p in d.pairs] for k, d in study.test.items()}
    bicubic = {k: [resize_for_shuffle(p.lr, factor=SEM_FACTOR) for p in d.pairs] for k, d in study.test.items()}
    quality = _frame([{"condition": k, "image": i, "method": m, **image_quality(img, d.pairs[i].hr).__dict__}
                      for k, d in study.test.items() for i in range(len(d.pairs))
                      for m, img in (("bicubic", bicubic[k][i]), ("SRGAN", sr_images[k][i]))])
    train_sr = [super_resolve_sem(run.model, p.lr_resized) for _, p in study.train_data]
    return SEMSuperResolution(run, len(patches.x_train), sr_images, bicubic, train_sr, quality)


# --------------------------------------------------------------------------------------------- 4-5. routes


def _crack_scores_2d(phase, truth, pixel_um):
    """:func:`xctkit.segment.crack_scores` on 2-D phase images (the crack phase as a one-slice volume)."""
    found = (np.asarray(phase) == CRACK)[None]
    none = np.zeros(found.shape, np.int32)
    cracks = Cracks(found.astype(np.int32), np.zeros(found.shape, bool), none, float(pixel_um),
                    int(found.any()), 0, 0, float(found.mean()), float("nan"), 0.0)
    return crack_scores(cracks, (np.asarray(truth) == CRACK)[None])


def classical_route(images: dict, *, pixel_um: float, crack_threshold: float) -> dict:
    """Classical phase-wise segmentation (:func:`xctkit.segment.segment_sem`) of every image.

    Parameters
    ----------
    images : dict of label -> sequence of (Y, X) ndarray of float
        SEM images per condition (any of LR, SR, HR).
    pixel_um : float
        Their pixel edge, µm.
    crack_threshold : float
        From :func:`xctkit.segment.fit_crack_threshold` on training images of the same kind.

    Returns
    -------
    dict of label -> list of (Y, X) ndarray of uint8
        ``PORE`` / ``NMC`` / ``CRACK``.
    """
    return {k: [segment_sem(g, pixel_um=pixel_um, crack_threshold=crack_threshold) for g in ims]
            for k, ims in images.items()}


def unet_route(model, images: dict, *, threshold: float) -> dict:
    """U-Net phase-wise segmentation with crack threshold t (paper 003, Eq. 7) of every image."""
    return {k: [probs_to_phase(predict_proba(model, g), t=threshold) for g in ims] for k, ims in images.items()}


def analyse_route(segmentations: dict, *, pixel_um: float, tables: dict | None = None, oracle: dict | None = None,
                  min_particle_um2: float = MIN_PARTICLE_UM2) -> dict:
    """Paper 003's descriptor chain (:func:`xctkit.stereology.analyse_sections`) per condition.

    Parameters
    ----------
    segmentations : dict of label -> sequence of (Y, X) ndarray of uint8
    pixel_um : float
    tables : dict of str -> CentreDistanceTable, optional
    oracle : dict of label -> sequence of (Y, X) ndarray, optional
        True relative centre distances per condition.
    min_particle_um2 : float

    Returns
    -------
    dict of label -> SectionAnalysis
    """
    return {k: analyse_sections(ph, pixel_um=pixel_um, tables=tables, min_particle_um2=min_particle_um2,
                                **({"oracle": oracle[k]} if oracle is not None else {}))
            for k, ph in segmentations.items()}


def route_scores(route: str, segmentations: dict, truth: dict, *, pixel_um: float):
    """Pixel accuracy and crack precision/recall (:func:`xctkit.segment.crack_scores`) of one route.

    Parameters
    ----------
    route : str
    segmentations, truth : dict of label -> sequence of (Y, X) ndarray of uint8
        Segmented and true phases on the same grid.
    pixel_um : float

    Returns
    -------
    pandas.DataFrame
        ``route``, ``condition``, ``image``, ``accuracy``, ``crack_recall``, ``crack_precision``
        (NaN where there is no true / no detected crack pixel).
    """
    rows = []
    for k, segs in segmentations.items():
        for i, (s, tr) in enumerate(zip(segs, truth[k], strict=True)):
            cs = _crack_scores_2d(s, tr, pixel_um)
            rows.append({"route": route, "condition": k, "image": i, "accuracy": phase_accuracy(s, tr),
                         "crack_recall": cs.recall, "crack_precision": cs.precision})
    return _frame(rows, columns=["route", "condition", "image", "accuracy", "crack_recall", "crack_precision"])


@dataclass(frozen=True)
class SEMRoutes:
    """Every route's segmentations and descriptors, per condition.

    Attributes
    ----------
    unet : xctkit.segment.UNetRun
    unet_threshold : xctkit.segment.CrackThreshold
        The U-Net crack threshold t (Eq. 7), selected on the validation section.
    thresholds : dict of {'HR', 'LR', 'SR'} -> CrackThreshold
        Classical crack thresholds, fitted on the training sections.
    segmentations : dict of route -> dict of label -> list of (Y, X) ndarray of uint8
        Phase images of the image routes.
    pixel_um : dict of route -> float
    lr_truth : dict of label -> list of (Y, X) ndarray
        True phases on the LR grid.
    analyses : dict of route -> dict of label -> SectionAnalysis
        Image routes plus :data:`TRUE_ROUTE` and :data:`TRUE_LR_ROUTE`.
    scores : pandas.DataFrame
        ``route``, ``condition``, ``image``, ``accuracy``, ``crack_recall``, ``crack_precision``.
    seconds : float
        Time of the descriptor chain.
    """

    unet: object
    unet_threshold: object
    thresholds: dict
    segmentations: dict
    pixel_um: dict
    lr_truth: dict
    analyses: dict
    scores: object
    seconds: float

    def to_frame(self):
        """Segmentation scores per route, condition and image (chapter table ``segmentation_scores``)."""
        return self.scores

    @property
    def main(self) -> dict:
        """The analyses of the paper's route, :data:`MAIN_ROUTE`."""
        return self.analyses[MAIN_ROUTE]


def sem_routes(study: SEMStudy, sr: SEMSuperResolution, prior: RadiusPrior, *, unet_depth: int = 3,
               unet_filters: int = 8, unet_dilation: int = 2, unet_patch: int = 128, unet_patches: int = 256,
               unet_epochs: int = 6, unet_learning_rate: float = 3e-3, min_particle_um2: float = MIN_PARTICLE_UM2,
               seed: int = 0) -> SEMRoutes:
    """Train the U-Net, fit the classical thresholds, segment every test image by every route and run
    paper 003's descriptor chain on each route and condition.

    Routes: HR / LR / SR images with the classical segmentation (:func:`xctkit.segment.segment_sem`,
    crack threshold fitted per image kind on the training sections), SR + U-Net (the paper's), and
    the true sections at 14.3 nm (with the oracle) and at 38.5 nm.

    Parameters
    ----------
    study : SEMStudy
    sr : SEMSuperResolution
        From :func:`train_sem_sr` on the same study.
    prior : RadiusPrior
        Its ``tables`` are the centre-distance estimators of the local porosity.
    unet_depth, unet_filters, unet_dilation, unet_patch, unet_patches, unet_epochs : int
        U-Net layout and training (paper: depth 5, 32 filters, dilation 4, 1024 px).
    unet_learning_rate : float
    min_particle_um2 : float
        Smallest particle section kept, µm².
    seed : int

    Returns
    -------
    SEMRoutes
    """
    import pandas as pd

    for arg, val, cls in (("study", study, SEMStudy), ("sr", sr, SEMSuperResolution), ("prior", prior, RadiusPrior)):
        if not isinstance(val, cls):
            raise TypeError(f"`{arg}` must be a {cls.__name__}, got {type(val).__name__}")
    train_data, fit, val = study.train_data, study.fit_data, study.val_data
    unet = train_unet(sr.train_sr[:-1], [s.phase for s, _ in fit], val_images=sr.train_sr[-1:],
                      val_phases=[s.phase for s, _ in val], depth=unet_depth, filters=unet_filters,
                      dilation=unet_dilation, patch=unet_patch, n_patches=unet_patches,
                      n_val_patches=UNET_VAL_PATCHES, epochs=unet_epochs, batch_size=UNET_BATCH,
                      learning_rate=unet_learning_rate, seed=seed)
    t_sel = select_crack_threshold([predict_proba(unet.model, sr.train_sr[-1])], [val[0][0].phase])
    lr_truth = study.lr_phases("test")
    train_lr_truth = [ph for v in study.lr_phases("train").values() for ph in v]
    thresholds = {
        "HR": fit_crack_threshold([p.hr for _, p in train_data], [s.phase for s, _ in train_data], pixel_um=ETA),
        "LR": fit_crack_threshold([p.lr for _, p in train_data], train_lr_truth, pixel_um=ETA_LR),
        "SR": fit_crack_threshold(sr.train_sr, [s.phase for s, _ in train_data], pixel_um=ETA)}
    images = {"HR": ({k: [p.hr for p in d.pairs] for k, d in study.test.items()}, ETA),
              "LR": ({k: [p.lr for p in d.pairs] for k, d in study.test.items()}, ETA_LR),
              "SR": (sr.sr, ETA)}
    segs, px = {}, {}
    for route, kind in CLASSICAL_ROUTES.items():
        ims, px[route] = images[kind]
        segs[route] = classical_route(ims, pixel_um=px[route], crack_threshold=thresholds[kind].threshold)
    segs[MAIN_ROUTE], px[MAIN_ROUTE] = unet_route(unet.model, sr.sr, threshold=t_sel.threshold), ETA
    true_phases = {k: d.phases for k, d in study.test.items()}
    scores = pd.concat([route_scores(r, segs[r], true_phases if px[r] == ETA else lr_truth, pixel_um=px[r])
                        for r in segs], ignore_index=True)
    t0 = time.perf_counter()
    chain = {"tables": prior.tables, "min_particle_um2": min_particle_um2}
    analyses = {TRUE_ROUTE: analyse_route(true_phases, pixel_um=ETA, oracle={k: d.oracle for k, d in study.test.items()},
                                          **chain),
                TRUE_LR_ROUTE: analyse_route(lr_truth, pixel_um=ETA_LR, **chain)}
    for r, by_cond in segs.items():
        analyses[r] = analyse_route(by_cond, pixel_um=px[r], **chain)
    return SEMRoutes(unet, t_sel, thresholds, segs, px, lr_truth, analyses, scores,
                     time.perf_counter() - t0)


def run_sem_study(study: SEMStudy, prior: RadiusPrior | None = None, *, seed: int = 0, sr_kw: dict | None = None,
                  unet_kw: dict | None = None) -> tuple[SEMSuperResolution, SEMRoutes]:
    """:func:`train_sem_sr` then :func:`sem_routes` on one study.

    Returns
    -------
    (SEMSuperResolution, SEMRoutes)
    """
    prior = radius_prior() if prior is None else prior
    sr = train_sem_sr(study, seed=seed, **(sr_kw or {}))
    return sr, sem_routes(study, sr, prior, seed=seed, **(unet_kw or {}))


# --------------------------------------------------------------------------------------------- 5. Table 1


def table1_analogue(routes: SEMRoutes, study: SEMStudy):
    """Paper 003's Table 1 next to the paper pipeline, the true sections and the 3-D truth
    (chapter table ``table1_analogue``)."""
    t1 = table1_003()
    t1["condition"] = [f"{c:g} °C" for c in t1.condition]
    ours = condition_table(routes.main).merge(
        condition_table(routes.analyses[TRUE_ROUTE])[["condition", "rho_pooled", "lambda_pooled"]]
        .rename(columns={"rho_pooled": "rho_true_sections", "lambda_pooled": "lambda_true_sections"}),
        on="condition")
    ours["rho_3d_truth"] = [study.truths[k].crack_fraction for k in ours.condition]
    return ours.merge(t1.rename(columns={c: f"paper_{c}" for c in t1.columns if c != "condition"}), on="condition")


def table1_display(table1):
    """Table 1 formatted as in the paper (mean ± SD, ρ in 1e-3, λ in 1e-2 µm⁻²)."""

    def pm(m, s, f):
        return [f"{a * f:.1f} ± {b * f:.1f}" for a, b in zip(m, s, strict=True)]

    t = table1
    return _frame({"condition": t.condition,
                   "ρ [1e-3] paper": pm(t.paper_rho_mean, t.paper_rho_sd, 1e3),
                   "ρ [1e-3] xctkit (SR + U-Net)": pm(t.rho_mean, t.rho_sd, 1e3),
                   "ρ true sections": (1e3 * t.rho_true_sections).round(1),
                   "V_V 3-D truth": (1e3 * t.rho_3d_truth).round(1),
                   "λ [1e-2/µm²] paper": pm(t.paper_lambda_mean, t.paper_lambda_sd, 1e2),
                   "λ xctkit (SR + U-Net)": pm(t.lambda_mean, t.lambda_sd, 1e2),
                   "λ true sections": (1e2 * t.lambda_true_sections).round(1),
                   "cracks": t.n_cracks})


def describe_trend(values) -> str:
    """``'a < b < c'`` if the values rise strictly, else ``'a, b, c (not monotonic)'``."""
    v = list(values)
    if all(a < b for a, b in zip(v, v[1:], strict=False)):
        return " < ".join(f"{x:.3g}" for x in v)
    return ", ".join(f"{x:.3g}" for x in v) + " (not monotonic)"


def table1_trends(table1) -> str:
    """Markdown: the trends of ρ and λ over the conditions, paper pipeline vs true sections vs paper."""
    trend = describe_trend
    return (f"**Computed.** Pooled ρ of the paper pipeline by condition: {trend(table1.rho_pooled)}; of the true "
            f"sections: {trend(table1.rho_true_sections)}; 3-D truth: {trend(table1.rho_3d_truth)}. λ (µm⁻²) of "
            f"the paper pipeline: {trend(table1.lambda_pooled)}; of the true sections: "
            f"{trend(table1.lambda_true_sections)}. Paper (Table 1 means): ρ {trend(table1.paper_rho_mean)}, "
            f"λ {trend(table1.paper_lambda_mean)}. The synthetic conditions were *tuned* to this pattern, so "
            f"agreement of the true sections with it is by construction; what the chapter tests is whether the "
            f"image pipeline recovers it (columns 'xctkit') and how far each estimate is from the 3-D truth "
            f"(section 8).")


# --------------------------------------------------------------------------------------------- 6. cracks


@dataclass(frozen=True)
class CrackDatasets:
    """Cracks and particles of one route, all and adjusted for pristine cracks (Eqs. 18-19).

    Attributes
    ----------
    cracks, adjusted, particles : pandas.DataFrame
        With a ``condition`` column.
    summary : pandas.DataFrame
        Per condition: ``n_cracks``, ``area_um2``, ``n_pristine``, ``kept``, ``paper_n_cracks``,
        ``dropped_share``.
    """

    cracks: object
    adjusted: object
    particles: object
    summary: object

    def to_frame(self):
        """Chapter table ``adjusted_dataset``."""
        return self.summary

    def medians(self):
        """Median crack size/length/width (all and adjusted) and particle ρ_p, a per condition."""
        import pandas as pd

        cols = ["d_um", "length_um", "width_um"]
        return pd.concat({"all cracks": self.cracks.groupby("condition")[cols].median(),
                          "adjusted": self.adjusted.groupby("condition")[cols].median(),
                          "particles": self.particles.groupby("condition")[["rho_p", "a_per_um"]].median()}, axis=1)


def crack_datasets(analyses: dict) -> CrackDatasets:
    """Pool one route's cracks and particles over the conditions and drop the ⌊A λ_pristine⌋ smallest
    cracks per condition (paper 003, Eqs. 18-19; A = the pooled particle area)."""
    import pandas as pd

    cracks = pd.concat([a.cracks.assign(condition=k) for k, a in analyses.items()], ignore_index=True)
    adjusted = pd.concat([adjust_for_pristine(a.cracks, area_um2=a.area_um2).assign(condition=k)
                          for k, a in analyses.items()], ignore_index=True)
    summary = _frame([{"condition": k, "n_cracks": len(a.cracks), "area_um2": a.area_um2,
                       "n_pristine": pristine_crack_count(a.area_um2),
                       "kept": len(adjust_for_pristine(a.cracks, area_um2=a.area_um2)),
                       "paper_n_cracks": PAPER003["n_cracks"][int(k.split()[0])]} for k, a in analyses.items()])
    summary["dropped_share"] = summary.n_pristine / summary.n_cracks
    particles = pd.concat([a.particles.assign(condition=k) for k, a in analyses.items()], ignore_index=True)
    return CrackDatasets(cracks, adjusted, particles, summary)


# --------------------------------------------------------------------------------------------- 7-8.


def local_figure_frames(routes: SEMRoutes, study: SEMStudy):
    """Local porosity of the paper route and the true sections (chapter table ``local_porosity``) and
    the frames Fig. 9's analogue draws.

    Returns
    -------
    local : pandas.DataFrame
        :func:`local_table` of the paper route and the true sections, with the 3-D truth.
    shown : pandas.DataFrame
        Bars (paper estimator, paper route) and lines (size-biased on the paper route, oracle).
    truth : pandas.DataFrame
        The 3-D radial truth with a ``condition`` column.
    """
    import pandas as pd

    local = local_table({MAIN_ROUTE: routes.main, TRUE_ROUTE: routes.analyses[TRUE_ROUTE]}, study.truths)
    bars = local[local.route == MAIN_ROUTE]
    shown = pd.concat([bars[bars.estimator == "paper"], bars[bars.estimator == "size-biased"],
                       local[(local.route == TRUE_ROUTE) & (local.estimator == "oracle")]])
    truth = pd.concat([t.radial.assign(condition=k) for k, t in study.truths.items()])
    return local, shown, truth


def crack_size_comparison(routes: SEMRoutes):
    """Crack sizes per source pooled over conditions (Fig. 2) and their distances to the true
    sections and to the HR classical route (chapter table ``crack_size_distances``).

    Returns
    -------
    samples : dict of source -> pandas.DataFrame
    distances : pandas.DataFrame
        ``source``, ``n``, ``median_um``, ``ks_vs_truth``, ``wasserstein_log_vs_truth``, ``ks_vs_hr``,
        ``wasserstein_log_vs_hr``.
    """
    import pandas as pd

    samples = {r: pd.concat([a.cracks for a in routes.analyses[r].values()], ignore_index=True)
               for r in ("LR, classical", "SR, classical", "HR, classical", MAIN_ROUTE, TRUE_LR_ROUTE)}
    samples["truth"] = pd.concat([a.cracks for a in routes.analyses[TRUE_ROUTE].values()], ignore_index=True)
    dist = size_distances(samples, reference="truth").merge(
        size_distances(samples, reference="HR, classical")[["source", "ks", "wasserstein_log"]],
        on="source", suffixes=("_vs_truth", "_vs_hr"))
    return samples, dist


# --------------------------------------------------------------------------------------------- 9. validation


def centre_distance_validation(prior: RadiusPrior, true_analyses: dict, *, n_sections: int = 6000, seed: int = 0):
    """Mean estimate vs mean truth per bin of the estimate, for simulated per-sphere cuts (seed
    ``seed``), simulated population sections (``seed + 1``) and the true section images
    (chapter table ``centre_distance_bias``)."""
    import pandas as pd

    n_sections = check_int(n_sections, "n_sections", min_value=1)
    sims = {"per-sphere cuts": simulate_sphere_sections(prior.number, n_sections=n_sections, population=False,
                                                        seed=seed),
            "population sections": simulate_sphere_sections(prior.number, n_sections=n_sections, population=True,
                                                            seed=seed + 1)}
    bias = pd.concat([centre_distance_bias(pts, t).assign(sections=s, estimator=n)
                      for s, pts in sims.items() for n, t in prior.tables.items()], ignore_index=True)
    img_bias = pool_distance_bias([a.distance_bias for a in true_analyses.values()])
    return pd.concat([bias, img_bias.assign(sections="true section images")], ignore_index=True)


@dataclass(frozen=True)
class PointSectionErrors:
    """Local porosity of every route (and of exact point sections) against the 3-D radial truth.

    Attributes
    ----------
    planes : dict of label -> ndarray
        Heights of the point-section planes, µm.
    point_local : pandas.DataFrame
        Local porosity from point sections (with ``n_points``).
    errors : pandas.DataFrame
        Long table with ``truth`` and ``abs_error`` (chapter table ``local_porosity_errors``).
    summary : pandas.DataFrame
        Mean |error| per route (rows) and estimator (columns).
    truth : pandas.DataFrame
        ``condition``, ``bin_mid``, ``truth``.
    """

    planes: dict
    point_local: object
    errors: object
    summary: object
    truth: object

    def to_frame(self):
        return self.errors

    def well_sampled(self, min_points: int = LOCAL_MIN_POINTS):
        """Mean |error| per estimator of the point sections over bins with at least ``min_points``."""
        big = self.point_local[self.point_local.n_points >= min_points].merge(self.truth, on=["condition", "bin_mid"])
        return (big.rho_local - big.truth).abs().groupby(big.estimator).mean()


def point_section_errors(study: SEMStudy, routes: SEMRoutes, prior: RadiusPrior, *, n_planes: int = 60,
                         seed: int = 0) -> PointSectionErrors:
    """Local-porosity errors of point sections (the estimator alone), true sections and image routes."""
    import pandas as pd

    n_planes = check_int(n_planes, "n_planes", min_value=1)
    planes = {k: np.linspace(PLANE_MARGIN_UM, d.specimen.extent_um[0] - PLANE_MARGIN_UM, n_planes)
              for k, d in study.test.items()}
    points = {k: d.specimen.section_points(planes[k], points_per_um2=POINT_DENSITY_PER_UM2, seed=seed)
              for k, d in study.test.items()}
    point_local = pd.concat([local_porosity_points(p, tables=prior.tables).assign(route="point sections", condition=k)
                             for k, p in points.items()], ignore_index=True)
    shown = (TRUE_ROUTE, "HR, classical", "SR, classical", MAIN_ROUTE)
    all_local = pd.concat([point_local.drop(columns="n_points"),
                           local_table({r: routes.analyses[r] for r in shown})], ignore_index=True)
    truth = local_table({}, study.truths)[["condition", "bin_mid", "rho_local"]].rename(columns={"rho_local": "truth"})
    errs = all_local.merge(truth, on=["condition", "bin_mid"])
    errs["abs_error"] = (errs.rho_local - errs.truth).abs()
    summary = errs.groupby(["route", "estimator"], sort=False).abs_error.mean().unstack("estimator")
    return PointSectionErrors(planes, point_local, errs, summary, truth)


@dataclass(frozen=True)
class RadiusUnfolding:
    """Wicksell unfolding of section radii and log-normal fits (not in paper 003).

    Attributes
    ----------
    unfolding : xctkit.stereology.Unfolding
    table : pandas.DataFrame
        Unfolded, true and generator fractions per bin (chapter table ``unfolding``).
    fits : pandas.DataFrame
        ``source``, ``mu``, ``sigma``, ``n`` (chapter table ``radius_fits``).
    radii_true : ndarray
        Radii of all specimens' particles, µm.
    """

    unfolding: object
    table: object
    fits: object
    radii_true: np.ndarray

    def to_frame(self):
        return self.table


def radius_unfolding(study: SEMStudy, planes: dict, prior: RadiusPrior, true_analyses: dict) -> RadiusUnfolding:
    """Unfold the exact section radii of the specimens cut at ``planes`` and fit log-normals to
    them and to the segmented particle sections of the true section images."""
    import pandas as pd

    radii_true = np.concatenate([d.specimen.radii_um for d in study.test.values()])
    sec = pd.concat([d.specimen.section_radii(planes[k]).assign(condition=k) for k, d in study.test.items()],
                    ignore_index=True)
    edges = RADIUS_BIN_EDGES_UM
    unf = unfold_section_radii(sec.r_tilde_um.to_numpy(), bin_edges_um=edges)
    fit_sec = fit_lognormal_sections(sec.r_tilde_um.to_numpy())
    img_r = pd.concat([a.particles[a.particles.used] for a in true_analyses.values()]).r_tilde_um.to_numpy()
    fit_img = fit_lognormal_sections(img_r, r_min_um=MARKER_UM) if img_r.size >= MIN_FIT_SECTIONS else None
    table = unf.to_frame()
    table["true_fraction"] = np.histogram(radii_true, bins=edges)[0] / radii_true.size
    f_r = prior.number
    table["generator_fraction"] = np.diff(f_r.cdf(edges)) / np.diff(f_r.cdf(edges[[0, -1]]))
    fits = _frame([{"source": "generator (paper's f_R)", "mu": f_r.mu, "sigma": f_r.sigma, "n": np.nan},
                   {"source": f"exact section radii ({len(sec)})", "mu": fit_sec.mu, "sigma": fit_sec.sigma,
                    "n": len(sec)},
                   {"source": f"segmented sections ({img_r.size})", "mu": getattr(fit_img, "mu", np.nan),
                    "sigma": getattr(fit_img, "sigma", np.nan), "n": img_r.size},
                   {"source": f"the specimens' particles ({radii_true.size})", "mu": np.log(radii_true).mean(),
                    "sigma": np.log(radii_true).std(ddof=1), "n": radii_true.size}])
    return RadiusUnfolding(unf, table, fits, radii_true)


@dataclass(frozen=True)
class StarTest:
    """Local porosity of star-shaped particles (the sphere assumption under stress).

    Attributes
    ----------
    condition : str
    analysis : SectionAnalysis
    local : pandas.DataFrame
        Chapter table ``star_local_porosity``.
    summary : pandas.DataFrame
        Mean |error| per estimator, star vs spheres (true sections, same condition).
    truth : xctkit.synth.SEMTruth
    """

    condition: str
    analysis: object
    local: object
    summary: object
    truth: object

    def to_frame(self):
        return self.local


def star_test(condition, prior: RadiusPrior, errors: PointSectionErrors, *, n_images: int = 3, image_px: int = 1120,
              truth_kw: dict | None = None, seed: int = 2) -> StarTest:
    """Sections of star-shaped particles (bumps up to ±20 % of the radius) of one condition, analysed
    like the true sections; errors against their 3-D truth next to the spheres' (``errors``)."""
    star = virtual_study([condition], n_images=n_images, shape_px=(image_px,) * 2, shape="star",
                         truth_kw=truth_kw, seed=seed)
    (ks, sd), = star.items()
    an = analyse_sections(sd.phases, pixel_um=ETA, tables=prior.tables, oracle=sd.oracle)
    local = local_table({"star, true sections": {ks: an}}, {ks: sd.truth})
    truth = local_table({}, {ks: sd.truth})[["bin_mid", "rho_local"]].rename(columns={"rho_local": "truth"})
    err = local.merge(truth, on="bin_mid")
    err["abs_error"] = (err.rho_local - err.truth).abs()
    e = errors.errors
    summary = _frame({"mean |error| star": err[err.route != "3-D truth"].groupby("estimator").abs_error.mean(),
                      "mean |error| spheres (true sections, same condition)":
                      e[(e.route == TRUE_ROUTE) & (e.condition == ks)].groupby("estimator").abs_error.mean()})
    return StarTest(ks, an, local, summary, sd.truth)


# --------------------------------------------------------------------------------------------- 10. summary


def _bias_max(bias, sections, estimator=None):
    b = bias[(bias.sections == sections) & (bias.n >= BIAS_MIN_N)]
    if estimator is not None:
        b = b[b.estimator == estimator]
    return float(b.rel_bias.abs().max())


def sem_key_numbers(prior: RadiusPrior, sr: SEMSuperResolution, routes: SEMRoutes, validation_summary, bias,
                    local: PointSectionErrors, distances, unfolding: RadiusUnfolding, *, seconds: float):
    """The chapter's key numbers in one table (chapter table ``key_numbers``).

    Parameters
    ----------
    validation_summary : pandas.DataFrame
        Mean of :func:`validation_table` per route.
    bias : pandas.DataFrame
        From :func:`centre_distance_validation`.
    distances : pandas.DataFrame
        From :func:`crack_size_comparison`.
    seconds : float
        Chapter time so far.
    """
    vs, le, q = validation_summary, local.summary, sr.quality
    ks = distances.set_index("source").ks_vs_truth

    def rel(route):
        return ("mean relative error vs V_V", f"{vs.loc[route, 'rho_rel_error']:+.3f}")

    rows = [("log-normal fit (Eq. 32)", "mu, sigma (paper 1.53, 0.208)", f"{prior.volume.mu:.4f}, {prior.volume.sigma:.4f}"),
            ("ρ, true sections", *rel(TRUE_ROUTE)), ("ρ, HR classical", *rel("HR, classical")),
            ("ρ, LR classical", *rel("LR, classical")), ("ρ, SR classical", *rel("SR, classical")),
            ("ρ, SR + U-Net (paper)", *rel(MAIN_ROUTE)), ("ρ, true sections at 38.5 nm", *rel(TRUE_LR_ROUTE)),
            ("λ, true sections 14.3 / 38.5 nm; SR + U-Net", "pooled mean over conditions (1/µm²)",
             f"{vs.loc[TRUE_ROUTE, 'lambda_per_um2']:.3f} / {vs.loc[TRUE_LR_ROUTE, 'lambda_per_um2']:.3f}; "
             f"{vs.loc[MAIN_ROUTE, 'lambda_per_um2']:.3f}"),
            ("S_V, true sections", "rel. error: aggregated a (Eq. 21) / 2 P_L",
             f"{vs.loc[TRUE_ROUTE, 'a_rel_error']:+.3f} / {vs.loc[TRUE_ROUTE, 'sv_rel_error']:+.3f}"),
            ("d_center, per-sphere cuts", "max |rel. bias| per bin: paper / size-biased",
             f"{_bias_max(bias, 'per-sphere cuts', 'paper'):.4f} / {_bias_max(bias, 'per-sphere cuts', 'size-biased'):.4f}"),
            ("d_center, population sections", "max |rel. bias| per bin: paper / size-biased",
             f"{_bias_max(bias, 'population sections', 'paper'):.4f} / "
             f"{_bias_max(bias, 'population sections', 'size-biased'):.4f}"),
            ("ρ_local, point sections", "mean |error| paper / size-biased / oracle",
             " / ".join(f"{le.loc['point sections', e]:.4f}" for e in ("paper", "size-biased", "oracle"))),
            ("ρ_local, SR + U-Net", "mean |error| paper / size-biased",
             " / ".join(f"{le.loc[MAIN_ROUTE, e]:.4f}" for e in ("paper", "size-biased"))),
            ("Fig. 2", "KS vs truth: LR / SR / HR (classical)",
             " / ".join(f"{ks[r]:.3f}" for r in ("LR, classical", "SR, classical", "HR, classical"))),
            ("SR image quality", "SSIM bicubic / SRGAN",
             " / ".join(f"{q[q.method == m].ssim.mean():.3f}" for m in ("bicubic", "SRGAN"))),
            ("unfolding", "mean radius unfolded / true particles (µm)",
             f"{unfolding.unfolding.mean_radius_um:.3f} / {unfolding.radii_true.mean():.3f}"),
            ("run", "chapter seconds so far", f"{seconds:.0f}")]
    return _frame(rows, columns=["estimate", "quantity", "value"])


def sem_findings(sr: SEMSuperResolution, validation, bias, local: PointSectionErrors, distances, *,
                 n_images: int) -> str:
    """The chapter's computed findings as Markdown (every number from the arguments).

    Parameters
    ----------
    validation : pandas.DataFrame
        :func:`validation_table` of every route.
    n_images : int
        Test images per condition.
    """
    vs = validation.groupby("route", sort=False)[["rho_rel_error", "rho_z", "a_rel_error", "sv_rel_error",
                                                   "lambda_per_um2"]].mean()
    le, q = local.summary, sr.quality
    lr_ks = distances.set_index("source").ks_vs_truth
    z_true = float(validation[validation.route == TRUE_ROUTE].rho_z.abs().max())
    bb = local.well_sampled()
    ps_p, pb_p, pb_s = (_bias_max(bias, "per-sphere cuts", "paper"), _bias_max(bias, "population sections", "paper"),
                        _bias_max(bias, "population sections", "size-biased"))
    worst = max(_bias_max(bias, "population sections"), _bias_max(bias, "per-sphere cuts"))
    ssim = {m: q[q.method == m].ssim.mean() for m in ("bicubic", "SRGAN")}
    t = local.truth.truth
    return "\n".join([
        "**Computed findings.**",
        f"* *Stereology alone.* ρ on true sections differs from the 3-D V_V by "
        f"{100 * vs.loc[TRUE_ROUTE, 'rho_rel_error']:+.1f} % on average "
        f"({100 * vs.loc[TRUE_LR_ROUTE, 'rho_rel_error']:+.1f} % at 38.5 nm); the largest "
        f"|difference| / standard error over the conditions is {z_true:.1f} (jackknife over the {n_images} images "
        f"per condition): " + ("within sampling error, as Delesse predicts." if z_true < 3 else
                               "**larger than the sampling error**.") +
        f" The per-particle surface estimator of Eq. 21, aggregated, differs from S_V by "
        f"{100 * vs.loc[TRUE_ROUTE, 'a_rel_error']:+.1f} % on true sections (scikit-image's 4-neighbour "
        f"perimeter over-reads digital boundaries by about 5 %, and particles cut by the frame are excluded), the "
        f"intercept estimator 2 P_L by {100 * vs.loc[TRUE_ROUTE, 'sv_rel_error']:+.1f} %.",
        f"* *Centre distance.* Under the paper's model (each sphere drawn, then cut) its estimator is unbiased "
        f"(largest per-bin deviation {ps_p:.1%}); for sections of a "
        f"sphere population it is biased by up to {pb_p:.1%} (its prior "
        f"favours small spheres, which a plane hits less often, so it underestimates the relative distance), which the "
        f"size-biased prior reduces to {pb_s:.1%}. The 5 % criterion "
        f"per bin (bins with ≥ {BIAS_MIN_N} points) is " + ("met by both." if worst < 0.05 else
                                                          "**not met everywhere**.") +
        " On the few true section images the deviations are larger in the inner bins (few pixels there).",
        f"* *Local porosity, estimator only* (point sections, bins with ≥ {LOCAL_MIN_POINTS} points): mean "
        f"|ρ_local − ρ_3D| = {bb.get('paper', np.nan):.4f} (paper), {bb.get('size-biased', np.nan):.4f} "
        f"(size-biased), {bb.get('oracle', np.nan):.4f} (oracle, i.e. pure sampling noise), for profiles of "
        f"{t.min():.3f}-{t.max():.3f}: binning by the estimated distance keeps the "
        f"centre-heavy profile. On the image routes the error is {le.loc[TRUE_ROUTE, 'paper']:.3f} even "
        f"for true sections, because only a few whole particle sections per condition survive the frame.",
        f"* *Imaging and segmentation dominate.* Relative error of ρ: HR classical "
        f"{100 * vs.loc['HR, classical', 'rho_rel_error']:+.0f} %, LR classical "
        f"{100 * vs.loc['LR, classical', 'rho_rel_error']:+.0f} %, SR classical "
        f"{100 * vs.loc['SR, classical', 'rho_rel_error']:+.0f} %, SR + U-Net "
        f"{100 * vs.loc[MAIN_ROUTE, 'rho_rel_error']:+.0f} %. λ (truth sections "
        f"{vs.loc[TRUE_ROUTE, 'lambda_per_um2']:.3f} µm⁻²) is "
        f"{vs.loc['HR, classical', 'lambda_per_um2']:.3f} for HR classical but "
        f"{vs.loc[MAIN_ROUTE, 'lambda_per_um2']:.3f} for SR + U-Net: a crack broken into pieces by the "
        f"segmentation is counted once per piece, so λ is the least robust descriptor.",
        f"* *Fig. 2.* KS distance of the crack-size distribution to the true sections: LR {lr_ks['LR, classical']:.3f}, "
        f"SR {lr_ks['SR, classical']:.3f}, HR {lr_ks['HR, classical']:.3f} (classical segmentation), SR + U-Net "
        f"{lr_ks[MAIN_ROUTE]:.3f}; the true sections digitised at 38.5 nm are at {lr_ks[TRUE_LR_ROUTE]:.3f}. "
        + ("SR is closer to the truth than LR, as in the paper." if lr_ks["SR, classical"] < lr_ks["LR, classical"]
           else "**Here SR is not closer to the truth than LR**, unlike the paper's Fig. 2: the SR network of this "
                f"profile is far from converged (SSIM {ssim['SRGAN']:.3f} vs bicubic {ssim['bicubic']:.3f}) and "
                "smooths cracks away."),
    ])


def validation_summary(validation):
    """Mean of :func:`validation_table`'s errors per route (route order kept)."""
    return validation.groupby("route", sort=False)[["rho_rel_error", "rho_z", "a_rel_error", "sv_rel_error",
                                                    "lambda_per_um2"]].mean()

