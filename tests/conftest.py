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
