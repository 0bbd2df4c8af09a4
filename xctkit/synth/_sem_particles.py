"""Cracked NMC secondary particles for SEM cross-sections (paper 003), with exact 3-D truth.

A secondary particle is a sphere (or, as a stress test for the sphere assumption of the
stereology, a smooth star-shaped body) filled with primary grains: the Voronoi cells of seeds
scattered uniformly in it. Grain-boundary facets (pairs of Delaunay-neighbour seeds) open as
cracks of a log-normal aperture with a probability that falls linearly from the particle centre
to its surface. Everything is implicit: the phase at any point ``p`` follows from its nearest
seeds (a point lies in the crack of facet ``(i, j)`` when ``i`` is its nearest seed, the facet is
open and ``p`` is within half the aperture of the bisector plane of ``i`` and ``j``), so planar
sections are evaluated at 14.3 nm directly and the 3-D volume is never voxelised.

Truth (:meth:`SEMSpecimen.truth`) is computed from the same implicit geometry by Monte Carlo,
independently of any section: crack volume fraction and radial crack profile from uniform points
in the particles, solid surface area from Crofton's formula (crossings of isotropic random lines).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from scipy.spatial import Delaunay, cKDTree

from .._validate import as_rng, check_choice, check_fraction, check_int, check_positive
from ..phases import CRACK, NMC, PORE

__all__ = [
    "SEM_HR_PIXEL_UM",
    "SEMCondition",
    "SEM_CONDITIONS",
    "CrackedParticle",
    "SEMSpecimen",
    "SEMSection",
    "SEMTruth",
    "sem_specimen",
    "PAPER003_RADIUS_NUMBER",
]

SEM_HR_PIXEL_UM = 0.0143
"""Paper 003's high-resolution SEM pixel, µm (14.3 nm)."""

PAPER003_RADIUS_NUMBER = (1.40021, 0.208)
"""``(mu, sigma)`` of the number-weighted log-normal radius (µm) implied by paper 003's fit
``mu = 1.53, sigma = 0.208`` to volume-weighted percentiles (``mu - 3 sigma²``, Eq. 33)."""


@dataclass(frozen=True)
class SEMCondition:
    """Crack model of one synthetic operating temperature.

    Attributes
    ----------
    name : str
    temperature_c : float
        The paper's cycling temperature this set stands for, °C.
    p_centre, p_surface : float
        Opening probability of a grain-boundary facet whose midpoint lies at the particle
        centre / on its surface; linear in between (relative distance ``t = |m - c| / R``).
    aperture_um : float
        Median crack aperture, µm.
    aperture_sigma : float
        Log-normal shape of the apertures.
    aperture_min_um : float
        Apertures are redrawn below this, µm (keeps every crack resolvable at 14.3 nm and
        detectable by the truth's line probes).
    grain_um : float
        Equivalent diameter of the mean primary grain, µm (seed density ``6 / (π grain³)``).
    """

    name: str
    temperature_c: float
    p_centre: float
    p_surface: float
    aperture_um: float
    aperture_sigma: float = 0.3
    aperture_min_um: float = 0.025
    grain_um: float = 1.6

    def __post_init__(self):
        for n in ("p_centre", "p_surface"):
            check_fraction(getattr(self, n), n)
        for n in ("aperture_um", "aperture_sigma", "aperture_min_um", "grain_um"):
            check_positive(getattr(self, n), n)

    def opening_probability(self, t) -> np.ndarray:
        """Opening probability at relative distance ``t`` (0 centre, 1 surface)."""
        t = np.clip(np.asarray(t, dtype=float), 0.0, 1.0)
        return self.p_centre + (self.p_surface - self.p_centre) * t


# Tuned on true sections (6-9 sections of 16 x 16 µm per set) so that the global porosity rises
# with temperature and the crack intensity rises except at 40 °C, as in paper 003 Table 1
# (rho 34-50 e-3, lambda 0.24-0.38 per µm²): 40 °C has smaller grains and thinner cracks, i.e.
# more but smaller cracks. The facet-opening probability falls from centre to surface, which
# gives the centre-heavy local porosity of paper 003 Fig. 9.
SEM_CONDITIONS: dict[int, SEMCondition] = {
    20: SEMCondition("20C", 20.0, p_centre=0.45, p_surface=0.18, aperture_um=0.066, grain_um=1.9),
    30: SEMCondition("30C", 30.0, p_centre=0.50, p_surface=0.20, aperture_um=0.062, grain_um=1.7),
    40: SEMCondition("40C", 40.0, p_centre=0.50, p_surface=0.20, aperture_um=0.052, grain_um=1.5),
    50: SEMCondition("50C", 50.0, p_centre=0.55, p_surface=0.22, aperture_um=0.064, grain_um=1.5),
}
"""One crack-model parameter set per synthetic operating temperature (°C)."""


