import numpy as np
import pytest

from xctkit import io


@pytest.fixture
def volume(rng):
    return rng.random((5, 7, 9)).astype(np.float32)


@pytest.fixture
def prov():
    return io.Provenance.make("xctkit.synth.dry_electrode", {"porosity": 0.49, "shape": (5, 7, 9)},
                              seed=7, voxel_um=0.37)


def test_tiff_round_trip_keeps_array_voxel_and_provenance(tmp_path, volume, prov):
    path = io.write_tiff(tmp_path / "v.tif", volume, voxel_um=0.37, provenance=prov)
    back = io.read_tiff(path)
    np.testing.assert_array_equal(back.array, volume)
    assert back.array.dtype == np.float32
    assert back.voxel_um == pytest.approx(0.37)
    assert back.provenance.generator == "xctkit.synth.dry_electrode"
    assert back.provenance.seed == 7
    assert back.provenance.parameters == {"porosity": 0.49, "shape": [5, 7, 9]}
    assert back.provenance.xctkit_version
    assert back.extent_um == pytest.approx((5 * 0.37, 7 * 0.37, 9 * 0.37))


def test_tiff_labels_keep_dtype(tmp_path):
    labels = np.arange(60, dtype=np.uint8).reshape(3, 4, 5) % 4
    back = io.read_tiff(io.write_tiff(tmp_path / "l.tif", labels, voxel_um=1.0))
    assert back.array.dtype == np.uint8
    np.testing.assert_array_equal(back.array, labels)
    assert back.provenance is None


def test_existing_file_is_never_overwritten_by_default(tmp_path, volume):
    path = io.write_tiff(tmp_path / "raw.tif", volume, voxel_um=1.0)
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="overwrite=True"):
        io.write_tiff(path, volume * 0, voxel_um=1.0)
    assert path.read_bytes() == before
    io.write_tiff(path, volume * 0, voxel_um=1.0, overwrite=True)
    assert io.read_tiff(path).array.max() == 0


def test_failed_write_leaves_no_partial_file(tmp_path, monkeypatch, volume):
    import tifffile

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(tifffile, "imwrite", boom)
    with pytest.raises(OSError, match="disk full"):
        io.write_tiff(tmp_path / "v.tif", volume, voxel_um=1.0)
    assert list(tmp_path.iterdir()) == []


def test_plain_tiff_needs_voxel_size(tmp_path, volume):
    import tifffile

    tifffile.imwrite(tmp_path / "user.tif", volume)
    with pytest.raises(ValueError, match="voxel_um"):
        io.read_tiff(tmp_path / "user.tif")
    back = io.read_tiff(tmp_path / "user.tif", voxel_um=2.3)
    assert back.voxel_um == 2.3 and back.provenance is None


def test_voxel_size_disagreement_is_an_error(tmp_path, volume):
    path = io.write_tiff(tmp_path / "v.tif", volume, voxel_um=0.74)
    with pytest.raises(ValueError, match="disagrees"):
        io.read_tiff(path, voxel_um=2.3)


@pytest.mark.parametrize("bad, exc, match", [
    (dict(voxel_um=0.0), ValueError, "voxel_um"),
    (dict(voxel_um=-1.0), ValueError, "voxel_um"),
    (dict(voxel_um="a"), TypeError, "voxel_um"),
])
def test_write_tiff_rejects_bad_voxel(tmp_path, volume, bad, exc, match):
    with pytest.raises(exc, match=match):
        io.write_tiff(tmp_path / "v.tif", volume, **bad)


def test_write_tiff_rejects_1d_and_wrong_suffix(tmp_path):
    with pytest.raises(ValueError, match="2-D or 3-D"):
        io.write_tiff(tmp_path / "v.tif", np.zeros(5), voxel_um=1.0)
    with pytest.raises(ValueError, match=".tif"):
        io.write_tiff(tmp_path / "v.png", np.zeros((3, 3)), voxel_um=1.0)


def test_zarr_round_trip_eager_and_lazy(tmp_path, volume, prov):
    import dask.array as da

    path = io.write_zarr(tmp_path / "v.zarr", volume, voxel_um=0.74, provenance=prov, chunks=(2, 4, 4))
    eager = io.read_zarr(path)
    np.testing.assert_array_equal(eager.array, volume)
    lazy = io.read_zarr(path, lazy=True)
    assert isinstance(lazy.array, da.Array)
    np.testing.assert_array_equal(lazy.array.compute(), volume)
    assert lazy.voxel_um == 0.74 and lazy.provenance.seed == 7


def test_zarr_writes_dask_arrays_chunkwise(tmp_path, volume):
    import dask.array as da

    src = da.from_array(volume, chunks=(2, 3, 3)) * 2
    path = io.write_zarr(tmp_path / "d.zarr", src, voxel_um=1.0)
    np.testing.assert_allclose(io.read_zarr(path).array, volume * 2)


def test_zarr_overwrite_protection(tmp_path, volume):
    path = io.write_zarr(tmp_path / "v.zarr", volume, voxel_um=1.0)
    with pytest.raises(FileExistsError):
        io.write_zarr(path, volume, voxel_um=1.0)
    io.write_zarr(path, volume + 1, voxel_um=1.0, overwrite=True)
    np.testing.assert_allclose(io.read_zarr(path).array, volume + 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.zarr"]


def test_read_missing_file_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.tif"):
        io.read_tiff(tmp_path / "nope.tif")
