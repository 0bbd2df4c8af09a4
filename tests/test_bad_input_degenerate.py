"""Bad input, class 'degenerate results': a typed result *and* a warning with the reason; impossible
requests are errors. Structures are written here with known answers."""

import numpy as np
import pandas as pd
import pytest

from xctkit import micro, stereology
from xctkit._validate import EmptyInputWarning
from xctkit.micro import NonPercolatingWarning
from xctkit.phases import CRACK, NMC, PORE


def _closed_pores():
    """Pore cavities inside NMC that touch neither face along axis 0: ε = 8/512, no through path."""
    lab = np.full((8, 8, 8), NMC, np.uint8)
    lab[3:5, 3:5, 3:5] = PORE
    return lab


def _blocked_channel():
    """A straight pore channel along axis 0 closed by one NMC plug: percolates along no axis-0 path."""
    lab = np.full((10, 8, 8), NMC, np.uint8)
    lab[:, 3:5, 3:5] = PORE
    lab[5] = NMC
    return lab


@pytest.mark.parametrize("make, eps", [(lambda: np.full((8, 8, 8), NMC, np.uint8), 0.0),
                                       (_closed_pores, 8 / 512), (_blocked_channel, 36 / 640)],
                         ids=["all-solid", "closed-pores", "blocked-channel"])
def test_non_percolating_tortuosity_warns_with_typed_result(make, eps, untouched):
    with pytest.warns(NonPercolatingWarning, match="no path of the transporting phase"):
        res = micro.tortuosity(make())
    assert isinstance(res, micro.Tortuosity)
    assert np.isnan(res.tau) and not res.percolates
    assert res.volume_fraction == pytest.approx(eps)
    assert res.d_eff_rel == 0.0


def test_open_channel_does_not_warn_and_is_straight(untouched):
    lab = _blocked_channel()
    lab[5, 3:5, 3:5] = PORE  # unplug: a straight channel has τ = 1 by construction
    res = micro.tortuosity(lab)
    assert res.percolates and res.tau == pytest.approx(1.0, abs=1e-3)


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_cuda_is_an_error(untouched):
    with pytest.raises(ValueError, match="`device='cuda'`.*no CUDA device"):
        micro.tortuosity(_closed_pores(), device="cuda")


def test_iteration_limit_returns_result_and_warns(untouched):
    lab = np.random.default_rng(3).choice(np.array([PORE, NMC], np.uint8), size=(16, 16, 16), p=[0.6, 0.4])
    with pytest.warns(UserWarning, match="stopped at relative residual"):
        res = micro.tortuosity(lab, iter_limit=1)
    assert isinstance(res, micro.Tortuosity) and np.isfinite(res.tau)


EMPTY_2D = np.zeros((24, 24), np.uint8)  # all pore: no particle section
STEREO_EMPTY = {
    "global_porosity": lambda: stereology.global_porosity(EMPTY_2D),
    "crack_intensity": lambda: stereology.crack_intensity(0, EMPTY_2D, pixel_um=0.1),
    "surface_density_intercepts": lambda: stereology.surface_density_intercepts(EMPTY_2D, pixel_um=0.1),
    "surface_density": lambda: stereology.surface_density(pd.DataFrame({"perimeter_um": [], "area_um2": []})),
}


@pytest.mark.parametrize("name", sorted(STEREO_EMPTY))
def test_stereology_of_an_empty_image_warns(name, untouched):
    with pytest.warns(EmptyInputWarning, match=f"{name}: .*no particle"):
        assert np.isnan(STEREO_EMPTY[name]())


def test_stereology_of_a_known_image_does_not_warn(untouched, recwarn):
    ph = np.full((20, 20), PORE, np.uint8)
    ph[5:15, 5:15] = NMC
    ph[8:10, 5:15] = CRACK  # 20 crack pixels of 100 particle pixels
    assert stereology.global_porosity(ph) == pytest.approx(0.2)
    assert stereology.crack_intensity(1, ph, pixel_um=0.5) == pytest.approx(1 / (100 * 0.25))
    assert not [w for w in recwarn if issubclass(w.category, EmptyInputWarning)]


def test_pore_sizes_of_an_all_solid_volume_warns(untouched):
    with pytest.warns(EmptyInputWarning, match="pore_sizes: .*no voxel of the pore phase"):
        res = micro.pore_sizes(np.full((6, 6, 6), NMC, np.uint8), voxel_um=1.0)
    assert isinstance(res, micro.PoreSizes) and res.phase_fraction == 0.0 and np.isnan(res.median_um)


@pytest.mark.parametrize("instances, why", [(np.zeros((6, 6, 6), np.int32), "no particle of >= 1"),
                                            (np.ones((6, 6, 6), np.int32), "touch the border")],
                         ids=["no-instances", "all-on-border"])
def test_particle_sizes_without_particles_warns(instances, why, untouched):
    with pytest.warns(EmptyInputWarning, match=f"particle_sizes: .*{why}"):
        res = micro.particle_sizes(instances, voxel_um=1.0, **({"exclude_border": True} if instances.any() else {}))
    assert res.n_particles == 0 and np.isnan(res.median_um)