@dataclass(frozen=True)
class CrackedParticle:
    """One secondary particle: shape, primary-grain seeds and open facets (all in µm).

    Attributes
    ----------
    centre_um : (3,) ndarray of float
        ``(z, y, x)``.
    radius_um : float
        Sphere radius; for a star-shaped particle the radius of the base sphere.
    seeds_um : (K, 3) ndarray of float
        Primary-grain seeds (absolute positions).
    open_keys : (M,) ndarray of int64
        Open facets as sorted keys ``i * K + j`` (``i < j``).
    apertures_um : (M,) ndarray of float
        Aperture of each open facet.
    bump_dirs : (J, 3) ndarray of float
        Unit vectors of the star-shape bumps (``J = 0`` for a sphere).
    bump_amps : (J,) ndarray of float
        Relative amplitudes of the bumps.
    """

    centre_um: np.ndarray
    radius_um: float
    seeds_um: np.ndarray
    open_keys: np.ndarray
    apertures_um: np.ndarray
    bump_dirs: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    bump_amps: np.ndarray = field(default_factory=lambda: np.zeros(0))

    _KAPPA = 4.0  # concentration of the star-shape bumps

    @property
    def is_sphere(self) -> bool:
        return self.bump_amps.size == 0

    def radius_at(self, directions) -> np.ndarray:
        """Surface radius (µm) along unit ``directions`` (N, 3)."""
        u = np.atleast_2d(directions)
        if self.is_sphere:
            return np.full(u.shape[0], self.radius_um)
        bumps = np.exp(self._KAPPA * (u @ self.bump_dirs.T - 1.0)) @ self.bump_amps
        return self.radius_um * (1.0 + bumps)

    @property
    def max_radius_um(self) -> float:
        return self.radius_um * (1.0 + float(np.sum(np.abs(self.bump_amps))))

    def volume_um3(self, n_dirs: int = 4000) -> float:
        """Volume, µm³ (exact for a sphere; quadrature over directions otherwise)."""
        if self.is_sphere:
            return 4.0 / 3.0 * np.pi * self.radius_um**3
        return float(4.0 / 3.0 * np.pi * np.mean(self.radius_at(_fibonacci(n_dirs)) ** 3))

    def relative_distance(self, points_um) -> np.ndarray:
        """``|p - c| / R(direction)``: 0 at the centre, 1 on the surface."""
        rel = np.atleast_2d(points_um) - self.centre_um
        dist = np.linalg.norm(rel, axis=1)
        u = rel / np.maximum(dist, 1e-12)[:, None]
        return dist / self.radius_at(u)

    def labels(self, points_um, *, tree: cKDTree | None = None):
        """Phase (``PORE``/``NMC``/``CRACK``) and grain index (-1 outside) at ``points_um`` (N, 3)."""
        p = np.atleast_2d(points_um)
        t = self.relative_distance(p)
        phase = np.full(p.shape[0], PORE, np.uint8)
        grain = np.full(p.shape[0], -1, np.int64)
        inside = np.flatnonzero(t < 1.0)
        if inside.size == 0:
            return phase, grain
        tree = tree or cKDTree(self.seeds_um)
        k = min(4, len(self.seeds_um))
        d, idx = tree.query(p[inside], k=k)
        d, idx = np.atleast_2d(d), np.atleast_2d(idx)
        i = idx[:, 0]
        crack = np.zeros(inside.size, bool)
        n = len(self.seeds_um)
        for c in range(1, k):
            j = idx[:, c]
            sep = np.linalg.norm(self.seeds_um[i] - self.seeds_um[j], axis=1)
            gap = (d[:, c] ** 2 - d[:, 0] ** 2) / (2.0 * np.maximum(sep, 1e-12))
            key = np.minimum(i, j) * n + np.maximum(i, j)
            pos = np.clip(np.searchsorted(self.open_keys, key), 0, max(self.open_keys.size - 1, 0))
            if self.open_keys.size == 0:
                continue
            is_open = self.open_keys[pos] == key
            crack |= is_open & (gap < 0.5 * self.apertures_um[pos])
        phase[inside] = np.where(crack, CRACK, NMC)
        grain[inside] = i
        return phase, grain


