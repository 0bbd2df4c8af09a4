"""Calibration: tune a generator's free parameter until measured porosity and tortuosity hit targets.

Porosity is hit exactly inside each generator (particle removal or growth); this module searches the
one parameter that controls the through-thickness tortuosity factor:

=========  ========  =============================  ==========================================
sample     state     parameter                      effect on τ
=========  ========  =============================  ==========================================
dry        pristine  ``aspect`` (a_z / a_xy)        flatter (lower) particles raise τ
dit        pristine  ``waviness_um``                wavier lamellae raise τ
dry        cycled    ``anisotropy`` (growth)        sideways growth raises τ
dit        cycled    ``anisotropy`` (growth)        sideways growth narrows the channels
=========  ========  =============================  ==========================================

Presets (:func:`xctkit.synth.load_presets`) are produced by :func:`calibrate_presets` at the ``full``
profile size and stored in ``xctkit/synth/presets.json``; they are never typed by hand.
"""

from __future__ import annotations

import json
import logging
import math
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from .. import __version__
from .._validate import check_fraction, check_int, check_positive, check_shape3
from ..io import atomic_path
from ..micro import tortuosity
from ..papers import table2
from ..synth import CALIBRATED_PARAMETER, cycle, dit_electrode, dry_electrode, Electrode, HR_VOXEL_UM


__all__ = [
    "Calibration",
    "calibrate",
    "calibrate_state",
    "calibrate_presets",
    "measure",
    "CALIBRATED_PARAMETER",
]

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class Calibration:
    """Outcome of a calibration.

    Attributes
    ----------
    parameter : str
        Name of the tuned parameter.
    value : float
        Its calibrated value.
    target_porosity, target_tortuosity : float
    measured_porosity, measured_tortuosity : float
        Measured on the ``measure_voxel_um`` grid of the final electrode.
    evaluations : tuple of (value, porosity, tortuosity)
        Every trial, in order.
    converged : bool
        ``|τ - target| <= rtol·target``.
    """

    parameter: str
    value: float
    target_porosity: float
    target_tortuosity: float
    measured_porosity: float
    measured_tortuosity: float
    evaluations: tuple
    converged: bool

    def to_dict(self) -> dict:
        d = asdict(self)
        d["evaluations"] = [list(map(float, e)) for e in self.evaluations]
        return d


def measure(electrode: Electrode, *, voxel_um: float = HR_VOXEL_UM) -> tuple[float, float]:
    """(porosity, through-thickness tortuosity factor) of an electrode on the ``voxel_um`` grid.

    The NMC phase is coarse-grained to ``voxel_um`` (a perfect two-phase segmentation of a scan at
    that voxel, as in paper 000), and τ is TauFactor's on the non-NMC phase along z.
    """

    solid = electrode.solid_at(voxel_um)
    res = tortuosity(~solid, axis=0)
    return float(1.0 - solid.mean()), float(res.tau)


