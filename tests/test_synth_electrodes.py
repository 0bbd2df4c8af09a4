import numpy as np
import pytest

from xctkit import io, micro, synth, workflows
from xctkit.phases import CBD, CRACK, NMC, PORE

SHAPE = (48, 64, 64)


@pytest.fixture(scope="module")
def dry():
    return synth.dry_electrode(SHAPE, porosity=0.49, seed=3)


@pytest.fixture(scope="module")
def dit():
    return synth.dit_electrode((48, 96, 96), porosity=0.85, seed=3)


def test_same_seed_gives_identical_volumes(dry):
    again = synth.dry_electrode(SHAPE, porosity=0.49, seed=3)
    np.testing.assert_array_equal(again.labels, dry.labels)
    np.testing.assert_array_equal(again.particle_ids, dry.particle_ids)
    other = synth.dry_electrode(SHAPE, porosity=0.49, seed=4)
    assert not np.array_equal(other.labels, dry.labels)


def test_dry_porosity_and_phase_fractions_match_the_request(dry):
    # porosity is hit on the 0.74 µm grid to within one particle's worth of volume
    assert micro.porosity(~dry.solid_at(0.74)) == pytest.approx(0.49, abs=0.005)
    f = dry.fractions()
    assert f["crack"] == 0 and f["nmc"] > 0.45
    expected_cbd = synth.cbd_fraction_from_composition("dry", 0.51)
    assert f["cbd"] == pytest.approx(expected_cbd, abs=0.002)
    assert set(np.unique(dry.labels)) <= {PORE, CBD, NMC}
    # particle ids cover exactly the NMC voxels
    np.testing.assert_array_equal(dry.particle_ids > 0, dry.labels == NMC)


def test_cbd_sits_next_to_particles(dry):
    from scipy import ndimage

    d = ndimage.distance_transform_edt(dry.labels != NMC)
    assert np.median(d[dry.labels == CBD]) <= 2.0  # voxels from the nearest NMC
    assert np.median(d[dry.labels == PORE]) > np.median(d[dry.labels == CBD])


def _straight_columns(e):
    """Fraction of (y, x) columns that are non-NMC through the whole thickness."""
    return float(np.all(e.labels != NMC, axis=0).mean())


def test_dit_has_vertical_channels_and_target_porosity(dit, dry):
    assert micro.porosity(~dit.solid_at(0.74)) == pytest.approx(0.85, abs=0.005)
    # open channels run straight through the thickness; a compact dry packing has none
    assert _straight_columns(dit) > 0.2
    assert _straight_columns(dry) < 0.02
    tau = micro.tortuosity(~dit.solid_at(0.74), axis=0)
    assert tau.percolates and 1.0 < tau.tau < 1.5


def test_dry_is_more_tortuous_than_dit(dry, dit):
    t_dry = micro.tortuosity(~dry.solid_at(0.74)).tau
    t_dit = micro.tortuosity(~dit.solid_at(0.74)).tau
    assert t_dry > t_dit + 0.5


def test_flatter_particles_raise_through_thickness_tortuosity():
    taus = [micro.tortuosity(~synth.dry_electrode(SHAPE, porosity=0.49, aspect=a, seed=5).solid_at(0.74)).tau
            for a in (1.0, 0.6)]
    assert taus[1] > taus[0] * 1.15


def test_cycle_hits_porosity_grows_particles_and_cracks(dry):
    aged = synth.cycle(dry, expansion=0.07, seed=1)
    assert aged.state == "cycled"
    assert micro.porosity(~aged.solid_at(0.74)) == pytest.approx(0.42, abs=0.006)
    assert np.all(aged.particles.semi_axes_um >= dry.particles.semi_axes_um)
    assert aged.params["growth"] > 1.0
    f = aged.fractions()
    assert 0 < f["crack"] < 0.05
    # carbon-binder volume is conserved
    assert f["cbd"] == pytest.approx(dry.fractions()["cbd"], abs=0.002)
    # cracks sit inside or between particles: every crack voxel touches NMC
    from scipy import ndimage

    d = ndimage.distance_transform_edt(aged.labels != NMC)[aged.labels == CRACK]
    assert np.percentile(d, 99) <= 2.0 and d.max() <= 3.0  # voxels from the nearest NMC
    assert aged.provenance.parents[0]["generator"] == "xctkit.synth.dry_electrode"


def test_cycle_validates(dry):
    with pytest.raises(ValueError, match="exactly one"):
        synth.cycle(dry)
    with pytest.raises(ValueError, match="porosity"):
        synth.cycle(dry, porosity=0.6)  # cycling cannot raise porosity
    with pytest.raises(ValueError, match="DIT"):
        synth.cycle(dry, porosity=0.45, buckling_um=2.0)
    aged = synth.cycle(dry, porosity=0.45, seed=0)
    with pytest.raises(ValueError, match="pristine"):
        synth.cycle(aged, porosity=0.40)


@pytest.mark.parametrize("kw, exc, match", [
    (dict(porosity=1.2), ValueError, "porosity"),
    (dict(shape=(4, 64, 64)), ValueError, "shape"),
    (dict(voxel_um=-1), ValueError, "voxel_um"),
    (dict(seed="a"), TypeError, "seed"),
    (dict(porosity=0.05), ValueError, "below what the packing reaches"),
])
def test_generator_validates(kw, exc, match):
    args = dict(shape=SHAPE, porosity=0.49)
    args.update(kw)
    with pytest.raises(exc, match=match):
        synth.dry_electrode(args.pop("shape"), **args)


def test_provenance_round_trips_through_io(tmp_path, dry):
    path = io.write_tiff(tmp_path / "dry.tif", dry.labels, voxel_um=dry.voxel_um, provenance=dry.provenance)
    back = io.read_tiff(path)
    assert back.provenance.generator == "xctkit.synth.dry_electrode"
    assert back.provenance.seed == 3
    assert back.provenance.parameters["porosity"] == 0.49
    assert back.provenance.parameters["shape"] == list(SHAPE)
    rebuilt = synth.dry_electrode(tuple(back.provenance.parameters["shape"]), seed=back.provenance.seed,
                                  **{k: v for k, v in back.provenance.parameters.items()
                                     if k in ("porosity", "aspect", "d_mode_um", "d_sigma", "overlap",
                                              "packing_fraction", "cbd_fraction")})
    np.testing.assert_array_equal(rebuilt.labels, back.array)


def test_calibration_hits_a_tortuosity_target_at_small_size():
    target = 2.4
    e, cal = workflows.calibrate_state("dry", porosity=0.48, tortuosity=target, shape=SHAPE, seed=2, rtol=0.04)
    assert cal.converged
    assert abs(cal.measured_tortuosity - target) <= 0.04 * target
    assert cal.measured_porosity == pytest.approx(0.48, abs=0.01)
    phi, tau = workflows.measure(e)
    assert tau == pytest.approx(cal.measured_tortuosity)
    assert cal.parameter == "aspect" and 0.3 <= cal.value <= 1.3