def _fibonacci(n: int) -> np.ndarray:
    k = np.arange(n) + 0.5
    z = 1.0 - 2.0 * k / n
    phi = np.pi * (1.0 + 5**0.5) * k
    s = np.sqrt(1.0 - z * z)
    return np.column_stack([z, s * np.sin(phi), s * np.cos(phi)])


def _random_directions(n: int, rng) -> np.ndarray:
    v = rng.normal(size=(n, 3))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _make_particle(centre, radius, condition: SEMCondition, rng, *, star_amplitude: float) -> CrackedParticle:
    if star_amplitude > 0:
        nb = 6
        dirs = _random_directions(nb, rng)
        amps = star_amplitude * rng.choice([-1.0, 1.0], size=nb) * rng.uniform(0.5, 1.0, size=nb)
    else:
        dirs, amps = np.zeros((0, 3)), np.zeros(0)
    part = CrackedParticle(np.asarray(centre, float), float(radius), np.zeros((0, 3)), np.zeros(0, np.int64),
                           np.zeros(0), dirs, amps)
    r_max = part.max_radius_um
    density = 6.0 / (np.pi * condition.grain_um**3)
    n_seed = max(int(rng.poisson(density * 4.0 / 3.0 * np.pi * r_max**3)), 5)
    u = _random_directions(n_seed, rng)
    seeds = part.centre_um + u * (r_max * np.cbrt(rng.random(n_seed)))[:, None]
    seeds = seeds[part.relative_distance(seeds) < 1.0]
    if len(seeds) < 5:  # a tiny particle: a few grains anyway
        seeds = part.centre_um + _random_directions(5, rng) * 0.5 * radius
    n = len(seeds)
    simp = Delaunay(seeds).simplices
    pairs = np.concatenate([simp[:, [a, b]] for a in range(4) for b in range(a + 1, 4)])
    pairs = np.unique(np.sort(pairs, axis=1), axis=0)
    mid = 0.5 * (seeds[pairs[:, 0]] + seeds[pairs[:, 1]])
    prob = condition.opening_probability(part.relative_distance(mid))
    is_open = rng.random(len(pairs)) < prob
    keys = pairs[is_open, 0].astype(np.int64) * n + pairs[is_open, 1]
    order = np.argsort(keys)
    ap = np.exp(np.log(condition.aperture_um) + condition.aperture_sigma * rng.normal(size=keys.size))
    while np.any(small := ap < condition.aperture_min_um):
        ap[small] = np.exp(np.log(condition.aperture_um) + condition.aperture_sigma * rng.normal(size=int(small.sum())))
    return replace(part, seeds_um=seeds, open_keys=keys[order], apertures_um=ap[order])


@dataclass(frozen=True)
class SEMSection:
    """A planar section ``z = z_um`` of a specimen, evaluated on a pixel grid.

    Attributes
    ----------
    phase : (Y, X) ndarray of uint8
        ``PORE`` (background), ``NMC`` (solid) or ``CRACK`` at each pixel centre.
    instance : (Y, X) ndarray of int32
        True particle section (1..n, one per particle and periodic copy), 0 in the background.
    grain : (Y, X) ndarray of int32
        Global primary-grain index (-1 in the background), for SEM channelling contrast.
    rel_distance : (Y, X) ndarray of float32
        True relative distance of the pixel to its particle's 3-D centre, ``|p - c| / R``
        (NaN in the background): the oracle for the stereological estimate.
    pixel_um : float
        Pixel edge, µm.
    z_um : float
        Height of the plane, µm.
    sections : pandas.DataFrame
        One row per instance: ``instance``, ``particle``, ``radius_um`` (true R),
        ``cut_height_um`` (distance of the plane from the centre), ``r_section_um`` (true
        section radius, NaN for star-shaped particles), ``n_pixels``, ``touches_border``.
    """

    phase: np.ndarray
    instance: np.ndarray
    grain: np.ndarray
    rel_distance: np.ndarray
    pixel_um: float
    z_um: float
    sections: object


