"""Virtual NMC811 electrodes: dry-processed (compact) and directional-ice-templated (DIT).

Both generators place polydisperse NMC secondary particles (spheroids) by a dense random packing,
remove a random subset until the porosity target is met, and fill necks and films next to the
particles with carbon-binder domain (CBD). The truth is kept at a fine voxel (default 0.37 µm, half
the paper's HR voxel) so that HR and LR scans can be rendered from it with partial-volume effects.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from .._validate import as_rng, check_fraction, check_positive, check_shape3
from ..io import Provenance
from ..phases import CBD, CRACK, NMC, PORE
from ._geometry import ParticleSet, lognormal_diameters, pack_particles, rasterize

__all__ = [
    "Electrode",
    "dry_electrode",
    "dit_electrode",
    "cbd_fraction_from_composition",
    "coarsen_solid",
    "HR_VOXEL_UM",
    "LR_VOXEL_UM",
    "TRUTH_VOXEL_UM",
]

log = logging.getLogger(__name__)

HR_VOXEL_UM = 0.74
"""High-resolution voxel of paper 000's scans, µm."""
LR_VOXEL_UM = 2.3
"""Low-resolution voxel of paper 000's scans, µm."""
TRUTH_VOXEL_UM = 0.37
"""Default voxel of the synthetic truth (HR / 2), µm."""

# Densities in g/cm³ used to turn the paper's weight ratios into CBD volume (documented choices).
_DENSITY = {"nmc811": 4.75, "carbon_black": 1.8, "ptfe": 2.2, "sbr": 0.94, "cmc": 1.6}
COMPOSITIONS = {
    # paper 000, Experimental: NMC811 : carbon black : PTFE = 94 : 2 : 4 (dry)
    "dry": {"nmc811": 94.0, "carbon_black": 2.0, "ptfe": 4.0},
    # NMC811 : Super P C65 : SBR : CMC = 90 : 5 : 3 : 2 (DIT)
    "dit": {"nmc811": 90.0, "carbon_black": 5.0, "sbr": 3.0, "cmc": 2.0},
}


def cbd_fraction_from_composition(kind: str, nmc_fraction: float, *, cbd_porosity: float = 0.3) -> float:
    """Apparent CBD volume fraction implied by the electrode recipe.

    ``V_cbd / V_nmc`` follows from paper 000's weight ratios and the densities in ``_DENSITY``; the
    CBD is itself nano-porous (``cbd_porosity``), which inflates its apparent volume.

    Parameters
    ----------
    kind : {'dry', 'dit'}
    nmc_fraction : float
        NMC volume fraction of the electrode, in [0, 1].
    cbd_porosity : float
        Internal porosity of the carbon-binder domain, in [0, 0.9].

    Returns
    -------
    float
        CBD volume fraction of the whole electrode.
    """
    if kind not in COMPOSITIONS:
        raise ValueError(f"`kind` must be one of {set(COMPOSITIONS)}, got {kind!r}")
    nmc_fraction = check_fraction(nmc_fraction, "nmc_fraction")
    cbd_porosity = check_fraction(cbd_porosity, "cbd_porosity", high=0.9)
    comp = COMPOSITIONS[kind]
    v_nmc = comp["nmc811"] / _DENSITY["nmc811"]
    v_cbd = sum(w / _DENSITY[k] for k, w in comp.items() if k != "nmc811")
    return float(nmc_fraction * v_cbd / v_nmc / (1.0 - cbd_porosity))