def calibrate(make: Callable[[float], Electrode], *, parameter: str, bounds: tuple[float, float],
              porosity: float, tortuosity: float, rtol: float = 0.03, max_evals: int = 9,
              measure_voxel_um: float = HR_VOXEL_UM) -> tuple[Electrode, Calibration]:
    """Find the value of one parameter at which ``make(value)`` has the target tortuosity.

    A bracketing secant search (Illinois variant of regula falsi) on ``log τ``; ``make`` must hit
    the porosity target itself.

    Parameters
    ----------
    make : callable
        ``make(value) -> Electrode``.
    parameter : str
        Name of the parameter (recorded in the result).
    bounds : (float, float)
        Search interval.
    porosity, tortuosity : float
        Targets (porosity is only recorded and checked).
    rtol : float
        Relative tolerance on τ.
    max_evals : int
        Budget of ``make`` calls.
    measure_voxel_um : float
        Grid for :func:`measure`.

    Returns
    -------
    (Electrode, Calibration)
        The best electrode found and the record of the search. A warning is issued if the target
        is outside what the bounds reach or the budget runs out.
    """
    lo, hi = (float(v) for v in bounds)
    if not lo < hi:
        raise ValueError(f"`bounds` must be (low, high) with low < high, got {bounds!r}")
    check_positive(tortuosity, "tortuosity")
    check_fraction(porosity, "porosity")
    check_positive(rtol, "rtol")
    max_evals = check_int(max_evals, "max_evals", min_value=2)
    target = math.log(tortuosity)
    evals: list[tuple[float, float, float]] = []
    best: list = [math.inf, None, None]  # relative error, value, electrode

    def f(v: float) -> float:
        e = make(v)
        phi, tau = measure(e, voxel_um=measure_voxel_um)
        evals.append((v, phi, tau))
        err = abs(tau - tortuosity) / tortuosity if np.isfinite(tau) else math.inf
        if err < best[0]:
            best[:] = [err, v, e]
        log.info("calibrate %s=%.4g: porosity %.3f tau %.3f (target %.3f)", parameter, v, phi, tau, tortuosity)
        return (math.log(tau) - target) if np.isfinite(tau) and tau > 0 else math.inf

    # start from the middle: often within tolerance already
    x0 = 0.5 * (lo + hi)
    f0 = f(x0)
    if abs(f0) > math.log1p(rtol):
        flo = f(lo) if len(evals) < max_evals else math.nan
        if np.sign(flo) != np.sign(f0):
            a, fa, b, fb = lo, flo, x0, f0
        else:
            fhi = f(hi) if len(evals) < max_evals else math.nan
            a, fa, b, fb = x0, f0, hi, fhi
        if not (np.isfinite(fa) and np.isfinite(fb)) or np.sign(fa) == np.sign(fb):
            warnings.warn(f"calibrate: tortuosity {tortuosity} not bracketed by {parameter} in "
                          f"{bounds}; keeping the closest trial", stacklevel=2)
        else:
            side = 0
            while len(evals) < max_evals and best[0] > rtol:
                c = (a * fb - b * fa) / (fb - fa)
                fc = f(c)
                if np.sign(fc) == np.sign(fb):
                    b, fb = c, fc
                    if side == -1:
                        fa /= 2
                    side = -1
                else:
                    a, fa = c, fc
                    if side == 1:
                        fb /= 2
                    side = 1
    err, value, electrode = best
    if electrode is None:
        raise ValueError(f"calibrate: no trial of {parameter} in {bounds} gave a percolating pore space")
    _, phi, tau = next(e for e in evals if e[0] == value)
    converged = err <= rtol
    if not converged:
        warnings.warn(f"calibrate: best {parameter}={value:.4g} gives tau={tau:.3f}, target {tortuosity} "
                      f"(rtol {rtol})", stacklevel=2)
    return electrode, Calibration(parameter, float(value), porosity, tortuosity, phi, tau,
                                  tuple(evals), converged)


def calibrate_state(kind: str, *, porosity: float, tortuosity: float, shape, seed=0,
                    pristine: Electrode | None = None, rtol: float = 0.03, max_evals: int = 9,
                    **fixed) -> tuple[Electrode, Calibration]:
    """Calibrate one electrode state to a (porosity, tortuosity) pair.

    Parameters
    ----------
    kind : {'dry', 'dit'}
    porosity, tortuosity : float
        Targets, measured on the HR (0.74 µm) grid.
    shape : (3,) tuple of int
        Truth shape ``(Z, Y, X)`` (ignored for the cycled state, which keeps ``pristine``'s).
    seed : int
    pristine : Electrode, optional
        Calibrate the *cycled* state of this electrode instead of a pristine one.
    rtol, max_evals
        See :func:`calibrate`.
    **fixed
        Other generator / :func:`cycle` keyword arguments, kept fixed.

    Returns
    -------
    (Electrode, Calibration)
    """
    if kind not in ("dry", "dit"):
        raise ValueError(f"`kind` must be 'dry' or 'dit', got {kind!r}")
    state = "pristine" if pristine is None else "cycled"
    parameter, bounds = CALIBRATED_PARAMETER[(kind, state)]
    if pristine is None:
        gen = dry_electrode if kind == "dry" else dit_electrode

        def make(v):
            return gen(shape, porosity=porosity, seed=seed, **{parameter: v}, **fixed)
    else:
        if pristine.kind != kind:
            raise ValueError(f"`pristine` is a {pristine.kind!r} electrode, not {kind!r}")

        def make(v):
            return cycle(pristine, porosity=porosity, seed=seed + 1, **{parameter: v}, **fixed)

    return calibrate(make, parameter=parameter, bounds=bounds, porosity=porosity,
                     tortuosity=tortuosity, rtol=rtol, max_evals=max_evals)


