"""Bad input, class 'sizes and types up front': memory estimated before allocating, CLI parameters
type-checked before any kernel starts, tiling overlaps below the receptive field refused."""

import shutil

import numpy as np
import pytest

from xctkit import sr, synth
from xctkit._validate import check_memory, check_shape3
from xctkit.cli import main as cli_main

HUGE = (100_000, 100_000, 100_000)  # 10^15 voxels: petabytes

GENERATORS = {
    "dry_electrode": lambda: synth.dry_electrode(HUGE, seed=0),
    "dit_electrode": lambda: synth.dit_electrode(HUGE, seed=0),
    "rasterize": lambda: synth.rasterize(synth.ParticleSet(np.zeros((1, 3)), np.ones((1, 3)), (37e3,) * 3),
                                         voxel_um=0.37),
}


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_terabyte_shapes_are_refused_naming_the_argument(name, untouched):
    with pytest.raises(MemoryError, match=r"`shape` \(100000, 100000, 100000\) needs at least .* GiB"):
        GENERATORS[name]()


def test_build_lab_checks_memory_before_writing(tmp_path, untouched):
    from xctkit.workflows import build_lab

    with pytest.raises(MemoryError, match="`dry_shape`"):
        build_lab(tmp_path / "lab", dry_shape=HUGE, dit_shape=(16, 16, 16))
    assert not (tmp_path / "lab").exists()


def test_check_memory_compares_with_what_is_available():
    assert check_memory((10, 10, 10), "shape", bytes_per_voxel=8, available=8000) == 8000
    with pytest.raises(MemoryError, match=r"`shape` \(10, 10, 11\) needs at least .* \(8 bytes per voxel\)"):
        check_memory((10, 10, 11), "shape", bytes_per_voxel=8, available=8000)
    assert check_shape3(HUGE, "shape", bytes_per_voxel=None) == HUGE  # never allocated whole: no check


@pytest.mark.parametrize("shape, exc", [((16, 16), ValueError), ((16, 16, 0), ValueError),
                                        ((16.0, 16, 16), ValueError), ("big", ValueError),
                                        ((True, 16, 16), ValueError)])
def test_malformed_shapes(shape, exc, untouched):
    with pytest.raises(exc, match="`shape`"):
        synth.dry_electrode(shape, seed=0)


@pytest.fixture
def project(tmp_path, root):
    shutil.copytree(root / "notebooks", tmp_path / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copytree(root / "book", tmp_path / "book", ignore=shutil.ignore_patterns("_build", "chapters", "results"))
    return tmp_path


@pytest.mark.parametrize("param, why", [("seed=notanumber", "expects an integer"),
                                        ("seed=1.5", "expects an integer"),
                                        ("nosuchparameter=1", "no selected notebook declares")])
def test_report_parameters_are_checked_before_any_kernel(param, why, project, untouched, capsys):
    untouched(project)
    assert cli_main(["report", "--root", str(project), "--no-book", "--no-progress", "-p", param]) == 2
    err = capsys.readouterr().err
    assert why in err and param.split("=")[0] in err
    assert not (project / "book" / "chapters").exists()


@pytest.fixture(scope="module")
def model():
    return sr.srcnn_residual(filters=2, n_blocks=1)


@pytest.mark.parametrize("tile, overlap, why", [(32, 2, "receptive radius"), (32, 32, "smaller than `tile`"),
                                                (32, -1, "`overlap`")])
def test_tiling_overlap_is_checked(model, tile, overlap, why, untouched):
    with pytest.raises(ValueError, match=why):
        sr.predict_image(model, np.zeros((1, 40, 40), np.float32), tile=tile, overlap=overlap)
