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


def test_bool_voxel_outside_paths_folders_refused(tmp_path):
    with pytest.raises(io.ManifestError, match="voxel_um.*boolean"):
        io.read_manifest(_write_yaml(tmp_path, _rows({(2, "voxel_um"): True})))
    sub = tmp_path / "m"
    sub.mkdir()
    (tmp_path / "x.tif").touch()
    for bad in ("../x.tif", str(tmp_path / "x.tif")):
        rows = _rows()
        for r in rows:
            (sub / r["path"]).touch()
        rows[2]["path"] = bad
        (sub / "manifest.yaml").write_text(yaml.safe_dump({"samples": rows}))
        with pytest.raises(io.ManifestError, match="`path`.*outside"):
            io.read_manifest(sub / "manifest.yaml")
        assert io.read_manifest(sub / "manifest.yaml", allow_outside=True).get("dit_c").path == tmp_path / "x.tif"
    rows = _rows({(2, "path"): "afolder"})
    (tmp_path / "afolder").mkdir()
    with pytest.raises(io.ManifestError, match="folder, not a file"):
        io.read_manifest(_write_yaml(tmp_path, [r for r in rows if r["path"] != "afolder"] + [rows[2]]))
    io.write_zarr(tmp_path / "z.zarr", np.zeros((2, 2, 2), np.float32), voxel_um=0.74)
    rows = _rows({(2, "path"): "z.zarr"})
    assert io.read_manifest(_yaml_no_touch(tmp_path, rows)).get("dit_c").path == tmp_path / "z.zarr"  # stores ok


def _yaml_no_touch(tmp_path, rows):
    for r in rows:
        if not (tmp_path / r["path"]).exists():
            (tmp_path / r["path"]).touch()
    path = tmp_path / "manifest.yaml"
    path.write_text(yaml.safe_dump({"samples": rows}))
    return path


def test_duplicate_key_yaml_syntax_binary_and_csv_extra(tmp_path):
    dup = tmp_path / "dup.yaml"
    dup.write_text("samples:\n  - id: a\n    path: a.tif\n    voxel_um: 1\n    voxel_um: 2\n")
    with pytest.raises(io.ManifestError, match=r"dup.yaml.*line 5.*'voxel_um' is repeated"):
        io.read_manifest(dup)
    syn = tmp_path / "syn.yaml"
    syn.write_text("samples:\n  - id: a\n    path: [a.tif\n")
    with pytest.raises(io.ManifestError, match=r"syn.yaml.*line \d+.*YAML syntax"):
        io.read_manifest(syn)
    binf = tmp_path / "bin.yaml"
    binf.write_bytes(b"samples:\n\x00\x01\x02")
    with pytest.raises(io.ManifestError, match=r"bin.yaml.*line 2.*binary"):
        io.read_manifest(binf)
    (tmp_path / "a.tif").touch()
    extra = tmp_path / "m.csv"
    extra.write_text("id,path,voxel_um,modality,state\na,a.tif,0.74,xct,pristine,oops\n")
    with pytest.raises(io.ManifestError, match=r"m.csv.*line 2.*6 values.*5 columns"):
        io.read_manifest(extra)
    hdr = tmp_path / "h.csv"
    hdr.write_text("id,path,voxel_um,voxel_um,modality,state\na,a.tif,0.74,1,xct,pristine\n")
    with pytest.raises(io.ManifestError, match="voxel_um.*more than once"):
        io.read_manifest(hdr)


def test_split_and_condition(tmp_path):
    rows = _rows({(0, "split"): "test", (2, "split"): "train", (2, "condition"): {"cycles": 100, "c_rate": 0.2}})
    m = io.read_manifest(_write_yaml(tmp_path, rows))
    assert m.get("dry1_lr").split == "test"  # inherits its electrode's split
    assert m.electrodes("test") == ["dry1"] and m.electrodes("train") == ["dit_c"]
    assert m.get("dit_c").condition == {"cycles": 100, "c_rate": 0.2}
    path = io.write_manifest(tmp_path / "back.csv", m.samples)
    back = io.read_manifest(path)
    assert back.get("dit_c").condition == {"cycles": 100, "c_rate": 0.2} and back.splits() == m.splits()
    with pytest.raises(io.ManifestError, match="`split`.*same electrode"):
        io.read_manifest(_write_yaml(tmp_path, _rows({(0, "split"): "test", (1, "split"): "train"})))
    with pytest.raises(io.ManifestError, match="`split`"):
        io.read_manifest(_write_yaml(tmp_path, _rows({(0, "split"): "holdout"})))


def test_write_manifest_relative_root_does_not_double(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.tif").touch()
    row = {"id": "a", "path": "out/a.tif", "voxel_um": 0.74, "modality": "xct", "state": "pristine"}
    p = io.write_manifest("out/m.yaml", [row])
    assert "path: a.tif" in p.read_text()
    m = io.read_manifest("out/m.yaml")
    assert m.get("a").path == tmp_path / "out" / "a.tif"
    io.write_manifest("out/m2.yaml", m.samples)  # Samples read back keep absolute paths
    assert io.read_manifest("out/m2.yaml").get("a").path == tmp_path / "out" / "a.tif"
