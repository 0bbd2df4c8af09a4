import numpy as np
import pytest
import yaml

from xctkit import io


def _rows(over=None):
    rows = [
        {"id": "dry1_hr", "path": "dry1_hr.tif", "voxel_um": 0.74, "modality": "xct", "state": "pristine",
         "electrode": "dry1", "resolution": "hr", "pair": "dry1_lr", "kind": "dry"},
        {"id": "dry1_lr", "path": "dry1_lr.tif", "voxel_um": 2.3, "modality": "xct", "state": "pristine",
         "electrode": "dry1", "resolution": "lr", "pair": "dry1_hr", "kind": "dry"},
        {"id": "dit_c", "path": "dit_c.tif", "voxel_um": 0.74, "modality": "xct", "state": "cycled"},
    ]
    for (i, key), value in (over or {}).items():
        rows[i][key] = value
    return rows


def _write_yaml(tmp_path, rows):
    for r in rows:
        (tmp_path / str(r["path"])).touch()
    path = tmp_path / "manifest.yaml"
    path.write_text(yaml.safe_dump({"samples": rows}))
    return path


def test_yaml_manifest_is_read_validated_and_paired(tmp_path):
    m = io.read_manifest(_write_yaml(tmp_path, _rows()))
    assert len(m) == 3
    assert m.get("dry1_lr").voxel_um == 2.3
    assert m.get("dry1_hr").path == tmp_path / "dry1_hr.tif"
    assert m.get("dit_c").electrode == "dit_c"  # defaults to the id
    (lr, hr), = m.pairs()
    assert (lr.id, hr.id) == ("dry1_lr", "dry1_hr")
    assert m.electrodes() == ["dry1", "dit_c"]
    assert list(m.to_frame().columns[:5]) == ["id", "path", "voxel_um", "modality", "state"]


def test_csv_manifest_round_trip(tmp_path):
    for r in _rows():
        (tmp_path / r["path"]).touch()
    path = io.write_manifest(tmp_path / "m.csv", _rows())
    m = io.read_manifest(path)
    assert [s.id for s in m] == ["dry1_hr", "dry1_lr", "dit_c"]
    assert m.get("dry1_hr").pair == "dry1_lr"


@pytest.mark.parametrize("over, field", [
    ({(0, "voxel_um"): -0.74}, "voxel_um"),
    ({(0, "voxel_um"): "fine"}, "voxel_um"),
    ({(2, "modality"): "mri"}, "modality"),
    ({(2, "state"): "aged"}, "state"),
    ({(0, "pair"): "nobody"}, "pair"),
    ({(0, "resolution"): "lr"}, "resolution"),
    ({(1, "id"): "dry1_hr"}, "id"),
    ({(2, "id"): "bad id!"}, "id"),
    ({(1, "voxel_um"): 0.5}, "voxel_um"),
    ({(2, "colour"): "red"}, "colour"),
])
def test_bad_field_is_named(tmp_path, over, field):
    with pytest.raises(io.ManifestError, match=f"field `{field}`"):
        io.read_manifest(_write_yaml(tmp_path, _rows(over)))


def test_missing_required_field_and_missing_file(tmp_path):
    rows = _rows()
    del rows[2]["state"]
    with pytest.raises(io.ManifestError, match="row 3 .*`state` is required"):
        io.read_manifest(_write_yaml(tmp_path, rows))
    rows = _rows()
    path = _write_yaml(tmp_path, rows)
    (tmp_path / "dit_c.tif").unlink()
    with pytest.raises(io.ManifestError, match="`path` points to"):
        io.read_manifest(path)
    assert len(io.read_manifest(path, check_files=False)) == 3


def test_manifest_format_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        io.read_manifest(tmp_path / "none.yaml")
    bad = tmp_path / "m.json"
    bad.write_text("{}")
    with pytest.raises(ValueError, match=".yaml, .yml or .csv"):
        io.read_manifest(bad)
    empty = tmp_path / "m.yaml"
    empty.write_text("samples: []\n")
    with pytest.raises(io.ManifestError, match="no samples"):
        io.read_manifest(empty)


def test_manifest_points_at_readable_volumes(tmp_path):
    vol = np.zeros((4, 4, 4), np.float32)
    io.write_tiff(tmp_path / "a.tif", vol, voxel_um=0.74)
    path = io.write_manifest(tmp_path / "m.yaml", [
        {"id": "a", "path": tmp_path / "a.tif", "voxel_um": 0.74, "modality": "xct", "state": "pristine"}])
    sample = io.read_manifest(path).get("a")
    assert io.read_tiff(sample.path, voxel_um=sample.voxel_um).shape == (4, 4, 4)
    assert "path: a.tif" in path.read_text()  # stored relative to the manifest


def test_example_manifest_in_data_is_valid(root):
    m = io.read_manifest(root / "data" / "manifest.example.yaml", check_files=False)
    assert len(m.pairs()) == 1
