"""Study.from_manifest and missing_inputs on a manifest and tiny TIFFs written in the test."""

import numpy as np
import pytest
import tifffile
import yaml

from xctkit.io import ManifestError
from xctkit.workflows import NEEDS, Study, StudyError, missing_inputs


def _row(sid, electrode, *, state="pristine", resolution="", pair="", voxel=0.74, modality="xct", labels=None):
    r = {"id": sid, "path": f"{sid}.tif", "voxel_um": voxel, "modality": modality, "state": state,
         "electrode": electrode, "resolution": resolution, "pair": pair}
    if labels:
        r["labels"] = labels
    return r


def _write(tmp_path, rows, extra_files=()):
    rng = np.random.default_rng(0)
    arrays = {}
    for r in rows:
        a = rng.random((3, 8, 8), dtype=np.float32) if r["modality"] == "xct" else rng.random((16, 16), np.float32)
        tifffile.imwrite(tmp_path / r["path"], a, photometric="minisblack")
        arrays[r["id"]] = a
    for name, a in extra_files:
        tifffile.imwrite(tmp_path / name, a, photometric="minisblack")
        arrays[name] = a
    path = tmp_path / "manifest.yaml"
    path.write_text(yaml.safe_dump({"samples": rows}, allow_unicode=True))
    return path, arrays


def _full_rows():
    return [
        _row("e1_hr", "e1", resolution="hr", pair="e1_lr", labels="e1_hr_labels.tif"),
        _row("e1_lr", "e1", resolution="lr", pair="e1_hr", voxel=2.3),
        _row("e1_hr_c", "e1", state="cycled", resolution="hr", pair="e1_lr_c"),
        _row("e1_lr_c", "e1", state="cycled", resolution="lr", pair="e1_hr_c", voxel=2.3),
        _row("e2_hr", "e2", resolution="hr", pair="e2_lr"),
        _row("e2_lr", "e2", resolution="lr", pair="e2_hr", voxel=2.3),
        _row("e3_hr", "e3", resolution="hr"),  # no pair, no cycled state
        _row("sem1", "s1", modality="sem", voxel=0.0143),
    ]


def _labels():
    return ("e1_hr_labels.tif", np.arange(3 * 8 * 8, dtype=np.uint8).reshape(3, 8, 8) % 4)


def test_from_manifest_pairs_states_sections_and_default_split(tmp_path):
    path, arrays = _write(tmp_path, _full_rows(), [_labels()])
    st = Study.from_manifest(path)
    assert st.source == "manifest" and not st.has_truth and st.root == tmp_path
    assert st.electrodes == ["e1", "e2", "e3", "s1"]
    # default: the last electrode with an LR/HR pair is held out, nothing validated
    assert st.test_electrodes == ("e2",) and st.val_electrodes == ()
    assert st.train_electrodes == ["e1", "e3", "s1"]
    assert [(lr.id, hr.id) for lr, hr in st.pairs()] == [("e1_lr", "e1_hr"), ("e1_lr_c", "e1_hr_c"),
                                                         ("e2_lr", "e2_hr")]
    assert [(lr.id, hr.id) for lr, hr in st.pairs(split="test")] == [("e2_lr", "e2_hr")]
    assert [hr.id for _, hr in st.pairs(split="train", state="cycled")] == ["e1_hr_c"]
    assert set(st.states()) == {"e1"}
    assert {k: v.id for k, v in st.states()["e1"].items()} == {"pristine": "e1_hr", "cycled": "e1_hr_c"}
    assert [s.id for s in st.sem_sections()] == ["sem1"]
    assert [s.id for s in st.scans(modality="xct", resolution="lr", split="train")] == ["e1_lr", "e1_lr_c"]
    assert st.split_of("e2") == "test" and st.electrodes_in("train") == ["e1", "e3", "s1"]
    # data come back as written, with the manifest's voxel size
    v = st.read("e1_lr")
    np.testing.assert_array_equal(np.asarray(v.array), arrays["e1_lr"])
    assert v.voxel_um == 2.3
    lab = st.reference_labels("e1_hr")
    np.testing.assert_array_equal(np.asarray(lab.array), arrays["e1_hr_labels.tif"])
    assert st.reference_labels("e2_hr") is None
    f = st.to_frame()
    assert len(f) == 8 and f.set_index("id").loc["e2_hr", "split"] == "test"
    assert f.set_index("id").loc["e1_hr", "labels"].endswith("e1_hr_labels.tif")
    # everything a chapter can need except the virtual lab's truth and segmented SEM sections
    assert st.missing(list(NEEDS)) == [f"sem_labels: {NEEDS['sem_labels']}", f"truth: {NEEDS['truth']}"]


