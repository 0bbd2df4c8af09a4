"""Chapter tables of xctkit.workflows against analytic cases built in the test."""

import warnings

import numpy as np
import pandas as pd
import pytest

from xctkit import micro, workflows


def test_transport_table_on_straight_slabs_and_a_blocked_volume():
    slabs = np.zeros((12, 12, 12), bool)
    slabs[:, ::3, :] = True  # straight pore slabs along z: porosity 1/3, tau = 1 exactly
    blocked = slabs.copy()
    blocked[6] = False  # a solid layer across z: nothing percolates
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the blocked volume's tau is undefined (warned by micro.tortuosity)
        t = workflows.transport_table({"slabs": slabs, "blocked": blocked}, axis=0).set_index("source")
    assert t.porosity["slabs"] == pytest.approx(1 / 3)
    assert t.tortuosity["slabs"] == pytest.approx(1.0, abs=1e-4)
    assert bool(t.percolates["slabs"]) and not bool(t.percolates["blocked"])
    with pytest.raises(TypeError, match="boolean pore mask"):
        workflows.transport_table({"labels": slabs.astype(np.uint8)})
    with pytest.raises(TypeError, match="non-empty dict"):
        workflows.transport_table({})


def test_size_table_reads_counts_modes_and_medians():
    inst = np.zeros((20, 20, 20), np.int32)
    inst[1:5, 1:5, 1:5] = 1      # 64 voxels of 1 µm³: d = (6·64/π)^(1/3) = 4.96 µm
    inst[10:13, 10:13, 10:13] = 2  # 27 voxels: d = 3.72 µm
    d = micro.particle_sizes(inst, voxel_um=1.0)
    t = workflows.size_table({("s", "pristine"): d, ("s", "cycled"): d})
    assert t.columns[:2].tolist() == ["sample", "state"]
    assert t.n_particles.tolist() == [2, 2]
    assert t.median_um[0] == pytest.approx(np.median(np.cbrt(6 * np.array([64, 27]) / np.pi)))


def test_quality_vs_paper_adds_gains_over_the_baseline():
    summary = pd.DataFrame({"model": ["bicubic", "CNN", "EDSR"], "ssim": [0.6, 0.8, 0.85],
                            "psnr_db": [20.0, 24.5, 25.0]})
    t = workflows.quality_vs_paper(summary).set_index("model")
    assert t.psnr_gain_db["CNN"] == pytest.approx(4.5) and t.ssim_gain["bicubic"] == 0
    assert t.paper_psnr_db["CNN"] == pytest.approx(30.12) and np.isnan(t.paper_psnr_db["EDSR"])
    with pytest.raises(ValueError, match="bicubic"):
        workflows.quality_vs_paper(summary[summary.model != "bicubic"])
