"""Bad input, class 'manifest': every mistake in a user's manifest is a ManifestError naming the file,
the row and the field; nothing is silently coerced."""

import numpy as np
import pytest

from xctkit import io
from xctkit.io import ManifestError

FIELDS = {"id": "a", "path": "scan.tif", "voxel_um": "0.74", "modality": "xct", "state": "pristine",
          "electrode": "e1", "resolution": "hr"}


@pytest.fixture
def folder(tmp_path, untouched):
    io.write_tiff(tmp_path / "scan.tif", np.zeros((4, 8, 8), np.uint16), voxel_um=0.74)
    (tmp_path / "subfolder").mkdir()
    return tmp_path


def _yaml(folder, watch=None, **change):
    """Write a one-row manifest; from then on ``watch`` (the ``untouched`` fixture) guards the folder."""
    row = {**FIELDS, **change}
    lines = ["samples:", "  - " + "\n    ".join(f"{k}: {v}" for k, v in row.items() if v is not None)]
    (folder / "m.yaml").write_text("\n".join(lines) + "\n")
    if watch is not None:
        watch(folder)
    return folder / "m.yaml"


def test_a_good_row_reads(folder, untouched):
    m = io.read_manifest(_yaml(folder, untouched))
    assert m.get("a").voxel_um == pytest.approx(0.74) and m.get("a").path == folder / "scan.tif"


BAD_ROWS = {
    "voxel-bool": ({"voxel_um": "true"}, "`voxel_um` must be a number of micrometres, got the boolean"),
    "voxel-text": ({"voxel_um": "small"}, "`voxel_um`"),
    "voxel-negative": ({"voxel_um": "-0.5"}, "`voxel_um`"),
    "voxel-zero": ({"voxel_um": "0"}, "`voxel_um`"),
    "voxel-missing": ({"voxel_um": None}, "`voxel_um`"),
    "path-parent": ({"path": "../../etc/passwd"}, "points outside the manifest's folder"),
    "path-absolute": ({"path": "/etc/passwd"}, "points outside the manifest's folder"),
    "path-folder": ({"path": "subfolder"}, "is a folder, not a file or Zarr store"),
    "path-missing": ({"path": "nosuch.tif"}, "nosuch.tif"),
    "modality-unknown": ({"modality": "mri"}, "`modality`"),
    "state-missing": ({"state": None}, "`state` is required"),
    "unknown-field": ({"colour": "red"}, "`colour` is not a manifest field"),
}


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_bad_row_names_file_row_and_field(case, folder, untouched):
    change, why = BAD_ROWS[case]
    path = _yaml(folder, untouched, **change)
    with pytest.raises(ManifestError, match="m.yaml") as err:
        io.read_manifest(path)
    assert why in str(err.value)
    assert "row 1" in str(err.value) or "line" in str(err.value)


def test_paths_outside_are_allowed_only_when_asked(folder, untouched):
    inner = folder / "inner"
    inner.mkdir()
    (inner / "m.yaml").write_text(_yaml(folder, path="../scan.tif").read_text())
    untouched(folder)
    with pytest.raises(ManifestError, match="outside"):
        io.read_manifest(inner / "m.yaml")
    assert io.read_manifest(inner / "m.yaml", allow_outside=True).get("a").path == folder / "scan.tif"


BAD_TEXT = {
    "duplicate-key": ("samples:\n  - id: a\n    voxel_um: 0.7\n    voxel_um: 0.8\n", "m.yaml",
                      "key 'voxel_um' is repeated in one entry"),
    "yaml-syntax": ("samples: [\n  - id: a\n  c", "m.yaml", "YAML syntax error"),
    "no-samples": ("scans:\n  - id: a\n", "m.yaml", "samples"),
    "csv-extra-value": ("id,path,voxel_um,modality,state\na,scan.tif,0.74,xct,pristine,extra\n", "m.csv",
                        "6 values but the header has 5 columns"),
    "duplicate-id": ("id,path,voxel_um,modality,state\na,scan.tif,0.74,xct,pristine\n"
                     "a,scan.tif,0.74,xct,cycled\n", "m.csv", "'a'"),
}


@pytest.mark.parametrize("case", sorted(BAD_TEXT))
def test_bad_manifest_text(case, folder, untouched):
    text, name, why = BAD_TEXT[case]
    (folder / name).write_text(text)
    untouched(folder)
    with pytest.raises(ManifestError, match=name.replace(".", r"\.")) as err:
        io.read_manifest(folder / name)
    assert why in str(err.value)


def test_binary_manifest(folder, untouched):
    (folder / "m.yaml").write_bytes(bytes(range(256)))
    untouched(folder)
    with pytest.raises(ManifestError, match=r"m\.yaml.*binary file"):
        io.read_manifest(folder / "m.yaml")


def test_manifest_that_is_a_folder_or_absent(folder, untouched):
    untouched(folder)
    with pytest.raises((ManifestError, IsADirectoryError, FileNotFoundError), match="subfolder"):
        io.read_manifest(folder / "subfolder")
    with pytest.raises((ManifestError, FileNotFoundError), match="absent.yaml"):
        io.read_manifest(folder / "absent.yaml")