def test_explicit_splits_and_their_errors(tmp_path):
    path, _ = _write(tmp_path, _full_rows(), [_labels()])
    st = Study.from_manifest(path, test_electrodes=["e1"], val_electrodes="e2")
    assert st.test_electrodes == ("e1",) and st.val_electrodes == ("e2",)
    assert [hr.id for _, hr in st.pairs(split="val")] == ["e2_hr"]
    assert [hr.id for _, hr in st.pairs(split="test")] == ["e1_hr", "e1_hr_c"]  # both states held out
    assert st.train_electrodes == ["e3", "s1"]
    with pytest.raises(StudyError, match=r"`test_electrodes` names electrodes not in the manifest: \['nope'\]"):
        Study.from_manifest(path, test_electrodes=["nope"])
    with pytest.raises(StudyError, match="both"):
        Study.from_manifest(path, test_electrodes=["e1"], val_electrodes=["e1"])
    with pytest.raises(StudyError, match="not in the study"):
        st.split_of("e9")
    with pytest.raises(ValueError, match="split"):
        st.pairs(split="holdout")
    with pytest.raises(TypeError, match="test_electrodes"):
        Study.from_manifest(path, test_electrodes=3)


def test_single_paired_electrode_has_no_default_test_electrode(tmp_path):
    rows = [_row("a_hr", "a", resolution="hr", pair="a_lr"), _row("a_lr", "a", resolution="lr", pair="a_hr",
                                                                    voxel=2.3)]
    path, _ = _write(tmp_path, rows)
    st = Study.from_manifest(path)
    assert st.test_electrodes == () and st.train_electrodes == ["a"]


def test_missing_messages_name_the_manifest_fields(tmp_path):
    path, _ = _write(tmp_path, [_row("sem1", "s1", modality="sem", voxel=0.0143)])
    st = Study.from_manifest(path)
    miss = st.missing(["xct_pairs", "cycled_states", "sem_sections", "reference_labels"])
    assert [m.split(":")[0] for m in miss] == ["xct_pairs", "cycled_states", "reference_labels"]
    assert "`resolution: lr`" in miss[0] and "`pair:`" in miss[0]
    assert "`state: cycled`" in miss[1]
    assert "`labels:`" in miss[2]
    assert missing_inputs(path, ["sem_sections"]) == []
    assert missing_inputs(path, "xct_pairs, truth") == [f"xct_pairs: {NEEDS['xct_pairs']}",
                                                       f"truth: {NEEDS['truth']}"]
    assert missing_inputs(None, list(NEEDS)) == []
    with pytest.raises(ValueError, match="needs"):
        missing_inputs(path, ["coffee"])
    # missing_inputs does not need the scans to exist
    (tmp_path / "sem1.tif").unlink()
    assert missing_inputs(path, ["sem_sections"]) == []
    with pytest.raises(ManifestError, match="path"):
        Study.from_manifest(path)


def test_manifest_split_column_sets_held_out_electrodes(tmp_path):
    rows = _full_rows()
    for r in rows:
        r["split"] = {"e1": "val", "e2": "test"}.get(r["electrode"], "train")
    path, _ = _write(tmp_path, rows, [_labels()])
    st = Study.from_manifest(path)
    assert st.test_electrodes == ("e2",) and st.val_electrodes == ("e1",)


def test_virtual_lab_tiny_study(tmp_path):
    # ~4 s: the four Table 2 electrodes in both states plus the LR field, at a tiny truth shape
    st = Study.virtual_lab("quick", 0, data_dir=tmp_path, dry_shape=(24, 40, 40), dit_shape=(24, 40, 40),
                           fov_factor=1)
    assert st.source == "virtual_lab" and st.has_truth
    assert st.electrodes == ["dry1", "dry2", "dry3", "dit", "fov"]
    assert st.test_electrodes == ("dry2",) and "dry2" not in st.train_electrodes
    assert len(st.pairs()) == 8 and len(st.pairs(split="test")) == 2  # dry2 pristine and cycled
    assert set(st.states()) == {"dry1", "dry2", "dry3", "dit"}
    assert st.missing(["xct_pairs", "cycled_states", "truth"]) == []
    lr, hr = st.pairs(split="test")[0]
    assert (lr.voxel_um, hr.voxel_um) == (2.3, 0.74)
    assert st.read(hr.id).shape == (12, 20, 20)  # 0.37 µm truth of (24, 40, 40) on the 0.74 µm grid
