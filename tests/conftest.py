"""Shared fixtures. Keras runs on torch; every tool cache stays inside the project."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_CACHE = ROOT / ".cache"
os.environ.setdefault("KERAS_BACKEND", "torch")
for _var, _sub in {"MPLCONFIGDIR": "matplotlib", "KERAS_HOME": "keras", "IPYTHONDIR": "ipython",
                   "NUMBA_CACHE_DIR": "numba", "TORCH_HOME": "torch", "XDG_CACHE_HOME": "xdg",
                   "JUPYTER_RUNTIME_DIR": "jupyter-runtime"}.items():
    if _var not in os.environ:
        (_CACHE / _sub).mkdir(parents=True, exist_ok=True)
        os.environ[_var] = str(_CACHE / _sub)
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def _snapshot(folder: Path) -> dict:
    folder = Path(folder)
    if folder.is_file():
        st = folder.stat()
        return {folder: (st.st_mtime_ns, st.st_size)}
    out = {}
    for p in folder.rglob("*") if folder.is_dir() else ():
        if p.is_file() and ".cache" not in p.parts:
            st = p.stat()
            out[p] = (st.st_mtime_ns, st.st_size)
    return out


@pytest.fixture
def untouched():
    """Assert after the test that no file changed in the watched folders.

    The repository's ``data/``, ``book/``, ``notebooks/`` and packaged presets are always watched; call
    the fixture with more folders (a user's scans) to watch them from that moment on. A file that
    appears, disappears or changes modification time or size fails the test.

    Examples
    --------
    >>> def test_x(untouched, tmp_path):   # doctest: +SKIP
    ...     untouched(tmp_path / "scans")
    """
    watched = {}

    def watch(*folders):
        for f in folders:
            watched[Path(f)] = _snapshot(Path(f))

    watch(ROOT / "data", ROOT / "book", ROOT / "notebooks", ROOT / "xctkit" / "synth" / "presets.json")
    yield watch
    changed = []
    for folder, before in watched.items():
        after = _snapshot(folder)
        changed += [str(p) for p in set(before) | set(after) if before.get(p) != after.get(p)]
    assert not changed, f"files changed by a failing call: {sorted(changed)[:10]}"