@dataclass(frozen=True)
class Electrode:
    """A virtual electrode with its 3-D truth.

    Attributes
    ----------
    labels : (Z, Y, X) ndarray of uint8
        Phase labels: ``PORE``, ``CBD``, ``NMC``, ``CRACK`` (:mod:`xctkit.phases`).
    particle_ids : (Z, Y, X) ndarray of int32
        Id of the NMC particle owning each NMC voxel (0 elsewhere); ids index ``particles``
        (id ``i`` is ``particles[i - 1]``).
    voxel_um : float
        Voxel edge length, µm.
    particles : ParticleSet
        The continuous geometry (only the particles kept in the electrode).
    kind : {'dry', 'dit'}
    state : {'pristine', 'cycled'}
    name : str
    provenance : Provenance
    params : dict
        The generator's effective parameters (after calibration), enough to regenerate it.
    """

    labels: np.ndarray
    particle_ids: np.ndarray
    voxel_um: float
    particles: ParticleSet
    kind: str
    state: str
    name: str
    provenance: Provenance
    params: dict = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.labels.shape)

    @property
    def extent_um(self) -> tuple[float, float, float]:
        return tuple(n * self.voxel_um for n in self.labels.shape)

    @property
    def porosity(self) -> float:
        """Non-NMC volume fraction at the truth voxel (pore + CBD + cracks)."""
        return float(1.0 - (self.labels == NMC).mean())

    def fractions(self) -> dict[str, float]:
        """Volume fraction of each phase at the truth voxel."""
        n = self.labels.size
        counts = np.bincount(self.labels.ravel(), minlength=4)
        return {"pore": counts[PORE] / n, "cbd": counts[CBD] / n, "nmc": counts[NMC] / n,
                "crack": counts[CRACK] / n}

    def solid_at(self, voxel_um: float = HR_VOXEL_UM) -> np.ndarray:
        """NMC mask coarse-grained to ``voxel_um``: what a perfect segmentation at that voxel sees."""
        return coarsen_solid(self.labels == NMC, self.voxel_um, voxel_um)


