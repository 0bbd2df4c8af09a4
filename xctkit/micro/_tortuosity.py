"""Tortuosity factor by TauFactor's steady-state diffusion solver, cross-checked with PoreSpy's."""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .._validate import as_labels, check_choice, check_int, check_positive
from ..phases import NMC

__all__ = ["Tortuosity", "tortuosity", "percolating_fraction"]

log = logging.getLogger(__name__)


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
    method : {'taufactor', 'porespy'}
        The solver that produced ``tau``.
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

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame([self.__dict__])


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
               conv_crit: float = 1e-2, iter_limit: int = 20000, voxel_um: float | None = None,
               method: str = "taufactor", threads: int | str | None = "auto") -> Tortuosity:
    """Tortuosity factor of one phase along one axis (TauFactor, or PoreSpy as a cross-check).

    Solves steady diffusion through the transporting phase with fixed concentrations on the two
    faces normal to ``axis`` and no flux on the sides, then τ = ε D₀ / D_eff :cite:`cooper2016taufactor`.
    ε is the phase's whole volume fraction (TauFactor's convention) for both methods; PoreSpy's own
    ``tortuosity`` uses the percolating fraction instead, so its value is rescaled here to make the
    two comparable.

    Parameters
    ----------
    labels : (Z, Y, X) ndarray of uint8, or bool
        Phase labels, or a boolean mask of the transporting phase.
    phase : int or sequence of int, optional
        Label(s) of the transporting phase. Default: everything that is not ``solid`` (pore,
        carbon-binder and cracks, as in a two-phase XCT segmentation, paper 000).
    solid : int or sequence of int
        Used only when ``phase`` is None.
    axis : int
        Transport axis; 0 is z, the through-thickness direction.
    device : {'cpu', 'cuda'}
        TauFactor device (CPU by default; TauFactor itself defaults to CUDA).
    conv_crit : float
        TauFactor convergence criterion (relative flux spread between slices).
    iter_limit : int
        Maximum solver iterations; a warning is issued if not converged.
    voxel_um : float, optional
        Accepted for a uniform signature; τ is dimensionless and does not depend on it.
    method : {'taufactor', 'porespy'}
        ``'taufactor'``: TauFactor's over-relaxed finite-difference solver (the default, as used
        for the calibration). ``'porespy'``: ``porespy.simulations.tortuosity_fd`` (OpenPNM
        Fickian diffusion, algebraic-multigrid solve), an independent implementation; needs
        ``openpnm`` (``pip install xctkit[dev]``). ``conv_crit`` and ``iter_limit`` apply to
        TauFactor only.
    threads : int, 'auto' or None
        Torch threads for TauFactor's solve (restored afterwards). None keeps torch's setting;
        ``'auto'`` uses one thread below 10⁶ voxels and torch's setting above. Measured on 2 cores:
        below ~10⁶ voxels a second thread gains nothing (0.15 s either way at 64³, 0.5 vs 0.6 s at
        96³) and loses several-fold when the cores are shared with other work (0.16 s vs 0.5–1.1 s
        at 48×64×64); at 128³ two idle threads are 1.6× faster (1.3 vs 2.1 s) but 3–10× slower
        when shared. Pass 1 on a busy machine.

    Returns
    -------
    Tortuosity

    Raises
    ------
    ValueError
        If ``labels`` is not 3-D, or ``axis`` is not 0, 1 or 2.
    ImportError
        For ``method='porespy'`` without ``openpnm``.

    Notes
    -----
    A phase with no path between the two faces returns ``percolates=False`` and ``tau=nan``
    instead of TauFactor's printed warning and 0/inf.

    References
    ----------
    .. [1] Cooper et al., SoftwareX 5 (2016) 203-210 (TauFactor).
    .. [2] Gostick et al., J. Open Source Softw. 4 (2019) 1296 (PoreSpy).
    """
    lab = as_labels(labels, "labels", ndim=3)
    axis = check_int(axis, "axis", min_value=0, max_value=2)
    check_choice(device, "device", ("cpu", "cuda"))
    check_choice(method, "method", ("taufactor", "porespy"))
    if threads == "auto":
        threads = 1 if lab.size < 1_000_000 else None
    elif threads is not None:
        threads = check_int(threads, "threads", min_value=1)
    check_positive(conv_crit, "conv_crit")
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
    perc = percolating_fraction(mask, axis=axis)
    if perc == 0.0:
        return Tortuosity(float("nan"), 0.0, eps, 0.0, False, axis, 0, True, method)
    if method == "porespy":
        return _tortuosity_porespy(mask, axis=axis, eps=eps, perc=perc)

    import taufactor
    import torch

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
