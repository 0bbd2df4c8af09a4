"""A user's own study (tests/user_study.py: not made by xctkit) through Study and the chapter chains."""

import numpy as np
import pytest

from user_study import HR_UM, LR_UM, make_user_study
from xctkit import workflows


@pytest.fixture(scope="module")
def manifest(tmp_path_factory):
    return make_user_study(tmp_path_factory.mktemp("user"), hr_shape=(18, 48, 48))


def test_a_user_manifest_becomes_a_study(manifest):
    study = workflows.Study.from_manifest(manifest)
    assert study.source == "manifest" and not study.has_truth
    assert study.electrodes == ["cellA", "cellB", "cellC"]
    # nothing said about the split: the last paired electrode is held out, so two remain to train on
    assert study.test_electrodes == ("cellC",) and study.train_electrodes == ["cellA", "cellB"]
    assert len(study.pairs()) == 4 and len(study.pairs(split="train", state="pristine")) == 2
    assert list(study.states()) == ["cellA"]
    hr = study.read("cellB_pristine_hr")
    assert hr.array.dtype == np.uint16 and hr.voxel_um == pytest.approx(HR_UM)
    assert study.read("cellB_pristine_lr").voxel_um == pytest.approx(LR_UM)
    frame = study.to_frame()
    assert set(frame.split) == {"train", "test"} and len(frame) == 8


def test_held_out_electrodes_and_what_a_study_lacks(manifest):
    study = workflows.Study.from_manifest(manifest, test_electrodes=["cellA"], val_electrodes="cellB")
    assert study.split_of("cellA") == "test" and study.split_of("cellB") == "val"
    assert study.electrodes_in("train") == ["cellC"]
    with pytest.raises(workflows.StudyError, match="cellZ"):
        workflows.Study.from_manifest(manifest, test_electrodes=["cellZ"])
    with pytest.raises(workflows.StudyError, match="both"):
        workflows.Study.from_manifest(manifest, test_electrodes=["cellA"], val_electrodes=["cellA"])
    missing = workflows.missing_inputs(manifest, ["xct_pairs", "cycled_states", "sem_sections", "truth"])
    assert [m.split(":")[0] for m in missing] == ["sem_sections", "truth"]
    assert "modality: sem" in missing[0]
    assert workflows.missing_inputs(None, ["truth", "sem_sections"]) == []
    with pytest.raises(ValueError, match="needs"):
        workflows.missing_inputs(manifest, ["nonsense"])
