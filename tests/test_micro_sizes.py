"""Particle and pore sizes: known spheres are recovered, local thickness of known gaps."""

import numpy as np
import pytest

from xctkit import micro, segment

VOXEL_UM = 0.25
RADII_UM = (1.25, 1.75, 2.25, 2.75, 3.25, 1.7)  # diameters 2.5 … 6.5 µm: mid-bin


def _balls(shape, centres_vox, radii_vox) -> np.ndarray:
    z, y, x = np.ogrid[tuple(slice(0, n) for n in shape)]
    out = np.zeros(shape, dtype=bool)
    for c, r in zip(centres_vox, radii_vox, strict=True):
        out |= (z - c[0]) ** 2 + (y - c[1]) ** 2 + (x - c[2]) ** 2 <= r**2
    return out


@pytest.fixture(scope="module")
def separated_spheres():
    """Six non-touching spheres of known radii on a 0.25 µm grid (gaps of at least 4 voxels)."""
    centres = [(16, 16, 16), (16, 16, 44), (16, 46, 16), (46, 16, 16), (46, 46, 46), (46, 46, 16)]
    radii_vox = [r / VOXEL_UM for r in RADII_UM]
    return _balls((62, 62, 62), centres, radii_vox)


@pytest.mark.parametrize("method", ["watershed", "snow"])
def test_size_distribution_of_separated_spheres_is_recovered(separated_spheres, method):
    parts = segment.separate_particles(separated_spheres, voxel_um=VOXEL_UM, method=method)
    assert parts.n_particles == len(RADII_UM)
    psd = micro.particle_sizes(parts.instances, voxel_um=VOXEL_UM, bin_um=1.0)
    found = np.sort(psd.diameters_um)
    # equivalent-sphere diameters of voxelised balls: within 3 % of 2r (r ≥ 4 voxels)
    np.testing.assert_allclose(found, np.sort(2 * np.asarray(RADII_UM)), rtol=0.03)
    # 1 µm bins: diameters 2.5, 3.4, 3.5, 4.5, 5.5, 6.5 µm
    counts = np.round(psd.number_fraction * len(RADII_UM)).astype(int)
    assert counts.tolist() == [0, 0, 1, 2, 1, 1, 1]
    assert psd.peak_bin_um == (3.0, 4.0)


def test_touching_spheres_are_split_by_the_watershed():
    r = 10
    pair = _balls((30, 30, 52), [(15, 15, 15), (15, 15, 15 + 1.8 * r)], [r, r])  # 10 % overlap
    assert segment.separate_particles(pair, voxel_um=1.0).n_particles == 2
    # a deep saddle threshold keeps them together (documents what h_um does)
    assert segment.separate_particles(pair, voxel_um=1.0, h_um=8.0).n_particles == 1


def test_particle_table_lists_volumes_and_border_contact(separated_spheres):
    parts = segment.separate_particles(separated_spheres, voxel_um=VOXEL_UM)
    table = parts.to_frame()
    assert len(table) == parts.n_particles and not table.touches_border.any()
    assert table.volume_um3.sum() == pytest.approx(separated_spheres.sum() * VOXEL_UM**3)


def test_local_thickness_of_a_slit_and_a_cylinder():
    # slit 10 voxels wide between two solid plates: inscribed-sphere diameter = 10 voxels
    slit = np.zeros((40, 40, 14), dtype=bool)
    slit[:, :, 2:12] = True
    lt = micro.local_thickness(slit, voxel_um=0.5)
    assert np.median(lt[slit]) == pytest.approx(10 * 0.5, abs=0.5)  # ±1 voxel
    # cylinder of radius 8 voxels along z: diameter 16 voxels (±1.5 voxels for voxelisation)
    z, y, x = np.ogrid[:12, :24, :24]
    cyl = np.broadcast_to((y - 11.5) ** 2 + (x - 11.5) ** 2 <= 64, (12, 24, 24))
    ps = micro.pore_sizes(cyl, voxel_um=1.0, bin_um=1.0)
    assert ps.median_um == pytest.approx(16.0, abs=1.5)
    assert ps.volume_fraction.sum() == pytest.approx(1.0)
    assert ps.phase_fraction == pytest.approx(cyl.mean())


def test_pore_sizes_of_labels_use_the_non_solid_phase():
    from xctkit.phases import NMC, PORE

    lab = np.full((20, 20, 12), NMC, np.uint8)
    lab[:, :, 3:9] = PORE  # slit 6 voxels wide
    ps = micro.pore_sizes(lab, voxel_um=1.0)
    assert ps.median_um == pytest.approx(6.0, abs=1.0)


def test_size_functions_reject_bad_input(separated_spheres):
    with pytest.raises(ValueError, match="method"):
        segment.separate_particles(separated_spheres, voxel_um=1.0, method="kmeans")
    with pytest.raises(ValueError, match="voxel_um"):
        micro.local_thickness(separated_spheres, voxel_um=-1.0)
    with pytest.raises(ValueError, match="distance_um"):
        segment.separate_particles(separated_spheres, voxel_um=1.0, distance_um=np.zeros((3, 3, 3)))