def coarsen_solid(solid: np.ndarray, voxel_um: float, target_um: float) -> np.ndarray:
    """Coarse-grain a fine boolean mask to a coarser voxel by local mean > 0.5.

    Integer factors use block means (``skimage.measure.block_reduce``); other factors resample the
    occupancy with anti-aliasing (``skimage.transform.resize``).

    Parameters
    ----------
    solid : (Z, Y, X) ndarray of bool
    voxel_um, target_um : float
        Voxel of ``solid`` and of the result, µm; ``target_um >= voxel_um``.

    Returns
    -------
    (Z', Y', X') ndarray of bool
    """
    voxel_um = check_positive(voxel_um, "voxel_um")
    target_um = check_positive(target_um, "target_um")
    if target_um < voxel_um * (1 - 1e-9):
        raise ValueError(f"`target_um` ({target_um}) must not be finer than `voxel_um` ({voxel_um})")
    factor = target_um / voxel_um
    occ = solid.astype(np.float32)
    if abs(factor - round(factor)) < 1e-6:
        f = int(round(factor))
        if f == 1:
            return solid.astype(bool).copy()
        from skimage.measure import block_reduce

        crop = tuple(slice(0, (n // f) * f) for n in occ.shape)
        return block_reduce(occ[crop], (f, f, f), np.mean) > 0.5
    from skimage.transform import resize

    out_shape = tuple(max(1, int(round(n / factor))) for n in occ.shape)
    return resize(occ, out_shape, order=1, anti_aliasing=True, preserve_range=True) > 0.5


def _edt(mask: np.ndarray) -> np.ndarray:
    """Euclidean distance (voxels) from each True voxel to the nearest False voxel."""
    import edt

    return edt.edt(np.ascontiguousarray(mask), parallel=2).astype(np.float32)


def place_cbd(nmc: np.ndarray, target_fraction: float, *, neck_radius_vox: float = 2.5) -> np.ndarray:
    """Carbon-binder domain as bridges at particle necks, then films on particle surfaces.

    Pore voxels inside the morphological closing of the NMC (necks between nearby particles) are
    filled first, nearest to the NMC first; the remainder of ``target_fraction`` goes to films,
    again nearest first.

    Parameters
    ----------
    nmc : (Z, Y, X) ndarray of bool
    target_fraction : float
        CBD volume fraction of the whole volume.
    neck_radius_vox : float
        Radius of the closing ball, voxels.

    Returns
    -------
    (Z, Y, X) ndarray of bool
    """
    pore = ~nmc
    n_target = int(round(check_fraction(target_fraction, "target_fraction") * nmc.size))
    n_target = min(n_target, int(pore.sum()))
    if n_target <= 0:
        return np.zeros_like(nmc)
    d_to_nmc = _edt(pore)  # distance of pore voxels to the nearest NMC voxel
    dilated = d_to_nmc <= neck_radius_vox
    closed = _edt(dilated) > neck_radius_vox  # erosion of the dilation = closing
    neck = closed & pore
    score = d_to_nmc + np.where(neck, 0.0, 1e3).astype(np.float32)
    score[nmc] = np.inf
    flat = score.ravel()
    idx = np.argpartition(flat, n_target - 1)[:n_target]
    out = np.zeros(nmc.size, dtype=bool)
    out[idx] = True
    return out.reshape(nmc.shape)


def _draw_diameters(volume_um3: float, nominal_fraction: float, d_mode_um: float, d_sigma: float,
                    rng) -> np.ndarray:
    d = lognormal_diameters(64, d_mode_um=d_mode_um, sigma=d_sigma, seed=rng,
                            d_min_um=0.4 * d_mode_um, d_max_um=4.0 * d_mode_um)
    mean_vol = np.mean(np.pi / 6 * d**3)
    n = int(nominal_fraction * volume_um3 / mean_vol * 1.3) + 16
    d = lognormal_diameters(n, d_mode_um=d_mode_um, sigma=d_sigma, seed=rng,
                            d_min_um=0.4 * d_mode_um, d_max_um=4.0 * d_mode_um)
    cum = np.cumsum(np.pi / 6 * d**3)
    return d[: int(np.searchsorted(cum, nominal_fraction * volume_um3)) + 1]


def _keep_for_porosity(particles: ParticleSet, shape, voxel_um: float, porosity: float,
                       measure_voxel_um: float) -> tuple[ParticleSet, float]:
    """Keep the first k particles (random order) so that the measured porosity hits the target.

    Returns the kept particles and the porosity measured on the ``measure_voxel_um`` grid.
    """
    first = rasterize(particles, voxel_um=voxel_um, shape=shape, first_wins=True)

    def measured(k: int) -> float:
        solid = (first > 0) & (first <= k)
        return float(1.0 - coarsen_solid(solid, voxel_um, measure_voxel_um).mean())

    lo, hi = 0, len(particles)
    if measured(hi) > porosity:
        raise ValueError(
            f"`porosity`={porosity:.3f} is below what the packing reaches "
            f"({measured(hi):.3f}); lower `packing_fraction` is not possible, raise `overlap`"
        )
    while hi - lo > 1:  # measured porosity decreases with k
        mid = (lo + hi) // 2
        if measured(mid) > porosity:
            lo = mid
        else:
            hi = mid
    k = hi if abs(measured(hi) - porosity) <= abs(measured(lo) - porosity) else lo
    kept = ParticleSet(particles.centres_um[:k], particles.semi_axes_um[:k], particles.extent_um)
    return kept, measured(k)


def _assemble(particles: ParticleSet, shape, voxel_um: float, cbd_fraction: float):
    ids = rasterize(particles, voxel_um=voxel_um, shape=shape)
    nmc = ids > 0
    labels = np.full(shape, PORE, dtype=np.uint8)
    labels[place_cbd(nmc, cbd_fraction)] = CBD
    labels[nmc] = NMC
    return labels, ids


def dry_electrode(shape=(96, 128, 128), *, voxel_um: float = TRUTH_VOXEL_UM, porosity: float = 0.49,
                  aspect: float = 0.72, d_mode_um: float = 3.5, d_sigma: float = 0.25,
                  overlap: float = 0.1, packing_fraction: float = 0.65, cbd_fraction: float | None = None,
                  measure_voxel_um: float = HR_VOXEL_UM, name: str = "dry", seed=0) -> Electrode:
    """A dry-processed (PTFE, solvent-free) NMC811 cathode: a compact, pressed random packing.

    Particles are packed densely as oblate spheroids aligned in the electrode plane (``aspect`` <
    1 mimics the pressing; it sets the through-thickness tortuosity), then a random subset is
    removed until ``porosity`` is reached on the ``measure_voxel_um`` grid.

    Parameters
    ----------
    shape : (3,) tuple of int
        ``(Z, Y, X)`` voxels at ``voxel_um``; z is through-thickness.
    voxel_um : float
        Truth voxel edge, µm (default 0.37 = HR / 2).
    porosity : float
        Target non-NMC volume fraction (pore + CBD + cracks, as segmented from XCT in paper 000),
        measured on the ``measure_voxel_um`` grid. Table 2: 0.49 / 0.46 / 0.51.
    aspect : float
        Particle ``a_z / a_xy``; lower gives a higher through-thickness tortuosity. Use
        :func:`xctkit.synth.calibrate` or a preset to choose it for a tortuosity target.
    d_mode_um : float
        Mode of the number-weighted equivalent-diameter distribution, µm.
    d_sigma : float
        Log-normal shape of the diameters.
    overlap : float
        Allowed interpenetration at contacts (pressed particles), fraction of the radii sum.
    packing_fraction : float
        Nominal particle volume fraction of the initial dense packing before particles are removed.
    cbd_fraction : float, optional
        CBD volume fraction; default from the dry recipe (94:2:4 by weight).
    measure_voxel_um : float
        Voxel on which porosity is measured (paper 000's HR voxel, 0.74 µm).
    name : str
        Sample name stored with the result.
    seed : int or Generator

    Returns
    -------
    Electrode

    Raises
    ------
    ValueError
        For out-of-range arguments or a porosity the packing cannot reach.
    """
    return _generate("dry", shape, voxel_um=voxel_um, porosity=porosity, aspect=aspect,
                     d_mode_um=d_mode_um, d_sigma=d_sigma, overlap=overlap,
                     packing_fraction=packing_fraction, cbd_fraction=cbd_fraction,
                     measure_voxel_um=measure_voxel_um, name=name, seed=seed)


def dit_electrode(shape=(96, 160, 160), *, voxel_um: float = TRUTH_VOXEL_UM, porosity: float = 0.85,
                  wall_spacing_um: float = 30.0, wall_fraction: float = 0.25,
                  waviness_um: float = 6.0, wave_period_um: float = 40.0, bridge_fraction: float = 0.1,
                  bridge_radius_um: float = 10.0, d_mode_um: float = 3.5,
                  d_sigma: float = 0.25, overlap: float = 0.2, packing_fraction: float = 0.85,
                  cbd_fraction: float | None = None, measure_voxel_um: float = HR_VOXEL_UM,
                  name: str = "dit", seed=0) -> Electrode:
    """A directional-ice-templated (DIT) NMC811 cathode: wavy vertical lamellae of packed particles.

    Ice crystals growing along z (through-thickness) push the particles into lamellar walls normal
    to x; sublimating the ice leaves vertical pore channels between them. The walls meander with
    amplitude ``waviness_um`` along z (this sets the tortuosity factor) and along y.

    Parameters
    ----------
    shape : (3,) tuple of int
        ``(Z, Y, X)`` voxels at ``voxel_um``.
    voxel_um : float
        Truth voxel edge, µm.
    porosity : float
        Target non-NMC fraction measured on the ``measure_voxel_um`` grid (Table 2: 0.85).
    wall_spacing_um : float
        Centre-to-centre lamella spacing, µm (adjusted so that a whole number fits in X).
    wall_fraction : float
        Wall thickness / spacing.
    waviness_um : float
        Amplitude of the walls' meander along z and y, µm.
    wave_period_um : float
        Wavelength of the meander, µm.
    bridge_fraction : float
        Share of particles in flat bridges (discs normal to z, one particle thick) spanning the
        channels between lamellae; bridges block straight paths and set the tortuosity factor.
    bridge_radius_um : float
        Radius of each bridge disc, µm.
    d_mode_um, d_sigma, overlap, packing_fraction, cbd_fraction, measure_voxel_um, name, seed
        As in :func:`dry_electrode` (packing fraction is relative to the wall volume; the default
        CBD follows the DIT recipe 90:5:3:2).

    Returns
    -------
    Electrode
    """
    return _generate("dit", shape, voxel_um=voxel_um, porosity=porosity, aspect=1.0,
                     d_mode_um=d_mode_um, d_sigma=d_sigma, overlap=overlap,
                     packing_fraction=packing_fraction, cbd_fraction=cbd_fraction,
                     measure_voxel_um=measure_voxel_um, name=name, seed=seed,
                     wall_spacing_um=wall_spacing_um, wall_fraction=wall_fraction,
                     waviness_um=waviness_um, wave_period_um=wave_period_um,
                     bridge_fraction=bridge_fraction, bridge_radius_um=bridge_radius_um)


def wall_meander(zyx_um: np.ndarray, extent_um, amplitude_um: float, period_um: float,
                 phase: tuple[float, float]) -> np.ndarray:
    """x-offset (µm) of the DIT wall mid-surfaces at points ``(z, y, x)``: meanders along z and y."""
    period_y = extent_um[1] / max(1, int(round(extent_um[1] / period_um)))  # tiles the periodic y
    return (amplitude_um * np.sin(2 * np.pi * zyx_um[:, 0] / period_um + phase[0])
            + 0.5 * amplitude_um * np.sin(2 * np.pi * zyx_um[:, 1] / period_y + phase[1]))


def _wall_projector(extent_um, spacing_um: float, wall_fraction: float, amplitude_um: float,
                    period_um: float, phase: tuple[float, float], bridges=None):
    """Projection of particle centres into wavy lamellar walls normal to x (periodic in y, x).

    ``bridges`` is ``(member, centres, radius_um, thickness_um)``: particles flagged in ``member``
    are projected instead into flat discs (normal to z) spanning the channels — the dendritic
    bridges between ice-templated lamellae.
    """
    ext = np.asarray(extent_um, dtype=float)
    n_walls = max(1, int(round(ext[2] / spacing_um)))
    lam = ext[2] / n_walls
    half = 0.5 * wall_fraction * lam

    def project(zyx):
        out = np.array(zyx, dtype=float)
        s = out[:, 2] - wall_meander(out, ext, amplitude_um, period_um, phase) - 0.5 * lam
        u = (s + 0.5 * lam) % lam - 0.5 * lam  # offset from the nearest wall mid-plane
        out[:, 2] -= u - np.clip(u, -half, half)
        if bridges is not None:
            member, centres, radius, thick = bridges
            which = member[member >= 0]
            idx = np.flatnonzero(member >= 0)
            b = centres[which]
            p = np.array(zyx, dtype=float)[idx]
            p[:, 0] = np.clip(p[:, 0], b[:, 0] - 0.5 * thick, b[:, 0] + 0.5 * thick)
            d = p[:, 1:] - b[:, 1:]
            d -= ext[1:] * np.round(d / ext[1:])
            r = np.linalg.norm(d, axis=1)
            scale = np.where(r > radius, radius / np.maximum(r, 1e-9), 1.0)
            p[:, 1:] = (b[:, 1:] + d * scale[:, None]) % ext[1:]
            out[idx] = p
        return out

    return project, lam


def _generate(kind, shape, *, voxel_um, porosity, aspect, d_mode_um, d_sigma, overlap,
              packing_fraction, cbd_fraction, measure_voxel_um, name, seed, **dit) -> Electrode:
    shape = check_shape3(shape, "shape", min_size=8)
    voxel_um = check_positive(voxel_um, "voxel_um")
    porosity = check_fraction(porosity, "porosity", low=0.0, high=1.0, inclusive=False)
    check_positive(d_mode_um, "d_mode_um")
    check_positive(d_sigma, "d_sigma")
    packing_fraction = check_fraction(packing_fraction, "packing_fraction", low=0.05, high=1.5)
    measure_voxel_um = check_positive(measure_voxel_um, "measure_voxel_um")
    if cbd_fraction is not None:
        check_fraction(cbd_fraction, "cbd_fraction")
    if not isinstance(seed, (int, np.integer, np.random.Generator)) or isinstance(seed, bool):
        raise TypeError(f"`seed` must be an int or a numpy Generator, got {type(seed).__name__}")
    seed_value = seed if isinstance(seed, (int, np.integer)) else None
    rng = as_rng(seed)
    extent = np.array(shape) * voxel_um

    region, box_fraction = None, 1.0
    if kind == "dit":
        check_positive(dit["wall_spacing_um"], "wall_spacing_um")
        check_fraction(dit["wall_fraction"], "wall_fraction", low=0.05, high=0.95)
        check_fraction(dit["waviness_um"], "waviness_um", low=0.0, high=1e3)
        check_positive(dit["wave_period_um"], "wave_period_um")
        check_fraction(dit["bridge_fraction"], "bridge_fraction", high=0.9)
        check_positive(dit["bridge_radius_um"], "bridge_radius_um")
        phase = tuple(float(v) for v in rng.uniform(0, 2 * np.pi, size=2))
        dit["wave_phase"] = list(phase)
        box_fraction = dit["wall_fraction"]

    d = _draw_diameters(float(np.prod(extent)) * box_fraction, packing_fraction, d_mode_um, d_sigma, rng)
    if kind == "dit":
        bridges = None
        if dit["bridge_fraction"] > 0:
            # bridge discs one mean particle thick; enough of them to hold their share of particles
            thick = float(np.mean(d))
            disc_vol = np.pi * dit["bridge_radius_um"] ** 2 * thick * packing_fraction
            n_b = max(1, int(round(dit["bridge_fraction"] * np.sum(np.pi / 6 * d**3) / disc_vol)))
            centres = rng.random((n_b, 3)) * extent
            order_r = np.argsort(-d)  # pack_particles sorts by size: flag in that order
            member = np.full(d.size, -1)
            flagged = rng.random(d.size) < dit["bridge_fraction"]
            member[flagged] = rng.integers(0, n_b, size=int(flagged.sum()))
            member = member[order_r]
            bridges = (member, centres, dit["bridge_radius_um"], thick)
        region, _ = _wall_projector(extent, dit["wall_spacing_um"], dit["wall_fraction"],
                                    dit["waviness_um"], dit["wave_period_um"], phase, bridges)
    packed = pack_particles(extent, d, aspect=aspect, overlap=overlap, region=region, seed=rng)
    order = rng.permutation(len(packed))  # random removal order
    packed = ParticleSet(packed.centres_um[order], packed.semi_axes_um[order], packed.extent_um)
    kept, measured = _keep_for_porosity(packed, shape, voxel_um, porosity, measure_voxel_um)
    nmc_frac = 1.0 - porosity
    if cbd_fraction is None:
        cbd_fraction = min(cbd_fraction_from_composition(kind, nmc_frac), 0.9 * porosity)
    labels, ids = _assemble(kept, shape, voxel_um, cbd_fraction)

    params = {"shape": list(shape), "voxel_um": voxel_um, "porosity": porosity, "aspect": aspect,
              "d_mode_um": d_mode_um, "d_sigma": d_sigma, "overlap": overlap,
              "packing_fraction": packing_fraction, "cbd_fraction": float(cbd_fraction),
              "measure_voxel_um": measure_voxel_um, "name": name, **dit}
    if kind == "dit":
        params.pop("aspect")
    prov = Provenance.make(f"xctkit.synth.{kind}_electrode", params, seed=seed_value, voxel_um=voxel_um)
    log.info("%s: %d particles, porosity %.3f on the %.2f µm grid", name, len(kept), measured,
             measure_voxel_um)
    return Electrode(labels, ids, voxel_um, kept, kind, "pristine", name, prov, params)
