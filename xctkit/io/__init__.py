"""Volumes on disk with voxel size and provenance, and sample manifests.

.. autosummary::

   Volume
   Provenance
   write_tiff
   read_tiff
   write_zarr
   read_zarr
   Sample
   Manifest
   ManifestError
   read_manifest
   write_manifest
"""

from ._manifest import Manifest, ManifestError, Sample, read_manifest, write_manifest
from ._provenance import Provenance
from ._volumes import Volume, atomic_path, read_tiff, read_zarr, write_tiff, write_zarr

__all__ = [
    "Volume",
    "Provenance",
    "atomic_path",
    "write_tiff",
    "read_tiff",
    "write_zarr",
    "read_zarr",
    "Sample",
    "Manifest",
    "ManifestError",
    "read_manifest",
    "write_manifest",
]
