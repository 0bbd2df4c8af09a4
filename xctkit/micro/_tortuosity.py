"""Tortuosity factor by xctkit's multigrid-preconditioned CG solver (the default), TauFactor's over-relaxed
solver, or PoreSpy's, all with TauFactor's boundary conditions and τ definition."""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from .._validate import as_phases, check_choice, check_int, check_phase_values, check_positive
from ..phases import NMC

__all__ = ["Tortuosity", "tortuosity", "percolating_fraction", "NonPercolatingWarning"]

log = logging.getLogger(__name__)


class NonPercolatingWarning(UserWarning):
    """The transporting phase has no path between the two faces: τ is undefined (returned as NaN)."""


@dataclass(frozen=True)
class Tortuosity:
    """Result of :func:`tortuosity`.

    Attributes
    ----------
    tau : float
        Tortuosity factor τ = ε D₀ / D_eff (dimensionless). NaN when ``percolates`` is False.
    d_eff_rel : float
        Relative effective diffusivity D_eff / D₀ = ε / τ (0 when nothing percolates).
    volume_fraction : float
        ε, volume fraction of the transporting phase.
    percolating_fraction : float
        Fraction of the transporting phase connected to both faces along ``axis``.
    percolates : bool
        Whether any path connects the two faces ("no percolating path" when False).
    axis : int
        Transport axis (0 = z, through-thickness).
    iterations : int
        Solver iterations (0 when nothing percolates).
    converged : bool
    method : {'multigrid', 'taufactor', 'porespy'}
        The solver that produced ``tau``.
    relative_residual : float
        ``‖b − A c‖ / ‖b‖`` of the multigrid solve (NaN for the other methods).
    flux_imbalance : float
        ``|J_in − J_out| / J_in`` of the multigrid solve (NaN for the other methods).
    concentration : ndarray or None
        Concentration field (1 at the inlet face, 0 at the outlet; NaN outside the percolating
        phase) when ``return_field=True`` (multigrid only).
    """

    tau: float
    d_eff_rel: float
    volume_fraction: float
    percolating_fraction: float
    percolates: bool
    axis: int
    iterations: int
    converged: bool
    method: str = "taufactor"
    relative_residual: float = float("nan")
    flux_imbalance: float = float("nan")
    concentration: np.ndarray | None = field(default=None, repr=False)

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame([{k: v for k, v in self.__dict__.items() if k != "concentration"}])


def percolating_fraction(mask: np.ndarray, *, axis: int = 0) -> float:
    """Fraction of ``mask`` voxels in 6-connected clusters touching both faces along ``axis``."""
    m = np.asarray(mask, dtype=bool)
    total = m.sum()
    if total == 0:
        return 0.0
    lab, _ = ndimage.label(m)
    first = np.take(lab, 0, axis=axis)
    last = np.take(lab, -1, axis=axis)
    through = np.intersect1d(np.unique(first[first > 0]), np.unique(last[last > 0]))
    if through.size == 0:
        return 0.0
    return float(np.isin(lab, through).sum() / total)


