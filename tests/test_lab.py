import json

import numpy as np
import pytest

from xctkit import io, workflows


@pytest.fixture(scope="module")
def small_lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    return workflows.build_lab(root, dry_shape=(96, 128, 128), dit_shape=(96, 160, 160), samples=("dry1", "dit"), seed=1)


def test_lab_writes_a_valid_manifest_of_paired_scans(small_lab):
    m = io.read_manifest(small_lab.root / "manifest.yaml")  # every file exists
    ids = {s.id for s in m}
    for sid in ("dry1", "dit"):
        for state in ("pristine", "cycled"):
            assert {f"{sid}_{state}_hr", f"{sid}_{state}_lr"} <= ids
    assert "fov_lr" in ids
    assert len(m.pairs()) == 4
    assert set(m.electrodes()) == {"dry1", "dit", "fov"}
    hr = small_lab.scan("dry1_pristine_hr")
    lr = small_lab.scan("dry1_pristine_lr")
    assert hr.voxel_um == 0.74 and lr.voxel_um == 2.3
    assert hr.provenance.generator == "xctkit.imaging.render_xct"
    labels = small_lab.labels("dry1_pristine_hr")
    assert labels.provenance.generator == "xctkit.synth.dry_electrode"
    assert small_lab.labels("dry1_cycled_hr").provenance.generator == "xctkit.synth.cycle"


def test_lab_measurements_hit_the_porosity_targets(small_lab):
    meas = small_lab.measurements()
    assert len(meas) == 4
    assert np.all(np.abs(meas.porosity_xctkit - meas.porosity_paper) <= 0.02)
    assert np.all(meas.tortuosity_xctkit > 1.0)
    # cycling lowers porosity and raises tortuosity in every electrode (Table 2's direction)
    piv = meas.pivot(index="sample", columns="state", values="tortuosity_xctkit")
    assert np.all(piv.cycled > piv.pristine)


def test_large_field_of_view_has_four_times_the_area(small_lab):
    fov = small_lab.scan("fov_lr")
    hr = small_lab.scan("dry1_pristine_hr")
    ratio = (fov.shape[1] * fov.shape[2] * fov.voxel_um**2) / (hr.shape[1] * hr.shape[2] * hr.voxel_um**2)
    assert ratio == pytest.approx(4.0, rel=0.1)


def test_registration_table_is_within_half_a_voxel(small_lab):
    reg = small_lab.registration_table()
    assert len(reg) == 12
    assert reg.abs_error_hr_vox.max() < 0.5


def test_lab_is_reused_unless_configuration_changes(small_lab):
    stamp = (small_lab.root / "lab.json").stat().st_mtime_ns
    again = workflows.build_lab(small_lab.root, dry_shape=(96, 128, 128), dit_shape=(96, 160, 160),
                          samples=("dry1", "dit"), seed=1)
    assert (again.root / "lab.json").stat().st_mtime_ns == stamp
    info = json.loads((small_lab.root / "lab.json").read_text())
    assert info["config"]["seed"] == 1


def test_lab_validates_arguments(tmp_path):
    with pytest.raises(ValueError, match="samples"):
        workflows.build_lab(tmp_path, dry_shape=(48, 64, 64), dit_shape=(48, 96, 96), samples=("dry9",))
    with pytest.raises(ValueError, match="dry_shape"):
        workflows.build_lab(tmp_path, dry_shape=(4, 64, 64), dit_shape=(48, 96, 96))
    with pytest.raises(FileNotFoundError, match="lab.json"):
        workflows.open_lab(tmp_path)


def test_porosity_conventions_name_the_calibrations_grid(small_lab):
    """The generator hits Table 2's porosity on the 0.74 µm grid by block mean > 0.5 (ties → pore): that
    column equals the porosity the lab recorded at build time and an independent coarse-graining of the
    truth (synth.coarsen_solid); the volume fraction is the truth voxels' non-NMC share; their gap is
    the ties' share of voxels times at most one (every tie counted as pore instead of half)."""
    from xctkit.phases import NMC
    from xctkit.synth import HR_VOXEL_UM, coarsen_solid

    conv = small_lab.porosity_conventions(samples=("dry1",))
    assert conv.state.tolist() == ["pristine", "cycled"]
    recorded = small_lab.measurements().set_index(["sample", "state"])
    for r in conv.itertuples():
        lab = small_lab.labels(small_lab.pair_ids(r.sample, r.state)[1])
        solid = lab.array == NMC
        assert r.porosity_volume_fraction == pytest.approx(1 - solid.mean(), abs=1e-6)
        assert r.porosity_hr_grid == pytest.approx(1 - coarsen_solid(solid, lab.voxel_um, HR_VOXEL_UM).mean(),
                                                   abs=1e-9)
        assert r.porosity_hr_grid == pytest.approx(recorded.loc[(r.sample, r.state), "porosity_xctkit"], abs=1e-4)
        assert r.porosity_table2 == recorded.loc[(r.sample, r.state), "porosity_paper"]
        # a tie is half pore by volume and counted whole: the gap is tie share / 2 up to the other
        # voxels' rounding (which goes both ways)
        assert r.tie_share > 0.01 and r.hr_grid_minus_volume_fraction > 0
        assert r.hr_grid_minus_volume_fraction == pytest.approx(r.tie_share / 2, abs=0.01)


def test_porosity_conventions_on_an_analytic_truth(tmp_path):
    """Alternating one-voxel NMC planes at 0.37 µm: every 0.74 µm block is exactly half NMC, so the
    calibration's convention reads porosity 1 where the volume fraction is 0.5."""
    from xctkit.workflows._sr import truth_on_grid

    solid = np.zeros((8, 8, 8), bool)
    solid[::2] = True
    g = truth_on_grid(solid, voxel_um=0.37, target_um=0.74)
    assert g.tie_fraction == 1.0 and g.tie_rule_pore.mean() == 1.0 and g.fraction.mean() == 0.5


def test_porosity_convention_sentence_comes_from_the_table(small_lab):
    conv = small_lab.porosity_conventions(samples=("dry1",))
    text = workflows.describe_porosity_conventions(conv)
    gap = conv.hr_grid_minus_volume_fraction * 100
    assert f"lower by {gap.min():.1f}–{gap.max():.1f} points" in text and "block mean of NMC > 0.5" in text


def test_parallel_build_is_the_sequential_build(tmp_path):
    """build_lab(workers=2) builds samples in spawned processes: the manifest, every measurement and
    every written volume are those of the one-process build."""
    import tifffile

    kw = dict(dry_shape=(32, 48, 48), dit_shape=(32, 48, 48), samples=("dry1", "dit"), seed=3,
              measure_tortuosity=True, fov_factor=1)
    one = workflows.build_lab(tmp_path / "one", workers=1, **kw)
    two = workflows.build_lab(tmp_path / "two", workers=2, **kw)
    assert [s.id for s in one.manifest] == [s.id for s in two.manifest]
    assert [s.id for s in one.manifest][-1] == "fov_lr"
    assert one.measurements().equals(two.measurements())
    for s in one.manifest:
        a, b = tifffile.imread(s.path), tifffile.imread(two.manifest.get(s.id).path)
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="workers"):
        workflows.build_lab(tmp_path / "three", workers=0, **kw)