@dataclass(frozen=True)
class SEMTruth:
    """3-D truth of a specimen, from its implicit geometry (Monte Carlo; standard errors given).

    Attributes
    ----------
    crack_fraction : float
        Crack volume / particle volume (target of ρ, Eq. 11).
    crack_fraction_se : float
    surface_density_per_um : float
        Solid surface area (outer surface and crack walls) / particle volume, 1/µm (target of
        the aggregated ``a``, Eq. 21).
    surface_density_se : float
    radial : pandas.DataFrame
        Crack volume fraction per shell of relative distance: ``bin_lo``, ``bin_hi``,
        ``rho_3d``, ``se``.
    radii_um : (N,) ndarray of float
        True (base-sphere) radii of all particles.
    n_points, n_lines : int
        Monte Carlo sizes.
    """

    crack_fraction: float
    crack_fraction_se: float
    surface_density_per_um: float
    surface_density_se: float
    radial: object
    radii_um: np.ndarray
    n_points: int
    n_lines: int

    def to_frame(self):
        """One row with the scalar truths."""
        import pandas as pd

        return pd.DataFrame([{"crack_fraction": self.crack_fraction, "crack_fraction_se": self.crack_fraction_se,
                              "surface_density_per_um": self.surface_density_per_um,
                              "surface_density_se": self.surface_density_se,
                              "n_particles": self.radii_um.size, "n_points": self.n_points,
                              "n_lines": self.n_lines}])


