"""Volumes on disk with voxel size and provenance, and sample manifests.

TIFF is written as ImageJ hyperstacks (Fiji opens them at the right scale) and Zarr as OME-Zarr
(NGFF 0.4, optional pyramid; napari opens it at the right scale). Readers also understand Fiji's
ImageJ TIFFs, OME-TIFFs and OME-Zarr stores of other tools. Every writer is atomic and never replaces
an existing file unless ``overwrite=True``.

.. autosummary::

   Volume
   Provenance
   write_tiff
   read_tiff
   write_zarr
   read_zarr
   is_zarr_store
   atomic_path
   stale_temporaries
   Sample
   Manifest
   ManifestError
   read_manifest
   write_manifest
"""

from ._atomic import atomic_path, stale_temporaries
from ._manifest import Manifest, ManifestError, Sample, read_manifest, write_manifest
from ._provenance import Provenance
from ._tiff import read_tiff, write_tiff
from ._volumes import Volume, unit_to_um
from ._zarr import is_zarr_store, read_zarr, write_zarr

__all__ = [
    "Volume",
    "Provenance",
    "atomic_path",
    "stale_temporaries",
    "write_tiff",
    "read_tiff",
    "write_zarr",
    "read_zarr",
    "is_zarr_store",
    "unit_to_um",
    "Sample",
    "Manifest",
    "ManifestError",
    "read_manifest",
    "write_manifest",
]
