"""Paper 003's analysis chain on a set of phase images and the validation of the centre-distance estimator on simulated sphere sections."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import as_rng, check_int, check_nonnegative, check_positive
from ..phases import CRACK, PORE
from ._centre import CentreDistanceTable, relative_centre_distance
from ._descriptors import (
    crack_descriptors,
    crack_intensity,
    global_porosity,
    particle_descriptors,
    surface_density_intercepts,
)
from ._instances import as_phase_image, crack_instances, particle_instances
from ._local import DEFAULT_BIN_EDGES, local_porosity

__all__ = [
    "SectionAnalysis",
    "analyse_sections",
    "condition_table",
    "simulate_sphere_sections",
    "centre_distance_bias",
    "pool_distance_bias",
]

MARKER_UM = 50 * 0.0143
"""Paper 003's watershed marker distance, 50 px at 14.3 nm = 0.715 µm."""


@dataclass(frozen=True)
class SectionAnalysis:
    """Descriptors of one condition's images (paper 003, Secs. 2.4-2.5), pooled and per image.

    Attributes
    ----------
    images : pandas.DataFrame
        Per image: ``image``, ``n_cracks`` (after the noise filter), ``crack_px``,
        ``particle_px``, ``solid_crossings`` and ``line_length_um`` (row/column intercepts with
        the solid surface and test-line length in particles), ``area_um2`` (particle area),
        ``rho`` (Eq. 11 on that image), ``lambda_per_um2`` (Eq. 12 on that image).
    cracks : pandas.DataFrame
        Every kept crack: ``image``, ``crack``, ``n_pixels``, ``d_um``, ``length_um``, ``width_um``.
    particles : pandas.DataFrame
        Every segmented particle section (:func:`particle_descriptors` plus ``image`` and
        ``used``, whether it entered the local porosity).
    local : pandas.DataFrame
        Local porosity per estimator (``estimator``, ``bin_lo``, ``bin_hi``, ``bin_mid``,
        ``crack_area_um2``, ``solid_area_um2``, ``rho_local``, ``overflow_share``).
    distance_bias : pandas.DataFrame
        With an oracle: per estimator and bin of the *estimate*, ``n``, ``mean_estimate``,
        ``mean_true`` and ``rel_bias`` (``mean_estimate / mean_true - 1``); else empty.
    pixel_um : float
    """

    images: object
    cracks: object
    particles: object
    local: object
    distance_bias: object
    pixel_um: float

    @property
    def rho(self) -> float:
        """Pooled global particle porosity (Eq. 11)."""
        return float(self.images.crack_px.sum() / self.images.particle_px.sum())

    @property
    def lambda_per_um2(self) -> float:
        """Pooled crack intensity (Eq. 12), µm⁻²."""
        return float(self.images.n_cracks.sum() / self.images.area_um2.sum())

    @property
    def sv_intercepts_per_um(self) -> float:
        """Solid surface per particle volume from row/column intercepts, ``2 P_L`` (1/µm), pooled."""
        return float(2.0 * self.images.solid_crossings.sum() / self.images.line_length_um.sum())

    @property
    def area_um2(self) -> float:
        """Pooled particle area ``A = n/λ`` (Eq. 18), µm²."""
        return float(self.images.area_um2.sum())

    @property
    def rho_se(self) -> float:
        """Jackknife (leave one image out) standard error of the pooled ρ; NaN for one image."""
        c = self.images.crack_px.to_numpy(dtype=float)
        p = self.images.particle_px.to_numpy(dtype=float)
        n = c.size
        if n < 2:
            return float("nan")
        jack = (c.sum() - c) / (p.sum() - p)
        return float(np.sqrt((n - 1) / n * np.sum((jack - jack.mean()) ** 2)))

    def to_frame(self):
        """One row of pooled values: ``rho``, ``lambda_per_um2``, ``n_cracks``, ``area_um2``,
        ``n_images``, ``n_particles``."""
        import pandas as pd

        return pd.DataFrame([{"rho": self.rho, "lambda_per_um2": self.lambda_per_um2,
                              "n_cracks": int(self.images.n_cracks.sum()), "area_um2": self.area_um2,
                              "n_images": len(self.images), "n_particles": len(self.particles)}])


