"""Virtual laboratory: synthetic NMC811 electrodes with known 3-D truth.

.. autosummary::

   Electrode
   dry_electrode
   dit_electrode
   cycle
   calibrate
   PRESETS
"""

from ._electrodes import (
    HR_VOXEL_UM,
    LR_VOXEL_UM,
    TRUTH_VOXEL_UM,
    Electrode,
    cbd_fraction_from_composition,
    coarsen_solid,
    dit_electrode,
    dry_electrode,
    place_cbd,
)
from ._geometry import ParticleSet, lognormal_diameters, pack_particles, rasterize

__all__ = [
    "HR_VOXEL_UM",
    "LR_VOXEL_UM",
    "TRUTH_VOXEL_UM",
    "Electrode",
    "ParticleSet",
    "cbd_fraction_from_composition",
    "coarsen_solid",
    "dit_electrode",
    "dry_electrode",
    "lognormal_diameters",
    "pack_particles",
    "place_cbd",
    "rasterize",
]
