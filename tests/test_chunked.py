"""Chunked (Dask) chain vs the in-memory one: SR → segmentation → porosity / PSD / SSA.

Known answers: the in-memory xctkit functions (and scipy.ndimage.label / scikit-image Otsu) on the
same voxels. Tolerances: porosity, phase fractions, (multi-)Otsu thresholds, labels (up to renumbering) and
the PSD exact; SR within 1e-5 (float rounding of convolutions on different crop sizes); SSA within
1e-6 relative (the issue asks 0.5 %; the chunked mesh is the same mesh, only summed in another order).

The cluster test starts ``dask scheduler`` and two ``dask worker`` processes on localhost (skipped
where the ``dask`` command is missing); the other tests use the synchronous scheduler.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
import dask  # noqa: E402
from scipy import ndimage  # noqa: E402

from xctkit import micro, segment  # noqa: E402
from xctkit.phases import NMC, PORE  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _ball_packing(shape, n, r_range, seed):
    """Random overlapping balls (numpy only, not xctkit.synth): a boolean solid mask."""
    rng = np.random.default_rng(seed)
    zz, yy, xx = np.indices(shape)
    solid = np.zeros(shape, bool)
    for _ in range(n):
        c = rng.uniform(0, shape)
        r = rng.uniform(*r_range)
        solid |= (zz - c[0]) ** 2 + (yy - c[1]) ** 2 + (xx - c[2]) ** 2 <= r * r
    return solid


@pytest.fixture(scope="module")
def packing():
    solid = _ball_packing((24, 48, 40), 30, (3.0, 7.0), seed=3)
    return np.where(solid, NMC, PORE).astype(np.uint8)


def _same_up_to_renumbering(a, b):
    pairs = np.unique(np.stack([a.ravel(), b.ravel()]), axis=1)
    return pairs.shape[1] == np.unique(a).size == np.unique(b).size


# ---------------------------------------------------------------------------------------- synchronous


def test_porosity_and_fractions_equal_in_memory_exactly(packing):
    lab = da.from_array(packing, chunks=(10, 20, 17))
    with dask.config.set(scheduler="synchronous"):
        assert micro.porosity_dask(lab) == micro.porosity(packing)
        assert micro.phase_fractions_dask(lab) == micro.phase_fractions(packing)


@pytest.mark.parametrize("smooth_vox, cached", [(1.0, False), (1.0, True), (0.0, False)])
def test_surface_area_chunked_equals_in_memory(packing, smooth_vox, cached, tmp_path):
    """Also with the smoothed field written once to ``workdir`` and read back (removed afterwards)."""
    lab = da.from_array(packing, chunks=(10, 20, 17))  # irregular chunks, faces cut through balls
    with dask.config.set(scheduler="synchronous"):
        got = micro.surface_area_dask(lab, voxel_um=0.5, smooth_vox=smooth_vox,
                                      workdir=tmp_path if cached else None)
    ref = micro.surface_area(packing, voxel_um=0.5, smooth_vox=smooth_vox)
    assert got.area_um2 == pytest.approx(ref.area_um2, rel=1e-6)
    assert got.ssa_per_um == pytest.approx(ref.ssa_per_um, rel=1e-6)
    assert got.phase_volume_um3 == ref.phase_volume_um3
    assert list(tmp_path.iterdir()) == []  # the cached field is gone
    if cached:
        with pytest.raises(ValueError, match="workdir"):
            micro.surface_area_dask(lab, voxel_um=0.5, workdir=tmp_path / "missing")


def test_otsu_threshold_from_streamed_histogram_equals_skimage(packing, rng):
    from skimage.filters import threshold_otsu

    grey = (0.2 + 0.6 * (packing == NMC) + rng.normal(0, 0.08, packing.shape)).astype(np.float32)
    g = da.from_array(grey, chunks=(8, 16, 16))
    with dask.config.set(scheduler="synchronous"):
        seg = segment.threshold_dask(g)
        assert seg.thresholds[0] == float(threshold_otsu(grey))  # identical histogram → identical t
        np.testing.assert_array_equal(seg.labels.compute(), segment.threshold(grey).labels)
        three = segment.threshold_dask(g, method="multiotsu", classes=3)
    ref3 = segment.threshold(grey, method="multiotsu", classes=3)
    assert three.thresholds == ref3.thresholds


def test_labels_and_size_distribution_equal_in_memory(packing):
    solid = packing == NMC
    with dask.config.set(scheduler="synchronous"):
        inst, n = segment.label_dask(da.from_array(solid, chunks=(10, 20, 17)))
        inst = inst.compute()
        ref, n_ref = ndimage.label(solid)
        assert n == n_ref
        assert _same_up_to_renumbering(inst, ref)
        got = micro.particle_sizes_dask(da.from_array(inst, chunks=(10, 20, 17)), voxel_um=0.5, exclude_border=True)
    want = micro.particle_sizes(ref, voxel_um=0.5, exclude_border=True)
    np.testing.assert_array_equal(np.sort(got.diameters_um), np.sort(want.diameters_um))
    np.testing.assert_array_equal(got.number_fraction, want.number_fraction)
    np.testing.assert_array_equal(got.volume_fraction, want.volume_fraction)
    assert got.n_removed_at_border == want.n_removed_at_border


@pytest.mark.parametrize("connectivity", [1, 2, 3])
def test_labels_merge_across_every_chunk_face_and_count_voxels(connectivity):
    """Sparse random voxels (≈ 30 % foreground: many components touching only by edges or corners)
    in blocks cut along all three axes: equal to scipy's label up to renumbering for every structure,
    and the pass-1 counts equal the voxels of each component; sizes from them equal the counting pass."""
    rng = np.random.default_rng(connectivity)
    mask = rng.random((23, 31, 29)) < 0.3
    structure = ndimage.generate_binary_structure(3, connectivity)
    ref, n_ref = ndimage.label(mask, structure)
    with dask.config.set(scheduler="synchronous"):
        inst, n, counts = segment.label_dask(da.from_array(mask, chunks=(7, 9, 10)), connectivity=connectivity,
                                             return_counts=True)
        got = inst.compute()
        assert n == n_ref and _same_up_to_renumbering(got, ref)
        np.testing.assert_array_equal(counts, np.bincount(got.ravel(), minlength=n + 1))
        fast = micro.particle_sizes_dask(inst, voxel_um=0.5, counts=counts, exclude_border=True)
        slow = micro.particle_sizes_dask(inst, voxel_um=0.5, exclude_border=True)
    np.testing.assert_array_equal(np.sort(fast.diameters_um), np.sort(slow.diameters_um))
    assert fast.n_removed_at_border == slow.n_removed_at_border
    with pytest.raises(ValueError, match="counts"):
        micro.particle_sizes_dask(inst, voxel_um=0.5, counts=[[1, 2]])
    # dask-image's label (the library a user would otherwise call) finds the same components; on
    # 8 blocks, not 48: it needs 26 s for the 48 blocks of this 20 k-voxel volume (ours 0.4 s)
    from dask_image.ndmeasure import label as dask_image_label

    with dask.config.set(scheduler="synchronous"):
        other, n_other = dask_image_label(da.from_array(mask, chunks=(12, 16, 15)), structure=structure)
        assert int(n_other.compute()) == n and _same_up_to_renumbering(got, other.compute())


def test_subvolume_tortuosity_matches_direct_solves(packing):
    with dask.config.set(scheduler="synchronous"):
        table = micro.tortuosity_subvolumes(da.from_array(packing, chunks=(12, 24, 20)), sizes_vox=[24],
                                            max_per_size=2)
    assert list(table[["z0", "y0", "x0"]].itertuples(index=False, name=None)) == [(0, 0, 0), (0, 24, 0)]
    for row in table.itertuples():
        sub = packing[row.z0:row.z0 + 24, row.y0:row.y0 + 24, row.x0:row.x0 + 24]
        direct = micro.tortuosity(sub, threads=1)
        assert row.tau == pytest.approx(direct.tau, rel=1e-9, nan_ok=True)


def test_chunked_inputs_are_validated():
    with pytest.raises(TypeError, match="labels"):
        micro.porosity_dask(da.zeros((4, 4, 4), dtype=np.float32))
    with pytest.raises(ValueError, match="labels"):
        micro.surface_area_dask(np.zeros((4, 4), np.uint8), voxel_um=1.0)
    with pytest.raises(ValueError, match="constant"):
        segment.threshold_dask(np.ones((4, 4, 4), np.float32))


# ------------------------------------------------------------------------------------------ SR + cluster


def _sr_inputs():
    import keras

    from xctkit import sr

    keras.utils.set_random_seed(0)
    model = sr.paper_gan_generator()  # untrained: any fixed weights make the point; r = 3
    solid = _ball_packing((16, 64, 64), 60, (3.0, 8.0), seed=5)
    rng = np.random.default_rng(7)
    grey = ndimage.gaussian_filter(0.25 + 0.5 * solid.astype(np.float32), 1.2) + rng.normal(0, 0.03, solid.shape)
    return model, grey.astype(np.float32)


def test_sr_chunked_is_seam_free_synchronous():
    from xctkit import sr

    model, grey = _sr_inputs()
    ref = sr.super_resolve(model, grey)
    with dask.config.set(scheduler="synchronous"):
        got = sr.super_resolve_dask(model, da.from_array(grey, chunks=(8, 24, 40))).compute()
        bad = sr.super_resolve_dask(model, da.from_array(grey, chunks=(8, 24, 40)), depth=0).compute()
    np.testing.assert_allclose(got, ref, atol=1e-5)
    assert np.abs(bad - ref).max() > 1e-3  # without the halo the chunk faces show: the test can fail


def _dask_cli():
    exe = Path(sys.executable).with_name("dask")
    return str(exe) if exe.exists() else shutil.which("dask")


@pytest.fixture(scope="module")
def scheduler_address(tmp_path_factory):
    exe = _dask_cli()
    if exe is None:
        pytest.skip("the `dask` command line (distributed) is not installed")
    tmp = tmp_path_factory.mktemp("dask")
    sched_file = tmp / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "KERAS_BACKEND": "torch", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    log = open(tmp / "dask.log", "w")
    procs = [subprocess.Popen([exe, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--scheduler-file", str(sched_file)], env=env, stdout=log, stderr=log)]
    try:
        t0 = time.time()
        while not sched_file.exists():
            if time.time() - t0 > 60 or procs[0].poll() is not None:
                pytest.fail(f"dask scheduler did not start: {(tmp / 'dask.log').read_text()[-2000:]}")
            time.sleep(0.2)
        for _ in range(2):
            procs.append(subprocess.Popen(
                [exe, "worker", "--scheduler-file", str(sched_file), "--nworkers", "1", "--nthreads", "1",
                 "--memory-limit", "1GiB", "--no-dashboard", "--local-directory", str(tmp)],
                env=env, stdout=log, stderr=log))
        import json

        yield json.loads(sched_file.read_text())["address"]
    finally:
        for p in reversed(procs):  # only the processes this fixture started
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        log.close()


def test_chain_on_scheduler_and_two_worker_processes(scheduler_address):
    """SR → Otsu → porosity / labels / PSD / SSA on a real cluster equals the in-memory chain."""
    from xctkit import cluster, sr

    model, grey = _sr_inputs()
    ref_sr = sr.super_resolve(model, grey)
    with cluster(scheduler=scheduler_address, show_dashboard=False) as client:
        client.wait_for_workers(2, timeout=120)
        assert len(client.scheduler_info()["workers"]) == 2
        g = da.from_array(grey, chunks=(8, 32, 32))
        hr = sr.super_resolve_dask(model, g).persist()  # small here; large volumes go to_zarr instead
        got_sr = hr.compute()
        seg = segment.threshold_dask(hr)
        labels = seg.labels.persist()
        phi = micro.porosity_dask(labels)
        inst, n = segment.label_dask(labels == NMC)
        inst = inst.persist()
        psd = micro.particle_sizes_dask(inst, voxel_um=0.5)
        ssa = micro.surface_area_dask(labels, voxel_um=0.5)
        inst_np = inst.compute()
        # the work ran on both workers
        assert len({w for w in client.run(lambda: 1)}) == 2
    np.testing.assert_allclose(got_sr, ref_sr, atol=1e-5)
    # the rest of the chain, in memory, on the same SR voxels: exact
    ref_seg = segment.threshold(got_sr)
    assert seg.thresholds == ref_seg.thresholds
    assert phi == micro.porosity(ref_seg.labels)
    ref_inst, ref_n = ndimage.label(ref_seg.labels == NMC)
    assert n == ref_n and _same_up_to_renumbering(inst_np, ref_inst)
    ref_psd = micro.particle_sizes(ref_inst, voxel_um=0.5)
    np.testing.assert_array_equal(np.sort(psd.diameters_um), np.sort(ref_psd.diameters_um))
    np.testing.assert_array_equal(psd.number_fraction, ref_psd.number_fraction)
    assert ssa.ssa_per_um == pytest.approx(micro.surface_area(ref_seg.labels, voxel_um=0.5).ssa_per_um, rel=5e-3)
    # and end to end from the in-memory SR: porosity differs at most by the voxels SR rounding can flip
    ref_full = segment.threshold(ref_sr)
    near = np.sum(np.abs(ref_sr - ref_full.thresholds[0]) < 2e-5) / grey.size
    assert abs(phi - micro.porosity(ref_full.labels)) <= near


def test_cluster_local_default_and_address_from_environment(packing, monkeypatch, capsys):
    from xctkit import cluster

    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    with cluster(workers=1, processes=False) as client:  # threads: no process start-up in the test
        assert "dashboard" in capsys.readouterr().out
        assert len(client.scheduler_info()["workers"]) == 1
        assert micro.porosity_dask(da.from_array(packing, chunks=12)) == micro.porosity(packing)
        monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", client.scheduler.address)
        with cluster(show_dashboard=False) as joined:  # joins the running scheduler
            assert joined.scheduler.address == client.scheduler.address
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS")
    with pytest.raises(ValueError, match="workers"):
        with cluster(workers=0, scheduler=None):
            pass


def _lr_field():
    """A test-written LR field: balls (numpy) blurred and block-averaged 2× onto a 1 µm grid."""
    from xctkit.io import Volume

    solid = _ball_packing((32, 64, 64), 70, (3.0, 8.0), seed=11)
    rng = np.random.default_rng(13)
    grey = ndimage.gaussian_filter(0.25 + 0.5 * solid.astype(np.float32), 1.0)
    lr = grey.reshape(16, 2, 32, 2, 32, 2).mean(axis=(1, 3, 5)) + rng.normal(0, 0.02, (16, 32, 32))
    return Volume(lr.astype(np.float32), voxel_um=1.0)


def test_out_of_core_chain_on_two_worker_processes_equals_in_memory(scheduler_address, tmp_path):
    """workflows.run_out_of_core on a running scheduler: every stage timed and its memory sampled;
    the out-of-core numbers equal the in-memory chain's (porosity, threshold, particle count, PSD
    median and τ exactly; SSA within 0.5 %; SR within 1e-5)."""
    from xctkit import io, workflows

    model, _ = _sr_inputs()
    lr = _lr_field()
    run = workflows.run_out_of_core(model, lr, tmp_path / "ooc", hr_voxel_um=0.5, scheduler=scheduler_address,
                                    slices_per_chunk=8, tau_size_vox=16, tau_max=2)
    assert run.shape == (32, 64, 64) and run.workers == 2
    assert list(run.stages.stage) == list(workflows._out_of_core.STAGES)
    assert (run.stages.seconds > 0).all()
    # sampled memory: every worker holds at least its imports, and no stage reports less than that
    assert run.baseline_worker_mb > 50 and (run.stages.worker_peak_mb >= 0.9 * run.baseline_worker_mb).all()
    r = run.results.set_index("quantity")
    assert r.abs_diff["SR grey level (max)"] <= 1e-5
    assert r.out_of_core["porosity"] == r.in_memory["porosity"]
    assert r.out_of_core["particles"] == r.in_memory["particles"] > 1
    assert r.out_of_core["SSA (1/µm)"] == pytest.approx(r.in_memory["SSA (1/µm)"], rel=5e-3)
    assert run.agrees()
    # the stores are OME-Zarr with the HR voxel size; labels carry a viewing pyramid
    hr = io.read_zarr(run.hr_path, lazy=True)
    assert hr.voxel_um == 0.5 and hr.shape == run.shape
    assert io.read_zarr(run.labels_path, level=1, lazy=True).shape == (16, 32, 32)
    text = run.describe()
    assert f"{run.stages.seconds.sum():.1f} s" in text and "agree" in text and "not" not in text


def test_out_of_core_rejects_a_bare_array(tmp_path):
    from xctkit import workflows

    with pytest.raises(TypeError, match="`lr` must be an xctkit.io.Volume"):
        workflows.run_out_of_core(None, np.zeros((4, 8, 8), np.float32), tmp_path, hr_voxel_um=0.5)
    with pytest.raises(ValueError, match="hr_voxel_um"):
        workflows.run_out_of_core(None, _lr_field(), tmp_path, hr_voxel_um=-1.0)