def analyse_sections(phases, *, pixel_um: float, tables: dict | None = None, oracle=None, bin_edges=None,
                     marker_um: float = MARKER_UM, min_d_factor: float = 2.5, exclude_border: bool = True,
                     min_particle_um2: float = 0.0) -> SectionAnalysis:
    """Run paper 003's descriptor chain on phase images of one condition.

    Per image: crack instances (Lee skeleton, Eq. 2) and descriptors (Eqs. 13-17), particle
    instances (watershed, Eqs. 8-10) and descriptors (Eqs. 20-21), and the relative centre
    distance (Eqs. 34-36) of every pixel of the particles used for the local porosity
    (Eqs. 37-40), for each centre-distance table given.

    Parameters
    ----------
    phases : sequence of (Y, X) ndarray of uint8
        Phase-wise segmentations (``PORE``/``NMC``/``CRACK``), or true sections.
    pixel_um : float
        Pixel edge, µm.
    tables : dict of str -> CentreDistanceTable, optional
        Centre-distance estimators by name (e.g. ``{'paper': ..., 'size-biased': ...}``).
    oracle : sequence of (Y, X) ndarray of float, optional
        True relative distances (e.g. :attr:`xctkit.synth.SEMSection.rel_distance`), on the
        same grids: adds an ``'oracle'`` local porosity on the same pixels and the
        ``distance_bias`` of every table.
    bin_edges : (K+1,) array_like, optional
        Relative-distance bins (default ten on [0, 1]).
    marker_um : float
        Watershed marker distance, µm (paper: 50 px × 14.3 nm); converted to pixels.
    min_d_factor : float
        Crack noise filter in pixels (paper: 2.5).
    exclude_border : bool
        Leave particle sections cut by the image frame out of the local porosity (their area and
        barycentre, hence ``r̃`` and ``d_b``, are wrong); they stay in the descriptor tables with
        ``used = False``. The paper does not say what it did.
    min_particle_um2 : float
        Smallest particle section kept, µm².

    Returns
    -------
    SectionAnalysis

    Raises
    ------
    ValueError
        On mismatched inputs.
    """
    import pandas as pd

    phases = list(phases)
    if not phases:
        raise ValueError("`phases` must hold at least one image")
    pixel_um = check_positive(pixel_um, "pixel_um")
    tables = dict(tables or {})
    for k, t in tables.items():
        if not isinstance(t, CentreDistanceTable):
            raise TypeError(f"`tables[{k!r}]` must be a CentreDistanceTable, got {type(t).__name__}")
    if oracle is not None:
        oracle = list(oracle)
        if len(oracle) != len(phases):
            raise ValueError(f"`oracle` has {len(oracle)} maps for {len(phases)} images")
    edges = DEFAULT_BIN_EDGES if bin_edges is None else np.asarray(bin_edges, float)
    marker_px = check_positive(marker_um, "marker_um") / pixel_um
    min_area_px = int(np.ceil(check_nonnegative(min_particle_um2, "min_particle_um2") / pixel_um**2))
    rows, crack_frames, part_frames = [], [], []
    local_acc: dict[str, list] = {}
    bias_acc: dict[str, np.ndarray] = {}
    k = edges.size - 1
    for i, p in enumerate(phases):
        lab = as_phase_image(p, f"phases[{i}]")
        ci = crack_instances(lab)
        cf = crack_descriptors(lab, ci, pixel_um=pixel_um, min_d_factor=min_d_factor)
        crack_frames.append(cf.assign(image=i))
        sp = particle_instances(lab, marker_px=marker_px, min_area_px=min_area_px)
        pf = particle_descriptors(lab, sp, pixel_um=pixel_um)
        used = ~pf.touches_border.to_numpy(dtype=bool) if exclude_border else np.ones(len(pf), bool)
        part_frames.append(pf.assign(image=i, used=used))
        ids = pf.particle.to_numpy(dtype=np.int64)[used]
        lut = np.zeros(int(sp.max()) + 1, np.int32)
        lut[ids] = ids
        sp_used = lut[sp]
        n_part = int(np.count_nonzero(lab != PORE))
        n_crack_px = int(np.count_nonzero(lab == CRACK))
        # the per-image estimators come from _descriptors (Eqs. 11-12 and 2 P_L); the counts behind
        # them are kept so that the pooled values are ratios of totals
        line_um = 2.0 * n_part * pixel_um  # row + column test lines inside particles
        sv = surface_density_intercepts(lab, pixel_um=pixel_um)
        crossings = int(round(sv * line_um / 2.0)) if n_part else 0  # sv = 2 crossings / line length
        rows.append({"image": i, "n_cracks": len(cf), "crack_px": n_crack_px, "particle_px": n_part,
                     "solid_crossings": crossings, "line_length_um": line_um,
                     "area_um2": n_part * pixel_um**2, "rho": global_porosity(lab),
                     "lambda_per_um2": crack_intensity(len(cf), lab, pixel_um=pixel_um)})
        maps = {name: relative_centre_distance(sp_used, pixel_um=pixel_um, table=t) for name, t in tables.items()}
        if oracle is not None:
            true = np.asarray(oracle[i], dtype=np.float32)
            if true.shape != lab.shape:
                raise ValueError(f"`oracle[{i}]` has shape {true.shape}, `phases[{i}]` {lab.shape}")
            true = np.where(sp_used > 0, true, np.nan)
            for name, m in maps.items():
                ok = np.isfinite(m) & np.isfinite(true)
                est, tru = m[ok].astype(float), true[ok].astype(float)
                b = np.clip(np.searchsorted(edges, est, side="right") - 1, 0, k - 1)
                acc = bias_acc.setdefault(name, np.zeros((3, k)))
                acc[0] += np.bincount(b, minlength=k)[:k]
                acc[1] += np.bincount(b, weights=est, minlength=k)[:k]
                acc[2] += np.bincount(b, weights=tru, minlength=k)[:k]
            maps["oracle"] = true
        for name, m in maps.items():
            local_acc.setdefault(name, []).append(local_porosity(lab, m, pixel_um=pixel_um, bin_edges=edges))
    local_frames = []
    for name, lps in local_acc.items():
        crack = np.sum([lp.crack_area_um2 for lp in lps], axis=0)
        solid = np.sum([lp.solid_area_um2 for lp in lps], axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            rho = crack / (crack + solid)
        over = float(np.mean([lp.overflow_share for lp in lps]))
        local_frames.append(pd.DataFrame({"estimator": name, "bin_lo": edges[:-1], "bin_hi": edges[1:],
                                          "bin_mid": 0.5 * (edges[:-1] + edges[1:]), "crack_area_um2": crack,
                                          "solid_area_um2": solid, "rho_local": rho, "overflow_share": over}))
    bias_frames = []
    for name, acc in bias_acc.items():
        with np.errstate(invalid="ignore", divide="ignore"):
            me, mt = acc[1] / acc[0], acc[2] / acc[0]
        bias_frames.append(pd.DataFrame({"estimator": name, "bin_lo": edges[:-1], "bin_hi": edges[1:],
                                         "n": acc[0].astype(int), "mean_estimate": me, "mean_true": mt,
                                         "rel_bias": me / mt - 1.0}))
    return SectionAnalysis(pd.DataFrame(rows), pd.concat(crack_frames, ignore_index=True),
                           pd.concat(part_frames, ignore_index=True),
                           pd.concat(local_frames, ignore_index=True) if local_frames else pd.DataFrame(),
                           pd.concat(bias_frames, ignore_index=True) if bias_frames else pd.DataFrame(), pixel_um)


def condition_table(analyses: dict):
    """Table 1 analogue: ρ and λ per condition, mean ± SD over images and pooled.

    Parameters
    ----------
    analyses : dict of label -> SectionAnalysis

    Returns
    -------
    pandas.DataFrame
        ``condition``, ``n_images``, ``rho_mean``, ``rho_sd``, ``rho_pooled``, ``rho_pooled_se``
        (jackknife over images), ``lambda_mean``,
        ``lambda_sd``, ``lambda_pooled`` (µm⁻²), ``n_cracks``, ``area_um2``. SDs use ``ddof=1``
        (the paper does not say how its SDs were computed).
    """
    import pandas as pd

    rows = []
    for label, a in analyses.items():
        if not isinstance(a, SectionAnalysis):
            raise TypeError(f"`analyses[{label!r}]` must be a SectionAnalysis")
        im = a.images
        rows.append({"condition": label, "n_images": len(im), "rho_mean": im.rho.mean(),
                     "rho_sd": im.rho.std(ddof=1) if len(im) > 1 else np.nan, "rho_pooled": a.rho,
                     "rho_pooled_se": a.rho_se,
                     "lambda_mean": im.lambda_per_um2.mean(),
                     "lambda_sd": im.lambda_per_um2.std(ddof=1) if len(im) > 1 else np.nan,
                     "lambda_pooled": a.lambda_per_um2, "n_cracks": int(im.n_cracks.sum()),
                     "area_um2": a.area_um2})
    return pd.DataFrame(rows)


def simulate_sphere_sections(f_r, *, n_sections: int, points_per_section: int = 50, population: bool = True,
                             seed=None):
    """Point samples of planar sections of spheres with known truth (validation of Eq. 30).

    Sphere radii come from ``f_r``; with ``population`` the sphere hit by the plane is size-biased
    (probability ∝ R, a plane through a sphere population), otherwise each sphere is drawn from
    ``f_r`` and then cut (the model behind the paper's estimator). The cut height is uniform in
    ``(-R, R)``; points are uniform in the section disc.

    Parameters
    ----------
    f_r : LogNormal
        Number-weighted radius distribution (``sample`` method).
    n_sections : int
    points_per_section : int
    population : bool
    seed : int, Generator or None

    Returns
    -------
    pandas.DataFrame
        One row per point: ``section``, ``radius_um``, ``r_tilde_um``, ``d_b_um``,
        ``rel_distance`` (true ``√(h² + d_b²)/R``).
    """
    import pandas as pd

    n = check_int(n_sections, "n_sections", min_value=1)
    m = check_int(points_per_section, "points_per_section", min_value=1)
    rng = as_rng(seed)
    radii = np.empty(0)
    while radii.size < n:
        r = f_r.sample(2 * n, seed=rng)
        if population:
            r = r[rng.random(r.size) < r / r.max()]
        radii = np.concatenate([radii, r])
    radii = radii[:n]
    h = rng.uniform(-1.0, 1.0, n) * radii
    rt = np.sqrt(radii**2 - h**2)
    db = rt[:, None] * np.sqrt(rng.random((n, m)))
    true = np.sqrt(h[:, None] ** 2 + db**2) / radii[:, None]
    return pd.DataFrame({"section": np.repeat(np.arange(n), m), "radius_um": np.repeat(radii, m),
                         "r_tilde_um": np.repeat(rt, m), "d_b_um": db.ravel(), "rel_distance": true.ravel()})


def centre_distance_bias(points, table: CentreDistanceTable, *, bin_edges=None):
    """Mean estimate vs mean truth per bin of the estimate (exactly equal for an unbiased
    conditional expectation, by the tower property).

    Parameters
    ----------
    points : pandas.DataFrame
        ``r_tilde_um``, ``d_b_um``, ``rel_distance`` (from :func:`simulate_sphere_sections`).
    table : CentreDistanceTable
    bin_edges : (K+1,) array_like, optional
        Default ten bins on [0, 1] (estimates above 1 go to the last bin).

    Returns
    -------
    pandas.DataFrame
        ``bin_lo``, ``bin_hi``, ``n``, ``mean_estimate``, ``mean_true``, ``rel_bias``.
    """
    import pandas as pd

    edges = DEFAULT_BIN_EDGES if bin_edges is None else np.asarray(bin_edges, float)
    est = table(points.r_tilde_um.to_numpy(), points.d_b_um.to_numpy())
    tru = points.rel_distance.to_numpy()
    k = edges.size - 1
    b = np.clip(np.searchsorted(edges, est, side="right") - 1, 0, k - 1)
    n = np.bincount(b, minlength=k)[:k]
    with np.errstate(invalid="ignore", divide="ignore"):
        me = np.bincount(b, weights=est, minlength=k)[:k] / n
        mt = np.bincount(b, weights=tru, minlength=k)[:k] / n
    return pd.DataFrame({"bin_lo": edges[:-1], "bin_hi": edges[1:], "n": n, "mean_estimate": me,
                         "mean_true": mt, "rel_bias": me / mt - 1.0})


def pool_distance_bias(frames):
    """Pool per-bin centre-distance bias tables (e.g. ``SectionAnalysis.distance_bias`` of several
    conditions) by estimator and bin, weighting each by its pixel count.

    Parameters
    ----------
    frames : sequence of pandas.DataFrame
        ``estimator``, ``bin_lo``, ``bin_hi``, ``n``, ``mean_estimate``, ``mean_true``.

    Returns
    -------
    pandas.DataFrame
        Same columns plus ``rel_bias``, one row per estimator and bin.
    """
    import pandas as pd

    f = pd.concat(list(frames), ignore_index=True)
    f = f.assign(sum_est=f.mean_estimate.fillna(0) * f.n, sum_true=f.mean_true.fillna(0) * f.n)
    g = f.groupby(["estimator", "bin_lo", "bin_hi"], as_index=False)[["n", "sum_est", "sum_true"]].sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        g["mean_estimate"] = g.sum_est / g.n
        g["mean_true"] = g.sum_true / g.n
    g["rel_bias"] = g.mean_estimate / g.mean_true - 1.0
    return g.drop(columns=["sum_est", "sum_true"])
