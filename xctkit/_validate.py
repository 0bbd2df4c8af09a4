"""Input validation shared by every public function.

Each helper raises ``TypeError`` or ``ValueError`` whose message names the argument and says
what was expected, so that bad input never surfaces as a deep traceback.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Iterable, Sequence

import numpy as np

from .phases import PHASE_NAMES

__all__ = [
    "as_array",
    "as_labels",
    "as_phases",
    "PhaseWarning",
    "EmptyInputWarning",
    "warn_empty",
    "check_phase_values",
    "as_grey",
    "as_binary",
    "as_rng",
    "check_positive",
    "check_nonnegative",
    "check_fraction",
    "check_int",
    "check_choice",
    "check_same_shape",
    "check_shape3",
    "check_memory",
    "available_memory_bytes",
]


def as_array(arr, name: str, *, ndim: int | Sequence[int] | None = None, min_size: int = 1) -> np.ndarray:
    """Return ``arr`` as an ndarray, checking its rank and that it is not empty."""
    if arr is None:
        raise TypeError(f"`{name}` must be an array, got None")
    try:
        a = np.asarray(arr)
    except Exception as exc:  # pragma: no cover - numpy's own message is kept
        raise TypeError(f"`{name}` must be array-like, got {type(arr).__name__}") from exc
    if a.dtype == object:
        raise TypeError(f"`{name}` must be a numeric array, got dtype=object")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if a.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"`{name}` must be {want}, got shape {a.shape}")
    if a.size < min_size:
        raise ValueError(f"`{name}` must not be empty, got shape {a.shape}")
    return a


def as_labels(arr, name: str, *, ndim: int | Sequence[int] | None = None) -> np.ndarray:
    """Return a label array (unsigned or signed ints, or bool); refuse floats."""
    a = as_array(arr, name, ndim=ndim)
    if a.dtype.kind not in "uib":
        raise TypeError(f"`{name}` must hold integer phase labels, got dtype {a.dtype}")
    if a.dtype.kind == "i" and a.min() < 0:
        raise ValueError(f"`{name}` must hold non-negative labels, found minimum {a.min()}")
    return a


class PhaseWarning(UserWarning):
    """A requested phase does not occur in a label volume (results for it are empty or trivial)."""


class EmptyInputWarning(UserWarning):
    """An estimator had nothing to measure (no particle pixel, no pore, no section); its value is NaN."""


def warn_empty(func: str, reason: str, *, stacklevel: int = 3) -> float:
    """Warn once that ``func`` returns NaN because ``reason``; returns NaN for ``return warn_empty(...)``."""
    import warnings

    warnings.warn(f"{func}: {reason}; the result is NaN", EmptyInputWarning, stacklevel=stacklevel)
    return float("nan")


def check_phase_values(value, name: str) -> tuple[int, ...]:
    """Label(s) given as ``phase=`` / ``solid=``: each must be an :mod:`xctkit.phases` label."""
    vals = np.atleast_1d(np.asarray(value))
    if vals.size == 0 or vals.dtype.kind not in "iu" or vals.ndim != 1:
        raise TypeError(f"`{name}` must be a phase label or a sequence of them (xctkit.phases), got {value!r}")
    bad = [int(v) for v in vals if int(v) not in PHASE_NAMES]
    if bad:
        known = ", ".join(f"{n.upper()}={k}" for k, n in PHASE_NAMES.items())
        raise ValueError(f"`{name}` must name xctkit phases ({known}), got {bad}")
    return tuple(int(v) for v in vals)


def as_phases(arr, name: str, *, ndim: int | Sequence[int] | None = None, require=None) -> np.ndarray:
    """Return a phase-label volume (:mod:`xctkit.phases`) or a boolean pore mask, checked.

    The one place label semantics are enforced:

    - a **boolean** array is a mask of the pore (transporting) phase, True = pore (PoreSpy's convention),
      everywhere in xctkit;
    - an **integer** array holds phase labels ``PORE``, ``CBD``, ``NMC``, ``CRACK``; any other value is an
      error (an 8-bit grey image or an instance-label volume passed as phases);
    - ``require`` (label or labels, e.g. the ``solid=`` of the caller): a volume holding only 0 and 1
      without any required label is refused (a 0/1 mask given as phase labels, where solid is ``NMC`` = 2);
      otherwise an absent required label gives a :class:`PhaseWarning`.
    """
    a = as_labels(arr, name, ndim=ndim)
    if a.dtype == bool:
        return a
    top = int(a.max())
    present = np.flatnonzero(np.bincount(a.ravel(), minlength=1)) if top < 1 << 16 else np.unique(a)
    unknown = [int(v) for v in present if int(v) not in PHASE_NAMES]
    if unknown:
        shown = ", ".join(str(v) for v in unknown[:6]) + (" ..." if len(unknown) > 6 else "")
        known = ", ".join(f"{n.upper()}={k}" for k, n in PHASE_NAMES.items())
        raise ValueError(f"`{name}` holds values {shown} that are not xctkit phases ({known}); "
                         "a grey image or particle instances? Segment first (xctkit.segment.threshold), or "
                         "pass a boolean pore mask (True = pore)")
    if require is not None:
        req = [int(r) for r in np.atleast_1d(require)]
        missing = [r for r in req if r not in set(int(v) for v in present)]
        if missing and len(missing) == len(req):
            names = ", ".join(f"{PHASE_NAMES.get(r, r)!s}={r}" for r in missing)
            if set(int(v) for v in present) <= {0, 1}:
                raise ValueError(f"`{name}` holds only 0 and 1 but the requested phase ({names}) is absent: "
                                 "a 0/1 mask given as phase labels? Pass a boolean array (True = pore)")
            import warnings

            warnings.warn(f"`{name}` contains none of the requested phase ({names}); "
                          f"present: {[PHASE_NAMES[int(v)] for v in present]}", PhaseWarning, stacklevel=3)
    return a


def as_binary(arr, name: str, *, ndim: int | Sequence[int] | None = None) -> np.ndarray:
    """Return a boolean array; integer input must hold only 0 and 1."""
    a = as_array(arr, name, ndim=ndim)
    if a.dtype == bool:
        return a
    if a.dtype.kind not in "uif":
        raise TypeError(f"`{name}` must be a boolean mask, got dtype {a.dtype}")
    vals = np.unique(a)
    if not np.all(np.isin(vals, (0, 1))):
        shown = ", ".join(str(v) for v in vals[:6])
        raise ValueError(f"`{name}` must be binary (0/1 or bool), found values {shown}")
    return a.astype(bool)


def as_grey(arr, name: str, *, ndim: int | Sequence[int] | None = None) -> np.ndarray:
    """Return a finite float32 grey-level array."""
    a = as_array(arr, name, ndim=ndim)
    if a.dtype.kind not in "uif":
        raise TypeError(f"`{name}` must be a numeric grey-level array, got dtype {a.dtype}")
    a = a.astype(np.float32, copy=False)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"`{name}` must be finite, found NaN or inf")
    return a


def as_rng(seed) -> np.random.Generator:
    """Turn ``seed`` (int, Generator or None) into a Generator, once."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"`seed` must be an int, a numpy Generator or None, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"`seed` must be a non-negative int, got {seed}")
    return np.random.default_rng(int(seed))


