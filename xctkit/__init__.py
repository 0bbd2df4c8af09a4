"""xctkit: super-resolution, segmentation and quantification of battery-electrode XCT/SEM images.

Subpackages (imported lazily, so ``import xctkit`` stays cheap):

- :mod:`xctkit.io`          TIFF / Zarr volumes with voxel size and provenance; sample manifests
- :mod:`xctkit.synth`       virtual electrodes with known 3-D truth (the virtual lab: ``workflows.Study.virtual_lab``)
- :mod:`xctkit.imaging`     XCT / SEM forward models, LR/HR pairs, registration
- :mod:`xctkit.sr`          Keras super-resolution models, training, tiled inference, metrics
- :mod:`xctkit.segment`     thresholds, particle separation, pixel classifiers
- :mod:`xctkit.micro`       porosity, tortuosity, size distributions, surface area, REV, expansion
- :mod:`xctkit.stereology`  2-D section to 3-D estimators for cracked particles
- :mod:`xctkit.stats`       regression with diagnostics, bootstrap confidence intervals
- :mod:`xctkit.cell`        measured structure -> PyBaMM parameters, discharge simulations, sensitivity
- :mod:`xctkit.workflows`   the Study (your manifest or the virtual lab) and the chains the chapters run
- :mod:`xctkit.plots`       the house figure style
- :func:`xctkit.cluster`    a ``dask.distributed`` client for the chunked (out-of-core) chain
- :mod:`xctkit.report`      papermill + jupyter-book report pipeline (``xctkit report``)
"""

from __future__ import annotations

import importlib
import os

# Keras 3 defaults to TensorFlow; xctkit runs it on PyTorch (the same torch TauFactor uses).
# setdefault keeps a user's explicit choice.
os.environ.setdefault("KERAS_BACKEND", "torch")

__version__ = "0.1.0"

_SUBPACKAGES = (
    "io",
    "phases",
    "papers",
    "synth",
    "imaging",
    "sr",
    "segment",
    "micro",
    "stereology",
    "stats",
    "cell",
    "workflows",
    "plots",
    "report",
    "cli",
)

__all__ = ["__version__", "cluster", *_SUBPACKAGES]


def __getattr__(name: str):
    if name == "cluster":  # the Dask cluster context (xctkit/_cluster.py); imports distributed lazily
        from ._cluster import cluster

        return cluster
    if name in _SUBPACKAGES:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'xctkit' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
