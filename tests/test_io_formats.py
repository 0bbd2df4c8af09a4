import json

import numpy as np
import pytest
import tifffile

from xctkit import io


def test_fiji_imagej_tiff_voxel_size_and_units(tmp_path):
    a = np.arange(4 * 5 * 6, dtype=np.uint16).reshape(4, 5, 6)
    p = tmp_path / "fiji.tif"
    # 2 pixels per micron in xy, 0.5 micron z spacing: isotropic 0.5 µm
    tifffile.imwrite(p, a, imagej=True, resolution=(2.0, 2.0), metadata={"spacing": 0.5, "unit": "micron", "axes": "ZYX"})
    v = io.read_tiff(p)
    assert v.voxel_um == pytest.approx(0.5, rel=1e-9) and v.provenance is None
    np.testing.assert_array_equal(v.array, a)
    p2 = tmp_path / "nm.tif"
    tifffile.imwrite(p2, a, imagej=True, resolution=(1 / 740.0, 1 / 740.0), metadata={"spacing": 740.0, "unit": "nm", "axes": "ZYX"})
    assert io.read_tiff(p2).voxel_um == pytest.approx(0.74, rel=1e-6)
    with pytest.raises(ValueError, match="disagrees.*nm.tif"):
        io.read_tiff(p2, voxel_um=0.8)  # > 1 % off
    assert io.read_tiff(p2, voxel_um=0.743).voxel_um == pytest.approx(0.74)  # within 1 %


def test_anisotropic_refused_unless_allowed(tmp_path):
    p = tmp_path / "aniso.tif"
    tifffile.imwrite(p, np.zeros((3, 4, 4), np.uint8), imagej=True, resolution=(2.0, 2.0),
                     metadata={"spacing": 2.0, "unit": "um", "axes": "ZYX"})
    with pytest.raises(ValueError, match="anisotropic.*allow_anisotropic"):
        io.read_tiff(p)
    v = io.read_tiff(p, allow_anisotropic=True)
    assert v.voxel_zyx_um == pytest.approx((2.0, 0.5, 0.5)) and v.extent_um == pytest.approx((6.0, 2.0, 2.0))


def test_ome_tiff_physical_size(tmp_path):
    p = tmp_path / "ome.tif"
    tifffile.imwrite(p, np.ones((3, 4, 5), np.float32), ome=True, metadata={
        "axes": "ZYX", "PhysicalSizeX": 300.0, "PhysicalSizeXUnit": "nm", "PhysicalSizeY": 0.3,
        "PhysicalSizeZ": 0.3})  # Y, Z default to µm
    assert io.read_tiff(p).voxel_um == pytest.approx(0.3)


def test_xctkit_tiff_is_an_imagej_hyperstack_fiji_reads(tmp_path):
    prov = io.Provenance.make("test", {"k": 1}, seed=3, voxel_um=0.37)
    a = np.random.default_rng(0).random((3, 4, 5)).astype(np.float32)
    p = io.write_tiff(tmp_path / "x.tif", a, voxel_um=0.37, provenance=prov, compression="zlib")
    with tifffile.TiffFile(p) as t:
        assert t.is_imagej and t.imagej_metadata["unit"] == "um"
        assert t.imagej_metadata["spacing"] == pytest.approx(0.37)
        num, den = t.pages[0].tags["XResolution"].value
        assert den / num == pytest.approx(0.37, rel=1e-6)
        assert json.loads(t.imagej_metadata["Info"])["xctkit"]["provenance"]["seed"] == 3
        assert t.pages[0].compression == 8  # ADOBE_DEFLATE
    v = io.read_tiff(p)
    np.testing.assert_array_equal(v.array, a)
    assert v.voxel_um == pytest.approx(0.37) and v.provenance.seed == 3


@pytest.mark.parametrize("dtype", [np.float64, np.int32, bool])
def test_non_imagej_dtypes_go_to_ome_and_round_trip(tmp_path, dtype):
    a = (np.arange(24).reshape(2, 3, 4) % 2).astype(dtype)
    p = io.write_tiff(tmp_path / "x.tif", a, voxel_um=1.5)
    v = io.read_tiff(p)
    assert v.array.dtype == a.dtype and v.voxel_um == 1.5
    np.testing.assert_array_equal(v.array, a)


