import os

import numpy as np
import pytest
import tifffile

from xctkit import io


def test_truncated_and_junk_tiff_name_the_file(tmp_path):
    good = io.write_tiff(tmp_path / "g.tif", np.ones((4, 16, 16), np.uint16), voxel_um=1.0)
    data = good.read_bytes()
    (tmp_path / "t.tif").write_bytes(data[: len(data) // 2])
    (tmp_path / "j.tif").write_bytes(b"not a tiff" * 10)
    for name in ("t.tif", "j.tif"):
        with pytest.raises(ValueError, match=f"{name}.*not a readable TIFF"):
            io.read_tiff(tmp_path / name)


def test_non_json_and_negative_stored_metadata(tmp_path):
    p = tmp_path / "bad.tif"
    tifffile.imwrite(p, np.zeros((2, 3), np.uint8), imagej=True, metadata={"Info": '{"xctkit": oops'})
    with pytest.raises(ValueError, match="bad.tif.*not valid JSON"):
        io.read_tiff(p)
    q = tmp_path / "neg.tif"
    tifffile.imwrite(q, np.zeros((2, 3), np.uint8), imagej=True, metadata={"Info": '{"xctkit": {"voxel_um": -1}}'})
    with pytest.raises(ValueError, match="neg.tif.*invalid voxel size"):
        io.read_tiff(q)
    r = tmp_path / "zero.tif"
    tifffile.imwrite(r, np.zeros((2, 3), np.uint8), ome=True, metadata={"axes": "YX", "PhysicalSizeX": 0.0, "PhysicalSizeY": 0.0})
    with pytest.raises(ValueError, match="zero.tif.*> 0"):
        io.read_tiff(r)


def test_folder_that_is_not_a_zarr_store(tmp_path):
    (tmp_path / "plain").mkdir()
    with pytest.raises(ValueError, match="plain.*not a Zarr store"):
        io.read_zarr(tmp_path / "plain")
    with pytest.raises(IsADirectoryError, match="plain"):
        io.read_tiff(tmp_path / "plain")


def test_file_created_meanwhile_is_not_replaced(tmp_path):
    target = tmp_path / "raw.tif"
    with pytest.raises(FileExistsError, match="raw.tif"):
        with io.atomic_path(target) as tmp:
            tmp.write_text("new")
            target.write_text("precious")  # another process creates the file while we write
    assert target.read_text() == "precious"
    assert [p.name for p in tmp_path.iterdir()] == ["raw.tif"]  # temp cleaned up


def test_folder_created_meanwhile_is_not_replaced(tmp_path):
    target = tmp_path / "v.zarr"
    with pytest.raises(FileExistsError):
        with io.atomic_path(target) as tmp:
            tmp.mkdir()
            (target).mkdir()
            (target / "keep").write_text("x")
    assert (target / "keep").read_text() == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.zarr"]


def test_exception_cleans_temporaries(tmp_path):
    with pytest.raises(RuntimeError):
        with io.atomic_path(tmp_path / "m.keras") as tmp:
            tmp.with_suffix(".keras").write_text("half")
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_folder_names_the_target(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(PermissionError, match=r"ro/v\.tif.*not writable"):
            io.write_tiff(ro / "v.tif", np.zeros((2, 2), np.uint8), voxel_um=1.0)
    finally:
        ro.chmod(0o700)


def test_read_only_folder_message_via_simulated_denial(tmp_path, monkeypatch):
    import tempfile

    def deny(*a, **k):
        raise PermissionError(13, "Permission denied", str(tmp_path / ".v.tif.xctkit-tmp.x.tmp"))

    monkeypatch.setattr(tempfile, "mkstemp", deny)
    with pytest.raises(PermissionError, match=r"'.*/v\.tif'.*not writable") as err:
        io.write_tiff(tmp_path / "v.tif", np.zeros((2, 2), np.uint8), voxel_um=1.0)
    assert "xctkit-tmp" not in str(err.value)


def test_multichannel_and_anisotropic_write_refused(tmp_path):
    tifffile.imwrite(tmp_path / "c.tif", np.zeros((2, 3, 4, 5), np.uint8), imagej=True, metadata={"axes": "ZCYX"})
    with pytest.raises(ValueError, match="c.tif.*3 channels"):
        io.read_tiff(tmp_path / "c.tif", voxel_um=1.0)
    with pytest.raises(ValueError, match="anisotropic"):
        io.write_tiff(tmp_path / "a.tif", np.zeros((2, 2, 2), np.uint8), voxel_um=(2.0, 1.0, 1.0))
    with pytest.raises(ValueError, match="compression"):
        io.write_tiff(tmp_path / "z.tif", np.zeros((2, 2), np.uint8), voxel_um=1.0, compression="jpeg")


JUNK_TIFFS = {
    "empty.tif": b"",
    "png.tif": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
    "text.tif": b"id,path\na,b\n",
    "header-only.tif": b"II*\x00\x08\x00\x00\x00",
}


@pytest.mark.parametrize("name", sorted(JUNK_TIFFS))
def test_junk_named_tif_is_refused_naming_the_file(name, tmp_path, untouched):
    (tmp_path / name).write_bytes(JUNK_TIFFS[name])
    untouched(tmp_path)
    with pytest.raises(ValueError, match=f"{name}.*not a readable TIFF"):
        io.read_tiff(tmp_path / name)


@pytest.mark.parametrize("reader", ["read_tiff", "read_zarr"])
def test_missing_file_is_named(reader, tmp_path, untouched):
    with pytest.raises(FileNotFoundError, match="absent"):
        getattr(io, reader)(tmp_path / "absent")


def test_zarr_with_broken_metadata_is_named(tmp_path, untouched):
    store = io.write_zarr(tmp_path / "v.zarr", np.zeros((4, 8, 8), np.uint8), voxel_um=1.0)
    for meta in [p for p in store.rglob("*") if p.name in (".zattrs", "zarr.json")][:1]:
        meta.write_text("{not json")
    untouched(tmp_path)
    with pytest.raises(ValueError, match="v.zarr"):
        io.read_zarr(store)