def _as_real(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a real number, got {type(value).__name__}")
    v = float(value)
    if not np.isfinite(v):
        raise ValueError(f"`{name}` must be finite, got {value}")
    return v


def check_positive(value, name: str) -> float:
    """A finite number > 0."""
    v = _as_real(value, name)
    if v <= 0:
        raise ValueError(f"`{name}` must be > 0, got {value}")
    return v


def check_nonnegative(value, name: str) -> float:
    """A finite number >= 0."""
    v = _as_real(value, name)
    if v < 0:
        raise ValueError(f"`{name}` must be >= 0, got {value}")
    return v


def check_fraction(value, name: str, *, low: float = 0.0, high: float = 1.0, inclusive: bool = True) -> float:
    """A finite number in [low, high] (or (low, high) when ``inclusive`` is False)."""
    v = _as_real(value, name)
    ok = (low <= v <= high) if inclusive else (low < v < high)
    if not ok:
        br = ("[", "]") if inclusive else ("(", ")")
        raise ValueError(f"`{name}` must be in {br[0]}{low}, {high}{br[1]}, got {value}")
    return v


def check_int(value, name: str, *, min_value: int | None = None, max_value: int | None = None) -> int:
    """An integer (not bool) within optional bounds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"`{name}` must be an int, got {type(value).__name__}")
    v = int(value)
    if min_value is not None and v < min_value:
        raise ValueError(f"`{name}` must be >= {min_value}, got {v}")
    if max_value is not None and v > max_value:
        raise ValueError(f"`{name}` must be <= {max_value}, got {v}")
    return v


def check_choice(value, name: str, choices: Iterable) -> object:
    """One of a fixed set of options."""
    choices = tuple(choices)
    if value not in choices:
        opts = ", ".join(repr(c) for c in choices)
        raise ValueError(f"`{name}` must be one of {{{opts}}}, got {value!r}")
    return value


def check_same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise if two arrays differ in shape, quoting both shapes."""
    if a.shape != b.shape:
        raise ValueError(f"`{name_a}` and `{name_b}` must have the same shape, got {a.shape} and {b.shape}")


def available_memory_bytes() -> int:
    """Memory the operating system reports as available now (``MemAvailable``), in bytes.

    Falls back to the physical memory where ``/proc/meminfo`` is absent (macOS, Windows).
    """
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 2**62  # unknown: do not refuse


def check_memory(shape, name: str, *, bytes_per_voxel: float = 8, available: int | None = None) -> int:
    """Refuse a shape whose arrays would not fit in memory, before anything is allocated.

    Parameters
    ----------
    shape : tuple of int
        The array shape the argument ``name`` asks for.
    name : str
        The argument, quoted in the message.
    bytes_per_voxel : float
        Lower bound of the working memory per element (8: one float64 array).
    available : int, optional
        Bytes available; default :func:`available_memory_bytes`.

    Returns
    -------
    int
        The estimated bytes.

    Raises
    ------
    MemoryError
        Naming ``name``, the shape, the memory needed and the memory available.

    Examples
    --------
    >>> check_memory((64, 64, 64), "shape")
    2097152
    """
    need = int(math.prod(int(v) for v in shape) * bytes_per_voxel)
    avail = available_memory_bytes() if available is None else int(available)
    if need > avail:
        raise MemoryError(
            f"`{name}` {tuple(int(v) for v in shape)} needs at least {need / 2**30:,.1f} GiB "
            f"({bytes_per_voxel:g} bytes per voxel) but {avail / 2**30:,.1f} GiB are available; "
            "use a smaller shape, or the chunked Zarr/Dask functions for volumes larger than memory"
        )
    return need


def check_shape3(shape, name: str = "shape", *, min_size: int = 1,
                 bytes_per_voxel: float | None = 8) -> tuple[int, int, int]:
    """A (Z, Y, X) tuple of positive ints whose float64 volume fits in the available memory.

    ``bytes_per_voxel=None`` skips the memory check (a shape that is never allocated whole).
    """
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (int(shape),) * 3
    try:
        s = tuple(shape)
    except TypeError as exc:
        raise TypeError(f"`{name}` must be an int or a (Z, Y, X) tuple, got {type(shape).__name__}") from exc
    if len(s) != 3 or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in s):
        raise ValueError(f"`{name}` must be three ints (Z, Y, X), got {shape!r}")
    if min(s) < min_size:
        raise ValueError(f"`{name}` must have every size >= {min_size}, got {s}")
    if bytes_per_voxel is not None:
        check_memory(s, name, bytes_per_voxel=bytes_per_voxel)
    return tuple(int(v) for v in s)