def test_legacy_xctkit_tiff_still_reads(tmp_path):
    p = tmp_path / "old.tif"
    meta = {"xctkit": json.dumps({"voxel_um": 0.74, "provenance": {"generator": "old"}})}
    tifffile.imwrite(p, np.zeros((2, 3, 3), np.float32), metadata=meta, resolution=(1 / 0.74, 1 / 0.74),
                     resolutionunit="MICROMETER", photometric="minisblack")
    v = io.read_tiff(p)
    assert v.voxel_um == 0.74 and v.provenance.generator == "old"


@pytest.mark.parametrize("compression", ["lzw", "zstd"])
def test_compressed_tiff_reads(tmp_path, compression):
    a = np.arange(60, dtype=np.uint16).reshape(3, 4, 5)
    tifffile.imwrite(tmp_path / "c.tif", a, compression=compression, photometric="minisblack")
    np.testing.assert_array_equal(io.read_tiff(tmp_path / "c.tif", voxel_um=1.0).array, a)


def test_rgb_is_converted_with_warning_or_refused(tmp_path):
    rgb = np.zeros((4, 5, 3), np.uint8)
    rgb[..., 0], rgb[..., 1], rgb[..., 2] = 100, 200, 50
    tifffile.imwrite(tmp_path / "rgb.tif", rgb, photometric="rgb")
    with pytest.warns(UserWarning, match="RGB"):
        v = io.read_tiff(tmp_path / "rgb.tif", voxel_um=1.0)
    assert v.shape == (4, 5) and v.array.dtype == np.uint8
    assert int(v.array[0, 0]) == round(0.2125 * 100 + 0.7154 * 200 + 0.0721 * 50)
    with pytest.raises(ValueError, match="RGB"):
        io.read_tiff(tmp_path / "rgb.tif", voxel_um=1.0, rgb="error")


def test_ome_zarr_round_trip_and_attrs_by_hand(tmp_path):
    a = np.random.default_rng(1).random((8, 8, 12)).astype(np.float32)
    p = io.write_zarr(tmp_path / "v.zarr", a, voxel_um=0.74, chunks=(4, 4, 4), levels=3)
    attrs = json.loads((p / ".zattrs").read_text())
    ms = attrs["multiscales"][0]
    assert ms["version"] == "0.4"
    assert [(x["name"], x["unit"]) for x in ms["axes"]] == [("z", "micrometer"), ("y", "micrometer"), ("x", "micrometer")]
    scales = [d["coordinateTransformations"][0]["scale"] for d in ms["datasets"]]
    np.testing.assert_allclose(scales, [[0.74] * 3, [1.48] * 3, [2.96] * 3], rtol=1e-12)
    assert json.loads((p / "1" / ".zarray").read_text())["shape"] == [4, 4, 6]
    np.testing.assert_array_equal(io.read_zarr(p).array, a)
    lvl1 = io.read_zarr(p, level=1, lazy=True)
    assert lvl1.voxel_um == pytest.approx(1.48)
    expected = a.reshape(4, 2, 4, 2, 6, 2).mean(axis=(1, 3, 5))  # independent 2x block mean
    np.testing.assert_allclose(lvl1.array.compute(), expected, rtol=1e-6)
    with pytest.raises(ValueError, match="level"):
        io.read_zarr(p, level=3)


def test_ome_zarr_readable_by_ome_zarr_py(tmp_path):
    from ome_zarr.io import parse_url
    from ome_zarr.reader import Multiscales, Reader

    p = io.write_zarr(tmp_path / "v.zarr", np.zeros((4, 4, 4), np.uint8), voxel_um=0.5, levels=2)
    nodes = list(Reader(parse_url(str(p)))())
    node = nodes[0]
    assert any(isinstance(s, Multiscales) for s in node.specs)
    scale = node.metadata["coordinateTransformations"][0][0]["scale"]
    assert scale == pytest.approx([0.5, 0.5, 0.5])


def test_foreign_ngff_in_nanometres(tmp_path):
    import zarr

    g = zarr.open_group(str(tmp_path / "f.zarr"), mode="w", zarr_format=2)
    g.create_array("s0", shape=(2, 3, 3), dtype="u2")
    g.attrs["multiscales"] = [{"version": "0.4", "axes": [{"name": n, "type": "space", "unit": "nanometer"} for n in "zyx"],
                               "datasets": [{"path": "s0", "coordinateTransformations": [{"type": "scale", "scale": [250, 250, 250]}]}]}]
    assert io.read_zarr(tmp_path / "f.zarr").voxel_um == pytest.approx(0.25)