@dataclass(frozen=True)
class SEMSpecimen:
    """Cracked particles packed in a box (``y``, ``x`` periodic) for one condition.

    Attributes
    ----------
    particles : tuple of CrackedParticle
    extent_um : (3,) tuple of float
        Box ``(Z, Y, X)``, µm.
    condition : SEMCondition
    shape : {'sphere', 'star'}
    seed : int or None
    """

    particles: tuple
    extent_um: tuple
    condition: SEMCondition
    shape: str
    seed: int | None = None

    @property
    def radii_um(self) -> np.ndarray:
        return np.array([p.radius_um for p in self.particles])

    def section(self, z_um: float, *, pixel_um: float = SEM_HR_PIXEL_UM, shape_px=None,
                origin_um=(0.0, 0.0)) -> SEMSection:
        """Evaluate the plane ``z = z_um`` on a pixel grid (pixel centres).

        Parameters
        ----------
        z_um : float
            Height of the plane, µm.
        pixel_um : float
            Pixel edge, µm (paper: 0.0143).
        shape_px : (2,) tuple of int, optional
            Image ``(Y, X)``; default the whole periodic box.
        origin_um : (2,) sequence of float
            Position of the image corner in the box, µm.

        Returns
        -------
        SEMSection
        """
        import pandas as pd

        pixel_um = check_positive(pixel_um, "pixel_um")
        ext = np.asarray(self.extent_um, float)
        if shape_px is None:
            shape_px = tuple(int(np.floor(e / pixel_um)) for e in ext[1:])
        ny, nx = (check_int(v, "shape_px", min_value=1) for v in shape_px)
        y0, x0 = (float(v) for v in origin_um)
        phase = np.full((ny, nx), PORE, np.uint8)
        inst = np.zeros((ny, nx), np.int32)
        grain = np.full((ny, nx), -1, np.int32)
        rel = np.full((ny, nx), np.nan, np.float32)
        rows, offset, k = [], 0, 0
        for pid, part in enumerate(self.particles):
            rmax = part.max_radius_um
            h = z_um - part.centre_um[0]
            if abs(h) >= rmax:
                offset += len(part.seeds_um)
                continue
            rr = np.sqrt(rmax**2 - h**2)
            tree = None
            for dy in (-ext[1], 0.0, ext[1]):
                for dx in (-ext[2], 0.0, ext[2]):
                    cy, cx = part.centre_um[1] + dy, part.centre_um[2] + dx
                    iy0, iy1 = max(int((cy - rr - y0) / pixel_um), 0), min(int((cy + rr - y0) / pixel_um) + 2, ny)
                    ix0, ix1 = max(int((cx - rr - x0) / pixel_um), 0), min(int((cx + rr - x0) / pixel_um) + 2, nx)
                    if iy1 <= iy0 or ix1 <= ix0:
                        continue
                    yy = (np.arange(iy0, iy1) + 0.5) * pixel_um + y0 - dy
                    xx = (np.arange(ix0, ix1) + 0.5) * pixel_um + x0 - dx
                    gy, gx = np.meshgrid(yy, xx, indexing="ij")
                    pts = np.column_stack([np.full(gy.size, z_um), gy.ravel(), gx.ravel()])
                    t = part.relative_distance(pts)
                    if not np.any(t < 1.0):
                        continue
                    tree = tree or cKDTree(part.seeds_um)
                    ph, gr = part.labels(pts, tree=tree)
                    inside = (t < 1.0).reshape(gy.shape)
                    k += 1
                    win = (slice(iy0, iy1), slice(ix0, ix1))
                    phase[win][inside] = ph.reshape(gy.shape)[inside]
                    inst[win][inside] = k
                    grain[win][inside] = (gr.reshape(gy.shape) + offset)[inside]
                    rel[win][inside] = t.reshape(gy.shape)[inside]
                    r_sec = float(np.sqrt(max(part.radius_um**2 - h**2, 0.0))) if part.is_sphere else np.nan
                    rows.append({"instance": k, "particle": pid, "radius_um": part.radius_um,
                                 "cut_height_um": abs(h), "r_section_um": r_sec})
            offset += len(part.seeds_um)
        counts = np.bincount(inst.ravel(), minlength=k + 1)
        border = np.zeros(k + 1, bool)
        for edge in (inst[0], inst[-1], inst[:, 0], inst[:, -1]):
            border[edge] = True
        frame = pd.DataFrame(rows, columns=["instance", "particle", "radius_um", "cut_height_um", "r_section_um"])
        frame["n_pixels"] = counts[1:] if k else np.zeros(0, int)
        frame["touches_border"] = border[1:] if k else np.zeros(0, bool)
        return SEMSection(phase, inst, grain, rel, pixel_um, float(z_um), frame)

    def section_points(self, z_um, *, points_per_um2: float = 20.0, seed=None):
        """Random points of the planes ``z_um`` inside particles, with exact section geometry.

        A cheap stand-in for whole section images when only the stereology is tested: every
        point carries the true section radius ``r̃ = √(R² − h²)``, its distance ``d_b`` to the
        section centre, its phase and its true relative distance, so the centre-distance and
        local-porosity estimators can be run on thousands of sections without rendering or
        segmenting anything. Spheres only.

        Parameters
        ----------
        z_um : float or (N,) array_like of float
            Plane heights, µm.
        points_per_um2 : float
            Uniform point density in each particle section.
        seed : int, Generator or None

        Returns
        -------
        pandas.DataFrame
            ``plane``, ``particle``, ``radius_um``, ``r_tilde_um``, ``d_b_um``, ``phase``,
            ``rel_distance``.

        Raises
        ------
        ValueError
            For star-shaped specimens (their sections are not discs).
        """
        import pandas as pd

        if self.shape != "sphere":
            raise ValueError("`section_points` needs spherical particles; render sections of star shapes instead")
        rng = as_rng(seed)
        dens = check_positive(points_per_um2, "points_per_um2")
        frames = []
        for k, z in enumerate(np.atleast_1d(np.asarray(z_um, float))):
            for pid, part in enumerate(self.particles):
                h = z - part.centre_um[0]
                if abs(h) >= part.radius_um:
                    continue
                rt = float(np.sqrt(part.radius_um**2 - h**2))
                m = int(rng.poisson(dens * np.pi * rt**2))
                if m == 0:
                    continue
                db = rt * np.sqrt(rng.random(m))
                ang = rng.uniform(0.0, 2 * np.pi, m)
                pts = np.column_stack([np.full(m, z), part.centre_um[1] + db * np.sin(ang),
                                       part.centre_um[2] + db * np.cos(ang)])
                ph, _ = part.labels(pts)
                frames.append(pd.DataFrame({"plane": k, "particle": pid, "radius_um": part.radius_um,
                                            "r_tilde_um": rt, "d_b_um": db, "phase": ph,
                                            "rel_distance": np.sqrt(h**2 + db**2) / part.radius_um}))
        cols = ["plane", "particle", "radius_um", "r_tilde_um", "d_b_um", "phase", "rel_distance"]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)

    def section_radii(self, z_um):
        """True section radii of all particles cut by the planes ``z_um`` (spheres), µm.

        Returns
        -------
        pandas.DataFrame
            ``plane``, ``particle``, ``radius_um``, ``r_tilde_um``; the sectioned area of each plane
            is the box's ``Y × X``.
        """
        import pandas as pd

        if self.shape != "sphere":
            raise ValueError("`section_radii` needs spherical particles")
        z = np.atleast_1d(np.asarray(z_um, float))
        c = np.array([p.centre_um[0] for p in self.particles])
        r = self.radii_um
        h = z[:, None] - c[None, :]
        hit = np.abs(h) < r[None, :]
        k, pid = np.nonzero(hit)
        return pd.DataFrame({"plane": k, "particle": pid, "radius_um": r[pid],
                             "r_tilde_um": np.sqrt(r[pid] ** 2 - h[k, pid] ** 2)})

    def section_heights(self, n: int, *, margin_um: float | None = None, seed=None) -> np.ndarray:
        """``n`` plane heights, uniform in the box away from its z faces (wall effects), µm."""
        n = check_int(n, "n", min_value=1)
        margin = float(self.radii_um.max()) if margin_um is None else check_positive(margin_um, "margin_um")
        lo, hi = margin, self.extent_um[0] - margin
        if hi <= lo:
            raise ValueError("the box is too thin for sections away from its faces")
        rng = as_rng(seed)
        # stratified: one height per equal slab, so sections are spread through the box
        return np.sort(lo + (np.arange(n) + rng.random(n)) * (hi - lo) / n)

    def truth(self, *, points_per_um3: float = 300.0, lines_per_particle: int = 150,
              step_um: float | None = None, bin_edges=None, seed=None) -> SEMTruth:
        """3-D truth by Monte Carlo on the implicit geometry.

        Parameters
        ----------
        points_per_um3 : float
            Uniform points per µm³ of particle for the crack fraction and the radial profile.
        lines_per_particle : int
            Isotropic uniform random lines through each particle's bounding ball (Crofton:
            surface area = mean crossings × bounding-sphere area / 2).
        step_um : float, optional
            Sampling step along the lines, µm; default 0.4 × the smallest aperture (a crack
            is never stepped over).
        bin_edges : (K+1,) array_like, optional
            Shells of relative distance for the radial profile (default 10 on [0, 1]).
        seed : int, Generator or None

        Returns
        -------
        SEMTruth
        """
        import pandas as pd

        rng = as_rng(seed)
        edges = np.linspace(0, 1, 11) if bin_edges is None else np.asarray(bin_edges, float)
        step = 0.4 * self.condition.aperture_min_um if step_um is None else check_positive(step_um, "step_um")
        lines_per_particle = check_int(lines_per_particle, "lines_per_particle", min_value=1)
        k = edges.size - 1
        crack_b, tot_b = np.zeros(k), np.zeros(k)
        area, vol, area_var = 0.0, 0.0, 0.0
        n_pts = 0
        for part in self.particles:
            tree = cKDTree(part.seeds_um)
            rb = part.max_radius_um * 1.001
            v = part.volume_um3()
            m = max(int(points_per_um3 * 4.0 / 3.0 * np.pi * rb**3), 100)
            pts = part.centre_um + _random_directions(m, rng) * (rb * np.cbrt(rng.random(m)))[:, None]
            t = part.relative_distance(pts)
            ph, _ = part.labels(pts, tree=tree)
            ins = t < 1.0
            b = np.clip(np.searchsorted(edges, t[ins], side="right") - 1, 0, k - 1)
            crack_b += np.bincount(b, weights=(ph[ins] == CRACK).astype(float), minlength=k)[:k]
            tot_b += np.bincount(b, minlength=k)[:k]
            n_pts += int(ins.sum())
            # Crofton: IUR lines hitting the bounding ball
            u = _random_directions(lines_per_particle, rng)
            a = _random_directions(lines_per_particle, rng)
            a = a - (a * u).sum(1, keepdims=True) * u
            a /= np.linalg.norm(a, axis=1, keepdims=True)
            foot = part.centre_um + a * (rb * np.sqrt(rng.random(lines_per_particle)))[:, None]
            half = np.sqrt(np.maximum(rb**2 - np.sum((foot - part.centre_um) ** 2, axis=1), 0.0))
            ns = np.maximum(np.ceil(2 * half / step).astype(int) + 1, 2)
            crossings = np.empty(lines_per_particle)
            for li in range(lines_per_particle):
                s = np.linspace(-half[li], half[li], ns[li])
                lp = foot[li] + s[:, None] * u[li]
                solid = part.labels(lp, tree=tree)[0] == NMC
                crossings[li] = np.count_nonzero(solid[1:] != solid[:-1])
            s_k = 4.0 * np.pi * rb**2
            area += crossings.mean() * s_k / 2.0
            area_var += (crossings.var(ddof=1) / lines_per_particle if lines_per_particle > 1 else 0.0) * (s_k / 2) ** 2
            vol += v
        frac = crack_b.sum() / tot_b.sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            rho = crack_b / tot_b
            se = np.sqrt(rho * (1 - rho) / tot_b)
        radial = pd.DataFrame({"bin_lo": edges[:-1], "bin_hi": edges[1:], "rho_3d": rho, "se": se})
        return SEMTruth(float(frac), float(np.sqrt(frac * (1 - frac) / tot_b.sum())), area / vol,
                        float(np.sqrt(area_var)) / vol, radial, self.radii_um, n_pts,
                        lines_per_particle * len(self.particles))


