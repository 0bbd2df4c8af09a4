"""REV analysis: the spread of porosity over random sub-cubes of an uncorrelated field is analytic."""

import numpy as np
import pytest

from xctkit import micro
from xctkit.phases import NMC, PORE


@pytest.fixture(scope="module")
def bernoulli():
    """Independent voxels: NMC with probability 0.7, so porosity p = 0.3 (seeded)."""
    rng = np.random.default_rng(7)
    return np.where(rng.random((64, 64, 64)) < 0.7, NMC, PORE).astype(np.uint8)


def test_porosity_spread_follows_the_binomial_law(bernoulli):
    p = 0.3
    res = micro.rev_analysis(bernoulli, voxel_um=0.5, sizes_vox=[4, 8, 16], n_samples=300, seed=1)
    expected_std = np.sqrt(p * (1 - p) / np.array([4, 8, 16]) ** 3)
    # 300 samples: the std estimate is good to ~1/sqrt(2·300) ≈ 4 %; overlapping cubes drawn from a
    # finite 64³ field add a little, so allow 15 %
    np.testing.assert_allclose(res.std, expected_std, rtol=0.15)
    np.testing.assert_allclose(res.mean, p, atol=0.01)
    np.testing.assert_array_equal(res.size_um, [2.0, 4.0, 8.0])


def test_rev_size_is_where_the_relative_spread_falls_below_tolerance(bernoulli):
    # analytic relative spread sqrt((1-p)/(p n³)): 0.191 (n=4), 0.068 (n=8), 0.024 (n=16)
    res = micro.rev_analysis(bernoulli, voxel_um=1.0, sizes_vox=[4, 8, 16], n_samples=200,
                             tolerance=0.12, seed=2)
    assert res.rev_size_um == 8.0
    np.testing.assert_allclose(res.relative_spread, [0.191, 0.0675, 0.0239], rtol=0.15)
    tight = micro.rev_analysis(bernoulli, voxel_um=1.0, sizes_vox=[8, 16], n_samples=50,
                               tolerance=0.001, seed=2)
    assert np.isnan(tight.rev_size_um)


def test_rev_is_reproducible_and_accepts_a_callable(bernoulli):
    a = micro.rev_analysis(bernoulli, voxel_um=1.0, sizes_vox=[8], n_samples=10, seed=3)
    b = micro.rev_analysis(bernoulli, voxel_um=1.0, sizes_vox=[8], n_samples=10, seed=3)
    np.testing.assert_array_equal(a.mean, b.mean)

    def nmc_fraction(sub):
        return float((sub == NMC).mean())

    c = micro.rev_analysis(bernoulli, voxel_um=1.0, metric=nmc_fraction, sizes_vox=[8], n_samples=10, seed=3)
    assert c.metric == "nmc_fraction" and c.mean[0] == pytest.approx(1 - a.mean[0])
    assert list(c.to_frame().columns) == ["size_vox", "size_um", "mean", "std", "relative_spread", "n_valid"]


def test_rev_rejects_bad_input(bernoulli):
    with pytest.raises(ValueError, match="metric"):
        micro.rev_analysis(bernoulli, voxel_um=1.0, metric="euler")
    with pytest.raises(ValueError, match="n_samples"):
        micro.rev_analysis(bernoulli, voxel_um=1.0, n_samples=1)


def test_cubes_without_solid_count_as_pore_only():
    """A labelled volume whose solid is one ball: small cubes away from it hold pore only (labels 0),
    which is a valid sample (porosity 1, SSA 0), not a 0/1 mask given by mistake."""
    import numpy as np

    from xctkit.micro import rev_analysis
    from xctkit.phases import NMC, PORE

    z, y, x = np.indices((32, 32, 32))
    lab = np.where((z - 6) ** 2 + (y - 6) ** 2 + (x - 6) ** 2 <= 16, NMC, PORE).astype(np.uint8)
    rev = rev_analysis(lab, voxel_um=1.0, metric="porosity", sizes_vox=[4, 32], n_samples=30, seed=0)
    t = rev.to_frame().set_index("size_vox")
    assert t.loc[32, "mean"] == float((lab != NMC).mean())
    assert 0.9 < t.loc[4, "mean"] <= 1.0  # most small cubes miss the ball
    ssa = rev_analysis(lab, voxel_um=1.0, metric="ssa", sizes_vox=[4], n_samples=10, seed=0).to_frame()
    assert np.isfinite(ssa["mean"]).all() and (ssa["mean"] >= 0).all()
