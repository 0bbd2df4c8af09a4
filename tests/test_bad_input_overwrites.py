"""Bad input, class 'overwrites': nothing existing is replaced unless asked; a writer that fails or is
killed leaves no half-written target, and its temporary is recognisable and cleaned up later."""

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from xctkit import io, sr
from xctkit.cli import main as cli_main
from xctkit.io import stale_temporaries
from xctkit.io._atomic import TMP_MARK

WRITERS = {
    "write_tiff": lambda p: io.write_tiff(p, np.ones((2, 4, 4), np.uint8), voxel_um=1.0),
    "write_zarr": lambda p: io.write_zarr(p, np.ones((2, 4, 4), np.uint8), voxel_um=1.0),
    "write_manifest": lambda p: io.write_manifest(p, [{"id": "a", "path": "a.tif", "voxel_um": 1.0,
                                                       "modality": "xct", "state": "pristine"}]),
    "save_sr_model": lambda p: sr.save_sr_model(sr.srcnn_residual(filters=2, n_blocks=1), p,
                                                sr.SRModelInfo("tiny", None, None, {})),
}
SUFFIX = {"write_tiff": ".tif", "write_zarr": ".zarr", "write_manifest": ".yaml", "save_sr_model": ".keras"}


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_existing_file_is_never_replaced_by_default(writer, tmp_path, untouched):
    target = tmp_path / f"raw{SUFFIX[writer]}"
    if writer == "write_zarr":
        target.mkdir()
        (target / "precious").write_text("scan")
    else:
        target.write_text("precious")
    untouched(tmp_path)
    with pytest.raises(FileExistsError, match=f"raw{SUFFIX[writer]}.*already exists.*overwrite=True"):
        WRITERS[writer](target)


def test_build_lab_refuses_a_users_folder(tmp_path, untouched):
    from xctkit.workflows import build_lab

    (tmp_path / "manifest.yaml").write_text("samples: []\n")
    (tmp_path / "scans").mkdir()
    untouched(tmp_path)
    with pytest.raises(FileExistsError, match="not written by build_lab.*manifest.yaml"):
        build_lab(tmp_path, dry_shape=(16, 16, 16), dit_shape=(16, 16, 16), samples=("dry1",),
                  measure_tortuosity=False, include_fov=False)


def test_build_lab_refuses_a_file_as_root(tmp_path, untouched):
    from xctkit.workflows import build_lab

    (tmp_path / "lab").write_text("not a folder")
    untouched(tmp_path)
    with pytest.raises(NotADirectoryError, match="`root`.*is a file"):
        build_lab(tmp_path / "lab", dry_shape=(16, 16, 16), dit_shape=(16, 16, 16), samples=("dry1",),
                  measure_tortuosity=False, include_fov=False)


@pytest.mark.parametrize("argv, why", [
    (["--samples", "nosuch"], "`samples` must be a non-empty subset"),
    (["--samples", "dry1"], "already exists"),  # existing --out without --overwrite, refused up front
], ids=["unknown-sample", "existing-out"])
def test_calibrate_cli_refuses_before_calibrating(argv, why, tmp_path, untouched, capsys):
    out = tmp_path / "presets.json"
    out.write_text('{"samples": {"dry1": {}}}')
    untouched(tmp_path)
    assert cli_main(["calibrate", "--profile", "quick", "--out", str(out), *argv]) == 2
    assert why in capsys.readouterr().err


def test_report_text_files_are_atomic(tmp_path, untouched):
    from xctkit.report._runner import _write_text

    target = tmp_path / "run_summary.json"
    target.write_text('{"ok": true}')
    untouched(tmp_path)
    with pytest.raises(TypeError):
        _write_text(target, object())  # fails while writing: the old summary stays, no temporary is left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run_summary.json"]


def test_killed_writer_leaves_a_recognisable_temporary_that_the_next_write_removes(tmp_path):
    target = tmp_path / "scan.tif"
    code = textwrap.dedent(f"""
        import os, signal
        from xctkit.io import atomic_path
        with atomic_path({str(target)!r}) as tmp:
            tmp.write_bytes(b"half a scan")
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL
    left = list(tmp_path.iterdir())
    assert len(left) == 1 and TMP_MARK in left[0].name and not target.exists()
    assert stale_temporaries(tmp_path) == left and stale_temporaries(tmp_path, "other.tif") == []
    io.write_tiff(target, np.ones((2, 4, 4), np.uint8), voxel_um=1.0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scan.tif"]


def test_a_running_writers_temporary_is_not_stale(tmp_path):
    with io.atomic_path(tmp_path / "t.csv") as tmp:
        tmp.write_text("a\n")
        assert stale_temporaries(tmp_path) == []  # our own
    fake = tmp_path / f".x.csv{TMP_MARK}{os.getppid()}-abc.tmp"  # a live process (our parent)
    fake.write_text("x")
    assert stale_temporaries(tmp_path) == []