def sem_specimen(condition: SEMCondition | int = 20, *, extent_um=(40.0, 16.0, 16.0), solid_fraction: float = 0.45,
                 radius=PAPER003_RADIUS_NUMBER, shape: str = "sphere", star_amplitude: float = 0.15,
                 gap_um: float = 0.15, seed=None) -> SEMSpecimen:
    """Pack cracked secondary particles into a box.

    Radii are drawn from the number-weighted log-normal implied by paper 003's percentile fit
    (default), centres are packed without overlap by :func:`xctkit.synth.pack_particles`
    (collective rearrangement; ``y``/``x`` periodic) with at least ``gap_um`` between particles,
    and every particle gets its grains and open facets from ``condition``.

    Parameters
    ----------
    condition : SEMCondition or int
        Crack model, or a key of :data:`SEM_CONDITIONS` (20, 30, 40, 50).
    extent_um : (3,) sequence of float
        Box ``(Z, Y, X)``, µm.
    solid_fraction : float
        Target particle volume fraction of the box, in (0, 0.6].
    radius : (2,) tuple of float
        ``(mu, sigma)`` of the number-weighted log-normal radius (µm).
    shape : {'sphere', 'star'}
        ``'star'``: smooth star-shaped particles (six random bumps of relative amplitude up to
        ``star_amplitude``), the stress test for the sphere assumption.
    star_amplitude : float
    gap_um : float
        Minimum gap between particle surfaces, µm (keeps sections of different particles apart).
    seed : int, Generator or None

    Returns
    -------
    SEMSpecimen

    Raises
    ------
    ValueError
        On unknown conditions or shapes, or non-positive sizes.
    """
    from ._geometry import pack_particles

    if not isinstance(condition, SEMCondition):
        if condition not in SEM_CONDITIONS:
            raise ValueError(f"`condition` must be a SEMCondition or one of {sorted(SEM_CONDITIONS)}, got {condition!r}")
        condition = SEM_CONDITIONS[condition]
    check_choice(shape, "shape", ("sphere", "star"))
    solid_fraction = check_fraction(solid_fraction, "solid_fraction", low=0.0, high=0.6)
    ext = np.asarray(extent_um, float)
    if ext.shape != (3,) or np.any(ext <= 0):
        raise ValueError(f"`extent_um` must be three positive lengths (Z, Y, X), got {extent_um!r}")
    mu, sigma = (float(v) for v in radius)
    check_positive(sigma, "radius sigma")
    amp = check_fraction(star_amplitude, "star_amplitude", low=0.0, high=0.5) if shape == "star" else 0.0
    rng = as_rng(seed)
    mean_v = 4.0 / 3.0 * np.pi * np.exp(3 * mu + 4.5 * sigma**2)
    n = max(int(round(solid_fraction * np.prod(ext) / mean_v)), 1)
    radii = np.exp(mu + sigma * rng.normal(size=n))
    excl = radii * (1.0 + amp) + 0.5 * gap_um
    packed = pack_particles(tuple(ext), 2.0 * excl, overlap=0.0, n_iter=600, seed=rng)
    parts = tuple(_make_particle(c, r, condition, rng, star_amplitude=amp)
                  for c, r in zip(packed.centres_um, radii, strict=True))
    return SEMSpecimen(parts, tuple(float(v) for v in ext), condition, shape,
                       None if isinstance(seed, np.random.Generator) else seed)
