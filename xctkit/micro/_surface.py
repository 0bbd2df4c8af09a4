"""Specific surface area by marching cubes (scikit-image) on a smoothed, volume-preserving iso-level."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import as_labels, as_phases, check_nonnegative, check_positive
from ..phases import NMC

__all__ = ["SurfaceArea", "surface_area"]


@dataclass(frozen=True)
class SurfaceArea:
    """Result of :func:`surface_area`.

    Attributes
    ----------
    area_um2 : float
        Interface area between the phase and everything else, µm² (the volume's own faces are
        not counted).
    volume_um3 : float
        Volume of the whole image, µm³.
    phase_volume_um3 : float
        Volume of the phase, µm³.
    ssa_per_um : float
        Specific surface area per total volume, S_v = area / volume, 1/µm.
    ssa_phase_per_um : float
        Surface area per phase volume (e.g. NMC surface per NMC volume), 1/µm; 6/d for spheres of
        diameter d.
    """

    area_um2: float
    volume_um3: float
    phase_volume_um3: float
    ssa_per_um: float
    ssa_phase_per_um: float

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame([self.__dict__])


def surface_area(labels, *, voxel_um: float, phase=NMC, smooth_vox: float = 1.0) -> SurfaceArea:
    """Interface area of one phase, per total volume and per phase volume.

    The phase mask is smoothed by a Gaussian of ``smooth_vox`` voxels and meshed by marching cubes
    (``skimage.measure.marching_cubes``) at the iso-level that encloses exactly the phase's voxel
    volume; the area is the sum of the mesh's triangle areas.

    Why not plain marching cubes on the binary mask: its staircase surface overestimates the area of
    curved or oblique interfaces by about 9 % at every resolution (it never converges to 4πr² for a
    sphere). Smoothing removes the staircase; the volume-preserving level removes the shrinkage a
    fixed 0.5 level causes on curved surfaces (−2σ²/r² relative). The tests check convergence on
    voxelised spheres (≈1 % from r = 4 voxels).

    Parameters
    ----------
    labels : (Z, Y, X) ndarray of uint8, or bool
        Phase labels, or a boolean mask of the phase.
    voxel_um : float
        Voxel edge, µm.
    phase : int or sequence of int
        Label(s) of the phase (ignored for a boolean mask).
    smooth_vox : float
        Gaussian smoothing, voxels (0 = binary marching cubes at level 0.5).

    Returns
    -------
    SurfaceArea

    Raises
    ------
    ValueError
        If ``labels`` is not 3-D or smaller than 2 voxels along an axis, or sizes are not positive.

    References
    ----------
    .. [1] Lorensen & Cline, "Marching cubes", SIGGRAPH 1987; Lewiner et al., J. Graphics Tools 8
       (2003) (the scikit-image implementation).
    .. [2] Lindblad, "Surface area estimation of digitized 3D objects using weighted local
       configurations", Image Vis. Comput. 23 (2005) 111 (the binary bias).
    """
    from scipy import ndimage
    from skimage.measure import marching_cubes

    lab = as_phases(labels, "labels", ndim=3, require=phase)
    voxel_um = check_positive(voxel_um, "voxel_um")
    smooth_vox = check_nonnegative(smooth_vox, "smooth_vox")
    if min(lab.shape) < 2:
        raise ValueError(f"`labels` must have at least 2 voxels along every axis, got {lab.shape}")
    mask = lab if lab.dtype == bool else np.isin(lab, np.atleast_1d(phase))
    frac = float(mask.mean())
    vol = float(mask.size) * voxel_um**3
    if frac in (0.0, 1.0):
        return SurfaceArea(0.0, vol, frac * vol, 0.0, 0.0 if frac else float("nan"))
    # one voxel of edge replication lets interfaces that cross the volume's faces reach them; the
    # triangles of the outer half voxel are then dropped (centroid test), so a plane crossing an
    # N×M face has area N·M voxels exactly instead of (N−1)(M−1)
    field = np.pad(mask.astype(np.float32), 1, mode="edge")
    level = 0.5
    if smooth_vox > 0:
        field = ndimage.gaussian_filter(field, smooth_vox, mode="nearest")
        inner = field[1:-1, 1:-1, 1:-1]
        level = float(np.quantile(inner, 1.0 - frac))  # encloses the phase's own volume
        lo, hi = float(inner.min()), float(inner.max())
        level = min(max(level, lo + 1e-6 * (hi - lo)), hi - 1e-6 * (hi - lo))
    verts, faces, _, _ = marching_cubes(field, level)
    verts -= 1.0  # back to the unpadded voxel-centre frame
    tri = verts[faces]
    centroid = tri.mean(axis=1)
    upper = np.asarray(mask.shape, dtype=float) - 0.5
    inside = np.all((centroid >= -0.5) & (centroid <= upper), axis=1)
    areas = 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    area = float(areas[inside].sum()) * voxel_um**2
    return SurfaceArea(area, vol, frac * vol, area / vol, area / (frac * vol))
