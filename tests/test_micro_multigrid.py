"""The multigrid tortuosity solver against a direct sparse solve, TauFactor, and analytic cases."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spl
from scipy import ndimage

from xctkit import micro


def _direct_d_eff(mask: np.ndarray) -> float:
    """D_eff/D_0 of TauFactor's discretisation, assembled and solved directly (written independently)."""
    idx = -np.ones(mask.shape, int)
    idx[mask] = np.arange(mask.sum())
    n = int(mask.sum())
    rows, cols, vals = [], [], []
    diag, rhs = np.zeros(n), np.zeros(n)
    for a in range(3):
        lo, hi = [slice(None)] * 3, [slice(None)] * 3
        lo[a], hi[a] = slice(0, -1), slice(1, None)
        both = mask[tuple(lo)] & mask[tuple(hi)]
        i, j = idx[tuple(lo)][both], idx[tuple(hi)][both]
        rows += [i, j]
        cols += [j, i]
        vals += [-np.ones(i.size)] * 2
        np.add.at(diag, i, 1)
        np.add.at(diag, j, 1)
    inlet, outlet = idx[0][mask[0]], idx[-1][mask[-1]]
    np.add.at(diag, inlet, 2)  # Dirichlet planes half a voxel away: conductance 2
    np.add.at(diag, outlet, 2)
    rhs[inlet] += 2.0
    a = sp.coo_matrix((np.concatenate(vals + [diag]),
                       (np.concatenate(rows + [np.arange(n)]), np.concatenate(cols + [np.arange(n)]))),
                      shape=(n, n)).tocsr()
    c = spl.spsolve(a, rhs)
    return float(np.sum(2 * (1 - c[inlet])) * mask.shape[0] / (mask.shape[1] * mask.shape[2]))


def _porous(shape, porosity, seed):
    g = ndimage.gaussian_filter(np.random.default_rng(seed).random(shape), 2.0)
    return g > np.quantile(g, 1 - porosity)


def _percolating(mask):
    lab, _ = ndimage.label(mask)
    keep = np.intersect1d(lab[0][lab[0] > 0], lab[-1][lab[-1] > 0])
    return np.isin(lab, keep)


@pytest.mark.parametrize("shape, porosity, seed", [((40, 40, 40), 0.5, 0), ((33, 37, 41), 0.4, 1)])
def test_multigrid_matches_a_direct_sparse_solve(shape, porosity, seed):
    mask = _porous(shape, porosity, seed)
    d_direct = _direct_d_eff(_percolating(mask))
    res = micro.tortuosity(mask, method="multigrid", tol=1e-7)
    assert res.converged and res.relative_residual <= 1e-7
    # acceptance: within 0.05 % of the direct solve at <= 64³
    assert res.d_eff_rel == pytest.approx(d_direct, rel=5e-4)
    assert res.tau == pytest.approx(mask.mean() / d_direct, rel=5e-4)
    assert res.flux_imbalance < 1e-3


def test_multigrid_agrees_with_taufactor_along_every_axis():
    mask = _porous((48, 48, 48), 0.45, 3)
    for axis in range(3):
        mg = micro.tortuosity(mask, axis=axis)
        tf = micro.tortuosity(mask, axis=axis, method="taufactor", conv_crit=1e-3)
        assert mg.method == "multigrid" and tf.method == "taufactor"
        assert mg.tau == pytest.approx(tf.tau, rel=2e-3)  # acceptance: within 0.2 % of TauFactor


def test_straight_channels_have_tau_one_and_a_linear_field():
    mask = np.zeros((24, 12, 12), bool)
    mask[:, ::3, ::2] = True
    res = micro.tortuosity(mask, return_field=True)
    assert res.tau == pytest.approx(1.0, abs=1e-4)
    c = res.concentration
    assert c.shape == mask.shape and np.isnan(c[~mask]).all()
    # half a voxel from each Dirichlet plane: c = 1 - (z + 1/2) / L along every channel
    z = np.arange(24)
    np.testing.assert_allclose(c[:, 0, 0], 1 - (z + 0.5) / 24, atol=1e-5)


def test_dead_ends_and_isolated_pores_do_not_change_tau():
    mask = np.zeros((20, 10, 10), bool)
    mask[:, 2, 2] = True  # one straight channel
    base = micro.tortuosity(mask).d_eff_rel
    mask[:6, 6, 6] = True  # a dead end open to the inlet only
    mask[8:12, 8, 8] = True  # an isolated pore
    res = micro.tortuosity(mask)
    assert res.d_eff_rel == pytest.approx(base, rel=1e-5)
    assert res.volume_fraction == pytest.approx(mask.mean())


def test_degenerate_inputs_warn_or_fail_clearly():
    solid = np.zeros((8, 8, 8), bool)
    with pytest.warns(micro.NonPercolatingWarning, match="no path"):
        res = micro.tortuosity(solid)
    assert np.isnan(res.tau) and not res.percolates
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # not converged: warned, not crashed
        for method in ("multigrid", "taufactor"):
            res = micro.tortuosity(_porous((16, 16, 16), 0.5, 4), method=method, iter_limit=1)
            assert np.isfinite(res.tau) and not res.converged
    import torch

    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA"):
            micro.tortuosity(np.ones((8, 8, 8), bool), device="cuda")
