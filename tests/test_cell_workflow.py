"""workflows.cell_structures on a user's study (tests/user_study.py: ball packings imaged here, not by xctkit)."""

import math

import numpy as np
import pytest
from user_study import HR_UM, make_user_study

from xctkit import cell, workflows


@pytest.fixture(scope="module")
def structures(tmp_path_factory):
    path = make_user_study(tmp_path_factory.mktemp("cell_user"), electrodes=("cellA", "cellB"),
                           hr_shape=(24, 48, 48), cycled=("cellA",))
    study = workflows.open_study(str(path))
    return workflows.cell_structures(study, solid_voxel_um=None)


def test_user_study_states_are_measured_and_mapped(structures):
    m = structures.to_frame().set_index("state")
    assert list(structures.parameters) == [("cellA", "pristine"), ("cellA", "cycled")]  # cellB has one state
    # thickness: the HR volume's z extent, 24 voxels of 0.74 µm
    assert m.thickness_um.tolist() == pytest.approx([24 * HR_UM] * 2)
    # the cycled balls were dilated by one voxel: less pore space, more tortuous
    assert m.loc["cycled", "porosity"] < m.loc["pristine", "porosity"]
    assert m.loc["cycled", "tortuosity"] > m.loc["pristine", "tortuosity"]
    for p in structures.parameters.values():
        assert p.tortuosity == pytest.approx(p.porosity ** (1 - p.bruggeman_electrolyte), rel=1e-9)
        assert 0 < p.solid_conductivity_factor <= 1
        assert (1 - p.porosity) ** p.bruggeman_electrode == pytest.approx(p.solid_conductivity_factor, rel=1e-9)
        # the balls drawn have radii 4-8 voxels: the Sauter radius lies inside (merged balls make it larger)
        assert 4 * HR_UM * 0.8 < p.particle_radius_um < 8 * HR_UM * 3
    assert (m.source == "Otsu two-phase segmentation of the HR scan").all()


def test_user_study_simulates(structures):
    t = cell.rate_table(structures.parameters, c_rates=(0.5,), model="SPMe")
    assert len(t) == 2 and np.isfinite(t.capacity_mah_g).all()
    # same chemistry and N/P balance: the per-gram capacity at 0.5C is the cathode's window, ~ 190-200 mA h/g
    assert t.capacity_mah_g.between(180, 210).all()
    loss = workflows.structure_only_loss(t)
    assert math.isfinite(loss.structure_only_loss_pct.iloc[0])


def test_no_cycled_states_raises(tmp_path):
    path = make_user_study(tmp_path, electrodes=("cellA", "cellB"), hr_shape=(24, 48, 48), cycled=())
    with pytest.raises(ValueError, match="pristine and cycled"):
        workflows.cell_structures(workflows.open_study(str(path)))