def tortuosity(labels, *, phase=None, solid=NMC, axis: int = 0, device: str = "cpu",
               method: str = "multigrid", tol: float = 1e-6, conv_crit: float = 1e-2,
               iter_limit: int | None = None, voxel_um: float | None = None, return_field: bool = False,
               threads: int | str | None = "auto") -> Tortuosity:
    """Tortuosity factor of one phase along one axis.

    Solves steady diffusion through the transporting phase with fixed concentrations on the two
    faces normal to ``axis`` and no flux on the sides, then τ = ε D₀ / D_eff :cite:`cooper2016taufactor`,
    ε the phase's whole volume fraction (TauFactor's convention, for every method).

    Parameters
    ----------
    labels : (Z, Y, X) ndarray of uint8, or bool
        Phase labels (:mod:`xctkit.phases`), or a boolean mask of the transporting phase
        (True = pore, as everywhere in xctkit).
    phase : int or sequence of int, optional
        Label(s) of the transporting phase. Default: everything that is not ``solid`` (pore,
        carbon-binder and cracks, as in a two-phase XCT segmentation, paper 000).
    solid : int or sequence of int
        Used only when ``phase`` is None.
    axis : int
        Transport axis; 0 is z, the through-thickness direction.
    device : {'cpu', 'cuda'}
        Where the solve runs. ``'cuda'`` on a machine without CUDA is an error (never a silent CPU run).
    method : {'multigrid', 'taufactor', 'porespy'}
        ``'multigrid'`` (default): conjugate gradients preconditioned by a geometric multigrid V-cycle
        (:mod:`xctkit.micro._multigrid`), stopped on the relative residual ``tol``; several times faster
        than TauFactor and converged on the residual, not on a flux spread. ``'taufactor'``: TauFactor's
        over-relaxed finite-difference solver, stopped on ``conv_crit``. ``'porespy'``:
        ``porespy.simulations.tortuosity_fd`` (OpenPNM), an independent implementation (needs
        ``openpnm``).
    tol : float
        Multigrid: relative residual to reach.
    conv_crit : float
        TauFactor: convergence criterion (relative flux spread between slices).
    iter_limit : int, optional
        Iteration limit (multigrid default 500, TauFactor default 20000); a warning is issued if the
        solve stops before converging.
    voxel_um : float, optional
        Accepted for a uniform signature; τ is dimensionless and does not depend on it.
    return_field : bool
        Multigrid: also return the concentration field (``Tortuosity.concentration``).
    threads : int, 'auto' or None
        TauFactor only: torch threads for the solve (restored afterwards); ``'auto'`` uses one thread
        below 10⁶ voxels.

    Returns
    -------
    Tortuosity

    Raises
    ------
    ValueError
        If ``labels`` is not 3-D, ``axis`` is not 0, 1 or 2, or ``device='cuda'`` without CUDA.
    ImportError
        For ``method='porespy'`` without ``openpnm``.

    Warns
    -----
    NonPercolatingWarning
        When no path connects the two faces: ``percolates=False`` and ``tau=nan``.

    Examples
    --------
    >>> import numpy as np
    >>> from xctkit import micro
    >>> slabs = np.zeros((16, 8, 8), bool); slabs[:, ::2, :] = True   # straight pore channels along z
    >>> round(micro.tortuosity(slabs).tau, 4)
    1.0

    References
    ----------
    .. [1] Cooper et al., SoftwareX 5 (2016) 203-210 (TauFactor).
    .. [2] McAdams, Sifakis & Teran, SCA 2010 (multigrid-preconditioned CG on voxel grids).
    .. [3] Gostick et al., J. Open Source Softw. 4 (2019) 1296 (PoreSpy).
    """
    if phase is not None:
        phase = check_phase_values(phase, "phase")
    solid = check_phase_values(solid, "solid")
    lab = as_phases(labels, "labels", ndim=3, require=phase if phase is not None else solid)
    axis = check_int(axis, "axis", min_value=0, max_value=2)
    check_choice(device, "device", ("cpu", "cuda"))
    check_choice(method, "method", ("multigrid", "taufactor", "porespy"))
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise ValueError("`device='cuda'` but torch finds no CUDA device on this machine; use device='cpu'")
    if threads == "auto":
        threads = 1 if lab.size < 1_000_000 else None
    elif threads is not None:
        threads = check_int(threads, "threads", min_value=1)
    check_positive(conv_crit, "conv_crit")
    check_positive(tol, "tol")
    if iter_limit is not None:
        iter_limit = check_int(iter_limit, "iter_limit", min_value=1)
    if voxel_um is not None:
        check_positive(voxel_um, "voxel_um")
    if lab.dtype == bool:
        mask = lab
    elif phase is None:
        mask = ~np.isin(lab, np.atleast_1d(solid))
    else:
        mask = np.isin(lab, np.atleast_1d(phase))
    if min(mask.shape) < 3:
        raise ValueError(f"`labels` must be at least 3 voxels along every axis, got {mask.shape}")
    eps = float(mask.mean())
    through = _through_mask(mask, axis=axis)
    perc = float(through.sum() / mask.sum()) if mask.any() else 0.0
    if perc == 0.0:
        warnings.warn(f"tortuosity: no path of the transporting phase (volume fraction {eps:.3f}) connects "
                      f"the two faces along axis {axis}; tau is undefined (NaN)", NonPercolatingWarning,
                      stacklevel=2)
        return Tortuosity(float("nan"), 0.0, eps, 0.0, False, axis, 0, True, method)
    if method == "porespy":
        return _tortuosity_porespy(mask, axis=axis, eps=eps, perc=perc)
    if method == "multigrid":
        from ._multigrid import solve_diffusion

        sol = solve_diffusion(through, axis=axis, tol=tol, max_iter=iter_limit or 500, device=device,
                              return_field=return_field)
        if not sol.converged:
            warnings.warn(f"tortuosity: the multigrid solve stopped at relative residual "
                          f"{sol.relative_residual:.1e} > tol={tol:g} after {sol.iterations} iterations; "
                          "tau is approximate (raise `iter_limit`)", stacklevel=2)
        return Tortuosity(eps / sol.d_eff_rel, sol.d_eff_rel, eps, perc, True, axis, sol.iterations,
                          sol.converged, "multigrid", sol.relative_residual, sol.flux_imbalance, sol.field)

    import taufactor
    import torch

    iter_limit = iter_limit or 20000
    img = np.ascontiguousarray(np.moveaxis(mask, axis, 0).astype(np.uint8))
    out = io.StringIO()
    previous = torch.get_num_threads()
    try:
        if threads is not None:
            torch.set_num_threads(threads)
        with contextlib.redirect_stdout(out), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            solver = taufactor.Solver(img, device=device)
            solver.solve(iter_limit=iter_limit, verbose=False, conv_crit=conv_crit)
            if solver.tau is None:  # stopped before TauFactor's first convergence check
                solver.tau, _ = solver.compute_metrics()
    finally:
        torch.set_num_threads(previous)
    if out.getvalue().strip():
        log.debug("taufactor: %s", out.getvalue().strip())
    tau = float(np.asarray(solver.tau).ravel()[0])
    converged = bool(solver.converged)
    if not converged:
        warnings.warn(f"tortuosity: TauFactor did not converge in {iter_limit} iterations; "
                      f"tau={tau:.4f} is approximate (raise `iter_limit`)", stacklevel=2)
    d_rel = float(np.asarray(solver.D_rel).ravel()[0])
    return Tortuosity(tau, d_rel, eps, perc, True, axis, int(solver.iter), converged, "taufactor")