def calibrate_presets(*, shapes: dict[str, tuple[int, int, int]], seed: int = 0, out=None,
                      samples=None, rtol: float = 0.03, overwrite: bool = False,
                      progress: bool = False) -> dict:
    """Calibrate the eight Table 2 states (four electrodes, pristine and cycled) and store them.

    Parameters
    ----------
    shapes : dict
        ``{"dry": (Z, Y, X), "dit": (Z, Y, X)}`` truth shapes to calibrate at (the ``full`` profile).
    seed : int
    out : path, optional
        Where to write the JSON (e.g. ``xctkit/synth/presets.json``).
    samples : list of str, optional
        Subset of Table 2 sample ids.
    rtol : float
    overwrite : bool
        Replace an existing ``out`` (e.g. the packaged ``presets.json``). False by default; checked
        before the calibration starts.
    progress : bool

    Returns
    -------
    dict
        JSON-serialisable presets with the calibration records.

    Raises
    ------
    ValueError
        If ``samples`` names no Table 2 sample or an unknown one, or ``shapes`` lacks a kind.
    FileExistsError
        If ``out`` exists and ``overwrite`` is False.
    """
    from tqdm import tqdm  # text bars: no ipywidgets needed in executed notebooks


    t2 = table2()
    if samples is not None:
        samples = [samples] if isinstance(samples, str) else list(samples)
        unknown = sorted(set(samples) - set(t2.sample_id))
        if not samples or unknown:
            raise ValueError(f"`samples` must be a non-empty subset of {list(t2.sample_id)}, got "
                             f"{unknown if unknown else samples}")
        t2 = t2[t2.sample_id.isin(samples)]
    kinds = set(t2.kind)
    if not isinstance(shapes, dict) or not kinds <= set(shapes):
        raise ValueError(f"`shapes` must map {sorted(kinds)} to (Z, Y, X) shapes, got {shapes!r}")
    shapes = {k: check_shape3(v, f"shapes[{k!r}]", min_size=16) for k, v in shapes.items()}
    if out is not None:
        atomic_path(out, overwrite=overwrite)  # refuses an existing `out` now, not after the calibration
    presets = {
        "generated_by": "xctkit.synth.calibrate_presets",
        "xctkit_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "shapes": {k: list(v) for k, v in shapes.items()},
        "seed": seed,
        "measure_voxel_um": HR_VOXEL_UM,
        "rtol": rtol,
        "samples": {},
    }
    for row in tqdm(list(t2.itertuples()), disable=not progress, desc="calibrating"):
        pristine, cal0 = calibrate_state(row.kind, porosity=row.porosity_pristine,
                                         tortuosity=row.tortuosity_pristine, shape=shapes[row.kind],
                                         seed=seed, rtol=rtol)
        cycled, cal1 = calibrate_state(row.kind, porosity=row.porosity_cycled,
                                       tortuosity=row.tortuosity_cycled, shape=None, seed=seed,
                                       pristine=pristine, rtol=rtol)
        cyc_params = {cal1.parameter: cal1.value}
        presets["samples"][row.sample_id] = {
            "kind": row.kind,
            "label": row.sample,
            "pristine": {"porosity": row.porosity_pristine, cal0.parameter: cal0.value},
            "cycled": {"porosity": row.porosity_cycled, **cyc_params},
            "calibration": {"pristine": cal0.to_dict(), "cycled": cal1.to_dict()},
        }
    if out is not None:
        with atomic_path(out, overwrite=overwrite) as tmp:
            Path(tmp).write_text(json.dumps(presets, indent=1))
    return presets
