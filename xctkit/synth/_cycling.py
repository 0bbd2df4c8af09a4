"""Ageing a virtual electrode over 100 cycles: particle growth, intra- and inter-particle cracks."""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
from scipy import ndimage

from .._validate import as_rng, check_fraction, check_int, check_nonnegative, check_positive
from ..io import Provenance
from ..phases import CBD, CRACK, NMC, PORE
from ._electrodes import Electrode, coarsen_solid, place_cbd, wall_meander
from ._geometry import ParticleSet, rasterize

__all__ = ["cycle"]

log = logging.getLogger(__name__)


def _crack_planes(n_particles: int, fraction: float, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which particles crack, with a unit normal and an offset (in radii) for each crack plane."""
    cracked = np.flatnonzero(rng.random(n_particles) < fraction)
    normals = rng.normal(size=(cracked.size, 3))
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    offsets = rng.uniform(-0.3, 0.3, size=cracked.size)
    return cracked, normals, offsets


def _intra_cracks(ids: np.ndarray, q: np.ndarray, particles: ParticleSet, voxel_um: float,
                  planes, width_um: float, q_max: float = 0.9) -> np.ndarray:
    """Thin planar voids inside the chosen particles (they stay inside ``q < q_max``)."""
    cracked, normals, offsets = planes
    crack = np.zeros(ids.shape, dtype=bool)
    shape = np.array(ids.shape)
    for pid, n, off in zip(cracked, normals, offsets, strict=True):
        c = particles.centres_um[pid]
        a = particles.semi_axes_um[pid]
        lo = np.maximum(np.floor((c - a) / voxel_um).astype(int), 0)
        hi = np.minimum(np.ceil((c + a) / voxel_um).astype(int) + 1, shape)
        if np.any(hi <= lo):
            continue  # only the periodic ghost is inside; skip (rare, harmless)
        sl = tuple(slice(a0, b0) for a0, b0 in zip(lo, hi, strict=True))
        own = (ids[sl] == pid + 1) & (q[sl] < q_max)
        if not own.any():
            continue
        grids = [(np.arange(a0, b0) + 0.5) * voxel_um - c[k] for k, (a0, b0) in enumerate(zip(lo, hi, strict=True))]
        dist = (n[0] * grids[0][:, None, None] + n[1] * grids[1][None, :, None]
                + n[2] * grids[2][None, None, :]) - off * float(np.mean(a))
        crack[sl] |= own & (np.abs(dist) < 0.5 * width_um)
    return crack


def _inter_cracks(ids: np.ndarray, voxel_um: float, n_planes: int, band_um: float, radius_um: float,
                  rng) -> np.ndarray:
    """Fissures along particle-particle contacts near a few random planes (dry electrodes, Fig. 9b)."""
    crack = np.zeros(ids.shape, dtype=bool)
    if n_planes == 0:
        return crack
    nmc = ids > 0
    hi = ndimage.maximum_filter(ids, size=3)
    lo = ndimage.minimum_filter(np.where(nmc, ids, np.iinfo(np.int32).max), size=3)
    contact = nmc & (hi != lo) & (hi > 0)
    zz, yy, xx = (np.arange(n) * voxel_um for n in ids.shape)
    centre_box = np.array(ids.shape) * voxel_um
    for _ in range(n_planes):
        n = rng.normal(size=3)
        n /= np.linalg.norm(n)
        p = rng.random(3) * centre_box
        dist = (n[0] * (zz - p[0])[:, None, None] + n[1] * (yy - p[1])[None, :, None]
                + n[2] * (xx - p[2])[None, None, :])
        r2 = ((zz - p[0])[:, None, None] ** 2 + (yy - p[1])[None, :, None] ** 2
              + (xx - p[2])[None, None, :] ** 2) - dist**2  # squared distance within the plane
        crack |= contact & (np.abs(dist) < band_um) & (r2 < radius_um**2)
    return crack


def _search_growth(build, target: float):
    """Bisection on the growth factor for the target porosity; returns the closest trial."""
    best: list = [np.inf, None]  # |porosity - target|, built state: keep only the closest

    def trial(g: float) -> float:
        state = build(g)
        if abs(state[-1] - target) < best[0]:
            best[:] = [abs(state[-1] - target), (g, *state)]
        return state[-1]

    lo, hi = 1.0, 1.0
    phi_hi = trial(hi)
    while phi_hi > target:
        lo, hi = hi, hi * 1.15
        if hi > 3.0:
            raise ValueError(f"cycled porosity {target:.3f} not reachable by particle growth")
        phi_hi = trial(hi)
    for _ in range(14):
        mid = 0.5 * (lo + hi)
        phi = trial(mid)
        if phi > target:
            lo = mid
        else:
            hi = mid
        if abs(phi - target) < 0.002:
            break
    return best[1]


def cycle(electrode: Electrode, *, expansion: float | None = None, porosity: float | None = None,
          growth: float | None = None,
          anisotropy: float = 1.0, buckling_um: float = 0.0, crack_fraction: float = 0.15, crack_width_um: float = 0.37,
          inter_cracks: int | None = None, inter_crack_band_um: float = 0.75,
          inter_crack_radius_um: float = 12.0,
          measure_voxel_um: float | None = None, name: str | None = None, seed=0) -> Electrode:
    """Age an electrode by 100 (dis)charge cycles: grow particles, open cracks.

    Particles grow about their centres until the measured porosity reaches the target; a fraction
    of them open a thin planar crack inside (paper 000 Fig. S4); dry electrodes also open
    fissures along particle contacts (Fig. 9b). The carbon-binder volume is conserved and
    re-placed around the grown particles.

    Parameters
    ----------
    electrode : Electrode
        A pristine electrode from :func:`dry_electrode` or :func:`dit_electrode`.
    expansion : float, optional
        Drop in porosity, ``φ_pristine - φ_cycled`` — the quantity paper 000's Table 2 reports as
        "expansion" (0.07 for Dry coated 1). Give this or ``porosity``.
    porosity : float, optional
        Target cycled porosity (Table 2: 0.42 / 0.41 / 0.43 / 0.59).
    growth : float or (N,) array_like, optional
        Fixed linear growth factor of the particles' semi-axes (≥ 1; one value, or one per particle
        of ``electrode.particles``) instead of a porosity target: the porosity drop then *emerges* from the structure (particles pressed against
        neighbours overlap more and add less new solid), which is what the regression chapter's
        synthetic series uses. Give exactly one of ``expansion``, ``porosity`` and ``growth``.
    anisotropy : float
        Ratio of in-plane (y, x) to through-thickness (z) logarithmic growth of the semi-axes
        (a growth ``g`` scales ``a_z`` by ``g`` and ``a_y``, ``a_x`` by ``g**anisotropy``); > 1 bulges
        particles sideways into the pores and raises the through-thickness tortuosity.
    buckling_um : float
        DIT only: extra meander amplitude of the lamellar walls, µm. Expanding walls held between
        the current collector and the separator buckle; the channels between them get wavier and
        the through-thickness tortuosity rises.
    crack_fraction : float
        Fraction of particles with an intra-particle crack, in [0, 1].
    crack_width_um : float
        Crack aperture, µm (≥ one truth voxel to be resolved).
    inter_cracks : int, optional
        Number of inter-particle crack bands; default 2 for dry electrodes, 0 for DIT.
    inter_crack_band_um : float
        Half-width of each band around its plane, µm.
    inter_crack_radius_um : float
        Radius of the disc each inter-particle crack band is limited to, µm.
    measure_voxel_um : float, optional
        Grid on which porosity is measured; default the electrode's.
    name : str, optional
        Default ``"<pristine name>_cycled"``.
    seed : int or Generator

    Returns
    -------
    Electrode
        ``state='cycled'``, with ``particles`` grown and cracks labelled ``CRACK``.

    Raises
    ------
    ValueError
        If both or neither of ``expansion``/``porosity`` are given, or the target is not reachable
        by growth (cycled porosity must be below the pristine one).
    """
    if not isinstance(electrode, Electrode):
        raise TypeError(f"`electrode` must be an xctkit.synth.Electrode, got {type(electrode).__name__}")
    if electrode.state != "pristine":
        raise ValueError(f"`electrode` must be pristine, got state {electrode.state!r}")
    if sum(v is not None for v in (expansion, porosity, growth)) != 1:
        raise ValueError("give exactly one of `expansion` (porosity drop), `porosity` (cycled target) "
                         "or `growth` (fixed growth factor)")
    measure = electrode.params.get("measure_voxel_um", 0.74) if measure_voxel_um is None else measure_voxel_um
    measure = check_positive(measure, "measure_voxel_um")
    phi0 = float(1.0 - electrode.solid_at(measure).mean())
    if expansion is not None:
        expansion = check_fraction(expansion, "expansion", low=0.0, high=phi0, inclusive=False)
        target = phi0 - expansion
    elif porosity is not None:
        target = check_fraction(porosity, "porosity", low=0.0, high=phi0, inclusive=False)
    else:
        garr = np.asarray(growth, dtype=float)
        if garr.ndim not in (0, 1) or (garr.ndim == 1 and garr.size != len(electrode.particles)):
            raise ValueError(f"`growth` must be a number or one value per particle "
                             f"({len(electrode.particles)}), got shape {garr.shape}")
        if not np.all(np.isfinite(garr)) or np.any(garr < 1.0) or np.any(garr > 3.0):
            raise ValueError("`growth` must lie in [1, 3]")
        growth = float(garr) if garr.ndim == 0 else garr
        target = None
    anisotropy = check_positive(anisotropy, "anisotropy")
    buckling_um = check_nonnegative(buckling_um, "buckling_um")
    if buckling_um > 0 and electrode.kind != "dit":
        raise ValueError("`buckling_um` applies to DIT electrodes only (lamellar walls)")
    crack_fraction = check_fraction(crack_fraction, "crack_fraction")
    crack_width_um = check_positive(crack_width_um, "crack_width_um")
    if inter_cracks is None:
        inter_cracks = 2 if electrode.kind == "dry" else 0
    inter_cracks = check_int(inter_cracks, "inter_cracks", min_value=0)
    check_nonnegative(inter_crack_band_um, "inter_crack_band_um")
    check_nonnegative(inter_crack_radius_um, "inter_crack_radius_um")
    seed_value = seed if isinstance(seed, (int, np.integer)) else None
    rng = as_rng(seed)
    vox = electrode.voxel_um
    planes = _crack_planes(len(electrode.particles), crack_fraction, rng)
    inter_rng_state = rng.integers(0, 2**32)

    base = electrode.particles
    if buckling_um > 0:
        p = electrode.params
        shift = wall_meander(base.centres_um, base.extent_um, buckling_um, p["wave_period_um"],
                             tuple(p["wave_phase"]))
        centres = base.centres_um.copy()
        centres[:, 2] = (centres[:, 2] + shift) % base.extent_um[2]
        base = replace(base, centres_um=centres)

    def build(g: float):
        grown = base.scaled(g, g**anisotropy)
        ids, q = rasterize(grown, voxel_um=vox, shape=electrode.shape, return_distance=True)
        crack = _intra_cracks(ids, q, grown, vox, planes, crack_width_um)
        crack |= _inter_cracks(ids, vox, inter_cracks, inter_crack_band_um, inter_crack_radius_um,
                               np.random.default_rng(inter_rng_state))
        nmc = (ids > 0) & ~crack
        phi = float(1.0 - coarsen_solid(nmc, vox, measure).mean())
        return grown, ids, crack, nmc, phi

    if growth is not None:  # fixed growth: the porosity is an outcome
        g = growth
        grown, ids, crack, nmc, phi = build(g)
        target = phi
    else:
        g, grown, ids, crack, nmc, phi = _search_growth(build, target)

    labels = np.full(electrode.shape, PORE, dtype=np.uint8)
    cbd_frac = float(electrode.params.get("cbd_fraction", (electrode.labels == CBD).mean()))
    labels[place_cbd(nmc | crack, min(cbd_frac, 0.9 * float((~nmc).mean())))] = CBD
    labels[nmc] = NMC
    labels[crack] = CRACK
    ids = np.where(nmc, ids, 0).astype(np.int32)
    params = dict(electrode.params)
    g_record = g if np.ndim(g) == 0 else {"mean": float(np.mean(g)), "min": float(np.min(g)),
                                          "max": float(np.max(g))}
    params.update({"cycled_porosity": target, "growth": g_record, "anisotropy": anisotropy,
                   "buckling_um": buckling_um,
                   "crack_fraction": crack_fraction, "crack_width_um": crack_width_um,
                   "inter_cracks": inter_cracks, "inter_crack_band_um": inter_crack_band_um,
                   "inter_crack_radius_um": inter_crack_radius_um})
    name = name or f"{electrode.name}_cycled"
    prov = Provenance.make("xctkit.synth.cycle", {k: params[k] for k in (
        "cycled_porosity", "growth", "anisotropy", "buckling_um", "crack_fraction", "crack_width_um",
        "inter_cracks", "inter_crack_band_um", "inter_crack_radius_um")} | {"name": name},
        seed=seed_value, voxel_um=vox, parents=(electrode.provenance,))
    log.info("%s: growth %s, porosity %.3f (target %.3f)", name, g_record, phi, target)
    return replace(electrode, labels=labels, particle_ids=ids, particles=grown, state="cycled",
                   name=name, provenance=prov, params=params)