def _through_mask(mask: np.ndarray, *, axis: int) -> np.ndarray:
    """The voxels of ``mask`` in 6-connected clusters that touch both faces along ``axis``."""
    lab, _ = ndimage.label(mask)
    first = np.take(lab, 0, axis=axis)
    last = np.take(lab, -1, axis=axis)
    through = np.intersect1d(np.unique(first[first > 0]), np.unique(last[last > 0]))
    return np.isin(lab, through) if through.size else np.zeros_like(mask)


def _tortuosity_porespy(mask: np.ndarray, *, axis: int, eps: float, perc: float) -> Tortuosity:
    try:
        import openpnm  # noqa: F401
    except ImportError as exc:  # pragma: no cover - openpnm is in the dev extra
        raise ImportError("tortuosity(method='porespy') needs openpnm: pip install 'xctkit[dev]' "
                          "(or pip install openpnm)") from exc
    import porespy

    ps_log = logging.getLogger("porespy")
    level = ps_log.level
    ps_log.setLevel(logging.ERROR)  # "non-percolating regions were filled": expected, reported as perc
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = porespy.simulations.tortuosity_fd(np.ascontiguousarray(mask), axis=axis)
    finally:
        ps_log.setLevel(level)
    formation = float(res.formation_factor)  # D0 / D_eff
    return Tortuosity(eps * formation, 1.0 / formation, eps, perc, True, axis, 0,
                      bool(getattr(res, "converged", True)), "porespy")
